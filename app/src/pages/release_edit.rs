//! Editing a release makes its next revision. The form carries the revision
//! it was filled from: if someone else edited meanwhile, nothing is saved and
//! the page says so.

use crate::components::loaded::Loaded;
use crate::components::release_form::{FormRefusal, ReleaseFields};
use crate::error::PageError;
use crate::server_fns::release_changes::EditRelease;
use crate::server_fns::releases::load_release_form;
use airlock_domain::gate::ReleaseDraft;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn EditReleasePage() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").and_then(|s| s.parse::<i64>().ok());
    // On the server this only carries a refused submit's message and what was
    // typed (from the address) back into the form.
    let edit = ServerAction::<EditRelease>::new();
    let refused = edit.value().get_untracked().and_then(Result::err);
    let data = Resource::new(
        move || id,
        |id| async move {
            match id {
                Some(id) => load_release_form(Some(id)).await,
                None => Err(PageError::NotFound { what: "such release".into() }),
            }
        },
    );
    view! {
        <Loaded resource=data render=move |data| {
            let Some((id, revision, content)) = data.current.clone() else {
                return view! { <p>"Nothing to edit."</p> }.into_any();
            };
            // What the refused submit held, or else the revision being edited.
            let initial = match &refused {
                Some(PageError::Invalid { draft: Some(draft), .. }) => (**draft).clone(),
                _ => ReleaseDraft {
                    service: content.service.clone(),
                    version: content.version.clone(),
                    image: content.image.clone(),
                    environment: content.environment.clone(),
                    targets: content.targets.clone(),
                    notes: content.notes.clone(),
                    image_pinned: false,
                },
            };
            let (banner, by_field) = (refused.clone(), refused.clone());
            view! {
                <Title text=format!("Edit release #{id}")/>
                <nav class="breadcrumbs" aria-label="Breadcrumbs">
                    <a href="/releases">"Releases"</a>" / "<a href=format!("/releases/{id}")>"#"{id}</a>" / edit"
                </nav>
                <h1>"Edit release #"{id}</h1>
                <p class="summary">
                    "You are editing revision "{revision}". Saving makes revision "{revision + 1}
                    ": approvals of earlier revisions no longer count."
                </p>
                <ActionForm action=edit attr:class="release-form" attr:id="release-form">
                    <input type="hidden" name="id" value=id/>
                    <input type="hidden" name="revision" value=revision/>
                    <FormRefusal refused=banner what="saved"/>
                    <ReleaseFields data initial refused=by_field/>
                    <div class="actions">
                        <button type="submit">"Save revision"</button>
                        <a href=format!("/releases/{id}")>"Cancel"</a>
                    </div>
                </ActionForm>
            }
            .into_any()
        }/>
    }
}
