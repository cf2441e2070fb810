//! Detail pages: one tenant, one environment, one region. Each returns `None`
//! when the named thing does not exist, so the page can answer 404.

use crate::observed::{Observation, Transition, drifts_from};
use crate::{ClusterSummary, Deployment, Environment, Health, HealthCounts, Region, Tenant, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A deployment with the cluster and namespace it lives in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlacedDeployment {
    /// What Airlock released there.
    pub deployment: Deployment,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
    /// What the cluster last reported (`None`: nothing yet).
    #[serde(default)]
    pub observed: Option<Observation>,
    /// As observed, else as recorded when released.
    #[serde(default = "unknown")]
    pub health: Health,
    /// The cluster runs another version than the one released.
    #[serde(default)]
    pub drift: bool,
}

fn unknown() -> Health {
    Health::Unknown
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantDetail {
    pub tenant: Tenant,
    pub health: HealthCounts,
    /// In promotion order, then region order, then service.
    pub deployments: Vec<PlacedDeployment>,
    /// Workloads its clusters run that Airlock never released (made by hand).
    #[serde(default)]
    pub unreleased: Vec<Observation>,
    /// The newest changes of what its clusters report, newest first (the
    /// backend adds them: they are not part of the status snapshot).
    #[serde(default)]
    pub history: Vec<Transition>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionSummary {
    pub region: Region,
    pub clusters: Vec<ClusterSummary>,
    pub tenants: u32,
    pub health: HealthCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvironmentDetail {
    pub environment: Environment,
    pub regions: Vec<RegionSummary>,
    /// Degraded and failing workloads, worst first: what needs a look.
    pub attention: Vec<PlacedDeployment>,
    /// Its freeze window open now, else the next one (the server works it out).
    #[serde(default)]
    pub freeze: Option<crate::freeze::OpenFreeze>,
    /// Whether `freeze` was open when the page was read.
    #[serde(default)]
    pub frozen: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantInRegion {
    pub slug: String,
    pub name: String,
    pub primary: bool,
    pub health: Health,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionDetail {
    pub region: Region,
    /// Per environment, the clusters serving this region and their health.
    pub environments: Vec<(Environment, Vec<ClusterSummary>, HealthCounts)>,
    /// Tenants allowed to run here.
    pub tenants: Vec<TenantInRegion>,
}

fn place(world: &World, deployment: &Deployment) -> PlacedDeployment {
    let cluster = world.clusters.iter().find(|c| c.environment == deployment.environment && c.region == deployment.region);
    let observed = world.observation_of(deployment).cloned();
    PlacedDeployment {
        health: world.health_of(deployment),
        drift: observed.as_ref().is_some_and(|o| drifts_from(Some(&deployment.version), &o.seen)),
        deployment: deployment.clone(),
        cluster: cluster.map(|c| c.name.clone()),
        namespace: cluster.map(|c| c.namespace_strategy.namespace_for(&deployment.tenant)),
        observed,
    }
}

fn position<T>(items: &[T], matches: impl Fn(&T) -> bool) -> usize {
    items.iter().position(matches).unwrap_or(usize::MAX)
}

pub fn tenant_detail(world: &World, slug: &str) -> Option<TenantDetail> {
    let tenant = world.tenants.iter().find(|t| t.slug == slug)?.clone();
    let mut deployments: Vec<PlacedDeployment> = world.deployments.iter().filter(|d| d.tenant == slug).map(|d| place(world, d)).collect();
    deployments.sort_by_key(|p| {
        let d = &p.deployment;
        (position(&world.environments, |e| e.name == d.environment), position(&world.regions, |r| r.name == d.region), d.service.clone())
    });
    // Against the tenant's own deployments: the world's are many more.
    let released = |o: &Observation| {
        deployments.iter().map(|p| &p.deployment).any(|d| d.environment == o.environment && d.region == o.region && d.service == o.service)
    };
    let unreleased: Vec<Observation> = world.observed.iter().filter(|o| o.tenant == slug && !released(o)).cloned().collect();
    let health = deployments.iter().map(|p| p.health).chain(unreleased.iter().map(|o| o.seen.health)).collect();
    Some(TenantDetail { tenant, health, deployments, unreleased, history: Vec::new() })
}

pub fn environment_detail(world: &World, name: &str) -> Option<EnvironmentDetail> {
    let environment = world.environments.iter().find(|e| e.name == name)?.clone();
    let here: Vec<&Deployment> = world.deployments.iter().filter(|d| d.environment == name).collect();
    let regions = world
        .regions
        .iter()
        .map(|region| {
            let in_region = || here.iter().filter(|d| d.region == region.name);
            RegionSummary {
                region: region.clone(),
                clusters: world
                    .clusters
                    .iter()
                    .filter(|c| c.environment == name && c.region == region.name)
                    .map(ClusterSummary::from)
                    .collect(),
                tenants: in_region().map(|d| d.tenant.as_str()).collect::<BTreeSet<_>>().len() as u32,
                health: in_region().map(|d| world.health_of(d)).collect(),
            }
        })
        .collect();
    let mut attention: Vec<(Health, PlacedDeployment)> =
        here.iter().map(|d| (world.health_of(d), *d)).filter(|(h, _)| *h >= Health::Degraded).map(|(h, d)| (h, place(world, d))).collect();
    attention.sort_by_key(|(health, _)| std::cmp::Reverse(*health));
    let attention = attention.into_iter().map(|(_, placed)| placed).collect();
    Some(EnvironmentDetail { environment, regions, attention, freeze: None, frozen: false })
}

pub fn region_detail(world: &World, name: &str) -> Option<RegionDetail> {
    let region = world.regions.iter().find(|r| r.name == name)?.clone();
    let environments = world
        .environments
        .iter()
        .map(|environment| {
            let clusters =
                world.clusters.iter().filter(|c| c.region == name && c.environment == environment.name).map(ClusterSummary::from).collect();
            let health = world
                .deployments
                .iter()
                .filter(|d| d.region == name && d.environment == environment.name)
                .map(|d| world.health_of(d))
                .collect();
            (environment.clone(), clusters, health)
        })
        .collect();
    let tenants = world
        .tenants
        .iter()
        .filter(|t| t.may_run_in(name))
        .map(|t| TenantInRegion {
            slug: t.slug.clone(),
            name: t.name.clone(),
            primary: t.primary_region == name,
            health: Health::roll_up(
                world.deployments.iter().filter(|d| d.tenant == t.slug && d.region == name).map(|d| world.health_of(d)),
            ),
        })
        .collect();
    Some(RegionDetail { region, environments, tenants })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::fixtures::small_world;

    #[test]
    fn an_unknown_name_has_no_detail() {
        let world = small_world();
        assert!(tenant_detail(&world, "nobody").is_none());
        assert!(environment_detail(&world, "qa").is_none());
        assert!(region_detail(&world, "mars").is_none());
    }

    #[test]
    fn a_tenants_workloads_are_listed_in_promotion_order_with_their_namespace() {
        let detail = tenant_detail(&small_world(), "acme").expect("acme exists");
        let places: Vec<_> = detail.deployments.iter().map(|p| (p.deployment.environment.as_str(), p.namespace.as_deref())).collect();
        assert_eq!(places, [("staging", Some("tenant-acme")), ("production", Some("tenant-acme"))]);
    }

    #[test]
    fn a_tenant_shows_what_its_clusters_report_beside_what_was_released_and_what_was_never_released() {
        use crate::status::fixtures::observation;
        let mut world = small_world();
        world.observed = vec![
            observation("acme", "production", "frankfurt", None, Health::Missing),
            observation("acme", "production", "ashburn", Some("0.1.0"), Health::Healthy),
        ];
        world.sort_observed();
        let detail = tenant_detail(&world, "acme").expect("acme exists");
        let production = detail.deployments.iter().find(|p| p.deployment.environment == "production").expect("released");
        assert_eq!((production.health, production.drift), (Health::Missing, false));
        assert_eq!(production.deployment.health, Health::Healthy, "what was recorded is kept apart");
        assert_eq!(detail.unreleased.len(), 1);
        assert_eq!(detail.health.missing + detail.health.healthy, 3);
        assert!(environment_detail(&world, "production").expect("exists").attention.iter().any(|p| p.deployment.tenant == "acme"));
    }

    #[test]
    fn an_environment_lists_degraded_workloads_as_needing_attention() {
        let detail = environment_detail(&small_world(), "production").expect("production exists");
        let attention: Vec<_> = detail.attention.iter().map(|p| p.deployment.tenant.as_str()).collect();
        assert_eq!(attention, ["globex"]);
        assert_eq!(detail.regions[0].tenants, 2);
    }

    #[test]
    fn a_region_lists_only_tenants_allowed_there_and_marks_their_primary() {
        let detail = region_detail(&small_world(), "ashburn").expect("ashburn exists");
        let tenants: Vec<_> = detail.tenants.iter().map(|t| (t.slug.as_str(), t.primary)).collect();
        assert_eq!(tenants, [("globex", true), ("initech", true)]);
    }
}
