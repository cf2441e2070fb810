//! Working on releases: create, edit, check items, review. Each change runs
//! in one transaction that locks the release, re-reads everything the gate
//! needs, applies the rules, writes, recomputes the verdict on exactly what
//! it commits, appends the audit entry, and only then commits.
//!
//! Every function authorises the acting identity first, with the domain's one
//! `authorize`, whichever transport (page, server function, API) called it.

mod break_glass;
mod review;
mod world_check;

pub use break_glass::{MAX_REASON_LEN, break_glass};
pub use review::{CheckRequest, ReviewRequest, check_item, review};

use crate::acting::{Actor, acting, authorize};
use crate::store::{Recorded, ReleaseFilter, ReleaseSummary, StoreTx};
use crate::{Backend, Missing, Refusal};
use airlock_domain::access::{Action, TenantScope};
use airlock_domain::audit::{AuditAction, AuditDraft};
use airlock_domain::gate::{ReleaseDossier, ReleaseDraft, ReleaseState, UNCHECKED_BY_EDIT};
use chrono::{DateTime, Utc};

/// A release, when `actor` may see it: a tenant admin sees only releases
/// none of whose revisions targets another tenant, and gets `NotFound` for
/// any other, as if it did not exist.
#[tracing::instrument(skip_all, fields(release_id = id, actor = tracing::field::Empty))]
pub async fn get(backend: &Backend, actor: impl Into<Actor<'_>>, id: i64) -> Result<ReleaseDossier, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::Read)?;
    let dossier = backend.store.dossier(id).await?.ok_or(Refusal::NotFound(Missing::Release(id)))?;
    let tenants = dossier.revisions.iter().flat_map(|r| r.content.targets.iter().map(|t| t.tenant.as_str()));
    if !actor.tenant_scope().includes_all(tenants) {
        return Err(Refusal::NotFound(Missing::Release(id)));
    }
    Ok(dossier)
}

#[tracing::instrument(skip_all, fields(actor = tracing::field::Empty))]
pub async fn list(backend: &Backend, actor: impl Into<Actor<'_>>, filter: &ReleaseFilter) -> Result<Vec<ReleaseSummary>, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::Read)?;
    let mut filter = filter.clone();
    filter.within_tenants = match actor.tenant_scope() {
        TenantScope::Only(tenants) => Some(tenants.to_vec()),
        TenantScope::All => None,
    };
    Ok(backend.store.releases(&filter).await?)
}

#[tracing::instrument(skip_all, fields(release_id = tracing::field::Empty, actor = tracing::field::Empty))]
pub async fn create(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    draft: ReleaseDraft,
    now: DateTime<Utc>,
) -> Result<ReleaseDossier, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::CreateRelease)?;
    let (content, environment) = world_check::resolve(backend.store.as_ref(), draft, None).await?;
    let mut tx = backend.store.begin().await?;
    // The environment's own checklist (the world file's), possibly none.
    let checklist = tx.checklist_template(&environment.name).await?;
    let id = tx.insert_release(by.name(), &content, &checklist, now).await?;
    tracing::Span::current().record("release_id", id);
    let subject = format!("release/{id}");
    let entry = audit(by.name(), AuditAction::ReleaseCreated, &subject, None, Some(json(&RevisionEntry::of(&content))), now);
    finish(backend, tx, Changed::Everything(id), now, entry, Some(Recorded::Revision(1))).await
}

/// Makes `draft` the release's next revision. `seen` is the revision the
/// editor started from (required, so an edit never lands on a revision its
/// author never saw): if someone else edited since, nothing is saved.
/// An edit that changes nothing makes no revision.
#[tracing::instrument(skip_all, fields(release_id = id, actor = tracing::field::Empty))]
pub async fn edit(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    id: i64,
    draft: ReleaseDraft,
    seen: u32,
    now: DateTime<Utc>,
) -> Result<ReleaseDossier, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::EditRelease)?;
    // The draft is read against the revision the editor names (its image may
    // follow a new version); under the lock that must still be the current one.
    let edited = backend.store.dossier(id).await?.ok_or(Refusal::NotFound(Missing::Release(id)))?;
    let (content, _) = world_check::resolve(backend.store.as_ref(), draft, Some(&edited.release.content)).await?;
    let mut tx = backend.store.begin().await?;
    let (current, now) = locked_dossier(tx.as_mut(), id, now).await?;
    let before = &current.release.content;
    if content.service != before.service || content.environment != before.environment {
        return Err(Refusal::invalid(
            if content.service != before.service { "service" } else { "environment" },
            "A release's service and environment cannot change; create a new release instead.",
        ));
    }
    if seen != current.release.revision {
        return Err(Refusal::StaleRevision { seen, current: current.release.revision });
    }
    if edited.release.revision != current.release.revision {
        return Err(Refusal::StaleRevision { seen: edited.release.revision, current: current.release.revision });
    }
    if content.digest() == before.digest() {
        return Ok(current);
    }
    let revision = current.release.revision + 1;
    tx.insert_revision(id, revision, &content, by.name(), now).await?;
    // Evidence was given for what would be deployed: when that changes, every
    // tick goes (a notes-only edit keeps them). Approvals go with any edit.
    if !content.deploys_the_same_as(before) {
        for item in current.checklist.iter().filter(|i| i.checked.is_some()) {
            tx.set_item(id, item.id, None).await?;
            let after = serde_json::json!({ "reason": UNCHECKED_BY_EDIT, "revision": revision }).to_string();
            let subject = format!("release/{id}/checklist/{}", item.id);
            tx.append_audit(audit(by.name(), AuditAction::ItemUnchecked, &subject, Some(json(item)), Some(after), now)).await?;
        }
    }
    let subject = format!("release/{id}");
    let entry = audit(by.name(), AuditAction::ReleaseEdited, &subject, Some(json(before)), Some(json(&RevisionEntry::of(&content))), now);
    finish(backend, tx, Changed::Everything(id), now, entry, Some(Recorded::Revision(revision))).await
}

/// What the audit entry of a new revision records: the content, led by its
/// digest, version and image, in that order, so the gate finds the row's
/// entry by comparing a short prefix (`store::recorded`), not the whole JSON.
#[derive(serde::Serialize)]
pub(crate) struct RevisionEntry<'c> {
    digest: airlock_domain::gate::ContentDigest,
    version: &'c str,
    image: &'c str,
    service: &'c str,
    environment: &'c str,
    targets: &'c [airlock_domain::gate::Target],
    notes: &'c str,
}

impl<'c> RevisionEntry<'c> {
    pub(crate) fn of(content: &'c airlock_domain::gate::ReleaseContent) -> RevisionEntry<'c> {
        RevisionEntry {
            digest: content.digest(),
            version: &content.version,
            image: &content.image,
            service: &content.service,
            environment: &content.environment,
            targets: &content.targets,
            notes: &content.notes,
        }
    }
}

/// Locks the release and reads it; `NotFound` when there is none. Also
/// returns when the change takes effect: `requested_at`, or later if the
/// change had to wait for the lock, so that recorded times follow the order
/// in which changes were really applied.
pub(crate) async fn locked_dossier(
    tx: &mut dyn StoreTx,
    id: i64,
    requested_at: DateTime<Utc>,
) -> Result<(ReleaseDossier, DateTime<Utc>), Refusal> {
    if !tx.lock_release(id, requested_at).await? {
        return Err(Refusal::NotFound(Missing::Release(id)));
    }
    let now = requested_at.max(Utc::now());
    Ok((tx.dossier(id).await?.ok_or(Refusal::NotFound(Missing::Release(id)))?, now))
}

/// What a change touched, so that [`finish`] reads back only that.
pub(crate) enum Changed {
    /// New content (a release created or edited): the whole release.
    Everything(i64),
    /// A review of the release read (locked) before it.
    Reviews(ReleaseDossier),
    /// A checklist tick, and the approvals it may have dismissed.
    ChecklistAndReviews(ReleaseDossier),
}

/// Appends the audit entry, points the row it records at it (so the gate
/// counts that row), re-reads what changed as it will be committed, stores
/// the state the gate gives the release and commits; then tells open pages.
pub(crate) async fn finish(
    backend: &Backend,
    mut tx: Box<dyn StoreTx>,
    changed: Changed,
    now: DateTime<Utc>,
    entry: AuditDraft,
    recorded: Option<Recorded>,
) -> Result<ReleaseDossier, Refusal> {
    let appended = tx.append_audit(entry).await?;
    let (id, was_open) = match &changed {
        Changed::Everything(id) => (*id, None),
        Changed::Reviews(dossier) | Changed::ChecklistAndReviews(dossier) => {
            (dossier.release.id, Some(dossier.state(now) == ReleaseState::Ready))
        }
    };
    if let Some(recorded) = &recorded {
        tx.link_audit(id, recorded, appended.seq).await?;
    }
    let dossier = match changed {
        Changed::Everything(id) => tx.dossier(id).await?.ok_or(Refusal::NotFound(Missing::Release(id)))?,
        Changed::Reviews(mut dossier) => {
            dossier.reviews = tx.reviews_of(id).await?;
            dossier
        }
        Changed::ChecklistAndReviews(mut dossier) => {
            dossier.reviews = tx.reviews_of(id).await?;
            dossier.checklist = tx.checklist_of(id).await?;
            dossier
        }
    };
    let state = dossier.state(now);
    tx.set_state(id, state).await?;
    // A review or a tick that completed the gate: recorded, so release managers are told.
    if was_open == Some(false) && state == ReleaseState::Ready {
        let after = serde_json::json!({ "revision": dossier.release.revision, "by_entry": appended.seq });
        tx.append_audit(audit(&appended.actor, AuditAction::GateOpened, &format!("release/{id}"), None, Some(json(&after)), now)).await?;
    }
    tx.commit().await?;
    backend.announce(id);
    Ok(dossier)
}

pub(crate) fn audit(
    actor: &str,
    action: AuditAction,
    subject: &str,
    before: Option<String>,
    after: Option<String>,
    at: DateTime<Utc>,
) -> AuditDraft {
    AuditDraft { at, actor: actor.to_owned(), action, subject: subject.to_owned(), before, after }
}

pub(crate) fn json(value: &impl serde::Serialize) -> String {
    // Serialising plain data structs cannot fail; an empty object keeps the entry.
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}
