//! Break-glass: an admin lets one release through its environment's open
//! freeze window, in writing. The gate then asks one approval more than
//! usual; nobody who wrote or edited the release can give it, nor a token;
//! it is marked on the release, in lists and in the audit log.

use super::{audit, locked_dossier};
use crate::acting::{Actor, acting, authorize};
use crate::{Backend, Missing, Refusal};
use airlock_domain::access::{Action, is_service_account};
use airlock_domain::audit::AuditAction;
use airlock_domain::gate::ReleaseDossier;
use chrono::{DateTime, Utc};

/// The longest reason kept.
pub const MAX_REASON_LEN: usize = 2000;

#[tracing::instrument(skip_all, fields(release_id = id, actor = tracing::field::Empty))]
pub async fn break_glass(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    id: i64,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<ReleaseDossier, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::BreakGlass)?;
    if is_service_account(by.name()) {
        return Err(Refusal::BreakGlassRefused("Only a person who signed in may break the glass, never a token."));
    }
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_LEN {
        return Err(Refusal::invalid("reason", "Breaking the glass needs a written reason of at most 2,000 characters."));
    }
    let mut tx = backend.store.begin().await?;
    let (current, now) = locked_dossier(tx.as_mut(), id, now).await?;
    let tenants = current.revisions.iter().flat_map(|r| r.content.targets.iter().map(|t| t.tenant.as_str()));
    if !actor.tenant_scope().includes_all(tenants) {
        return Err(Refusal::NotFound(Missing::Release(id)));
    }
    if current.contributors().iter().any(|c| c == by.name()) {
        return Err(Refusal::BreakGlassRefused("You wrote or edited this release: someone else must break the glass."));
    }
    if current.policy.break_glass.is_some() {
        return Err(Refusal::GlassAlreadyBroken(id));
    }
    let Some(freeze) = current.policy.freeze.as_ref().filter(|f| f.is_open_at(now)) else {
        return Err(Refusal::NotFrozen { environment: current.release.content.environment.clone() });
    };
    let after = serde_json::json!({
        "reason": reason, "freeze": freeze.name, "until": freeze.until, "revision": current.release.revision,
    });
    let entry = audit(by.name(), AuditAction::BreakGlass, &format!("release/{id}"), None, Some(after.to_string()), now);
    let appended = tx.append_audit(entry).await?;
    tx.insert_break_glass(id, &current.release.author, by.name(), reason, now, appended.seq).await?;
    let dossier = tx.dossier(id).await?.ok_or(Refusal::NotFound(Missing::Release(id)))?;
    tx.set_state(id, dossier.state(now)).await?;
    tx.commit().await?;
    tracing::warn!(freeze = %freeze.name, "break-glass: a release may pass a freeze");
    backend.announce(id);
    Ok(dossier)
}
