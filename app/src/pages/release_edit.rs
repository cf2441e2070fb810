//! Editing a release makes its next revision. The form carries the revision
//! it was filled from: if someone else edited meanwhile, nothing is saved and
//! the page says so.

use crate::components::failure::ActionError;
use crate::components::loaded::Loaded;
use crate::components::release_form::DraftFields;
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
    let id = Memo::new(move |_| params.read().get("id").and_then(|s| s.parse::<i64>().ok()));
    let edit = ServerAction::<EditRelease>::new();
    let data = Resource::new(
        move || id.get(),
        |id| async move {
            match id {
                Some(id) => load_release_form(Some(id)).await,
                None => Err(PageError::NotFound { what: "such release".into() }),
            }
        },
    );
    let error = Signal::derive(move || edit.value().get().and_then(Result::err));
    let submitted = Signal::derive(move || edit.version().get());
    view! {
        <Loaded resource=data render=move |data| {
            let Some((id, revision, content)) = data.current.clone() else {
                return view! { <p>"Nothing to edit."</p> }.into_any();
            };
            let initial = match error.get_untracked() {
                Some(PageError::Invalid { draft: Some(draft), .. }) => *draft,
                _ => ReleaseDraft {
                    service: content.service.clone(),
                    version: content.version.clone(),
                    image: content.image.clone(),
                    environment: content.environment.clone(),
                    targets: content.targets.clone(),
                    notes: content.notes.clone(),
                },
            };
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
                    <ActionError error=Signal::derive(move || error.get().filter(|e| !matches!(e, PageError::Invalid { .. })))/>
                    <DraftFields data initial error submitted/>
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
