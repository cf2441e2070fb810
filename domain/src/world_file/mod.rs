//! The world as one reviewed file: environments (in promotion order, with
//! their gate policy, checklist, freezes and job template), regions,
//! clusters, services, tenants and who holds which role. Its keys are a
//! contract users' pipelines rely on: every key not marked optional is
//! required, and an unknown key is an error (`deny_unknown_fields`).
//!
//! [`WorldDocument::check`] turns a document into the [`World`] it
//! describes or names every problem by its place in the file; [`plan`] says
//! what applying it changes; [`WorldDocument::of`] writes a world back, so
//! that exporting and applying again changes nothing.

mod access;
pub(crate) mod check;
mod duration;
mod export;
mod notifications;
mod plan;

pub use access::Access;
pub use check::{CheckedWorld, JobTemplateFile, Problem};
pub use duration::{format_duration, parse_duration};
pub use notifications::{Notifications, Webhook};
pub use plan::{FieldChange, ObjectChange, Plan, PlanItem, freeze_words, plan};

use crate::dispatch::{RollbackPolicy, Rollout};
use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorldDocument {
    /// In promotion order.
    pub environments: Vec<EnvironmentEntry>,
    pub regions: Vec<RegionEntry>,
    pub clusters: Vec<ClusterEntry>,
    pub services: Vec<ServiceEntry>,
    pub tenants: Vec<TenantEntry>,
    /// Provider groups → roles; without it the server's configured role map applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    /// Webhooks told of what happens to releases.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Notifications>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentEntry {
    pub name: String,
    pub protected: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_approvals: Option<u32>,
    /// `72h`: an approval older than this stops counting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_ttl: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checklist: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback: Option<RollbackPolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creates_namespaces: Option<bool>,
    /// A path relative to the world file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_template: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub freezes: Vec<FreezeEntry>,
    /// `15m`: how long each target's health is watched after its deploy
    /// succeeded before the next wave starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bake: Option<String>,
    /// `degraded`: a target that turns degraded or missing while baking rolls back on its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_on: Option<crate::dispatch::RollbackOn>,
}

/// A fixed window (`from`, `until`) or a recurring one (`cron`, `duration`, `time_zone`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FreezeEntry {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<FixedOffset>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cron: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionEntry {
    pub name: String,
    pub display_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterEntry {
    pub name: String,
    pub environment: String,
    pub region: String,
    /// `kubeconfig:PATH[#CONTEXT]`, `token-file:PATH[;ca=PATH]`,
    /// `token-env:VARIABLE[;ca=PATH]`, `in-cluster` or `simulated`.
    pub connection: String,
    /// The API server; optional where the connection names it (a kubeconfig, in-cluster).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
    /// `per_tenant` (the default) or `shared:<namespace>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespaces: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceEntry {
    pub name: String,
    pub image_repository: String,
    /// `key=value`: the label that finds this service's Deployments, where
    /// it is not `app.kubernetes.io/name=<name>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_label: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TenantEntry {
    pub slug: String,
    pub name: String,
    pub primary_region: String,
    pub data_residency: String,
    pub allowed_regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin_groups: Vec<String>,
}

/// Where in the document something is, as a path of keys and list
/// positions (`environments[1].required_approvals`); the server turns it
/// into the line a person reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Place(pub Vec<Step>);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Key(String),
    Index(usize),
}

impl Place {
    pub fn root() -> Place {
        Place(Vec::new())
    }

    pub fn key(&self, key: &str) -> Place {
        let mut steps = self.0.clone();
        steps.push(Step::Key(key.to_owned()));
        Place(steps)
    }

    pub fn index(&self, index: usize) -> Place {
        let mut steps = self.0.clone();
        steps.push(Step::Index(index));
        Place(steps)
    }

    /// The place one step up (the object a key belongs to).
    pub fn parent(&self) -> Place {
        Place(self.0[..self.0.len().saturating_sub(1)].to_vec())
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(key) if i == 0 => write!(f, "{key}")?,
                Step::Key(key) => write!(f, ".{key}")?,
                Step::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}
