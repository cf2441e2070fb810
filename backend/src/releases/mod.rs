//! Working on releases: create, edit, check items, review. Each change runs
//! in one transaction that locks the release, re-reads everything the gate
//! needs, applies the rules, writes, recomputes the verdict on exactly what
//! it commits, appends the audit entry, and only then commits.
//!
//! Every function authorises the acting identity first, with the domain's one
//! `authorize`, whichever transport (page, server function, API) called it.

mod error;
mod review;
mod world_check;

pub use error::ReleaseError;
pub use review::{CheckRequest, ReviewRequest, check_item, review};

use crate::Backend;
use crate::store::{Recorded, ReleaseFilter, ReleaseSummary, StoreTx};
use airlock_domain::access::{Action, Identity, TenantScope, authorize, tenant_scope};
use airlock_domain::audit::{AuditAction, AuditDraft};
use airlock_domain::gate::{ReleaseDossier, ReleaseDraft, default_checklist};
use chrono::{DateTime, Utc};

/// A release, when `actor` may see it: a tenant admin sees only releases
/// none of whose revisions targets another tenant, and gets `NotFound` for
/// any other, as if it did not exist.
#[tracing::instrument(skip_all, fields(release_id = id, actor = actor_name(actor)))]
pub async fn get(backend: &Backend, actor: Option<&Identity>, id: i64) -> Result<ReleaseDossier, ReleaseError> {
    authorize(actor, Action::Read)?;
    let dossier = backend.store.dossier(id).await?.ok_or(ReleaseError::NotFound(id))?;
    let tenants = dossier.revisions.iter().flat_map(|r| r.content.targets.iter().map(|t| t.tenant.as_str()));
    if !tenant_scope(actor).includes_all(tenants) {
        return Err(ReleaseError::NotFound(id));
    }
    Ok(dossier)
}

#[tracing::instrument(skip_all, fields(actor = actor_name(actor)))]
pub async fn list(backend: &Backend, actor: Option<&Identity>, filter: &ReleaseFilter) -> Result<Vec<ReleaseSummary>, ReleaseError> {
    authorize(actor, Action::Read)?;
    let mut filter = filter.clone();
    filter.within_tenants = match tenant_scope(actor) {
        TenantScope::Only(tenants) => Some(tenants.to_vec()),
        TenantScope::All => None,
    };
    Ok(backend.store.releases(&filter).await?)
}

#[tracing::instrument(skip_all, fields(release_id = tracing::field::Empty, actor = actor_name(actor)))]
pub async fn create(
    backend: &Backend,
    actor: Option<&Identity>,
    draft: ReleaseDraft,
    now: DateTime<Utc>,
) -> Result<ReleaseDossier, ReleaseError> {
    authorize(actor, Action::CreateRelease)?;
    let actor = acting(actor)?;
    let (content, environment) = world_check::resolve(backend.store.as_ref(), draft, None).await?;
    let mut tx = backend.store.begin().await?;
    let mut checklist = tx.checklist_template(&environment.name).await?;
    if checklist.is_empty() {
        checklist = default_checklist(environment.protected);
    }
    let id = tx.insert_release(&actor.name, &content, &checklist, now).await?;
    tracing::Span::current().record("release_id", id);
    let subject = format!("release/{id}");
    let entry = audit(&actor.name, AuditAction::ReleaseCreated, &subject, None, Some(json(&RevisionEntry::of(&content))), now);
    finish(backend, tx, id, now, entry, Some(Recorded::Revision(1))).await
}

/// Makes `draft` the release's next revision. `seen` is the revision the
/// editor started from (required, so an edit never lands on a revision its
/// author never saw): if someone else edited since, nothing is saved.
/// An edit that changes nothing makes no revision.
#[tracing::instrument(skip_all, fields(release_id = id, actor = actor_name(actor)))]
pub async fn edit(
    backend: &Backend,
    actor: Option<&Identity>,
    id: i64,
    draft: ReleaseDraft,
    seen: u32,
    now: DateTime<Utc>,
) -> Result<ReleaseDossier, ReleaseError> {
    authorize(actor, Action::EditRelease)?;
    let actor = acting(actor)?;
    // The draft is read against the revision the editor names (its image may
    // follow a new version); under the lock that must still be the current one.
    let edited = backend.store.dossier(id).await?.ok_or(ReleaseError::NotFound(id))?;
    let (content, _) = world_check::resolve(backend.store.as_ref(), draft, Some(&edited.release.content)).await?;
    let mut tx = backend.store.begin().await?;
    let (current, now) = locked_dossier(tx.as_mut(), id, now).await?;
    let before = &current.release.content;
    if content.service != before.service || content.environment != before.environment {
        return Err(ReleaseError::invalid(
            if content.service != before.service { "service" } else { "environment" },
            "A release's service and environment cannot change; create a new release instead.",
        ));
    }
    if seen != current.release.revision {
        return Err(ReleaseError::StaleRevision { seen, current: current.release.revision });
    }
    if edited.release.revision != current.release.revision {
        return Err(ReleaseError::StaleRevision { seen: edited.release.revision, current: current.release.revision });
    }
    if content.digest() == before.digest() {
        return Ok(current);
    }
    let revision = current.release.revision + 1;
    tx.insert_revision(id, revision, &content, &actor.name, now).await?;
    let subject = format!("release/{id}");
    let entry = audit(&actor.name, AuditAction::ReleaseEdited, &subject, Some(json(before)), Some(json(&RevisionEntry::of(&content))), now);
    finish(backend, tx, id, now, entry, Some(Recorded::Revision(revision))).await
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

/// Who is acting, for spans and logs.
pub(crate) fn actor_name(actor: Option<&Identity>) -> &str {
    actor.map_or("nobody", |a| a.name.as_str())
}

pub(crate) fn acting(actor: Option<&Identity>) -> Result<&Identity, ReleaseError> {
    // `authorize` already refused anonymous changes; this only unwraps.
    actor.ok_or_else(|| ReleaseError::Denied(airlock_domain::access::Denied::Unauthenticated { action: "change releases".into() }))
}

/// Locks the release and reads it; `NotFound` when there is none. Also
/// returns when the change takes effect: `requested_at`, or later if the
/// change had to wait for the lock, so that recorded times follow the order
/// in which changes were really applied.
pub(crate) async fn locked_dossier(
    tx: &mut dyn StoreTx,
    id: i64,
    requested_at: DateTime<Utc>,
) -> Result<(ReleaseDossier, DateTime<Utc>), ReleaseError> {
    if !tx.lock_release(id, requested_at).await? {
        return Err(ReleaseError::NotFound(id));
    }
    let now = requested_at.max(Utc::now());
    Ok((tx.dossier(id).await?.ok_or(ReleaseError::NotFound(id))?, now))
}

/// Appends the audit entry, points the row it records at it (so the gate
/// counts that row), re-reads the release as it will be committed, stores
/// the state the gate gives it and commits; then tells open pages.
pub(crate) async fn finish(
    backend: &Backend,
    mut tx: Box<dyn StoreTx>,
    id: i64,
    now: DateTime<Utc>,
    entry: AuditDraft,
    recorded: Option<Recorded>,
) -> Result<ReleaseDossier, ReleaseError> {
    let appended = tx.append_audit(entry).await?;
    if let Some(recorded) = &recorded {
        tx.link_audit(id, recorded, appended.seq).await?;
    }
    let dossier = tx.dossier(id).await?.ok_or(ReleaseError::NotFound(id))?;
    tx.set_state(id, dossier.state(now)).await?;
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
