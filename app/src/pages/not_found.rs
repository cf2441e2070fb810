use crate::components::failure::set_status;
use leptos::prelude::*;
use leptos_meta::Title;

/// Answers 404 for unknown URLs and for names that do not exist.
#[component]
pub fn NotFound(#[prop(optional, into)] what: Option<String>) -> impl IntoView {
    set_status(404);
    let message = match what {
        Some(what) => format!("There is no {what}."),
        None => "Nothing lives at this address.".to_owned(),
    };
    view! {
        <Title text="Page not found"/>
        <section class="not-found">
            <h1>"Page not found"</h1>
            <p>{message}</p>
            <p><a href="/">"Back to the overview"</a>" · "<a href="/tenants">"All tenants"</a></p>
        </section>
    }
}
