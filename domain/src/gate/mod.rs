//! The release gate. One pure function, [`evaluate`], decides whether a
//! release may be dispatched; it alone can build an [`ApprovedRelease`], the
//! only thing dispatch accepts. The server calls it inside the transaction
//! that records a review or a dispatch request; the browser calls the very
//! same code to explain, item by item, why a release is blocked.

mod blocker;
mod dossier;
mod draft;
mod release;
mod template;

pub use blocker::Blocker;
pub use dossier::{Change, ReleaseDossier, ReleaseState, ReleaseSummary, Revision, UNCHECKED_BY_EDIT, changes};
pub use draft::{
    FieldError, MAX_COMMENT_LEN, MAX_EVIDENCE_URL_LEN, MAX_IMAGE_LEN, MAX_NOTES_LEN, MAX_TARGETS, MAX_VERSION_LEN, ReleaseDraft,
    check_image, check_version, image_tag,
};
pub use release::{ContentDigest, ReleaseContent, Target};
pub use template::{PRODUCTION_CHECKLIST, default_checklist};

use crate::access::is_service_account;
use crate::freeze::{BreakGlass, OpenFreeze};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub id: i64,
    /// Starts at 1; every edit makes a new revision.
    pub revision: u32,
    pub author: String,
    pub content: ReleaseContent,
    /// Whether the audit log records this revision being made (see [`Blocker::Unrecorded`]).
    #[serde(default = "recorded", skip_serializing_if = "is_recorded")]
    pub recorded: bool,
}

/// Rows arrive recorded unless the store found no audit entry for them
/// (and only the exception is written out, keeping audit entries as they were).
fn recorded() -> bool {
    true
}

fn is_recorded(recorded: &bool) -> bool {
    *recorded
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub reviewer: String,
    /// Whether the reviewer held the approver role when reviewing.
    pub reviewer_is_approver: bool,
    pub decision: Decision,
    pub revision: u32,
    /// The content digest the reviewer saw.
    pub digest: ContentDigest,
    pub comment: String,
    pub at: DateTime<Utc>,
    /// Why this approval no longer counts although its revision is current:
    /// the checklist evidence the approver saw was replaced or removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dismissed: Option<String>,
    /// Whether the audit log records this review; one written behind
    /// Airlock's back (a hand-made `INSERT INTO reviews`) never counts.
    #[serde(default = "recorded", skip_serializing_if = "is_recorded")]
    pub recorded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChecklistItem {
    /// Its position in the release's checklist, from 1.
    pub id: u32,
    pub text: String,
    /// Who checked it and when; `None` while unchecked.
    pub checked: Option<(String, DateTime<Utc>)>,
    /// Where the proof lives (a CI run, a scan report), if given.
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    /// Whether the audit log records the current check; an unrecorded one counts as unchecked.
    #[serde(default = "recorded", skip_serializing_if = "is_recorded")]
    pub recorded: bool,
}

/// What the environment demands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GatePolicy {
    pub protected: bool,
    pub required_approvals: u32,
    /// Approvals older than this no longer count; `None` means they never expire.
    pub approval_ttl: Option<Duration>,
    /// The environment's freeze window open when the release was read, or
    /// the next to open (worked out by the server: see [`crate::freeze`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze: Option<OpenFreeze>,
    /// An admin's break-glass for this release: through a freeze, at the
    /// price of one approval more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub break_glass: Option<BreakGlass>,
    /// Whether the newest `policy.set` audit entry of the environment says
    /// exactly this: a policy changed behind Airlock's back (a hand-made
    /// `UPDATE environments`) is not applied, and blocks (see [`Blocker::Unrecorded`]).
    #[serde(default = "recorded", skip_serializing_if = "is_recorded")]
    pub recorded: bool,
}

/// What an environment's `policy.set` audit entry says, as the store compares
/// it, byte for byte, with the environment's row (`store::recorded`). An
/// approval expiry and freezes appear only when set, so the records of
/// policies without them read as they always did. `freezes` is the JSON the
/// store keeps (`[]` for none).
pub fn policy_record(protected: bool, required_approvals: u32, approval_ttl_seconds: Option<u64>, freezes: &str) -> String {
    let mut record = format!("{{\"protected\":{protected},\"required_approvals\":{required_approvals}");
    if let Some(seconds) = approval_ttl_seconds {
        record.push_str(&format!(",\"approval_ttl_seconds\":{seconds}"));
    }
    if freezes != "[]" {
        record.push_str(&format!(",\"freezes\":{freezes}"));
    }
    record.push('}');
    record
}

/// The facts about targets the gate needs: which regions each tenant may run
/// in, and which regions of the release's environment a cluster serves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetFacts {
    pub allowed_regions: Vec<(String, Vec<String>)>,
    pub served_regions: Vec<String>,
}

/// A release that passed the gate. Its fields are private and there is no
/// constructor but [`evaluate`], so holding one proves the gate was open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedRelease {
    release: Release,
    digest: ContentDigest,
    approvers: Vec<String>,
}

impl ApprovedRelease {
    pub fn release(&self) -> &Release {
        &self.release
    }
    pub fn digest(&self) -> &ContentDigest {
        &self.digest
    }
    pub fn approvers(&self) -> &[String] {
        &self.approvers
    }
}

/// Every reason the release is blocked, or the approved release.
/// `contributors` are everyone who made a revision of it (the author and
/// every editor): none of them may approve it.
pub fn evaluate(
    release: &Release,
    contributors: &[String],
    reviews: &[Review],
    checklist: &[ChecklistItem],
    policy: &GatePolicy,
    facts: &TargetFacts,
    now: DateTime<Utc>,
) -> Result<ApprovedRelease, Vec<Blocker>> {
    let digest = release.content.digest();
    let mut blockers = target_blockers(&release.content.targets, facts);
    let mut approvers = BTreeSet::new();
    let frozen = policy.freeze.as_ref().filter(|f| f.is_open_at(now));
    // Break-glass by anyone who made the release counts for nothing.
    let glass = policy.break_glass.as_ref().filter(|g| g.recorded && !contributors.contains(&g.by));
    let need = policy.required_approvals + u32::from(frozen.is_some() && glass.is_some());
    if let Some(freeze) = frozen
        && glass.is_none()
    {
        let (name, reason, until) = (freeze.name.clone(), freeze.reason.clone(), freeze.until);
        blockers.push(Blocker::Frozen { environment: release.content.environment.clone(), name, reason, until });
    }
    if policy.protected || need > 0 {
        let (counted, mut review_blockers) = review_blockers(release, contributors, &digest, reviews, policy, now);
        approvers = counted;
        let have = approvers.len() as u32;
        if have < need {
            blockers.push(Blocker::TooFewApprovals { have, need });
        } else {
            // Enough approvals stand: approvals that do not count no longer
            // explain anything, but a contributor's approval or a rejection still blocks.
            review_blockers
                .retain(|b| matches!(b, Blocker::AuthorApproved { .. } | Blocker::ContributorApproved { .. } | Blocker::Rejected { .. }));
        }
        blockers.append(&mut review_blockers);
    }
    // The environment's checklist binds wherever it has items.
    let unchecked: Vec<String> = checklist.iter().filter(|i| i.checked.is_none() || !i.recorded).map(|i| i.text.clone()).collect();
    if !unchecked.is_empty() {
        blockers.push(Blocker::UncheckedItems { items: unchecked });
    }
    let mut unrecorded = unrecorded_changes(release, reviews, checklist);
    if let Some(glass) = policy.break_glass.as_ref().filter(|g| !g.recorded) {
        unrecorded.push(format!("{}\u{2019}s break-glass", glass.by));
    }
    if !policy.recorded {
        unrecorded.insert(
            0,
            format!("the gate policy of {} (whether it is protected, how many approvals it needs)", release.content.environment),
        );
    }
    if !unrecorded.is_empty() {
        blockers.push(Blocker::Unrecorded { changes: unrecorded });
    }
    if blockers.is_empty() {
        Ok(ApprovedRelease { release: release.clone(), digest, approvers: approvers.into_iter().collect() })
    } else {
        Err(blockers)
    }
}

/// What the store holds that no audit entry records, in words: such rows
/// were written behind Airlock's back and count for nothing.
fn unrecorded_changes(release: &Release, reviews: &[Review], checklist: &[ChecklistItem]) -> Vec<String> {
    let mut changes = Vec::new();
    if !release.recorded {
        changes.push(format!("revision {}", release.revision));
    }
    for review in reviews.iter().filter(|r| !r.recorded) {
        let what = match review.decision {
            Decision::Approve => "approval",
            Decision::Reject => "rejection",
        };
        changes.push(format!("{}\u{2019}s {what} of revision {}", review.reviewer, review.revision));
    }
    for item in checklist.iter().filter(|i| i.checked.is_some() && !i.recorded) {
        changes.push(format!("the check of \u{201c}{}\u{201d}", item.text));
    }
    changes
}

fn target_blockers(targets: &[Target], facts: &TargetFacts) -> Vec<Blocker> {
    if targets.is_empty() {
        return vec![Blocker::NoTargets];
    }
    let mut blockers = Vec::new();
    let unique: BTreeSet<&Target> = targets.iter().collect();
    for target in unique {
        match facts.allowed_regions.iter().find(|(tenant, _)| *tenant == target.tenant) {
            None => blockers.push(Blocker::UnknownTenant { tenant: target.tenant.clone() }),
            Some((_, allowed)) if !allowed.contains(&target.region) => blockers.push(Blocker::TargetNotAllowed { target: target.clone() }),
            Some(_) if !facts.served_regions.contains(&target.region) => {
                blockers.push(Blocker::TargetWithoutCluster { target: target.clone() })
            }
            Some(_) => {}
        }
    }
    blockers
}

/// Counts the approvals that stand and explains every one that does not.
/// Only each reviewer's latest review of the current revision matters.
fn review_blockers(
    release: &Release,
    contributors: &[String],
    digest: &ContentDigest,
    reviews: &[Review],
    policy: &GatePolicy,
    now: DateTime<Utc>,
) -> (BTreeSet<String>, Vec<Blocker>) {
    let mut latest: Vec<&Review> = Vec::new();
    for review in reviews.iter().filter(|r| r.recorded) {
        match latest.iter_mut().find(|r| r.reviewer == review.reviewer) {
            Some(kept) if kept.at <= review.at => *kept = review,
            Some(_) => {}
            None => latest.push(review),
        }
    }
    let mut approvers = BTreeSet::new();
    let mut blockers = Vec::new();
    for review in latest {
        let current = review.revision == release.revision && review.digest == *digest;
        match review.decision {
            Decision::Reject if current => {
                blockers.push(Blocker::Rejected { reviewer: review.reviewer.clone(), comment: review.comment.clone() })
            }
            Decision::Reject => {}
            Decision::Approve if !current => {
                blockers.push(Blocker::StaleApproval { reviewer: review.reviewer.clone(), revision: review.revision })
            }
            Decision::Approve if review.reviewer == release.author => {
                blockers.push(Blocker::AuthorApproved { author: review.reviewer.clone() })
            }
            Decision::Approve if contributors.contains(&review.reviewer) => {
                blockers.push(Blocker::ContributorApproved { reviewer: review.reviewer.clone() })
            }
            Decision::Approve if is_service_account(&review.reviewer) => {
                blockers.push(Blocker::NotAPerson { reviewer: review.reviewer.clone() })
            }
            Decision::Approve if review.dismissed.is_some() => blockers.push(Blocker::DismissedApproval {
                reviewer: review.reviewer.clone(),
                reason: review.dismissed.clone().unwrap_or_default(),
            }),
            Decision::Approve if !review.reviewer_is_approver => {
                blockers.push(Blocker::NotAnApprover { reviewer: review.reviewer.clone() })
            }
            Decision::Approve if policy.approval_ttl.is_some_and(|ttl| now - review.at > ttl) => {
                let expired_at = review.at + policy.approval_ttl.unwrap_or_default();
                blockers.push(Blocker::ExpiredApproval { reviewer: review.reviewer.clone(), approved_at: review.at, expired_at })
            }
            Decision::Approve => {
                approvers.insert(review.reviewer.clone());
            }
        }
    }
    (approvers, blockers)
}

#[cfg(test)]
mod tests;
