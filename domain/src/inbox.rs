//! What waits for someone. A release waits for an approver who may approve
//! it and has not reviewed what it is now: the gate's own rules decide
//! (never the author or an editor, never a service account, only approvers).
//! A release manager's releases want their next step when their gate opened
//! or a job failed; a tenant admin sees what reached their tenants.

use crate::access::{Identity, IdentityKind, Role};
use crate::gate::{Blocker, Decision, ReleaseDossier};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Everything waiting for one person, section by section (empty where their roles give none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inbox {
    /// Oldest first.
    pub waiting: Vec<Waiting>,
    /// Newest first.
    pub own: Vec<OwnRelease>,
    /// Newest first.
    pub reached: Vec<Reached>,
    /// Whether they are mailed what waits for them (`None`: e-mail is not configured).
    pub mail: Option<bool>,
}

/// A release manager's release that wants their next step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnRelease {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    /// Its gate is open and nothing was dispatched yet.
    pub open: bool,
    /// Its jobs that failed since the inbox looks back.
    pub failed_jobs: u32,
    pub updated_at: DateTime<Utc>,
}

/// A job that finished well in a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reached {
    pub release_id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    pub tenant: String,
    pub region: String,
    /// `deploy` or `rollback`.
    pub kind: String,
    pub at: DateTime<Utc>,
}

/// A release waiting for one approver, as their inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiting {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    pub author: String,
    pub revision: u32,
    /// Since the revision they would approve was made.
    pub since: DateTime<Utc>,
    pub approvals: u32,
    pub needed: u32,
    /// What blocks it besides approvals (unticked items, a freeze, a rejection…).
    pub also_blocked_by: Vec<Blocker>,
}

/// The release as waiting for `who`, or `None` when it does not wait for them.
pub fn waits_for(dossier: &ReleaseDossier, who: &Identity, now: DateTime<Utc>) -> Option<Waiting> {
    if who.kind != IdentityKind::Person || !who.has(Role::Approver) || dossier.contributors().contains(&who.name) {
        return None;
    }
    // A rejection stands; an approval stands while the gate counts it (an expired one asks again).
    let rejected =
        dossier.current_reviews().iter().any(|r| r.reviewer == who.name && r.dismissed.is_none() && r.decision == Decision::Reject);
    if rejected || dossier.counted_approvers(now).contains(&who.name) {
        return None;
    }
    let Err(blockers) = dossier.verdict(now) else { return None };
    let (approvals, needed) = blockers.iter().find_map(|b| match b {
        Blocker::TooFewApprovals { have, need } => Some((*have, *need)),
        _ => None,
    })?;
    let also_blocked_by = blockers.into_iter().filter(|b| !matches!(b, Blocker::TooFewApprovals { .. })).collect();
    let since = dossier.revisions.last().map_or(dossier.created_at, |r| r.at);
    let content = &dossier.release.content;
    Some(Waiting {
        id: dossier.release.id,
        service: content.service.clone(),
        version: content.version.clone(),
        environment: content.environment.clone(),
        author: dossier.release.author.clone(),
        revision: dossier.release.revision,
        since,
        approvals,
        needed,
        also_blocked_by,
    })
}
