//! Held accounts: a first sign-in that resembles a person Airlock already
//! knows (see `airlock_domain::access::account`) waits for an admin instead
//! of minting a second handle, and admins merge, allow or block it. Every
//! hold and every decision is an audit entry.

use super::SignInMethod;
use super::demo::DEMO_ISSUER;
use super::people::ProviderAccount;
use crate::acting::{Actor, acting, authorize};
use crate::audit::SYSTEM_ACTOR;
use crate::releases::audit;
use crate::store::{MergedInto, StoreTx};
use crate::{Backend, Missing, Refusal};
use airlock_domain::access::{AccountDecision, AccountState, Action, HeldAccount};
use airlock_domain::audit::AuditAction;
use chrono::{DateTime, Utc};

/// Who a sign-in turns out to be, before any handle is chosen.
pub(super) enum Arrival {
    /// A person already: their handle.
    Known(String),
    /// An account an admin merged into a person: it signs in as them.
    Merged(MergedInto),
    /// Nobody yet. `may_resemble`: whether to hold it if it resembles someone
    /// (not for demo people, nor for an account an admin allowed).
    New { may_resemble: bool },
    /// Held or blocked: refused (its last sighting is recorded).
    Refused(Refusal),
}

pub(super) async fn arrival(
    tx: &mut dyn StoreTx,
    account: &ProviderAccount,
    method: SignInMethod,
    now: DateTime<Utc>,
) -> Result<Arrival, Refusal> {
    if let Some(handle) = tx.person_handle(&account.issuer, &account.subject).await? {
        return Ok(Arrival::Known(handle));
    }
    if let Some(person) = tx.merged_into(&account.issuer, &account.subject).await? {
        return Ok(Arrival::Merged(person));
    }
    let held = tx.held_account(&account.issuer, &account.subject).await?;
    Ok(match held.map(|a| a.state) {
        Some(AccountState::Allowed) => Arrival::New { may_resemble: false },
        Some(state @ (AccountState::Held | AccountState::Blocked)) => {
            tx.touch_held_account(&account.issuer, &account.subject, now).await?;
            Arrival::Refused(if state == AccountState::Held { Refusal::AccountHeld } else { Refusal::AccountBlocked })
        }
        // Merged without its person cannot be: the person's row is referenced.
        Some(AccountState::Merged) | None => Arrival::New { may_resemble: method != SignInMethod::Demo },
    })
}

/// Holds `account` if it resembles a known person (demo people resemble
/// nobody): the refusal to answer, or `None` to go on minting a handle.
pub(super) async fn hold_if_resembling(
    tx: &mut dyn StoreTx,
    account: &ProviderAccount,
    wanted_handle: &str,
    now: DateTime<Utc>,
) -> Result<Option<Refusal>, Refusal> {
    let Some((resembles, resemblance)) = tx.resembling_person(account.email.as_deref(), wanted_handle, DEMO_ISSUER).await? else {
        return Ok(None);
    };
    let held = HeldAccount {
        issuer: account.issuer.clone(),
        subject: account.subject.clone(),
        state: AccountState::Held,
        resembles,
        resemblance,
        display_name: account.display_name.clone(),
        email: account.email.clone(),
        username: account.preferred_username.clone(),
        first_seen_at: now,
        last_seen_at: now,
        decided_by: None,
        decided_at: None,
    };
    // One entry per account, however often it tries again.
    if tx.hold_account(&held).await? {
        let after = serde_json::json!({
            "resembles": held.resembles, "resemblance": held.resemblance, "email": held.email, "username": held.username,
        });
        let subject = account_subject(&held.issuer, &held.subject);
        tx.append_audit(audit(SYSTEM_ACTOR, AuditAction::AccountHeld, &subject, None, Some(after.to_string()), now)).await?;
    }
    Ok(Some(Refusal::AccountHeld))
}

/// How the audit log names a provider account.
pub fn account_subject(issuer: &str, subject: &str) -> String {
    format!("account/{subject}@{issuer}")
}

/// Every held account, open ones first (admins and the local operator).
pub async fn list(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Vec<HeldAccount>, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::ManagePeople)?;
    Ok(backend.store.held_accounts().await?)
}

/// An admin's decision on a held or blocked account: merged into the person
/// it resembles, allowed as a person of its own, or blocked.
#[tracing::instrument(skip_all, fields(account = subject, decision = decision.as_str(), actor = tracing::field::Empty))]
pub async fn decide(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    issuer: &str,
    subject: &str,
    decision: AccountDecision,
    now: DateTime<Utc>,
) -> Result<HeldAccount, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::ManagePeople)?;
    let mut tx = backend.store.begin().await?;
    let missing = || Refusal::NotFound(Missing::HeldAccount { issuer: issuer.to_owned(), subject: subject.to_owned() });
    let before = tx.decide_account(issuer, subject, decision.state(), by.name(), now).await?.ok_or_else(missing)?;
    let action = match decision {
        AccountDecision::Merge => AuditAction::AccountMerged,
        AccountDecision::Allow => AuditAction::AccountAllowed,
        AccountDecision::Block => AuditAction::AccountBlocked,
    };
    let was = serde_json::json!({ "state": before.state }).to_string();
    let now_is = serde_json::json!({ "state": decision.state(), "resembles": before.resembles }).to_string();
    tx.append_audit(audit(by.name(), action, &account_subject(issuer, subject), Some(was), Some(now_is), now)).await?;
    tx.commit().await?;
    Ok(HeldAccount { state: decision.state(), decided_by: Some(by.name().to_owned()), decided_at: Some(now), ..before })
}
