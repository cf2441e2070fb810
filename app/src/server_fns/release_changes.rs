//! Changing releases: create, edit, check items, review. Each takes plain
//! form fields, so the same function serves an `<ActionForm>` with and
//! without JavaScript; the backend service authorises and applies the gate.

// One argument per form field (the `#[server]` macro also generates the
// browser's caller, so the allowance has to cover the whole module).
#![allow(clippy::too_many_arguments)]

use crate::error::PageError;
use airlock_domain::gate::{MAX_NOTES_LEN, MAX_TARGETS, ReleaseDraft, Target};
use leptos::prelude::*;

/// How a target travels in a form: `tenant/region`.
pub fn target_value(target: &Target) -> String {
    format!("{}/{}", target.tenant, target.region)
}

/// The draft the domain checks. A malformed target keeps its text as the
/// tenant and no region, so the domain reports it like any other problem.
pub fn draft_from_form(
    service: &str,
    version: &str,
    image: &str,
    image_pinned: bool,
    environment: &str,
    targets: &[String],
    notes: &str,
) -> ReleaseDraft {
    let targets = targets
        .iter()
        .map(|value| match value.split_once('/') {
            Some((tenant, region)) => Target { tenant: tenant.into(), region: region.into() },
            None => Target { tenant: value.clone(), region: String::new() },
        })
        .collect();
    ReleaseDraft {
        service: service.trim().into(),
        version: version.trim().into(),
        image: image.trim().into(),
        environment: environment.trim().into(),
        targets,
        notes: notes.into(),
        image_pinned,
    }
}

/// Attaches what was typed to a validation error, clipped so the redirect
/// that carries it back to a form without JavaScript stays a sane length.
#[cfg_attr(not(feature = "ssr"), allow(dead_code))]
fn echo(error: PageError, draft: ReleaseDraft) -> PageError {
    let clip = |text: String, max: usize| text.chars().take(max).collect::<String>();
    match error {
        PageError::Invalid { errors, .. } => {
            let mut draft = draft;
            draft.targets.truncate(MAX_TARGETS);
            let draft = ReleaseDraft {
                service: clip(draft.service, 100),
                version: clip(draft.version, 100),
                image: clip(draft.image, 300),
                environment: clip(draft.environment, 100),
                notes: clip(draft.notes, MAX_NOTES_LEN),
                targets: draft.targets,
                image_pinned: draft.image_pinned,
            };
            PageError::Invalid { errors, draft: Some(Box::new(draft)) }
        }
        other => other,
    }
}

#[server(prefix = "/rpc", endpoint = "create_release")]
pub async fn create_release(
    #[server(default)] service: String,
    #[server(default)] version: String,
    #[server(default)] image: String,
    #[server(default)] image_pinned: bool,
    #[server(default)] environment: String,
    #[server(default)] targets: Vec<String>,
    #[server(default)] notes: String,
) -> Result<i64, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let draft = draft_from_form(&service, &version, &image, image_pinned, &environment, &targets, &notes);
        let dossier = airlock_backend::releases::create(&backend, actor.as_ref(), draft.clone(), chrono::Utc::now())
            .await
            .map_err(|error| echo(error.into(), draft))?;
        let id = dossier.release.id;
        leptos_axum::redirect(&format!("/releases/{id}"));
        Ok(id)
    })
    .await
}

/// `revision` is the revision the editor started from; `service` and
/// `environment` come along unchanged (a release cannot move).
#[server(prefix = "/rpc", endpoint = "edit_release")]
pub async fn edit_release(
    id: i64,
    revision: Option<u32>,
    #[server(default)] service: String,
    #[server(default)] version: String,
    #[server(default)] image: String,
    #[server(default)] image_pinned: bool,
    #[server(default)] environment: String,
    #[server(default)] targets: Vec<String>,
    #[server(default)] notes: String,
) -> Result<(), PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let draft = draft_from_form(&service, &version, &image, image_pinned, &environment, &targets, &notes);
        let revision = revision.ok_or_else(revision_missing)?;
        use airlock_backend::Refusal;
        airlock_backend::releases::edit(&backend, actor.as_ref(), id, draft.clone(), revision, chrono::Utc::now()).await.map_err(
            |error| match error {
                // The service words this for reviewers; say it for editors.
                stale @ Refusal::StaleRevision { seen, current } => PageError::Refused {
                    status: stale.status(),
                    code: stale.code().to_owned(),
                    message: format!(
                        "You edited revision {seen}, but revision {current} was saved meanwhile. Open the release again and redo your edit."
                    ),
                },
                other => echo(other.into(), draft),
            },
        )?;
        leptos_axum::redirect(&format!("/releases/{id}"));
        Ok(())
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "check_item")]
pub async fn check_item(
    id: i64,
    item: u32,
    #[server(default)] checked: bool,
    evidence_url: Option<String>,
    note: Option<String>,
) -> Result<(), PageError> {
    super::answer(async move {
        use airlock_backend::releases::CheckRequest;
        let (backend, actor) = super::backend_and_actor()?;
        let request = CheckRequest { checked, evidence_url, note };
        airlock_backend::releases::check_item(&backend, actor.as_ref(), id, item, request, chrono::Utc::now()).await?;
        super::redirect_plain_form(&format!("/releases/{id}#item-{item}"));
        Ok(())
    })
    .await
}

/// `revision` is the revision the reviewer read; `decision` is the button
/// pressed, `approve` or `reject`.
#[server(prefix = "/rpc", endpoint = "review_release")]
pub async fn review_release(
    id: i64,
    revision: Option<u32>,
    #[server(default)] decision: String,
    #[server(default)] comment: String,
) -> Result<(), PageError> {
    super::answer(async move {
        use airlock_backend::releases::ReviewRequest;
        use airlock_domain::gate::{Decision, FieldError};
        let (backend, actor) = super::backend_and_actor()?;
        let decision = match decision.as_str() {
            "approve" => Decision::Approve,
            "reject" => Decision::Reject,
            _ => {
                let errors = vec![FieldError::new("decision", "Choose approve or reject.")];
                return Err(PageError::Invalid { errors, draft: None });
            }
        };
        let revision = revision.ok_or_else(revision_missing)?;
        let request = ReviewRequest { decision, comment, revision };
        airlock_backend::releases::review(&backend, actor.as_ref(), id, request, chrono::Utc::now()).await?;
        super::redirect_plain_form(&format!("/releases/{id}#reviews"));
        Ok(())
    })
    .await
}

/// A change must name the revision it was made on; a form without one (an
/// old page, a hand-made request) would otherwise act on whatever is current.
#[cfg(feature = "ssr")]
fn revision_missing() -> PageError {
    let errors =
        vec![airlock_domain::gate::FieldError::new("revision", "The form did not say which revision you read; open the release again.")];
    PageError::Invalid { errors, draft: None }
}
