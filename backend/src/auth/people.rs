//! People: recorded at every sign-in (who the provider says they are, and
//! the roles their groups grant now), listed for admins, who can end all of a
//! person's sessions. Sign-ins, failed sign-ins, sign-outs and ended sessions
//! are audit entries naming the person.

use super::accounts::{self, Arrival};
use super::failed_sign_ins::FailedSignIns;
use super::{SignInMethod, SignedInUser};
use crate::Backend;
use crate::Refusal;
use crate::acting::{Actor, acting, authorize};
use crate::releases::audit;
use crate::store::{Person, PersonRecord, StoreError, StoreTx};
use airlock_domain::access::{Action, Identity, IdentityKind, RoleMap};
use airlock_domain::audit::{AuditAction, AuditDraft};
use chrono::{DateTime, Utc};

/// A person as the identity provider (or the demo sign-in) vouches for them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderAccount {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub display_name: Option<String>,
    pub preferred_username: Option<String>,
    pub groups: Vec<String>,
}

/// Records the sign-in and returns what goes into the session. Roles are
/// recomputed from the groups now; the person's handle, chosen at their
/// first sign-in, stays theirs. A first sign-in that resembles a known person
/// is held for an admin instead (`accounts`): refused, recorded, no handle.
/// The role map a provider sign-in uses: the world file's `access` (with
/// each tenant's `admin_groups`) once a world with one was applied, else the
/// server's configured map (`AIRLOCK_OIDC_ROLE_MAP`). Read at every sign-in,
/// so a change of `access` takes effect at the next one, on every replica.
pub async fn role_map(backend: &Backend, configured: &RoleMap) -> Result<RoleMap, Refusal> {
    match backend.store.access().await? {
        Some(access) => Ok(RoleMap::of_world(&access, &backend.store.tenants().await?)),
        None => Ok(configured.clone()),
    }
}

/// Whether the world says who holds which role (its `access` section).
pub async fn world_grants_roles(backend: &Backend) -> Result<bool, Refusal> {
    Ok(backend.store.access().await?.is_some())
}

pub async fn sign_in(
    backend: &Backend,
    account: ProviderAccount,
    role_map: &RoleMap,
    method: SignInMethod,
    id_token: Option<String>,
    now: DateTime<Utc>,
) -> Result<SignedInUser, Refusal> {
    let (roles, tenants) = role_map.resolve(&account.groups);
    let mut tx = backend.store.begin().await?;
    let wanted = handle_from(&account);
    let mut record = PersonRecord {
        handle: wanted.clone(),
        issuer: account.issuer.clone(),
        subject: account.subject.clone(),
        display_name: account.display_name.clone(),
        email: account.email.clone(),
        roles: roles.clone(),
        tenants: tenants.clone(),
        groups: account.groups.clone(),
    };
    let mut merged_account = None;
    let known = match accounts::arrival(&mut *tx, &account, method, now).await? {
        Arrival::Known(handle) => {
            record.handle = handle;
            true
        }
        Arrival::Merged(person) => {
            // Recorded on the person's own row, bound to their first account.
            merged_account = Some(accounts::account_subject(&account.issuer, &account.subject));
            record = PersonRecord { handle: person.handle, issuer: person.issuer, subject: person.subject, ..record };
            true
        }
        Arrival::New { may_resemble } => {
            if let Some(held) = first_handle(&mut *tx, &mut record, &account, may_resemble, now).await? {
                tx.commit().await?;
                return Err(held);
            }
            false
        }
        Arrival::Refused(refusal) => {
            tx.commit().await?;
            return Err(refusal);
        }
    };
    // Only tampering fails a known person's update: their own row vanished.
    if known && !tx.record_sign_in(&record, now).await? {
        return Err(StoreError::Corrupt(format!("the person row of {} is gone", record.handle)).into());
    }
    let handle = record.handle.clone();
    let mut after = serde_json::json!({ "roles": roles, "tenants": tenants, "groups": account.groups, "method": method });
    if let Some(via) = merged_account {
        after["merged_account"] = via.into();
    }
    tx.append_audit(audit(&handle, AuditAction::SignedIn, &format!("person/{handle}"), None, Some(after.to_string()), now)).await?;
    tx.commit().await?;
    let identity = Identity { name: handle, kind: IdentityKind::Person, roles, tenants };
    Ok(SignedInUser {
        identity,
        display_name: account.display_name,
        groups: account.groups,
        signed_in_at: now,
        touched_at: now,
        id_token,
        method,
    })
}

/// Records a first sign-in under the first free handle, or holds the account
/// when it resembles a known person: then the refusal to answer.
async fn first_handle(
    tx: &mut dyn StoreTx,
    record: &mut PersonRecord,
    account: &ProviderAccount,
    may_resemble: bool,
    now: DateTime<Utc>,
) -> Result<Option<Refusal>, Refusal> {
    let wanted = record.handle.clone();
    let mut n = 1;
    loop {
        // Asked again after every lost race: two first sign-ins wanting the
        // same handle at the same moment can both find it free (PostgreSQL's
        // reads do not wait for the other's insert); the insert tells the
        // loser, who now resembles the winner and is held.
        if may_resemble && let Some(held) = accounts::hold_if_resembling(tx, account, &wanted, now).await? {
            return Ok(Some(held));
        }
        let free = !(is_reserved(&record.handle) || tx.handle_taken(&record.handle).await?);
        if free && tx.record_sign_in(record, now).await? {
            return Ok(None);
        }
        if n > MAX_HANDLE_TRIES {
            // Only a thousand namesakes (or tampering) get here.
            return Err(StoreError::Corrupt(format!("no handle could be recorded for {wanted} after {n} tries")).into());
        }
        n += 1;
        record.handle = format!("{wanted}-{n}");
    }
}

/// Names that stand for Airlock itself or for no person in the log and in
/// approvals: a person whose provider calls them so gets `airlock-2`…
const RESERVED_HANDLES: [&str; 4] = ["airlock", "anonymous", "system", "token"];

/// How many handles a first sign-in tries before giving up.
const MAX_HANDLE_TRIES: u32 = 1_000;

fn is_reserved(handle: &str) -> bool {
    RESERVED_HANDLES.contains(&handle)
}

/// A handle from what the provider says: the username, else the email's
/// local part, else the subject; lowercase letters, digits and '-' only.
fn handle_from(account: &ProviderAccount) -> String {
    let source = account
        .preferred_username
        .as_deref()
        .or_else(|| account.email.as_deref().and_then(|e| e.split('@').next()))
        .unwrap_or(&account.subject);
    let mut handle: String = source
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    handle.truncate(48);
    if handle.is_empty() { "person".to_owned() } else { handle }
}

/// A sign-in that failed: why, and from where (the connection's address), for
/// the audit log. Nobody is known yet, so the entry names no person. Failures
/// are coalesced per source, reason and minute (`failed_sign_ins`), so an
/// anonymous caller cannot grow the log without bound.
pub async fn sign_in_failed(backend: &Backend, source: &str, reason: &str, now: DateTime<Utc>) -> Result<(), Refusal> {
    let due = backend.failed_sign_ins.record(source, reason, now);
    write_failed(backend, due, now).await
}

/// Writes the failures held back for minutes that are over (called every
/// few seconds by the server, so a held count is never lost for long).
pub async fn write_held_sign_in_failures(backend: &Backend, now: DateTime<Utc>) -> Result<(), Refusal> {
    let due = backend.failed_sign_ins.due(now);
    write_failed(backend, due, now).await
}

async fn write_failed(backend: &Backend, due: Vec<FailedSignIns>, now: DateTime<Utc>) -> Result<(), Refusal> {
    for failed in due {
        let after = serde_json::json!({
            "reason": failed.reason, "source": failed.source, "count": failed.count, "minute": failed.minute,
        })
        .to_string();
        append_alone(backend, audit("anonymous", AuditAction::SignInFailed, "session", None, Some(after), now)).await?;
    }
    Ok(())
}

pub async fn signed_out(backend: &Backend, identity: &Identity, now: DateTime<Utc>) -> Result<(), Refusal> {
    let subject = format!("person/{}", identity.name);
    append_alone(backend, audit(&identity.name, AuditAction::SignedOut, &subject, None, None, now)).await
}

/// An audit entry that goes with no other change, in a transaction of its own.
async fn append_alone(backend: &Backend, entry: AuditDraft) -> Result<(), Refusal> {
    let mut tx = backend.store.begin().await?;
    tx.append_audit(entry).await?;
    tx.commit().await?;
    Ok(())
}

/// Everyone who has signed in (admins only).
pub async fn list(backend: &Backend, actor: impl Into<Actor<'_>>) -> Result<Vec<Person>, Refusal> {
    let actor = acting(actor);
    authorize(actor, Action::ManagePeople)?;
    Ok(backend.store.people().await?)
}

/// Ends every session of `handle` (admins only); how many were open.
#[tracing::instrument(skip_all, fields(person = handle, actor = tracing::field::Empty))]
pub async fn end_sessions(backend: &Backend, actor: impl Into<Actor<'_>>, handle: &str, now: DateTime<Utc>) -> Result<u64, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::ManagePeople)?;
    let mut tx = backend.store.begin().await?;
    let ended = tx.end_sessions_of(handle).await?;
    let after = serde_json::json!({ "sessions_ended": ended }).to_string();
    tx.append_audit(audit(by.name(), AuditAction::SessionsEnded, &format!("person/{handle}"), None, Some(after), now)).await?;
    // Before the commit too: a request that reads the session meanwhile is not kept.
    backend.session_memory.forget_all();
    tx.commit().await?;
    backend.session_memory.forget_all();
    Ok(ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(username: Option<&str>, email: Option<&str>) -> ProviderAccount {
        ProviderAccount {
            issuer: "https://id.example".into(),
            subject: "8f3a-22".into(),
            email: email.map(Into::into),
            display_name: None,
            preferred_username: username.map(Into::into),
            groups: vec![],
        }
    }

    #[test]
    fn handles_come_from_the_username_then_the_email_then_the_subject() {
        assert_eq!(handle_from(&account(Some("Ada.Lovelace"), Some("x@y"))), "ada-lovelace");
        assert_eq!(handle_from(&account(None, Some("grace_hopper@navy.mil"))), "grace-hopper");
        assert_eq!(handle_from(&account(None, None)), "8f3a-22");
        assert_eq!(handle_from(&account(Some("token:ci"), None)), "token-ci");
        assert_eq!(handle_from(&account(Some("--"), None)), "person");
    }
}
