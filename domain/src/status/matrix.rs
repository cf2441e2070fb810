//! The tenants matrix: one row per tenant, one column per environment × region
//! that a cluster serves, each cell the version and health of one service.

use crate::observed::drifts_from;
use crate::{Deployment, Health, World};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantMatrix {
    /// The service the cells describe; `None` when no service exists yet.
    pub service: Option<String>,
    pub services: Vec<String>,
    pub columns: Vec<MatrixColumn>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixColumn {
    pub environment: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatrixRow {
    pub slug: String,
    pub name: String,
    pub primary_region: String,
    pub data_residency: String,
    /// Worst health over the row's running cells.
    pub health: Health,
    /// True when, in some environment, regions run different versions.
    pub drift: bool,
    pub cells: Vec<MatrixCell>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum MatrixCell {
    /// The tenant may not run in this region at all (residency).
    NotAllowed,
    /// Allowed, but nothing of this service runs here.
    NotDeployed,
    Running {
        version: String,
        health: Health,
        /// Differs from the version the tenant runs in its reference region of
        /// the same environment (its primary region when deployed there).
        drift: bool,
        /// What the cluster reports it runs, when that is not `version` (the
        /// one released): drift from the release.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actual: Option<String>,
    },
}

/// Builds the matrix for `service` (the first service by name when `None` or unknown).
pub fn tenant_matrix(world: &World, service: Option<&str>) -> TenantMatrix {
    let services: Vec<String> = world.services.iter().map(|s| s.name.clone()).collect();
    let service = service.filter(|wanted| services.iter().any(|s| s == wanted)).map(str::to_owned).or_else(|| services.first().cloned());
    let columns = served_columns(world);
    let mut running: HashMap<(&str, &str, &str), &Deployment> = HashMap::new();
    for d in world.deployments.iter().filter(|d| Some(&d.service) == service.as_ref()) {
        running.insert((d.tenant.as_str(), d.environment.as_str(), d.region.as_str()), d);
    }
    let rows = world
        .tenants
        .iter()
        .map(|tenant| {
            let reference = |environment: &str| {
                running
                    .get(&(tenant.slug.as_str(), environment, tenant.primary_region.as_str()))
                    .or_else(|| {
                        columns
                            .iter()
                            .filter(|c| c.environment == environment)
                            .find_map(|c| running.get(&(tenant.slug.as_str(), environment, c.region.as_str())))
                    })
                    .map(|d| d.version.as_str())
            };
            let cells: Vec<MatrixCell> = columns
                .iter()
                .map(|column| {
                    if !tenant.may_run_in(&column.region) {
                        return MatrixCell::NotAllowed;
                    }
                    match running.get(&(tenant.slug.as_str(), column.environment.as_str(), column.region.as_str())) {
                        None => MatrixCell::NotDeployed,
                        Some(d) => {
                            let drifted = world.observation_of(d).filter(|o| drifts_from(Some(&d.version), &o.seen));
                            MatrixCell::Running {
                                version: d.version.clone(),
                                health: world.health_of(d),
                                drift: reference(&column.environment) != Some(d.version.as_str()),
                                actual: drifted.and_then(|o| o.seen.version.clone()),
                            }
                        }
                    }
                })
                .collect();
            let healths = cells.iter().filter_map(|c| match c {
                MatrixCell::Running { health, .. } => Some(*health),
                _ => None,
            });
            MatrixRow {
                slug: tenant.slug.clone(),
                name: tenant.name.clone(),
                primary_region: tenant.primary_region.clone(),
                data_residency: tenant.data_residency.clone(),
                health: Health::roll_up(healths),
                drift: cells
                    .iter()
                    .any(|c| matches!(c, MatrixCell::Running { drift: true, .. } | MatrixCell::Running { actual: Some(_), .. })),
                cells,
            }
        })
        .collect();
    TenantMatrix { service, services, columns, rows }
}

/// Environment × region pairs served by at least one cluster, in promotion
/// order, then region order.
fn served_columns(world: &World) -> Vec<MatrixColumn> {
    let mut columns = Vec::new();
    for environment in &world.environments {
        for region in &world.regions {
            let served = world.clusters.iter().any(|c| c.environment == environment.name && c.region == region.name);
            if served {
                columns.push(MatrixColumn { environment: environment.name.clone(), region: region.name.clone() });
            }
        }
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::fixtures::small_world;

    fn row<'m>(matrix: &'m TenantMatrix, slug: &str) -> &'m MatrixRow {
        matrix.rows.iter().find(|r| r.slug == slug).expect("row exists")
    }

    #[test]
    fn columns_are_the_served_environment_region_pairs_in_promotion_order() {
        let matrix = tenant_matrix(&small_world(), None);
        let columns: Vec<_> = matrix.columns.iter().map(|c| format!("{}/{}", c.environment, c.region)).collect();
        assert_eq!(columns, ["staging/frankfurt", "production/frankfurt", "production/ashburn"]);
    }

    #[test]
    fn a_region_outside_a_tenants_residency_is_marked_not_allowed() {
        let matrix = tenant_matrix(&small_world(), Some("api"));
        assert_eq!(row(&matrix, "acme").cells[2], MatrixCell::NotAllowed);
        assert_eq!(row(&matrix, "initech").cells[1], MatrixCell::NotAllowed);
    }

    #[test]
    fn an_allowed_region_without_a_workload_is_marked_not_deployed() {
        let matrix = tenant_matrix(&small_world(), Some("api"));
        assert_eq!(row(&matrix, "globex").cells[0], MatrixCell::NotDeployed);
    }

    #[test]
    fn regions_running_another_version_than_the_primary_region_are_drift() {
        let matrix = tenant_matrix(&small_world(), Some("api"));
        let globex = row(&matrix, "globex");
        assert!(globex.drift);
        assert!(matches!(&globex.cells[1], MatrixCell::Running { version, drift: true, .. } if version == "2.0.0"));
        assert!(matches!(&globex.cells[2], MatrixCell::Running { drift: false, .. }));
        assert!(!row(&matrix, "acme").drift);
    }

    #[test]
    fn a_cell_shows_the_observed_health_and_the_version_its_cluster_runs_when_it_is_not_the_released_one() {
        use crate::status::fixtures::observation;
        let mut world = small_world();
        world.observed = vec![
            observation("acme", "production", "frankfurt", Some("2.0.1-hotfix"), Health::Healthy),
            observation("acme", "staging", "frankfurt", Some("2.1.0"), Health::Progressing),
        ];
        world.sort_observed();
        let matrix = tenant_matrix(&world, Some("api"));
        let acme = row(&matrix, "acme");
        assert!(matches!(&acme.cells[0], MatrixCell::Running { health: Health::Progressing, actual: None, .. }));
        assert!(
            matches!(&acme.cells[1], MatrixCell::Running { version, actual: Some(actual), .. } if version == "2.0.0" && actual == "2.0.1-hotfix")
        );
        assert!(acme.drift, "a cell running another version than released marks its row");
        assert_eq!(acme.health, Health::Progressing);
    }

    #[test]
    fn a_row_takes_the_worst_health_of_its_cells() {
        let matrix = tenant_matrix(&small_world(), Some("api"));
        assert_eq!(row(&matrix, "globex").health, Health::Degraded);
        assert_eq!(row(&matrix, "acme").health, Health::Healthy);
    }

    #[test]
    fn an_unknown_service_falls_back_to_the_first_one() {
        let matrix = tenant_matrix(&small_world(), Some("no-such-service"));
        assert_eq!(matrix.service.as_deref(), Some("api"));
    }
}
