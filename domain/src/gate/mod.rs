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
pub use dossier::{Change, ReleaseDossier, ReleaseState, ReleaseSummary, Revision, changes};
pub use draft::{
    FieldError, MAX_COMMENT_LEN, MAX_EVIDENCE_URL_LEN, MAX_IMAGE_LEN, MAX_NOTES_LEN, MAX_TARGETS, MAX_VERSION_LEN, ReleaseDraft,
    check_image, check_version, image_tag,
};
pub use release::{ContentDigest, ReleaseContent, Target};
pub use template::{PRODUCTION_CHECKLIST, default_checklist};

use crate::access::is_service_account;
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
    /// Whether the newest `policy.set` audit entry of the environment says
    /// exactly this: a policy changed behind Airlock's back (a hand-made
    /// `UPDATE environments`) is not applied, and blocks (see [`Blocker::Unrecorded`]).
    #[serde(default = "recorded", skip_serializing_if = "is_recorded")]
    pub recorded: bool,
}

/// What an environment's `policy.set` audit entry says, as the store compares
/// it, byte for byte, with the environment's row.
pub fn policy_record(protected: bool, required_approvals: u32) -> String {
    format!("{{\"protected\":{protected},\"required_approvals\":{required_approvals}}}")
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
    if policy.protected {
        let (counted, mut review_blockers) = review_blockers(release, contributors, &digest, reviews, policy, now);
        approvers = counted;
        let have = approvers.len() as u32;
        if have < policy.required_approvals {
            blockers.push(Blocker::TooFewApprovals { have, need: policy.required_approvals });
        } else {
            // Enough approvals stand: approvals that do not count no longer
            // explain anything, but a contributor's approval or a rejection still blocks.
            review_blockers
                .retain(|b| matches!(b, Blocker::AuthorApproved { .. } | Blocker::ContributorApproved { .. } | Blocker::Rejected { .. }));
        }
        blockers.append(&mut review_blockers);
        let unchecked: Vec<String> = checklist.iter().filter(|i| i.checked.is_none() || !i.recorded).map(|i| i.text.clone()).collect();
        if !unchecked.is_empty() {
            blockers.push(Blocker::UncheckedItems { items: unchecked });
        }
    }
    let mut unrecorded = unrecorded_changes(release, reviews, checklist);
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
                blockers.push(Blocker::ExpiredApproval { reviewer: review.reviewer.clone() })
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
