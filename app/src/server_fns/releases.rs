//! Reading releases: the list, one release with everything its gate needs,
//! and what the create and edit forms offer.

use crate::error::PageError;
use airlock_domain::access::Identity;
use airlock_domain::gate::{ReleaseContent, ReleaseDossier, ReleaseSummary};
use airlock_domain::{Environment, Region, Service, Tenant};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseList {
    pub rows: Vec<ReleaseSummary>,
    /// What the filter selects offer.
    pub services: Vec<String>,
    pub environments: Vec<String>,
    pub viewer: Option<Identity>,
}

/// One release as its page needs it. `now` is the server's clock, so the
/// browser evaluates the gate at the same instant the server did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseView {
    pub dossier: ReleaseDossier,
    /// Its deploy and rollback jobs, oldest first.
    pub jobs: Vec<airlock_domain::dispatch::JobView>,
    /// Who may roll its environment back without fresh approvals.
    pub rollback: airlock_domain::dispatch::RollbackPolicy,
    pub now: DateTime<Utc>,
    pub viewer: Option<Identity>,
}

/// What the create and edit forms offer, and for an edit the release as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseFormData {
    pub services: Vec<Service>,
    pub environments: Vec<Environment>,
    pub tenants: Vec<Tenant>,
    pub regions: Vec<Region>,
    /// For an edit: the release id, the revision being edited and its content.
    pub current: Option<(i64, u32, ReleaseContent)>,
}

#[cfg(feature = "ssr")]
use airlock_backend::world;

#[server(prefix = "/rpc", endpoint = "releases")]
pub async fn load_releases(environment: Option<String>, state: Option<String>, service: Option<String>) -> Result<ReleaseList, PageError> {
    super::answer(async move {
        use airlock_backend::ReleaseFilter;
        let (backend, viewer) = super::backend_and_actor()?;
        let filter = ReleaseFilter {
            environment: super::given(environment),
            service: super::given(service),
            state: super::given(state).and_then(|s| airlock_domain::gate::ReleaseState::parse(&s)),
            ..Default::default()
        };
        let rows = airlock_backend::releases::list(&backend, viewer.as_ref(), &filter).await?;
        let services = world::services(&backend, viewer.as_ref()).await?.into_iter().map(|s| s.name).collect();
        let environments = world::environments(&backend, viewer.as_ref()).await?.into_iter().map(|e| e.name).collect();
        Ok(ReleaseList { rows, services, environments, viewer })
    })
    .await
}

#[server(prefix = "/rpc", endpoint = "release")]
pub async fn load_release(id: i64) -> Result<ReleaseView, PageError> {
    super::answer(async move {
        let (backend, viewer) = super::backend_and_actor()?;
        let dossier = airlock_backend::releases::get(&backend, viewer.as_ref(), id).await?;
        let jobs = airlock_backend::dispatch::jobs(&backend, viewer.as_ref(), id).await?;
        let environment = &dossier.release.content.environment;
        let environments = world::environments(&backend, viewer.as_ref()).await?;
        let rollback = environments.into_iter().find(|e| e.name == *environment).map(|e| e.rollback).unwrap_or_default();
        Ok(ReleaseView { dossier, jobs, rollback, now: Utc::now(), viewer })
    })
    .await
}

/// The form's choices. Refused up front when the acting identity could not
/// submit it anyway (`edit` names the release to edit).
#[server(prefix = "/rpc", endpoint = "release_form")]
pub async fn load_release_form(edit: Option<i64>) -> Result<ReleaseFormData, PageError> {
    super::answer(async move {
        use airlock_domain::access::Action;
        let (backend, viewer) = super::backend_and_actor()?;
        let action = if edit.is_some() { Action::EditRelease } else { Action::CreateRelease };
        airlock_backend::authorize(viewer.as_ref().into(), action)
            .map_err(|denied| PageError::from(airlock_backend::Refusal::Denied(denied)))?;
        let current = match edit {
            Some(id) => {
                let dossier = airlock_backend::releases::get(&backend, viewer.as_ref(), id).await?;
                Some((id, dossier.release.revision, dossier.release.content))
            }
            None => None,
        };
        let viewer = viewer.as_ref();
        Ok(ReleaseFormData {
            services: world::services(&backend, viewer).await?,
            environments: world::environments(&backend, viewer).await?,
            tenants: world::tenants(&backend, viewer).await?,
            regions: world::regions(&backend, viewer).await?,
            current,
        })
    })
    .await
}
