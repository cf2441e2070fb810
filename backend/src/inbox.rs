//! The signed-in person's inbox: the releases waiting for their approval
//! (the gate decides, release by release), their own releases that want a
//! next step, and what reached the tenants they administer. The header's
//! count is the first section's length, kept per person until a release
//! changes anywhere (here or on another replica).

use crate::acting::{acting, authorize};
use crate::{Backend, Refusal};
use airlock_domain::access::{Action, Identity, Role};
use airlock_domain::inbox::{Inbox, waits_for};
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// How far back failed jobs and arrivals are shown.
const LOOK_BACK: Duration = Duration::days(7);
/// How long a kept count may be trusted although no release changed: an
/// approval that expires changes nothing in the database.
const COUNT_KEPT_FOR: Duration = Duration::seconds(60);

/// Each person's count of releases waiting for them, under the release
/// generation it was counted at.
#[derive(Default)]
pub(crate) struct Counts {
    /// Goes up whenever any release changes.
    generation: AtomicU64,
    kept: Mutex<HashMap<String, Kept>>,
}

/// A person's count, the release generation it was counted at, and when.
#[derive(Debug, Clone, Copy)]
struct Kept {
    generation: u64,
    at: DateTime<Utc>,
    count: u32,
}

impl Counts {
    pub(crate) fn release_changed(&self) {
        self.generation.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Relaxed)
    }
}

/// Everything waiting for `identity`.
#[tracing::instrument(skip_all, fields(actor = tracing::field::Empty))]
pub async fn inbox(backend: &Backend, identity: Option<&Identity>, now: DateTime<Utc>) -> Result<Inbox, Refusal> {
    authorize(acting(identity), Action::Read)?;
    let Some(identity) = identity else { return Ok(Inbox::default()) };
    let mut inbox = Inbox { waiting: waiting(backend, identity, now).await?, ..Inbox::default() };
    if identity.has(Role::ReleaseManager) {
        let mut own = backend.store.own_releases(&identity.name, now - LOOK_BACK).await?;
        // The stored state says "ready" until something is written: an approval
        // that expired since leaves it open there, not at the gate.
        for release in own.iter_mut().filter(|r| r.open) {
            release.open = backend.store.dossier(release.id).await?.is_some_and(|d| d.verdict(now).is_ok());
        }
        own.retain(|r| r.open || r.failed_jobs > 0);
        inbox.own = own;
    }
    if identity.has(Role::TenantAdmin) {
        let mut reached = Vec::new();
        for tenant in &identity.tenants {
            reached.extend(backend.store.reached(tenant, now - LOOK_BACK).await?);
        }
        reached.sort_by_key(|r| std::cmp::Reverse(r.at));
        reached.truncate(crate::store::INBOX_MAX as usize);
        inbox.reached = reached;
    }
    if backend.mailer().is_some() {
        inbox.mail = backend.store.mail_on(&identity.name).await?;
    }
    Ok(inbox)
}

/// Turns the signed-in person's e-mail on or off.
#[tracing::instrument(skip_all, fields(actor = tracing::field::Empty, on))]
pub async fn set_mail(backend: &Backend, identity: Option<&Identity>, on: bool) -> Result<(), Refusal> {
    authorize(acting(identity), Action::Read)?;
    let person = identity.filter(|i| i.kind == airlock_domain::access::IdentityKind::Person);
    let Some(person) = person else { return Err(Refusal::invalid("mail", "Only people who sign in are mailed.")) };
    if !backend.store.set_mail(&person.name, on).await? {
        return Err(Refusal::invalid("mail", "Sign in through your identity provider once before choosing e-mail."));
    }
    tracing::info!("e-mail turned {}", if on { "on" } else { "off" });
    Ok(())
}

/// How many releases wait for `identity`'s approval: what the header shows.
pub async fn count(backend: &Backend, identity: Option<&Identity>, now: DateTime<Utc>) -> Result<u32, Refusal> {
    authorize(acting(identity), Action::Read)?;
    let Some(identity) = identity.filter(|i| i.has(Role::Approver)) else { return Ok(0) };
    let counts = &backend.inbox_counts;
    let generation = counts.generation();
    let kept = counts.kept.lock().unwrap_or_else(PoisonError::into_inner).get(&identity.name).copied();
    if let Some(kept) = kept.filter(|k| k.generation == generation && now - k.at < COUNT_KEPT_FOR) {
        return Ok(kept.count);
    }
    let count = u32::try_from(waiting(backend, identity, now).await?.len()).unwrap_or(u32::MAX);
    counts.kept.lock().unwrap_or_else(PoisonError::into_inner).insert(identity.name.clone(), Kept { generation, at: now, count });
    Ok(count)
}

async fn waiting(backend: &Backend, identity: &Identity, now: DateTime<Utc>) -> Result<Vec<airlock_domain::inbox::Waiting>, Refusal> {
    if !identity.has(Role::Approver) {
        return Ok(Vec::new());
    }
    let mut waiting = Vec::new();
    for id in backend.store.approval_candidates(&identity.name).await? {
        if let Some(dossier) = backend.store.dossier(id).await? {
            waiting.extend(waits_for(&dossier, identity, now));
        }
        if waiting.len() == crate::store::INBOX_MAX as usize {
            break;
        }
    }
    Ok(waiting)
}
