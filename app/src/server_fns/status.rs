//! Read-only status views: overview, tenants matrix and detail pages.

use crate::error::PageError;
use airlock_domain::status::{EnvironmentDetail, Overview, RegionDetail, TenantDetail, TenantMatrix};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use airlock_backend::status as views;

#[server(prefix = "/rpc", endpoint = "overview")]
pub async fn load_overview() -> Result<Overview, PageError> {
    let backend = super::backend()?;
    Ok(views::overview(backend.store.as_ref()).await?)
}

#[server(prefix = "/rpc", endpoint = "tenant_matrix")]
pub async fn load_tenant_matrix(service: Option<String>) -> Result<TenantMatrix, PageError> {
    let backend = super::backend()?;
    Ok(views::tenant_matrix(backend.store.as_ref(), service.as_deref()).await?)
}

#[server(prefix = "/rpc", endpoint = "tenant_detail")]
pub async fn load_tenant_detail(slug: String) -> Result<TenantDetail, PageError> {
    let backend = super::backend()?;
    views::tenant_detail(backend.store.as_ref(), &slug)
        .await?
        .ok_or(PageError::NotFound { what: format!("tenant \"{slug}\"") })
}

#[server(prefix = "/rpc", endpoint = "environment_detail")]
pub async fn load_environment_detail(name: String) -> Result<EnvironmentDetail, PageError> {
    let backend = super::backend()?;
    views::environment_detail(backend.store.as_ref(), &name)
        .await?
        .ok_or(PageError::NotFound { what: format!("environment \"{name}\"") })
}

#[server(prefix = "/rpc", endpoint = "region_detail")]
pub async fn load_region_detail(name: String) -> Result<RegionDetail, PageError> {
    let backend = super::backend()?;
    views::region_detail(backend.store.as_ref(), &name)
        .await?
        .ok_or(PageError::NotFound { what: format!("region \"{name}\"") })
}
