//! Each workload as released and as observed, side by side: what the API's
//! tenant status and drift list return.

use crate::observed::{Observation, Replicas, drifts_from};
use crate::{Deployment, Health, World};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One tenant × environment × region × service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkloadState {
    pub tenant: String,
    pub environment: String,
    pub region: String,
    pub service: String,
    /// The version Airlock last released there (`None`: never).
    pub intended_version: Option<String>,
    /// The version its cluster reports (`None`: not observed, or not running).
    pub actual_version: Option<String>,
    /// As observed; as recorded at release while nothing was observed.
    pub health: Health,
    pub health_reason: Option<String>,
    pub replicas: Option<Replicas>,
    pub drift: bool,
    /// When its cluster last reported it (`None`: never).
    pub observed_at: Option<DateTime<Utc>>,
    /// What a rollback would restore.
    pub previous_version: Option<String>,
    /// When what was released, or what was observed, last changed.
    pub changed_at: DateTime<Utc>,
    pub cluster: Option<String>,
    pub namespace: Option<String>,
}

impl WorkloadState {
    fn released(world: &World, deployment: &Deployment, observed: Option<&Observation>) -> WorkloadState {
        let actual = observed.and_then(|o| o.seen.version.clone());
        let cluster = world.clusters.iter().find(|c| c.environment == deployment.environment && c.region == deployment.region);
        WorkloadState {
            previous_version: deployment.previous_version.clone(),
            changed_at: observed.map_or(deployment.changed_at, |o| o.changed_at.max(deployment.changed_at)),
            cluster: observed.map(|o| o.cluster.clone()).or_else(|| cluster.map(|c| c.name.clone())),
            namespace: cluster.map(|c| c.namespace_strategy.namespace_for(&deployment.tenant)),
            tenant: deployment.tenant.clone(),
            environment: deployment.environment.clone(),
            region: deployment.region.clone(),
            service: deployment.service.clone(),
            drift: observed.is_some_and(|o| drifts_from(Some(&deployment.version), &o.seen)),
            intended_version: Some(deployment.version.clone()),
            actual_version: actual,
            health: observed.map_or(deployment.health, |o| o.seen.health),
            health_reason: observed.and_then(|o| o.seen.reason.clone()),
            replicas: observed.map(|o| o.seen.replicas),
            observed_at: observed.map(|o| o.observed_at),
        }
    }

    fn unreleased(world: &World, observed: &Observation) -> WorkloadState {
        let cluster = world.clusters.iter().find(|c| c.name == observed.cluster);
        WorkloadState {
            previous_version: None,
            changed_at: observed.changed_at,
            cluster: Some(observed.cluster.clone()),
            namespace: cluster.map(|c| c.namespace_strategy.namespace_for(&observed.tenant)),
            tenant: observed.tenant.clone(),
            environment: observed.environment.clone(),
            region: observed.region.clone(),
            service: observed.service.clone(),
            intended_version: None,
            actual_version: observed.seen.version.clone(),
            health: observed.seen.health,
            health_reason: observed.seen.reason.clone(),
            replicas: Some(observed.seen.replicas),
            drift: drifts_from(None, &observed.seen),
            observed_at: Some(observed.observed_at),
        }
    }
}

/// Every workload of `tenant` (of every tenant: `None`), released or only
/// observed, in the world's order (service, tenant, environment, region).
pub fn workload_states(world: &World, tenant: Option<&str>) -> Vec<WorkloadState> {
    let wanted = |slug: &str| tenant.is_none_or(|t| t == slug);
    let known = |slug: &str| world.tenants.iter().any(|t| t.slug == slug);
    let mine: Vec<&Deployment> = world.deployments.iter().filter(|d| wanted(&d.tenant)).collect();
    let released = released_keys(mine.iter().copied());
    let mut states: Vec<WorkloadState> = mine.iter().map(|d| WorkloadState::released(world, d, world.observation_of(d))).collect();
    let unreleased: Vec<WorkloadState> = world
        .observed
        .iter()
        .filter(|o| wanted(&o.tenant) && known(&o.tenant) && !released.contains(&o.key()))
        .map(|o| WorkloadState::unreleased(world, o))
        .collect();
    states.extend(unreleased);
    states.sort_by(|a, b| (&a.service, &a.tenant, &a.environment, &a.region).cmp(&(&b.service, &b.tenant, &b.environment, &b.region)));
    states
}

/// Every workload whose cluster runs another version than Airlock released.
pub fn drifting(world: &World) -> Vec<WorkloadState> {
    let mut states = world
        .deployments
        .iter()
        .filter_map(|d| world.observation_of(d).map(|o| WorkloadState::released(world, d, Some(o))))
        .filter(|s| s.drift)
        .collect::<Vec<_>>();
    let known: HashSet<&str> = world.tenants.iter().map(|t| t.slug.as_str()).collect();
    let released = released_keys(world.deployments.iter());
    let unreleased =
        world.observed.iter().filter(|o| o.seen.version.is_some() && known.contains(o.tenant.as_str()) && !released.contains(&o.key()));
    states.extend(unreleased.map(|o| WorkloadState::unreleased(world, o)).filter(|s| s.drift));
    states
}

/// The (service, tenant, environment, region) of each of `deployments`.
fn released_keys<'w>(deployments: impl Iterator<Item = &'w Deployment>) -> HashSet<(&'w str, &'w str, &'w str, &'w str)> {
    deployments.map(|d| (d.service.as_str(), d.tenant.as_str(), d.environment.as_str(), d.region.as_str())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::fixtures::{observation, small_world};

    #[test]
    fn released_and_observed_sit_side_by_side_and_drift_is_their_difference() {
        let mut world = small_world();
        world.observed = vec![
            observation("acme", "production", "frankfurt", Some("2.0.1"), Health::Degraded),
            observation("acme", "staging", "frankfurt", Some("2.1.0"), Health::Healthy),
            observation("acme", "production", "ashburn", Some("9.9.9"), Health::Healthy),
            observation("gone", "production", "ashburn", Some("1.0.0"), Health::Healthy),
        ];
        world.sort_observed();
        let acme = workload_states(&world, Some("acme"));
        let summary: Vec<_> =
            acme.iter().map(|s| (s.environment.as_str(), s.region.as_str(), s.intended_version.as_deref(), s.drift, s.health)).collect();
        assert_eq!(
            summary,
            [
                ("production", "ashburn", None, true, Health::Healthy),
                ("production", "frankfurt", Some("2.0.0"), true, Health::Degraded),
                ("staging", "frankfurt", Some("2.1.0"), false, Health::Healthy),
            ]
        );
        let drift: Vec<_> = drifting(&world).into_iter().map(|s| (s.tenant, s.region, s.actual_version)).collect();
        assert_eq!(drift.len(), 2, "a tenant no longer in the world is not listed: {drift:?}");
        assert!(drift.contains(&("acme".into(), "frankfurt".into(), Some("2.0.1".into()))));
    }

    #[test]
    fn a_workload_never_observed_has_no_actual_version_and_no_drift() {
        let states = workload_states(&small_world(), Some("globex"));
        assert!(states.iter().all(|s| s.actual_version.is_none() && !s.drift && s.observed_at.is_none()));
        assert_eq!(states.len(), 2);
    }
}
