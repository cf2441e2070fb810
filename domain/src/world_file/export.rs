//! A world written back as a document: what `airlock export` and
//! `GET /api/v1/world` give, such that applying it changes nothing.

use super::{ClusterEntry, EnvironmentEntry, FreezeEntry, RegionEntry, ServiceEntry, TenantEntry, WorldDocument, format_duration};
use crate::freeze::{Freeze, FreezeWindow};
use crate::{Environment, NamespaceStrategy, World};
use std::collections::BTreeMap;

impl WorldDocument {
    /// `world` as a document; `templates`: each environment's job template path.
    pub fn of(world: &World, templates: &BTreeMap<String, String>) -> WorldDocument {
        let mut environments: Vec<&Environment> = world.environments.iter().collect();
        environments.sort_by_key(|e| e.position);
        let mut regions: Vec<_> = world.regions.iter().collect();
        regions.sort_by_key(|r| r.position);
        WorldDocument {
            environments: environments.into_iter().map(|e| environment(e, templates.get(&e.name))).collect(),
            regions: regions.into_iter().map(|r| RegionEntry { name: r.name.clone(), display_name: r.display_name.clone() }).collect(),
            clusters: world
                .clusters
                .iter()
                .map(|c| ClusterEntry {
                    name: c.name.clone(),
                    environment: c.environment.clone(),
                    region: c.region.clone(),
                    connection: c.credentials_ref.clone(),
                    api_url: Some(c.api_url.clone()).filter(|url| !url.is_empty()),
                    namespaces: match &c.namespace_strategy {
                        NamespaceStrategy::PerTenant => None,
                        NamespaceStrategy::Shared { namespace } => Some(format!("shared:{namespace}")),
                    },
                })
                .collect(),
            services: world
                .services
                .iter()
                .map(|s| ServiceEntry {
                    name: s.name.clone(),
                    image_repository: s.image_repository.clone(),
                    workload_label: s.workload_label.as_ref().map(ToString::to_string),
                })
                .collect(),
            tenants: world
                .tenants
                .iter()
                .map(|t| TenantEntry {
                    slug: t.slug.clone(),
                    name: t.name.clone(),
                    primary_region: t.primary_region.clone(),
                    data_residency: t.data_residency.clone(),
                    allowed_regions: t.allowed_regions.clone(),
                    admin_groups: t.admin_groups.clone(),
                })
                .collect(),
            access: world.access.clone(),
            notifications: world.notifications.clone(),
        }
    }
}

fn environment(e: &Environment, template: Option<&String>) -> EnvironmentEntry {
    EnvironmentEntry {
        name: e.name.clone(),
        protected: e.protected,
        required_approvals: u32::try_from(e.required_approvals).ok().filter(|n| *n > 0 || e.protected),
        approval_ttl: e.approval_ttl_seconds.map(format_duration),
        checklist: e.checklist.clone(),
        rollout: Some(e.rollout),
        rollback: Some(e.rollback),
        creates_namespaces: Some(e.creates_namespaces),
        job_template: template.cloned(),
        freezes: e.freezes.iter().map(freeze).collect(),
        bake: e.bake_seconds.map(format_duration),
        rollback_on: e.rollback_on,
    }
}

fn freeze(f: &Freeze) -> FreezeEntry {
    let mut entry = FreezeEntry { name: f.name.clone(), reason: f.reason.clone(), ..FreezeEntry::default() };
    match &f.window {
        FreezeWindow::Once { from, until } => {
            entry.from = Some(*from);
            entry.until = Some(*until);
        }
        FreezeWindow::Recurring { cron, duration_seconds, time_zone } => {
            entry.cron = Some(cron.clone());
            entry.duration = Some(format_duration(*duration_seconds));
            entry.time_zone = Some(time_zone.clone());
        }
    }
    entry
}
