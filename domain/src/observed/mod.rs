//! What the clusters report a workload runs, kept apart from what Airlock
//! released (the [`Deployment`](crate::Deployment)): the version a
//! Deployment really runs, its replicas and its health. Drift is the
//! difference between the two, and is never hidden by overwriting one with
//! the other.
//!
//! The backend reads [`DeploymentFacts`] off Kubernetes objects (and the
//! simulated clusters make them up); turning facts into a health is pure,
//! so the rules are tested here without a cluster.

mod workload_label;

pub use workload_label::WorkloadLabel;

use crate::Health;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The label a Deployment's running version is read from first.
pub const VERSION_LABEL: &str = "app.kubernetes.io/version";
/// The label that names a Deployment's service unless the world says otherwise.
pub const DEFAULT_SERVICE_LABEL: &str = "app.kubernetes.io/name";
/// On Deployments in a namespace several tenants share: whose it is.
pub const TENANT_LABEL: &str = "airlock.dev/tenant";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Replicas {
    pub desired: u32,
    pub updated: u32,
    pub ready: u32,
    pub available: u32,
}

/// One condition of a Deployment's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// `Available`, `Progressing`, `ReplicaFailure`.
    pub kind: String,
    pub holds: bool,
    pub reason: Option<String>,
    pub message: Option<String>,
}

/// What a Deployment's labels, spec and status say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentFacts {
    pub version_label: Option<String>,
    /// The first container's image reference.
    pub image: Option<String>,
    pub generation: i64,
    pub observed_generation: i64,
    pub replicas: Replicas,
    /// Every Pod the Deployment owns, old ones being replaced included.
    pub total: u32,
    pub unavailable: u32,
    pub conditions: Vec<Condition>,
}

/// What one look at a workload found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    /// `None` when nothing runs (missing) or nothing could be read (unknown).
    pub version: Option<String>,
    pub health: Health,
    /// Why it is not healthy, in the cluster's words where it gave some.
    pub reason: Option<String>,
    pub replicas: Replicas,
}

impl Seen {
    /// Expected but not found in its cluster.
    pub fn missing() -> Seen {
        Seen { version: None, health: Health::Missing, reason: Some("no Deployment found".into()), replicas: Replicas::default() }
    }

    /// The cluster cannot be reached: what was last seen stays, its health does not.
    pub fn unreachable(last: Option<&Seen>, why: &str) -> Seen {
        Seen {
            version: last.and_then(|s| s.version.clone()),
            health: Health::Unknown,
            reason: Some(why.to_owned()),
            replicas: last.map(|s| s.replicas).unwrap_or_default(),
        }
    }

    /// Whether going from `self` to `next` is a transition worth keeping
    /// (replica counts moving inside one rollout are not).
    pub fn differs_from(&self, next: &Seen) -> bool {
        self.version != next.version || self.health != next.health || self.reason != next.reason
    }
}

impl DeploymentFacts {
    /// The version, health and replicas these facts add up to.
    pub fn seen(&self) -> Seen {
        let (health, reason) = self.health();
        Seen { version: self.version(), health, reason, replicas: self.replicas }
    }

    /// The `app.kubernetes.io/version` label, else the image's tag, else its digest.
    pub fn version(&self) -> Option<String> {
        let label = self.version_label.as_deref().map(str::trim).filter(|v| !v.is_empty());
        label.map(str::to_owned).or_else(|| self.image.as_deref().and_then(image_version))
    }

    fn condition(&self, kind: &str) -> Option<&Condition> {
        self.conditions.iter().find(|c| c.kind == kind)
    }

    /// The rules `kubectl rollout status` follows, failures first.
    fn health(&self) -> (Health, Option<String>) {
        if let Some(failure) = self.condition("ReplicaFailure").filter(|c| c.holds) {
            return (Health::Degraded, Some(said("ReplicaFailure", failure)));
        }
        if let Some(stuck) = self.condition("Progressing").filter(|c| !c.holds && c.reason.as_deref() == Some("ProgressDeadlineExceeded")) {
            return (Health::Degraded, Some(said("ProgressDeadlineExceeded", stuck)));
        }
        let Replicas { desired, updated, available, .. } = self.replicas;
        let rolling = self.observed_generation < self.generation || updated < desired || self.total > updated || available < updated;
        if rolling {
            let reason = format!("{updated} of {desired} replicas updated, {available} available");
            return (Health::Progressing, Some(reason));
        }
        if let Some(unavailable) = self.condition("Available").filter(|c| !c.holds) {
            return (Health::Degraded, Some(said("unavailable replicas", unavailable)));
        }
        if self.unavailable > 0 {
            return (Health::Degraded, Some(format!("{} of {desired} replicas unavailable", self.unavailable)));
        }
        (Health::Healthy, None)
    }
}

/// "ReplicaFailure: pods \"api\" is forbidden: exceeded quota".
fn said(what: &str, condition: &Condition) -> String {
    match condition.message.as_deref().or(condition.reason.as_deref()).filter(|m| !m.is_empty()) {
        Some(words) => format!("{what}: {words}"),
        None => what.to_owned(),
    }
}

/// `registry/api:2.1.0` → `2.1.0`; `registry:5000/api@sha256:ab…` → the digest.
pub fn image_version(image: &str) -> Option<String> {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, tag)| tag).filter(|t| !t.is_empty());
    tag.or(digest).map(str::to_owned)
}

/// A workload as its cluster last reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Observation {
    pub tenant: String,
    pub environment: String,
    pub region: String,
    pub service: String,
    pub cluster: String,
    #[serde(flatten)]
    pub seen: Seen,
    /// When what was seen last changed (version, health or its reason).
    pub changed_at: DateTime<Utc>,
    /// When the cluster last said so.
    pub observed_at: DateTime<Utc>,
}

impl Observation {
    /// The order the read model keeps observations in (the deployments' order).
    pub fn key(&self) -> (&str, &str, &str, &str) {
        (&self.service, &self.tenant, &self.environment, &self.region)
    }
}

/// One change of a workload's observed version or health, with what Airlock
/// had released there at the time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transition {
    pub environment: String,
    pub region: String,
    pub service: String,
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub seen: Seen,
    /// The version Airlock had released there then (`None`: none yet).
    pub intended_version: Option<String>,
}

/// Whether a workload runs something else than Airlock released: a version
/// other than the released one, or one Airlock never released at all.
pub fn drifts(intended: Option<&str>, actual: Option<&str>) -> bool {
    match (intended, actual) {
        (Some(intended), Some(actual)) => intended != actual,
        (None, Some(_)) => true,
        _ => false,
    }
}

/// Drift once the workload has settled: a rollout under way (Airlock's own,
/// before its Job reports success) runs a new version on its way, not a
/// different one.
pub fn drifts_from(intended: Option<&str>, seen: &Seen) -> bool {
    seen.health != Health::Progressing && drifts(intended, seen.version.as_deref())
}

#[cfg(test)]
mod tests;
