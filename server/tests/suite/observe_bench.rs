//! The observed-state benchmark (`scripts/bench observe`): the portal's
//! binary, on the embedded database, watching 5,000 Deployments in a real
//! kube-apiserver as 5 clusters (one shared namespace each, 1,000 tenants).
//! It reports the time to the first complete picture, the portal's resident
//! memory, the time from a Deployment's status changing in the API server to
//! `GET /api/v1/tenants/{slug}/status` showing it (100 changes, one at a
//! time), and `/tenants` for 1,000 tenants while the watches run. Figures,
//! printed as `BENCH observe …` lines: no assertion on a timing.
//!
//! `cargo test --release -p airlock-server --test suite observe_bench -- --ignored --nocapture`

use crate::support::dispatch::{prefix, released, world};
use crate::support::kube::KubeApi;
use crate::support::{Browser, cookie_client, serve_process};
use airlock_backend::{DatabaseTarget, connect};
use airlock_domain::dispatch::Rollout;
use airlock_domain::{Cluster, Health, NamespaceStrategy, Region, World};
use k8s_openapi::api::apps::v1::Deployment as KubeDeployment;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Patch, PatchParams, PostParams};
use serde_json::{Value, json};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const TENANTS: usize = 1_000;
const REGIONS: [&str; 5] = ["frankfurt", "ashburn", "singapore", "saopaulo", "sydney"];
const CHANGES: usize = 100;

/// 1,000 tenants running api 1.0.0 in 5 regions, one cluster per region on
/// the one API server, each cluster's workloads in a namespace of its own.
fn bench_world(api: &KubeApi, prefix: &str) -> World {
    let mut world = world(api, prefix, TENANTS, Rollout::AllAtOnce);
    world.regions =
        REGIONS.iter().zip(1..).map(|(r, position)| Region { name: (*r).into(), display_name: r.to_uppercase(), position }).collect();
    world.clusters = REGIONS
        .iter()
        .map(|region| Cluster {
            name: format!("bench-{region}"),
            environment: "production".into(),
            region: (*region).into(),
            api_url: api.url.clone(),
            credentials_ref: format!("kubeconfig:{}#test", api.kubeconfig.display()),
            namespace_strategy: NamespaceStrategy::Shared { namespace: namespace(prefix, region) },
        })
        .collect();
    for tenant in &mut world.tenants {
        tenant.allowed_regions = REGIONS.map(String::from).to_vec();
    }
    world.deployments = world.tenants.iter().flat_map(|t| REGIONS.map(|r| released(&t.slug, r))).collect();
    world
}

fn namespace(prefix: &str, region: &str) -> String {
    format!("{prefix}-{region}")
}

fn kube_deployment(tenant: &str) -> KubeDeployment {
    serde_json::from_value(json!({
        "metadata": {"name": format!("api-{tenant}"), "labels": {"app.kubernetes.io/name": "api", "airlock.dev/tenant": tenant}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "api", "tenant": tenant}},
            "template": {"metadata": {"labels": {"app": "api", "tenant": tenant}},
                "spec": {"containers": [{"name": "api", "image": "registry.example.com/api:1.0.0"}]}},
        },
    }))
    .expect("deployment")
}

/// The Deployment controller's part: every replica ready (`ready` = 2) or one short.
async fn set_ready(client: &kube::Client, namespace: &str, tenant: &str, ready: i32) {
    let api: kube::Api<KubeDeployment> = kube::Api::namespaced(client.clone(), namespace);
    let status = json!({"status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "readyReplicas": ready,
        "availableReplicas": ready, "unavailableReplicas": 2 - ready}});
    api.patch_status(&format!("api-{tenant}"), &PatchParams::default(), &Patch::Merge(&status)).await.expect("status");
}

fn free_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").to_string()
}

fn portal(data_dir: &std::path::Path, address: &str) -> Child {
    serve_process(data_dir, address, &[("LEPTOS_SITE_ADDR", address)])
}

fn token(data_dir: &std::path::Path) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_airlock"))
        .args(["token", "create", "--name", "observe-bench", "--role", "viewer", "--expires", "1d"])
        .env("AIRLOCK_DATA_DIR", data_dir)
        .output()
        .expect("airlock token create");
    String::from_utf8_lossy(&output.stdout).split_whitespace().last().expect("a token").to_owned()
}

/// VmRSS and VmHWM of `pid`, in MB.
fn memory(pid: u32) -> (f64, f64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the portal's /proc status");
    let field = |name: &str| {
        let line = status.lines().find(|l| l.starts_with(name)).expect("field");
        line.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()).expect("kB") / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn health_in(client: &reqwest::Client, address: &str, token: &str, tenant: &str, region: &str) -> Option<String> {
    let status: Value =
        client.get(format!("http://{address}/api/v1/tenants/{tenant}/status")).bearer_auth(token).send().await.ok()?.json().await.ok()?;
    let workloads = status["workloads"].as_array()?;
    let workload = workloads.iter().find(|w| w["region"] == region && w["service"] == "api")?;
    workload["health"].as_str().map(str::to_owned)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: scripts/bench observe runs it"]
async fn observe_bench_5000_deployments_across_5_clusters() {
    let api = KubeApi::shared();
    let client = api.client().await;
    let prefix = prefix();
    let data = tempfile::tempdir().expect("data dir");
    let store = connect(&DatabaseTarget::SqliteFile(data.path().join("airlock.db")), None).await.expect("the embedded database");
    store.migrate().await.expect("migrate");
    store.import_world(&bench_world(api, &prefix)).await.expect("the world");

    let namespaces: kube::Api<Namespace> = kube::Api::all(client.clone());
    for region in REGIONS {
        let ns = serde_json::from_value(json!({"metadata": {"name": namespace(&prefix, region)}})).expect("namespace");
        namespaces.create(&PostParams::default(), &ns).await.expect("create the namespace");
    }
    let started = Instant::now();
    let all: Vec<(String, String)> =
        (1..=TENANTS).flat_map(|n| REGIONS.map(|r| (format!("{prefix}-{n}"), namespace(&prefix, r)))).collect();
    // 32 at a time, as a pipeline applying many manifests would.
    let slots = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let mut creating = tokio::task::JoinSet::new();
    for (tenant, ns) in all.clone() {
        let (client, slot) = (client.clone(), slots.clone().acquire_owned().await.expect("a slot"));
        creating.spawn(async move {
            let api: kube::Api<KubeDeployment> = kube::Api::namespaced(client.clone(), &ns);
            api.create(&PostParams::default(), &kube_deployment(&tenant)).await.expect("create the Deployment");
            set_ready(&client, &ns, &tenant, 2).await;
            drop(slot);
        });
    }
    while let Some(created) = creating.join_next().await {
        created.expect("created");
    }
    println!("BENCH observe Deployments created in the API server: {} in {:.1} s", all.len(), started.elapsed().as_secs_f64());

    let address = free_address();
    let token = token(data.path());
    let mut child = portal(data.path(), &address);
    let started = Instant::now();
    loop {
        let observed = store.observed(None).await.expect("observed");
        if observed.len() == all.len() && observed.iter().all(|o| o.seen.health == Health::Healthy) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(600), "only {} of {} observed", observed.len(), all.len());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("BENCH observe first complete picture (start to 5,000 healthy): {:.1} s", started.elapsed().as_secs_f64());
    let (rss, peak) = memory(child.id());
    println!("BENCH observe portal RSS after the first picture: {rss:.0} MB (peak {peak:.0} MB)");

    let http = reqwest::Client::new();
    let mut latencies = Vec::new();
    for i in 0..CHANGES {
        let (tenant, region) = (format!("{prefix}-{}", (i * 7) % TENANTS + 1), REGIONS[i % REGIONS.len()]);
        // One replica short is a rollout still under way; all ready, healthy again.
        let (ready, wanted) = if i % 2 == 0 { (1, "progressing") } else { (2, "healthy") };
        let ns = namespace(&prefix, region);
        if ready == 2 {
            set_ready(&client, &ns, &tenant, 1).await; // one short first, so the change is a change
            while health_in(&http, &address, &token, &tenant, region).await.as_deref() != Some("progressing") {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
        let changed = Instant::now();
        set_ready(&client, &ns, &tenant, ready).await;
        while health_in(&http, &address, &token, &tenant, region).await.as_deref() != Some(wanted) {
            assert!(changed.elapsed() < Duration::from_secs(60), "{tenant} in {region} never showed {wanted}");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        latencies.push(changed.elapsed());
    }
    latencies.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "BENCH observe status change to API ({CHANGES} changes): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
        ms(percentile(&latencies, 0.5)),
        ms(percentile(&latencies, 0.99)),
        ms(latencies[latencies.len() - 1])
    );

    let browser = Browser { address: format!("http://{address}"), client: cookie_client() };
    let signed_in = browser.post_form("/auth/demo", "person=vic&next=/".into()).await;
    assert_eq!(signed_in.status().as_u16(), 303, "demo sign-in");
    let mut pages = Vec::new();
    let mut bytes = 0;
    for _ in 0..20 {
        let asked = Instant::now();
        let (status, body) = browser.page("/tenants?service=api").await;
        assert_eq!(status, 200);
        pages.push(asked.elapsed());
        bytes = body.len();
    }
    pages.sort();
    println!(
        "BENCH observe /tenants, 1,000 tenants observed (20 requests): p50 {:.1} ms, max {:.1} ms, {} KB",
        ms(percentile(&pages, 0.5)),
        ms(pages[pages.len() - 1]),
        bytes / 1024
    );
    let (rss, peak) = memory(child.id());
    println!("BENCH observe portal RSS at the end: {rss:.0} MB (peak {peak:.0} MB)");
    child.kill().expect("stop the portal");
    child.wait().expect("reaped");
    for region in REGIONS {
        let _ = namespaces.delete(&namespace(&prefix, region), &Default::default()).await;
    }
}
