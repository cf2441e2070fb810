//! The demo world of the product brief, for `airlock seed --demo`, and a
//! synthetic world of any size for benchmarks. Both are deterministic (fixed
//! timestamps, no randomness), so importing them twice changes nothing.

use airlock_domain::dispatch::Rollout;
use airlock_domain::{Cluster, Deployment, Environment, Health, NamespaceStrategy, Region, Service, Tenant, World};
use chrono::{DateTime, Duration, TimeZone, Utc};

const REGIONS: [(&str, &str); 5] =
    [("lagos", "Lagos"), ("johannesburg", "Johannesburg"), ("frankfurt", "Frankfurt"), ("ashburn", "Ashburn"), ("singapore", "Singapore")];

/// service, version per environment (development, staging, production).
const SERVICES: [(&str, [&str; 3]); 3] =
    [("api", ["2.16.0-rc.1", "2.15.0", "2.14.3"]), ("web", ["5.3.0", "5.2.1", "5.2.1"]), ("worker", ["1.9.0", "1.8.4", "1.8.2"])];

/// Exceptions that make the demo look like a real fleet: drift, trouble, gaps.
/// (tenant, environment, region, service) → (version, health).
const EXCEPTIONS: [(&str, &str, &str, &str, &str, Health); 5] = [
    ("flux-logistics", "production", "singapore", "api", "2.14.2", Health::Healthy),
    ("initech", "production", "frankfurt", "web", "5.1.0", Health::Healthy),
    ("dunmore-health", "production", "ashburn", "api", "2.14.3", Health::Degraded),
    ("jollof-media", "staging", "johannesburg", "worker", "1.8.4", Health::Failing),
    ("mango-telecom", "production", "singapore", "worker", "1.8.2", Health::Unknown),
];

/// Tenants onboarded so recently that production has not been deployed yet.
const NOT_YET_IN_PRODUCTION: [&str; 1] = ["nordwind"];

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 30, 0).single().unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn environments() -> Vec<Environment> {
    vec![
        environment("development", 1, 0, Rollout::AllAtOnce),
        environment("staging", 2, 0, Rollout::AllAtOnce),
        // Production goes region by region, so a failure stops before the next region.
        environment("production", 3, 2, Rollout::ByRegion),
    ]
}

fn environment(name: &str, position: i32, required_approvals: i32, rollout: Rollout) -> Environment {
    Environment {
        name: name.into(),
        position,
        protected: required_approvals > 0,
        required_approvals,
        rollout,
        creates_namespaces: true,
        rollback: Default::default(),
        approval_ttl_seconds: None,
        bake_seconds: None,
        rollback_on: None,
        checklist: airlock_domain::gate::default_checklist(required_approvals > 0),
        freezes: Vec::new(),
    }
}

fn regions() -> Vec<Region> {
    REGIONS
        .iter()
        .zip(1..)
        .map(|((name, display), position)| Region { name: (*name).into(), display_name: (*display).into(), position })
        .collect()
}

/// Short names as operators say them: environment prefix and airport code.
fn cluster_name(environment: &str, region: &str) -> String {
    let env = match environment {
        "development" => "dev",
        "staging" => "stg",
        other => &other[..other.len().min(4)],
    };
    let site = match region {
        "lagos" => "los",
        "johannesburg" => "jnb",
        "frankfurt" => "fra",
        "ashburn" => "iad",
        "singapore" => "sin",
        other => &other[..other.len().min(3)],
    };
    format!("{env}-{site}-1")
}

fn cluster(environment: &str, region: &str, strategy: NamespaceStrategy) -> Cluster {
    let name = cluster_name(environment, region);
    Cluster {
        api_url: format!("https://{name}.k8s.airlock.internal:6443"),
        // Simulated: the demo's Jobs are rendered and recorded, never sent.
        credentials_ref: "simulated".into(),
        name,
        environment: environment.into(),
        region: region.into(),
        namespace_strategy: strategy,
    }
}

/// Development is one local cluster with one shared namespace; staging and
/// production have a per-tenant cluster in every region.
fn clusters(development_regions: &[&str]) -> Vec<Cluster> {
    let mut clusters: Vec<Cluster> = development_regions
        .iter()
        .map(|r| cluster("development", r, NamespaceStrategy::Shared { namespace: "airlock-dev".into() }))
        .collect();
    for environment in ["staging", "production"] {
        clusters.extend(REGIONS.iter().map(|(r, _)| cluster(environment, r, NamespaceStrategy::PerTenant)));
    }
    clusters
}

fn services() -> Vec<Service> {
    SERVICES
        .iter()
        .map(|(name, _)| Service {
            name: (*name).into(),
            image_repository: format!("registry.airlock.internal/{name}"),
            workload_label: None,
        })
        .collect()
}

fn previous_of(version: &str) -> Option<String> {
    // Plausible history: the patch before, or none for a x.y.0 release.
    let (head, patch) = version.rsplit_once('.')?;
    let patch: u32 = patch.parse().ok()?;
    patch.checked_sub(1).map(|p| format!("{head}.{p}"))
}

/// The demo world as a world file: what `airlock seed --demo` applies.
pub const DEMO_WORLD_FILE: &str = include_str!("../demo/world.yaml");
/// The job template the demo file names, and where it names it.
pub const DEMO_JOB_TEMPLATE: (&str, &str) = ("jobs/production.yaml", include_str!("../demo/jobs/production.yaml"));

/// The demo file with its job template, as `airlock apply` would read it.
pub fn demo_input() -> crate::world_file::WorldInput {
    let mut input = crate::world_file::WorldInput::text(DEMO_WORLD_FILE);
    input.files.insert(DEMO_JOB_TEMPLATE.0.to_owned(), DEMO_JOB_TEMPLATE.1.to_owned());
    input
}

/// The world of the product brief, as its file describes it (3 environments,
/// 5 regions, 11 clusters, 14 tenants with realistic residency, 3 services)
/// and what runs where: some drift and trouble.
pub fn demo_world() -> World {
    // The file is part of this crate, and a test checks it: it always reads.
    let document: Option<airlock_domain::world_file::WorldDocument> = serde_yaml::from_str(DEMO_WORLD_FILE).ok();
    let mut world = document.and_then(|d| d.check().ok()).map(|c| c.world).unwrap_or_default();
    let mut deployments = Vec::new();
    for (t, tenant) in world.tenants.iter().enumerate() {
        for (e, environment) in ["development", "staging", "production"].iter().enumerate() {
            if *environment == "production" && NOT_YET_IN_PRODUCTION.contains(&tenant.slug.as_str()) {
                continue;
            }
            let served = world.clusters.iter().filter(|c| c.environment == *environment && tenant.may_run_in(&c.region));
            for c in served {
                for (s, (service, versions)) in SERVICES.iter().enumerate() {
                    let exception =
                        EXCEPTIONS.iter().find(|x| x.0 == tenant.slug && x.1 == *environment && x.2 == c.region && x.3 == *service);
                    let (version, health) = exception.map_or((versions[e], Health::Healthy), |x| (x.4, x.5));
                    let hours = (t * 7 + e * 29 + s * 3) as i64;
                    deployments.push(Deployment {
                        tenant: tenant.slug.clone(),
                        environment: (*environment).into(),
                        region: c.region.clone(),
                        service: (*service).into(),
                        version: version.into(),
                        previous_version: previous_of(version),
                        health,
                        changed_at: base_time() - Duration::hours(hours),
                    });
                }
            }
        }
    }
    world.deployments = deployments;
    world
}

/// Applies the demo file (with its job template) and records what runs
/// where: `airlock seed --demo`, and a server started with `AIRLOCK_SEED_DEMO`.
pub async fn seed(backend: &crate::Backend, operator: &crate::LocalOperator) -> Result<airlock_domain::world_file::Plan, crate::Refusal> {
    let plan = crate::world_file::apply(backend, operator, &demo_input(), chrono::Utc::now()).await?;
    let running = World { deployments: demo_world().deployments, ..World::default() };
    backend.import_world(operator, &running).await?;
    Ok(plan)
}

/// `tenants` tenants allowed everywhere, every environment served in every
/// region, every service deployed everywhere: the benchmark's worst case.
pub fn synthetic_world(tenants: usize) -> World {
    let region_names: Vec<&str> = REGIONS.iter().map(|(r, _)| *r).collect();
    let clusters = clusters(&region_names);
    let health_for = |i: usize| match i % 50 {
        0 => Health::Failing,
        1..=3 => Health::Degraded,
        4 => Health::Unknown,
        _ => Health::Healthy,
    };
    let tenants: Vec<Tenant> = (0..tenants)
        .map(|i| Tenant {
            slug: format!("tenant-{i:04}"),
            name: format!("Tenant {i:04}"),
            primary_region: region_names[i % region_names.len()].into(),
            data_residency: "global".into(),
            allowed_regions: region_names.iter().map(|r| (*r).into()).collect(),
            admin_groups: Vec::new(),
        })
        .collect();
    let mut deployments = Vec::new();
    for (i, tenant) in tenants.iter().enumerate() {
        for (c, cluster) in clusters.iter().enumerate() {
            let e = ["development", "staging", "production"].iter().position(|e| *e == cluster.environment).unwrap_or(0);
            for (service, versions) in SERVICES.iter() {
                deployments.push(Deployment {
                    tenant: tenant.slug.clone(),
                    environment: cluster.environment.clone(),
                    region: cluster.region.clone(),
                    service: (*service).into(),
                    version: versions[e].into(),
                    previous_version: previous_of(versions[e]),
                    health: health_for(i + c),
                    changed_at: base_time() - Duration::minutes((i * 15 + c) as i64),
                });
            }
        }
    }
    World {
        access: None,
        notifications: None,
        environments: environments(),
        regions: regions(),
        clusters,
        tenants,
        services: services(),
        deployments,
        observed: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_file_reads_and_describes_the_demo_world() {
        let document: airlock_domain::world_file::WorldDocument = serde_yaml::from_str(DEMO_WORLD_FILE).expect("the demo file is YAML");
        let checked = document.check().expect("the demo file passes every check");
        assert_eq!(checked.world.environments.len(), 3);
        assert_eq!(checked.world.clusters.len(), 11);
        assert_eq!(checked.job_templates[0].path, DEMO_JOB_TEMPLATE.0);
        crate::dispatch::template::JobTemplate::parse(DEMO_JOB_TEMPLATE.1).expect("the demo job template passes its checks");
    }

    #[test]
    fn the_demo_world_never_places_a_workload_outside_a_tenants_allowed_regions() {
        let world = demo_world();
        for d in &world.deployments {
            let tenant = world.tenants.iter().find(|t| t.slug == d.tenant).expect("tenant exists");
            assert!(tenant.may_run_in(&d.region), "{} runs in {}", d.tenant, d.region);
        }
    }

    #[test]
    fn the_demo_world_has_the_briefs_shape() {
        let world = demo_world();
        assert!(world.tenants.len() >= 12);
        assert_eq!(world.regions.len(), 5);
        assert!(world.deployments.iter().any(|d| d.health == Health::Degraded));
        let mut eu_only = world.tenants.iter().filter(|t| t.data_residency == "eu");
        assert!(eu_only.clone().count() >= 3);
        assert!(eu_only.all(|t| t.allowed_regions == ["frankfurt"]));
    }

    #[test]
    fn every_tenants_primary_region_is_one_it_may_run_in() {
        for world in [demo_world(), synthetic_world(20)] {
            assert!(world.tenants.iter().all(|t| t.may_run_in(&t.primary_region)));
        }
    }

    #[test]
    fn the_synthetic_world_fills_every_cell() {
        let world = synthetic_world(10);
        assert_eq!(world.clusters.len(), 15);
        assert_eq!(world.deployments.len(), 10 * 15 * SERVICES.len());
    }
}
