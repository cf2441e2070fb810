//! Status views computed from a [`World`](crate::World): pure functions, so
//! the server renders them and the browser can recompute filters on them.

mod details;
mod filter;
mod matrix;
mod overview;

pub use details::{
    environment_detail, region_detail, tenant_detail, EnvironmentDetail, PlacedDeployment,
    RegionDetail, RegionSummary, TenantDetail, TenantInRegion,
};
pub use filter::{HealthFilter, MatrixFilter};
pub use matrix::{tenant_matrix, MatrixCell, MatrixColumn, MatrixRow, TenantMatrix};
pub use overview::{overview, Overview, OverviewCell, OverviewRow};

#[cfg(test)]
pub(crate) mod fixtures;
