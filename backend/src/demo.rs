//! The demo world of the product brief, for `airlock seed --demo`, and a
//! synthetic world of any size for benchmarks. Both are deterministic (fixed
//! timestamps, no randomness), so importing them twice changes nothing.

use airlock_domain::dispatch::Rollout;
use airlock_domain::{Cluster, Deployment, Environment, Health, NamespaceStrategy, Region, Service, Tenant, World};
use chrono::{DateTime, Duration, TimeZone, Utc};

const REGIONS: [(&str, &str); 5] =
    [("lagos", "Lagos"), ("johannesburg", "Johannesburg"), ("frankfurt", "Frankfurt"), ("ashburn", "Ashburn"), ("singapore", "Singapore")];

/// slug, display name, residency, primary region, allowed regions.
const TENANTS: [(&str, &str, &str, &str, &[&str]); 14] = [
    ("acme", "Acme Corp", "eu", "frankfurt", &["frankfurt"]),
    ("bluebird-bank", "Bluebird Bank", "eu", "frankfurt", &["frankfurt"]),
    ("contoso", "Contoso Retail", "us", "ashburn", &["ashburn"]),
    ("dunmore-health", "Dunmore Health", "us", "ashburn", &["ashburn"]),
    ("eko-pay", "Eko Pay", "ng", "lagos", &["lagos"]),
    ("flux-logistics", "Flux Logistics", "global", "frankfurt", &["frankfurt", "ashburn", "singapore"]),
    ("gondwana-mining", "Gondwana Mining", "za", "johannesburg", &["johannesburg"]),
    ("harbour-freight", "Harbour Freight", "sg", "singapore", &["singapore"]),
    ("initech", "Initech", "global", "ashburn", &["frankfurt", "ashburn", "singapore"]),
    ("jollof-media", "Jollof Media", "africa", "lagos", &["lagos", "johannesburg"]),
    ("kestrel-air", "Kestrel Air", "eu", "frankfurt", &["frankfurt"]),
    ("lumen-energy", "Lumen Energy", "za", "johannesburg", &["johannesburg"]),
    ("mango-telecom", "Mango Telecom", "apac", "singapore", &["singapore"]),
    ("nordwind", "Nordwind Versicherung", "eu", "frankfurt", &["frankfurt"]),
];

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
        .map(|(name, _)| Service { name: (*name).into(), image_repository: format!("registry.airlock.internal/{name}") })
        .collect()
}

fn previous_of(version: &str) -> Option<String> {
    // Plausible history: the patch before, or none for a x.y.0 release.
    let (head, patch) = version.rsplit_once('.')?;
    let patch: u32 = patch.parse().ok()?;
    patch.checked_sub(1).map(|p| format!("{head}.{p}"))
}

/// The world of the product brief: 3 environments, 5 regions, 11 clusters,
/// 14 tenants with realistic residency, 3 services, some drift and trouble.
pub fn demo_world() -> World {
    let clusters = clusters(&["frankfurt"]);
    let mut deployments = Vec::new();
    for (t, (slug, _, _, _, allowed)) in TENANTS.iter().enumerate() {
        for (e, environment) in ["development", "staging", "production"].iter().enumerate() {
            if *environment == "production" && NOT_YET_IN_PRODUCTION.contains(slug) {
                continue;
            }
            let served = clusters.iter().filter(|c| c.environment == *environment && allowed.contains(&c.region.as_str()));
            for c in served {
                for (s, (service, versions)) in SERVICES.iter().enumerate() {
                    let exception = EXCEPTIONS.iter().find(|x| x.0 == *slug && x.1 == *environment && x.2 == c.region && x.3 == *service);
                    let (version, health) = exception.map_or((versions[e], Health::Healthy), |x| (x.4, x.5));
                    let hours = (t * 7 + e * 29 + s * 3) as i64;
                    deployments.push(Deployment {
                        tenant: (*slug).into(),
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
    World {
        environments: environments(),
        regions: regions(),
        clusters,
        tenants: TENANTS
            .iter()
            .map(|(slug, name, residency, primary, allowed)| Tenant {
                slug: (*slug).into(),
                name: (*name).into(),
                primary_region: (*primary).into(),
                data_residency: (*residency).into(),
                allowed_regions: allowed.iter().map(|r| (*r).into()).collect(),
            })
            .collect(),
        services: services(),
        deployments,
    }
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
    World { environments: environments(), regions: regions(), clusters, tenants, services: services(), deployments }
}

#[cfg(test)]
mod tests {
    use super::*;

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
