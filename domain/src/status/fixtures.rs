//! A small world for the status tests: two environments, two regions, three
//! tenants (one EU-only), one service.

use crate::{Cluster, Deployment, Environment, Health, NamespaceStrategy, Region, Service, Tenant, World};
use chrono::{TimeZone, Utc};

pub(crate) fn deployment(tenant: &str, environment: &str, region: &str, version: &str, health: Health) -> Deployment {
    Deployment {
        tenant: tenant.into(),
        environment: environment.into(),
        region: region.into(),
        service: "api".into(),
        version: version.into(),
        previous_version: None,
        health,
        changed_at: Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap(),
    }
}

fn tenant(slug: &str, primary: &str, residency: &str, allowed: &[&str]) -> Tenant {
    Tenant {
        slug: slug.into(),
        name: slug.to_uppercase(),
        primary_region: primary.into(),
        data_residency: residency.into(),
        allowed_regions: allowed.iter().map(|r| r.to_string()).collect(),
        admin_groups: Vec::new(),
    }
}

fn cluster(name: &str, environment: &str, region: &str) -> Cluster {
    Cluster {
        name: name.into(),
        environment: environment.into(),
        region: region.into(),
        api_url: format!("https://{name}.example.test"),
        credentials_ref: name.into(),
        namespace_strategy: NamespaceStrategy::PerTenant,
    }
}

pub(crate) fn small_world() -> World {
    World {
        access: None,
        notifications: None,
        observed: Vec::new(),
        environments: vec![
            Environment {
                name: "staging".into(),
                position: 2,
                protected: false,
                required_approvals: 0,
                rollout: Default::default(),
                creates_namespaces: false,
                rollback: Default::default(),
                approval_ttl_seconds: None,
                bake_seconds: None,
                rollback_on: None,
                checklist: Vec::new(),
                freezes: Vec::new(),
            },
            Environment {
                name: "production".into(),
                position: 3,
                protected: true,
                required_approvals: 2,
                rollout: Default::default(),
                creates_namespaces: false,
                rollback: Default::default(),
                approval_ttl_seconds: None,
                bake_seconds: None,
                rollback_on: None,
                checklist: Vec::new(),
                freezes: Vec::new(),
            },
        ],
        regions: vec![
            Region { name: "frankfurt".into(), display_name: "Frankfurt".into(), position: 3 },
            Region { name: "ashburn".into(), display_name: "Ashburn".into(), position: 4 },
        ],
        clusters: vec![
            cluster("stg-fra-1", "staging", "frankfurt"),
            cluster("prod-fra-1", "production", "frankfurt"),
            cluster("prod-ash-1", "production", "ashburn"),
        ],
        tenants: vec![
            tenant("acme", "frankfurt", "eu", &["frankfurt"]),
            tenant("globex", "ashburn", "us", &["frankfurt", "ashburn"]),
            tenant("initech", "ashburn", "us", &["ashburn"]),
        ],
        services: vec![Service { name: "api".into(), image_repository: "registry.example.test/api".into(), workload_label: None }],
        deployments: vec![
            deployment("acme", "staging", "frankfurt", "2.1.0", Health::Healthy),
            deployment("acme", "production", "frankfurt", "2.0.0", Health::Healthy),
            deployment("globex", "production", "frankfurt", "2.0.0", Health::Degraded),
            deployment("globex", "production", "ashburn", "1.9.0", Health::Healthy),
            deployment("initech", "production", "ashburn", "2.0.0", Health::Healthy),
        ],
    }
}

/// What a cluster reports for `tenant`'s api in `environment` × `region`.
pub(crate) fn observation(
    tenant: &str,
    environment: &str,
    region: &str,
    version: Option<&str>,
    health: Health,
) -> crate::observed::Observation {
    let at = Utc.with_ymd_and_hms(2026, 11, 2, 12, 0, 0).unwrap();
    crate::observed::Observation {
        tenant: tenant.into(),
        environment: environment.into(),
        region: region.into(),
        service: "api".into(),
        cluster: format!("{environment}-{region}"),
        seen: crate::observed::Seen { version: version.map(str::to_owned), health, reason: None, replicas: Default::default() },
        changed_at: at,
        observed_at: at,
    }
}
