//! A new release. Without JavaScript the form posts to the server function,
//! which redirects to the new release, or back here with the messages (and
//! what was typed) in the query string.

use crate::components::failure::ActionError;
use crate::components::loaded::Loaded;
use crate::components::release_form::DraftFields;
use crate::error::PageError;
use crate::server_fns::release_changes::CreateRelease;
use crate::server_fns::releases::load_release_form;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NewReleasePage() -> impl IntoView {
    let create = ServerAction::<CreateRelease>::new();
    let data = Resource::new(|| (), |_| load_release_form(None));
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let submitted = Signal::derive(move || create.version().get());
    view! {
        <Title text="New release"/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/releases">"Releases"</a>" / new"</nav>
        <h1>"New release"</h1>
        <Loaded resource=data render=move |data| {
            // What the last refused submit held, so the form comes back filled in.
            let initial = match error.get_untracked() {
                Some(PageError::Invalid { draft: Some(draft), .. }) => *draft,
                _ => Default::default(),
            };
            view! {
                <ActionForm action=create attr:class="release-form" attr:id="release-form">
                    <ActionError error=Signal::derive(move || error.get().filter(|e| !matches!(e, PageError::Invalid { .. })))/>
                    {move || error.get().is_some_and(|e| matches!(e, PageError::Invalid { .. })).then(|| view! {
                        <p class="form-error" role="alert">"The release was not created: see the messages below."</p>
                    })}
                    <DraftFields data initial error submitted/>
                    <div class="actions">
                        <button type="submit">"Create release"</button>
                        <a href="/releases">"Cancel"</a>
                    </div>
                </ActionForm>
            }
        }/>
    }
}
