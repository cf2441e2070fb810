//! Why a release may not be dispatched yet, one reason per blocker, in words
//! a release manager can act on.

use super::Target;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Blocker {
    TooFewApprovals {
        have: u32,
        need: u32,
    },
    AuthorApproved {
        author: String,
    },
    ContributorApproved {
        reviewer: String,
    },
    NotAPerson {
        reviewer: String,
    },
    DismissedApproval {
        reviewer: String,
        reason: String,
    },
    NotAnApprover {
        reviewer: String,
    },
    StaleApproval {
        reviewer: String,
        revision: u32,
    },
    ExpiredApproval {
        reviewer: String,
        approved_at: DateTime<Utc>,
        expired_at: DateTime<Utc>,
    },
    /// A freeze window of the environment is open (and no admin broke the glass).
    Frozen {
        environment: String,
        name: String,
        reason: String,
        until: DateTime<Utc>,
    },
    Rejected {
        reviewer: String,
        comment: String,
    },
    UncheckedItems {
        items: Vec<String>,
    },
    UnknownTenant {
        tenant: String,
    },
    TargetNotAllowed {
        target: Target,
    },
    TargetWithoutCluster {
        target: Target,
    },
    NoTargets,
    /// Rows no audit entry records (written behind Airlock's back).
    Unrecorded {
        changes: Vec<String>,
    },
}

impl Blocker {
    /// Stable machine-readable name (the API's `kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Blocker::TooFewApprovals { .. } => "too_few_approvals",
            Blocker::AuthorApproved { .. } => "author_approved",
            Blocker::ContributorApproved { .. } => "contributor_approved",
            Blocker::NotAPerson { .. } => "not_a_person",
            Blocker::DismissedApproval { .. } => "dismissed_approval",
            Blocker::NotAnApprover { .. } => "not_an_approver",
            Blocker::StaleApproval { .. } => "stale_approval",
            Blocker::ExpiredApproval { .. } => "expired_approval",
            Blocker::Frozen { .. } => "frozen",
            Blocker::Rejected { .. } => "rejected",
            Blocker::UncheckedItems { .. } => "unchecked_items",
            Blocker::UnknownTenant { .. } => "unknown_tenant",
            Blocker::TargetNotAllowed { .. } => "target_not_allowed",
            Blocker::TargetWithoutCluster { .. } => "target_without_cluster",
            Blocker::NoTargets => "no_targets",
            Blocker::Unrecorded { .. } => "unrecorded",
        }
    }

    pub fn message(&self) -> String {
        match self {
            Blocker::TooFewApprovals { have, need } => {
                format!("Needs {need} approvals from distinct approvers; has {have}.")
            }
            Blocker::AuthorApproved { author } => {
                format!("{author} wrote this release and cannot approve it; their approval does not count.")
            }
            Blocker::ContributorApproved { reviewer } => {
                format!("{reviewer} edited this release and cannot approve it; their approval does not count.")
            }
            Blocker::NotAPerson { reviewer } => {
                format!("{reviewer} is a service account; only people's approvals count.")
            }
            Blocker::DismissedApproval { reviewer, reason } => {
                format!("{reviewer}'s approval was dismissed: {reason} They must approve again.")
            }
            Blocker::NotAnApprover { reviewer } => {
                format!("{reviewer} does not hold the approver role; their approval does not count.")
            }
            Blocker::StaleApproval { reviewer, revision } => {
                format!("{reviewer} approved revision {revision}, which has since been edited; they must review the current revision.")
            }
            Blocker::ExpiredApproval { reviewer, approved_at, expired_at } => format!(
                "{reviewer} approved at {} and that approval expired at {}; they must approve again.",
                approved_at.format("%Y-%m-%d %H:%M UTC"),
                expired_at.format("%Y-%m-%d %H:%M UTC")
            ),
            Blocker::Frozen { environment, name, reason, until } => format!(
                "{environment} is frozen until {} ({name}: {reason}); an admin may break the glass with a written reason, \
                 at the price of one approval more.",
                until.format("%Y-%m-%d %H:%M UTC")
            ),
            Blocker::Rejected { reviewer, comment } if comment.is_empty() => {
                format!("{reviewer} rejected this revision; edit the release to make a new revision.")
            }
            Blocker::Rejected { reviewer, comment } => {
                format!("{reviewer} rejected this revision (\u{201c}{comment}\u{201d}); edit the release to make a new revision.")
            }
            Blocker::UncheckedItems { items } => format!("Checklist items not yet checked: {}.", items.join("; ")),
            Blocker::UnknownTenant { tenant } => format!("There is no tenant \u{201c}{tenant}\u{201d}."),
            Blocker::TargetNotAllowed { target } => {
                format!("{} may not run in {}: the region is outside its allowed regions.", target.tenant, target.region)
            }
            Blocker::TargetWithoutCluster { target } => {
                format!("No cluster serves {} in this environment, so {} cannot be deployed there.", target.region, target.tenant)
            }
            Blocker::NoTargets => "The release has no targets.".to_owned(),
            Blocker::Unrecorded { changes } => format!(
                "No audit entry records {}: written behind Airlock\u{2019}s back, it counts for nothing. Tell your security team.",
                changes.join("; ")
            ),
        }
    }
}
