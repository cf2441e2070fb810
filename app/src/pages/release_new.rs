//! A new release. The form posts to the server function (with or without
//! JavaScript), which redirects to the new release, or back here with the
//! messages (and what was typed) in the query string. The fields are an
//! island: the domain's checks run in them as you type.

use crate::components::loaded::Loaded;
use crate::components::release_form::{FormRefusal, ReleaseFields};
use crate::error::PageError;
use crate::server_fns::release_changes::CreateRelease;
use crate::server_fns::releases::load_release_form;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn NewReleasePage() -> impl IntoView {
    // On the server this only carries a refused submit's message and what was
    // typed (from the address) back into the form.
    let create = ServerAction::<CreateRelease>::new();
    let refused = create.value().get_untracked().and_then(Result::err);
    let data = Resource::new(|| (), |_| load_release_form(None));
    view! {
        <Title text="New release"/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/releases">"Releases"</a>" / new"</nav>
        <h1>"New release"</h1>
        <Loaded resource=data render=move |data| {
            let initial = match &refused {
                Some(PageError::Invalid { draft: Some(draft), .. }) => (**draft).clone(),
                _ => Default::default(),
            };
            let (banner, by_field) = (refused.clone(), refused.clone());
            view! {
                <ActionForm action=create attr:class="release-form" attr:id="release-form">
                    <FormRefusal refused=banner what="created"/>
                    <ReleaseFields data initial refused=by_field/>
                    <div class="actions">
                        <button type="submit">"Create release"</button>
                        <a href="/releases">"Cancel"</a>
                    </div>
                </ActionForm>
            }
        }/>
    }
}
