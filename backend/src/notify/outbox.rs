//! Events are read from the audit log, which every change already writes in
//! its own transaction. The worker reads the entries past its cursor, works
//! out who wants each event (the webhooks whose events name it; with e-mail
//! on, the people it concerns) and writes those deliveries in the
//! transaction that moves the cursor on. A change that rolls back left no
//! entry and tells nobody; one that commits is told at least once; and a
//! change writes nothing for its receivers, so webhooks never slow it.

use super::payload;
use crate::Backend;
use crate::store::{FirstAttempt, NewDelivery, Recipient, ReleaseBrief, StoreError};
use airlock_domain::audit::AuditEntry;
use airlock_domain::notify::EventKind;
use airlock_domain::world_file::Webhook;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fmt::Write;
use std::sync::Arc;

/// The most audit entries one read turns into deliveries.
const READ_MAX: u32 = 500;

/// What one read of the audit log found: the deliveries of the entries
/// after `from`, up to `to`, to be written as the cursor moves from one to the other.
pub(crate) struct Read {
    pub from: i64,
    pub to: i64,
    pub deliveries: Vec<NewDelivery>,
    /// The webhooks as the world file names them now.
    pub hooks: Arc<Vec<Webhook>>,
    /// Whether entries were left for the next read.
    pub more: bool,
}

/// Reads the entries past the cursor (outside any write lock); `None` when there are none.
pub(crate) async fn read(backend: &Backend, now: DateTime<Utc>) -> Result<Option<Read>, StoreError> {
    let store = &backend.store;
    let unread = store.unread_events(READ_MAX).await?;
    let Some(to) = unread.entries.last().map(|entry| entry.seq) else { return Ok(None) };
    let more = unread.entries.len() == READ_MAX as usize;
    let events: Vec<(EventKind, i64, &AuditEntry)> =
        unread.entries.iter().filter_map(|entry| Some((EventKind::of_audit(&entry.action)?, release_of(&entry.subject)?, entry))).collect();
    let mut deliveries = Vec::new();
    if events.is_empty() {
        return Ok(Some(Read { from: unread.cursor, to, deliveries, hooks: Arc::default(), more }));
    }
    let hooks = store.notifications().await?.map(|n| n.webhooks).unwrap_or_default();
    let mailing = backend.mailer().is_some() && events.iter().any(|(kind, ..)| mailed(*kind));
    let people = if mailing { store.mail_recipients().await? } else { Vec::new() };
    if hooks.is_empty() && people.is_empty() {
        return Ok(Some(Read { from: unread.cursor, to, deliveries, hooks: Arc::default(), more }));
    }
    let mut ids: Vec<i64> = events.iter().map(|(_, id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let releases: HashMap<i64, ReleaseBrief> = store.release_briefs(&ids).await?.into_iter().map(|b| (b.id, b)).collect();
    // One mail per release says its jobs fail (the page shows every one): what this read already mails counts too.
    let mut failure_mailed: HashSet<(i64, String)> = HashSet::new();
    for (kind, id, entry) in events {
        let Some(release) = releases.get(&id) else { continue };
        let mut receivers: Vec<String> =
            hooks.iter().filter(|hook| hook.wants(kind)).map(|hook| super::webhook_receiver(&hook.name)).collect();
        if mailing && mailed(kind) {
            for receiver in mail_receivers(kind, release, &people) {
                if kind == EventKind::JobFailed
                    && (!failure_mailed.insert((id, receiver.clone())) || store.told_before(id, &receiver, kind.as_str()).await?)
                {
                    continue;
                }
                receivers.push(receiver);
            }
        }
        if receivers.is_empty() {
            continue;
        }
        let document = payload::document(kind, release, entry).to_string();
        for receiver in receivers {
            deliveries.push(NewDelivery {
                delivery_id: delivery_id(entry, &receiver),
                receiver,
                event: kind.as_str().to_owned(),
                release_id: id,
                audit_seq: Some(entry.seq),
                payload: document.clone(),
                at: now,
                first: FirstAttempt::NotYet,
            });
        }
    }
    Ok(Some(Read { from: unread.cursor, to, deliveries, hooks: Arc::new(hooks), more }))
}

/// An entry's delivery id for a receiver: whichever worker reads the entry,
/// and however often (a worker that died before writing what it sent), the
/// receiver sees one id. It starts with the entry's number, so ids are
/// written in the order of their index (a random id would dirty a page of
/// it per delivery, under the write lock changes wait for); the rest is
/// a hash of the entry's own hash, unique to this log, so two portals
/// telling one receiver do not share ids.
fn delivery_id(entry: &AuditEntry, receiver: &str) -> String {
    let digest = Sha256::new().chain_update(entry.hash.as_bytes()).chain_update([0]).chain_update(receiver.as_bytes()).finalize();
    digest[..10].iter().fold(format!("{:012x}", entry.seq), |mut hex, byte| {
        let _ = write!(hex, "{byte:02x}");
        hex
    })
}

/// The release an event's entry is about (`release/<id>`).
fn release_of(subject: &str) -> Option<i64> {
    subject.strip_prefix("release/")?.parse().ok()
}

/// The events people are mailed about.
fn mailed(kind: EventKind) -> bool {
    matches!(kind, EventKind::ReleaseCreated | EventKind::GateOpened | EventKind::JobFailed)
}

/// Who is mailed: approvers (never its author) when a release starts
/// waiting; its author when its gate opens, and when a job fails.
fn mail_receivers<'p>(kind: EventKind, release: &'p ReleaseBrief, people: &'p [Recipient]) -> impl Iterator<Item = String> + 'p {
    people
        .iter()
        .filter(move |person| match kind {
            EventKind::ReleaseCreated => release.approvals_needed > 0 && person.is_approver && person.handle != release.author,
            _ => person.handle == release.author,
        })
        .map(|person| super::mail_receiver(&person.handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(hash: &str) -> AuditEntry {
        AuditEntry {
            seq: 7,
            at: Utc::now(),
            actor: "ada".into(),
            action: "review.approved".into(),
            subject: "release/1".into(),
            before: None,
            after: None,
            prev_hash: String::new(),
            hash: hash.into(),
        }
    }

    #[test]
    fn an_entry_read_again_gives_each_receiver_the_delivery_id_it_had() {
        let id = delivery_id(&entry("a1"), "webhook:ops");
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{id}");
        assert_eq!(delivery_id(&entry("a1"), "webhook:ops"), id, "read again, by any worker");
        assert_ne!(delivery_id(&entry("a1"), "webhook:audit"), id, "another receiver");
        assert_ne!(delivery_id(&entry("b2"), "webhook:ops"), id, "another entry (or another portal's log)");
        let mut later = entry("c3");
        later.seq = 8;
        assert!(delivery_id(&later, "webhook:audit") > id, "in the order of the log");
    }
}
