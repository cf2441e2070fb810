//! The landing page: every environment × region, what serves it and how it is.

use crate::{Environment, HealthCounts, Region, World};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub regions: Vec<Region>,
    pub rows: Vec<OverviewRow>,
    pub tenant_count: u32,
    pub health: HealthCounts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewRow {
    pub environment: Environment,
    /// One cell per region, in region order, whether or not a cluster serves it.
    pub cells: Vec<OverviewCell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverviewCell {
    pub region: String,
    pub clusters: Vec<String>,
    /// Distinct tenants with at least one workload here.
    pub tenants: u32,
    pub health: HealthCounts,
}

pub fn overview(world: &World) -> Overview {
    let rows = world
        .environments
        .iter()
        .map(|environment| OverviewRow {
            environment: environment.clone(),
            cells: world.regions.iter().map(|region| cell(world, &environment.name, &region.name)).collect(),
        })
        .collect();
    Overview {
        regions: world.regions.clone(),
        rows,
        tenant_count: world.tenants.len() as u32,
        health: world.deployments.iter().map(|d| world.health_of(d)).collect(),
    }
}

fn cell(world: &World, environment: &str, region: &str) -> OverviewCell {
    let here = world.deployments.iter().filter(|d| d.environment == environment && d.region == region);
    let tenants: HashSet<&str> = here.clone().map(|d| d.tenant.as_str()).collect();
    OverviewCell {
        region: region.to_owned(),
        clusters: world.clusters.iter().filter(|c| c.environment == environment && c.region == region).map(|c| c.name.clone()).collect(),
        tenants: tenants.len() as u32,
        health: here.map(|d| world.health_of(d)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Health;
    use crate::status::fixtures::small_world;

    #[test]
    fn every_environment_gets_a_cell_for_every_region_in_order() {
        let view = overview(&small_world());
        let names: Vec<_> = view.rows.iter().map(|r| r.environment.name.as_str()).collect();
        assert_eq!(names, ["staging", "production"]);
        for row in &view.rows {
            let regions: Vec<_> = row.cells.iter().map(|c| c.region.as_str()).collect();
            assert_eq!(regions, ["frankfurt", "ashburn"]);
        }
    }

    #[test]
    fn a_cell_counts_distinct_tenants_and_rolls_up_their_health() {
        let view = overview(&small_world());
        let production_frankfurt = &view.rows[1].cells[0];
        assert_eq!(production_frankfurt.clusters, ["prod-fra-1"]);
        assert_eq!(production_frankfurt.tenants, 2);
        assert_eq!(production_frankfurt.health.worst(), Health::Degraded);
    }

    #[test]
    fn a_region_without_a_cluster_shows_no_clusters_and_unknown_health() {
        let view = overview(&small_world());
        let staging_ashburn = &view.rows[0].cells[1];
        assert!(staging_ashburn.clusters.is_empty());
        assert_eq!(staging_ashburn.health.worst(), Health::Unknown);
    }
}
