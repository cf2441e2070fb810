//! The world Airlock ships into: environments in promotion order, regions,
//! the clusters serving each environment × region, tenants and what runs
//! for them where.

use crate::access::TenantScope;
use crate::health::Health;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Environment {
    pub name: String,
    /// Promotion order: development (1) → staging (2) → production (3).
    pub position: i32,
    /// Protected environments are gated by approvals and a checklist.
    pub protected: bool,
    pub required_approvals: i32,
    /// How dispatches roll out: all targets at once, or region by region.
    #[serde(default)]
    pub rollout: crate::dispatch::Rollout,
    /// Whether Airlock may create a tenant's namespace when it is missing.
    #[serde(default)]
    pub creates_namespaces: bool,
    /// Who may roll back without fresh approvals.
    #[serde(default)]
    pub rollback: crate::dispatch::RollbackPolicy,
    /// An approval older than this many seconds stops counting; `None`: never.
    #[serde(default)]
    pub approval_ttl_seconds: Option<u64>,
    /// The items every release here must tick (copied into each new release).
    #[serde(default)]
    pub checklist: Vec<String>,
    /// When dispatches here are refused (break-glass aside).
    #[serde(default)]
    pub freezes: Vec<crate::freeze::Freeze>,
    /// How long each target's health is watched after its deploy succeeded
    /// before the next wave starts (`None`: not at all).
    #[serde(default)]
    pub bake_seconds: Option<u64>,
    /// What makes a baking target roll back on its own.
    #[serde(default)]
    pub rollback_on: Option<crate::dispatch::RollbackOn>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Region {
    pub name: String,
    pub display_name: String,
    pub position: i32,
}

/// Where a cluster puts a tenant's workloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NamespaceStrategy {
    /// `tenant-<slug>`, one namespace per tenant (staging, production).
    PerTenant,
    /// Every tenant shares one namespace (development).
    Shared { namespace: String },
}

impl NamespaceStrategy {
    pub fn namespace_for(&self, tenant_slug: &str) -> String {
        match self {
            NamespaceStrategy::PerTenant => format!("tenant-{tenant_slug}"),
            NamespaceStrategy::Shared { namespace } => namespace.clone(),
        }
    }

    /// Whose a workload in `namespace` is: the tenant its namespace names,
    /// or in the shared namespace the tenant its `tenant_label` names.
    /// `None` for a namespace that is no tenant's.
    pub fn tenant_in(&self, namespace: &str, tenant_label: Option<&str>) -> Option<String> {
        match self {
            NamespaceStrategy::PerTenant => namespace.strip_prefix("tenant-").map(str::to_owned),
            NamespaceStrategy::Shared { namespace: shared } if shared == namespace => tenant_label.map(str::to_owned),
            NamespaceStrategy::Shared { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    pub environment: String,
    pub region: String,
    /// The API server URL; credentials are referenced, never stored here.
    pub api_url: String,
    /// Name of a kubeconfig context or secret holding the credentials.
    pub credentials_ref: String,
    pub namespace_strategy: NamespaceStrategy,
}

/// A cluster as every reader may see it: where it serves and which API
/// server, without where its credentials are. Status views carry this type,
/// not [`Cluster`], so no page or server function can send the reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSummary {
    pub name: String,
    pub environment: String,
    pub region: String,
    pub api_url: String,
}

impl From<&Cluster> for ClusterSummary {
    fn from(cluster: &Cluster) -> ClusterSummary {
        let Cluster { name, environment, region, api_url, credentials_ref: _, namespace_strategy: _ } = cluster;
        ClusterSummary { name: name.clone(), environment: environment.clone(), region: region.clone(), api_url: api_url.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub slug: String,
    pub name: String,
    pub primary_region: String,
    /// Legal residency of the tenant's data, e.g. `eu`, `us`, `za`.
    pub data_residency: String,
    /// The only regions a release may ever be dispatched to for this tenant.
    pub allowed_regions: Vec<String>,
    /// Provider groups whose members administer this tenant.
    #[serde(default)]
    pub admin_groups: Vec<String>,
}

impl Tenant {
    pub fn may_run_in(&self, region: &str) -> bool {
        self.allowed_regions.iter().any(|r| r == region)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    pub image_repository: String,
    /// The label that finds this service's Deployments, where it is not the default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload_label: Option<crate::observed::WorkloadLabel>,
}

impl Service {
    /// The label that finds this service's Deployments in a cluster.
    pub fn workload_label(&self) -> crate::observed::WorkloadLabel {
        self.workload_label.clone().unwrap_or_else(|| crate::observed::WorkloadLabel::default_for(&self.name))
    }
}

/// What runs for one tenant × environment × region × service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub tenant: String,
    pub environment: String,
    pub region: String,
    pub service: String,
    pub version: String,
    /// The last version that ran here before `version`: what a rollback restores.
    pub previous_version: Option<String>,
    pub health: Health,
    pub changed_at: DateTime<Utc>,
}

/// A whole world at once: what `seed --demo` imports, and what the status
/// views are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct World {
    pub environments: Vec<Environment>,
    pub regions: Vec<Region>,
    pub clusters: Vec<Cluster>,
    pub tenants: Vec<Tenant>,
    pub services: Vec<Service>,
    pub deployments: Vec<Deployment>,
    /// Provider groups → roles, when the world file says (`None`: the
    /// server's configured role map applies).
    #[serde(default)]
    pub access: Option<crate::world_file::Access>,
    /// The webhooks the world file names (`None`: it names none).
    #[serde(default)]
    pub notifications: Option<crate::world_file::Notifications>,
    /// What the clusters report runs, in the deployments' order (service,
    /// tenant, environment, region): kept beside what Airlock released,
    /// never merged into it.
    #[serde(default)]
    pub observed: Vec<crate::observed::Observation>,
}

impl World {
    /// The world as someone with `scope` may see it: other tenants and what
    /// runs for them are gone, so every view built from it (counts included)
    /// says nothing about them. A copy of only what they may see: the status
    /// read model keeps the whole.
    pub fn visible_to(&self, scope: &TenantScope<'_>) -> World {
        World {
            environments: self.environments.clone(),
            regions: self.regions.clone(),
            clusters: self.clusters.clone(),
            tenants: self.tenants.iter().filter(|t| scope.includes(&t.slug)).cloned().collect(),
            services: self.services.clone(),
            deployments: self.deployments.iter().filter(|d| scope.includes(&d.tenant)).cloned().collect(),
            access: self.access.clone(),
            notifications: None,
            observed: self.observed.iter().filter(|o| scope.includes(&o.tenant)).cloned().collect(),
        }
    }

    /// What the cluster last reported for a workload (`observed` must be in order).
    pub fn observation(&self, service: &str, tenant: &str, environment: &str, region: &str) -> Option<&crate::observed::Observation> {
        let key = (service, tenant, environment, region);
        self.observed.binary_search_by(|o| o.key().cmp(&key)).ok().map(|at| &self.observed[at])
    }

    /// What the cluster last reported for `deployment`.
    pub fn observation_of(&self, deployment: &Deployment) -> Option<&crate::observed::Observation> {
        self.observation(&deployment.service, &deployment.tenant, &deployment.environment, &deployment.region)
    }

    /// A workload's health: as its cluster last reported it, else as Airlock
    /// recorded it when it released there.
    pub fn health_of(&self, deployment: &Deployment) -> Health {
        self.observation_of(deployment).map_or(deployment.health, |o| o.seen.health)
    }

    /// Puts `observed` in the order lookups rely on.
    pub fn sort_observed(&mut self) {
        self.observed.sort_by(|a, b| a.key().cmp(&b.key()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scoped_world_holds_only_the_tenants_in_scope() {
        let world = crate::status::fixtures::small_world();
        let mine = ["acme".to_owned()];
        let scoped = world.visible_to(&TenantScope::Only(&mine));
        assert!(scoped.tenants.iter().all(|t| t.slug == "acme") && !scoped.tenants.is_empty());
        assert!(scoped.deployments.iter().all(|d| d.tenant == "acme") && !scoped.deployments.is_empty());
        assert_eq!(scoped.clusters, world.clusters);
        assert_eq!(world.visible_to(&TenantScope::All), world);
    }

    #[test]
    fn per_tenant_clusters_put_each_tenant_in_its_own_namespace() {
        assert_eq!(NamespaceStrategy::PerTenant.namespace_for("acme"), "tenant-acme");
        assert_eq!(NamespaceStrategy::PerTenant.tenant_in("tenant-acme", None).as_deref(), Some("acme"));
        assert_eq!(NamespaceStrategy::PerTenant.tenant_in("kube-system", None), None);
        let shared = NamespaceStrategy::Shared { namespace: "airlock-dev".into() };
        assert_eq!(shared.namespace_for("acme"), "airlock-dev");
    }

    #[test]
    fn a_tenant_may_run_only_in_its_allowed_regions() {
        let tenant = Tenant {
            slug: "acme".into(),
            name: "Acme".into(),
            primary_region: "frankfurt".into(),
            data_residency: "eu".into(),
            allowed_regions: vec!["frankfurt".into()],
            admin_groups: Vec::new(),
        };
        assert!(tenant.may_run_in("frankfurt"));
        assert!(!tenant.may_run_in("ashburn"));
    }
}
