//! Reviews and checklist ticks: the two changes that move a release towards
//! an open gate.

use super::{Changed, audit, finish, json, locked_dossier};
use crate::Refusal;
use crate::acting::{Actor, acting, authorize};
use crate::store::{ItemCheck, Recorded, StoreTx};
use crate::{Backend, Missing};
use airlock_domain::access::{Action, Role};
use airlock_domain::audit::AuditAction;
use airlock_domain::gate::{ChecklistItem, Decision, MAX_COMMENT_LEN, MAX_EVIDENCE_URL_LEN, ReleaseDossier, Review};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewRequest {
    pub decision: Decision,
    pub comment: String,
    /// The revision the reviewer read; refused if the release has moved on,
    /// so nobody approves what they never saw.
    pub revision: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRequest {
    pub checked: bool,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
}

#[tracing::instrument(skip_all, fields(release_id = id, actor = tracing::field::Empty))]
pub async fn review(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    id: i64,
    request: ReviewRequest,
    now: DateTime<Utc>,
) -> Result<ReleaseDossier, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::Review)?;
    if request.decision == Decision::Approve && by.is_service_account() {
        return Err(Refusal::ServiceAccountApproval);
    }
    let comment = request.comment.trim().to_owned();
    if comment.chars().count() > MAX_COMMENT_LEN {
        return Err(Refusal::invalid("comment", format!("A comment may be at most {MAX_COMMENT_LEN} characters.")));
    }
    if request.decision == Decision::Reject && comment.is_empty() {
        return Err(Refusal::invalid("comment", "Say why you reject the release, so its author can fix it."));
    }
    let mut tx = backend.store.begin().await?;
    let (current, now) = locked_dossier(tx.as_mut(), id, now).await?;
    let release = &current.release;
    if request.revision != release.revision {
        return Err(Refusal::StaleRevision { seen: request.revision, current: release.revision });
    }
    if by.name() == release.author {
        return Err(Refusal::SelfReview { what: "this release" });
    }
    // Whoever made any revision wrote part of what is being approved: a
    // trivial edit by someone else must not launder an earlier editor's change.
    if current.contributors().iter().any(|name| name == by.name()) {
        return Err(Refusal::SelfReview { what: "a revision of this release" });
    }
    let review = Review {
        reviewer: by.name().to_owned(),
        reviewer_is_approver: by.has(Role::Approver),
        decision: request.decision,
        revision: release.revision,
        digest: release.content.digest(),
        comment,
        at: now,
        dismissed: None,
        recorded: true,
    };
    tx.put_review(id, &release.author, &review).await?;
    let action = match review.decision {
        Decision::Approve => AuditAction::ReleaseApproved,
        Decision::Reject => AuditAction::ReleaseRejected,
    };
    let entry = audit(by.name(), action, &format!("release/{id}"), None, Some(json(&review)), now);
    let recorded = Recorded::Review { revision: review.revision, reviewer: review.reviewer.clone() };
    finish(backend, tx, Changed::Reviews(current), now, entry, Some(recorded)).await
}

#[tracing::instrument(skip_all, fields(release_id = id, item = item, actor = tracing::field::Empty))]
pub async fn check_item(
    backend: &Backend,
    actor: impl Into<Actor<'_>>,
    id: i64,
    item: u32,
    request: CheckRequest,
    now: DateTime<Utc>,
) -> Result<ReleaseDossier, Refusal> {
    let actor = acting(actor);
    let by = authorize(actor, Action::CheckItem)?;
    let evidence_url = blank_to_none(request.evidence_url);
    let note = blank_to_none(request.note);
    if let Some(url) = &evidence_url {
        check_evidence_url(url)?;
    }
    if note.as_ref().is_some_and(|n| n.chars().count() > MAX_COMMENT_LEN) {
        return Err(Refusal::invalid("note", format!("A note may be at most {MAX_COMMENT_LEN} characters.")));
    }
    let mut tx = backend.store.begin().await?;
    let (current, now) = locked_dossier(tx.as_mut(), id, now).await?;
    let before = current.checklist.iter().find(|i| i.id == item).ok_or(Refusal::NotFound(Missing::ChecklistItem { release: id, item }))?;
    // (A check no audit entry records is redone, so that it counts.)
    let unchanged = before.checked.is_some() == request.checked && before.evidence_url == evidence_url && before.note == note;
    if unchanged && before.recorded {
        return Ok(current);
    }
    // Approvers approved the evidence they could see: replacing or removing
    // it takes their approval away (ticking an unchecked item does not).
    let evidence_gone = before.checked.is_some() && (!request.checked || before.evidence_url != evidence_url);
    if evidence_gone {
        dismiss_approvals_resting_on(tx.as_mut(), &current, item, request.checked, by.name(), now).await?;
    }
    // A note-only change keeps who checked the item and when: that time is
    // when its evidence was set, which is what approvals are measured
    // against. Moving it would let a note edit, then an evidence swap,
    // replace the evidence under approvals that no longer seem to rest on it.
    let note_only = request.checked && before.recorded && before.evidence_url == evidence_url;
    let check = request.checked.then(|| match before.checked.clone().filter(|_| note_only) {
        Some((by, at)) => ItemCheck { by, at, evidence_url, note },
        None => ItemCheck { by: by.name().to_owned(), at: now, evidence_url, note },
    });
    tx.set_item(id, item, check.as_ref()).await?;
    let action = if check.is_some() { AuditAction::ItemChecked } else { AuditAction::ItemUnchecked };
    let after = ChecklistItem {
        checked: check.as_ref().map(|c| (c.by.clone(), c.at)),
        evidence_url: check.as_ref().and_then(|c| c.evidence_url.clone()),
        note: check.as_ref().and_then(|c| c.note.clone()),
        ..before.clone()
    };
    let subject = format!("release/{id}/checklist/{item}");
    let entry = audit(by.name(), action, &subject, Some(json(before)), Some(json(&after)), now);
    finish(backend, tx, Changed::ChecklistAndReviews(current), now, entry, check.is_some().then_some(Recorded::Item(item))).await
}

/// Dismisses every approval of the current revision given while item `item`
/// held the evidence now being replaced (or removed), and records it.
async fn dismiss_approvals_resting_on(
    tx: &mut dyn StoreTx,
    current: &ReleaseDossier,
    item: u32,
    still_checked: bool,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let reviewers = current.approvals_resting_on(item);
    let Some(text) = current.checklist.iter().find(|i| i.id == item).map(|i| i.text.as_str()) else { return Ok(()) };
    if reviewers.is_empty() {
        return Ok(());
    }
    let how = if still_checked { "replaced" } else { "removed" };
    let reason = format!("the evidence of \u{201c}{text}\u{201d} was {how} after they approved.");
    let id = current.release.id;
    for reviewer in &reviewers {
        tx.dismiss_review(id, current.release.revision, reviewer, &reason, now).await?;
    }
    let after = serde_json::json!({ "item": item, "reviewers": reviewers, "reason": reason }).to_string();
    tx.append_audit(audit(actor, AuditAction::ApprovalDismissed, &format!("release/{id}"), None, Some(after), now)).await?;
    Ok(())
}

fn blank_to_none(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

fn check_evidence_url(url: &str) -> Result<(), Refusal> {
    let scheme_ok = url.starts_with("https://") || url.starts_with("http://");
    if url.chars().count() > MAX_EVIDENCE_URL_LEN || !scheme_ok || url.chars().any(char::is_whitespace) {
        return Err(Refusal::invalid("evidence_url", "Evidence must be an http(s) link of at most 2,000 characters, such as a CI run."));
    }
    Ok(())
}
