//! Read-only status views: overview, tenants matrix and detail pages, as the
//! signed-in person may see them (a tenant admin: their tenants only).

use crate::error::PageError;
use airlock_domain::status::{EnvironmentDetail, Overview, RegionDetail, TenantDetail, TenantMatrix};
use leptos::prelude::*;
use std::sync::Arc;

#[cfg(feature = "ssr")]
use airlock_backend::status as views;

/// A status view with the connection of every cluster it names.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WithConnections<T> {
    pub view: T,
    pub connections: Vec<airlock_domain::dispatch::ClusterConnection>,
}

#[server(prefix = "/rpc", endpoint = "overview")]
pub async fn load_overview() -> Result<WithConnections<Overview>, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let view = views::overview(&backend, actor.as_ref()).await?;
        Ok(WithConnections { view, connections: airlock_backend::dispatch::connections(&backend, actor.as_ref()).await? })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "tenant_matrix")]
pub async fn load_tenant_matrix(service: Option<String>) -> Result<Arc<TenantMatrix>, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        Ok(views::tenant_matrix(&backend, actor.as_ref(), service.as_deref()).await?)
    })
    .await
}

/// A tenant with its newest jobs (release id and job), newest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TenantWithJobs {
    pub detail: TenantDetail,
    pub jobs: Vec<airlock_domain::dispatch::TenantJob>,
}

#[server(prefix = "/rpc", endpoint = "tenant_detail")]
pub async fn load_tenant_detail(slug: String) -> Result<TenantWithJobs, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let detail = views::tenant_detail(&backend, actor.as_ref(), &slug)
            .await?
            .ok_or(PageError::NotFound { what: format!("tenant \"{slug}\"") })?;
        Ok(TenantWithJobs { detail, jobs: airlock_backend::dispatch::tenant_jobs(&backend, actor.as_ref(), &slug).await? })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "environment_detail")]
pub async fn load_environment_detail(name: String) -> Result<EnvironmentDetail, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let detail = views::environment_detail(&backend, actor.as_ref(), &name)
            .await?
            .ok_or(PageError::NotFound { what: format!("environment \"{name}\"") })?;
        // A freeze opens and closes with the clock: such a page is never kept (`page_cache`).
        if let (false, Some(response)) = (detail.environment.freezes.is_empty(), use_context::<leptos_axum::ResponseOptions>()) {
            response.insert_header(http::header::CACHE_CONTROL, http::HeaderValue::from_static("no-store"));
        }
        Ok(detail)
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "region_detail")]
pub async fn load_region_detail(name: String) -> Result<WithConnections<RegionDetail>, PageError> {
    super::answer(async move {
        let (backend, actor) = super::backend_and_actor()?;
        let view = views::region_detail(&backend, actor.as_ref(), &name)
            .await?
            .ok_or(PageError::NotFound { what: format!("region \"{name}\"") })?;
        Ok(WithConnections { view, connections: airlock_backend::dispatch::connections(&backend, actor.as_ref()).await? })
    })
    .await
}
