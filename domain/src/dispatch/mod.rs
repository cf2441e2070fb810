//! Dispatch, the pure part: what a job is, the states it moves through, the
//! Kubernetes name it gets, and the waves a rollout goes in. The server's
//! outbox, worker and watchers apply these; the browser shows them.

mod bake;
mod job_name;
mod waves;

pub use bake::{BakeVerdict, RollbackOn, bake_verdict};
pub use job_name::{MAX_JOB_NAME_LEN, job_name};
pub use waves::{RollbackPolicy, Rollout, waves};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why a job exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    Deploy,
    Rollback,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::Deploy => "deploy",
            JobKind::Rollback => "rollback",
        }
    }

    pub fn parse(text: &str) -> Option<JobKind> {
        [JobKind::Deploy, JobKind::Rollback].into_iter().find(|k| k.as_str() == text)
    }
}

/// Where a job is: recorded (queued), sent to its cluster (created), seen
/// running there, and finished one way or the other. `Skipped` is a job of a
/// later wave that never started because an earlier wave failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Created,
    Running,
    Succeeded,
    Failed,
    Skipped,
}

impl JobState {
    pub const ALL: [JobState; 6] =
        [JobState::Queued, JobState::Created, JobState::Running, JobState::Succeeded, JobState::Failed, JobState::Skipped];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Created => "created",
            JobState::Running => "running",
            JobState::Succeeded => "succeeded",
            JobState::Failed => "failed",
            JobState::Skipped => "skipped",
        }
    }

    pub fn parse(text: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn is_final(self) -> bool {
        matches!(self, JobState::Succeeded | JobState::Failed | JobState::Skipped)
    }

    fn rank(self) -> u8 {
        match self {
            JobState::Queued => 0,
            JobState::Created => 1,
            JobState::Running => 2,
            JobState::Succeeded | JobState::Failed | JobState::Skipped => 3,
        }
    }

    /// Whether an observation of `next` moves a job that is `self` on. Jobs
    /// only move forward: a watcher that replays what it saw before a
    /// restart (or sees an older event late) changes nothing, so no
    /// transition is ever recorded twice, and a finished job stays finished.
    pub fn advances_to(self, next: JobState) -> bool {
        next.rank() > self.rank()
    }
}

/// One job as people see it on the release page and in the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobView {
    pub id: i64,
    pub kind: JobKind,
    pub revision: u32,
    pub tenant: String,
    pub region: String,
    pub cluster: String,
    pub namespace: String,
    /// The Kubernetes Job's name (deterministic: see [`job_name`]).
    pub name: String,
    pub version: String,
    pub image: String,
    /// Rollout wave, from 1; a wave starts when every job of the previous one succeeded.
    pub wave: u32,
    pub state: JobState,
    /// Why it failed or waits (the cluster's reason, or the last error sending it).
    pub reason: Option<String>,
    pub attempts: u32,
    pub simulated: bool,
    pub queued_at: DateTime<Utc>,
    pub created_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// A succeeded deploy in an environment that bakes: until when its
    /// health is watched before the next wave may start.
    #[serde(default)]
    pub bake_until: Option<DateTime<Utc>>,
    /// When its bake ended, and how (`baked healthy`, or why it stopped).
    #[serde(default)]
    pub baked_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub bake_outcome: Option<String>,
    /// A failed Job's Pod events and the last lines of its log, as the
    /// cluster gave them when it failed.
    #[serde(default)]
    pub failure_detail: Option<String>,
}

/// A job as a tenant's page lists it. A tenant admin may see their tenant's
/// job in a release that also targets other tenants: `release` is then
/// `None` (no link that would only answer 404), and a reason that would name
/// another tenant is worded without it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantJob {
    pub release: Option<i64>,
    pub job: JobView,
}

/// What a skipped job says to a reader who may not see the rest of its release.
pub const EARLIER_WAVE_FAILED: &str = "an earlier wave failed";

/// What a skipped job says: which target of which wave failed before it.
pub fn earlier_wave_failed(wave: u32, tenant: &str, region: &str) -> String {
    format!("wave {wave} failed ({tenant} in {region})")
}

/// What pages show of a cluster's connection (never its credentials).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterConnection {
    pub cluster: String,
    /// Jobs are recorded, never sent.
    pub simulated: bool,
    /// The last check's finding; `None` until the first check.
    pub reachable: Option<bool>,
    /// The API server's version, or why it cannot be reached.
    pub detail: Option<String>,
}

#[cfg(test)]
mod tests;
