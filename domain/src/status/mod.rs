//! Status views computed from a [`World`](crate::World): pure functions, so
//! the server renders them and the browser can recompute filters on them.

mod details;
mod filter;
mod matrix;
mod overview;
mod workloads;

pub use details::{
    EnvironmentDetail, PlacedDeployment, RegionDetail, RegionSummary, TenantDetail, TenantInRegion, environment_detail, region_detail,
    tenant_detail,
};
pub use filter::{HealthFilter, MatrixFilter};
pub use matrix::{MatrixCell, MatrixColumn, MatrixRow, TenantMatrix, tenant_matrix};
pub use overview::{Overview, OverviewCell, OverviewRow, overview};
pub use workloads::{WorkloadState, drifting, workload_states};

#[cfg(test)]
pub(crate) mod fixtures;
