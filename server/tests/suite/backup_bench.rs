//! Backup timings for BENCHMARKS.md (run by `scripts/bench backup`; ignored
//! in the test suite: a benchmark, not a test). On the embedded database
//! holding the benchmarks' world (1,000 tenants) and 10,000 releases:
//! - `airlock backup`: how long it takes and how large the file is (median of 3);
//! - the overview's p50 and p99, signed in, 8 requests at a time, for 10 s
//!   without a backup and 10 s while backups run one after another, three
//!   times in turn (tens of thousands of requests and dozens of backups each way).

use crate::support::gate::{draft, rita};
use crate::support::{cookie_client, run};
use airlock_backend::releases;
use airlock_server::backup_commands::backup;
use airlock_server::config::Settings;
use std::time::{Duration, Instant};

const TENANTS: usize = 1000;
const RELEASES: usize = 10_000;
const AT_ONCE: usize = 8;
const PHASE: Duration = Duration::from_secs(10);
const ROUNDS: usize = 3;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

/// Every overview request's time over `PHASE`, `AT_ONCE` at a time.
async fn overview(client: &reqwest::Client, address: &str) -> Vec<Duration> {
    let mut lanes = tokio::task::JoinSet::new();
    let until = Instant::now() + PHASE;
    for _ in 0..AT_ONCE {
        let (client, url) = (client.clone(), format!("{address}/"));
        lanes.spawn(async move {
            let mut took = Vec::new();
            while Instant::now() < until {
                let started = Instant::now();
                let response = client.get(&url).send().await.expect("sent");
                assert_eq!(response.status().as_u16(), 200);
                response.bytes().await.expect("body");
                took.push(started.elapsed());
            }
            took
        });
    }
    lanes.join_all().await.into_iter().flatten().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: scripts/bench backup"]
async fn backup_bench() {
    let dir = tempfile::tempdir().expect("dir");
    let settings = Settings {
        addr: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().join("data"),
        demo_sign_in: true,
        log_filter: "warn".into(),
        ..Settings::default()
    };
    let (backend, operator) = airlock_server::startup::open_as_operator(&settings).await.expect("opens");
    backend.migrate(&operator).await.expect("migrated");
    backend.import_world(&operator, &airlock_backend::demo::synthetic_world(TENANTS)).await.expect("world");
    let mut writers = tokio::task::JoinSet::new();
    for lane in 0..4 {
        let backend = backend.clone();
        writers.spawn(async move {
            for n in (lane..RELEASES).step_by(4) {
                let tenant = format!("tenant-{:04}", n % TENANTS);
                let release = draft("production", &[(tenant.as_str(), "frankfurt")]);
                releases::create(&backend, Some(&rita()), release, chrono::Utc::now()).await.expect("created");
            }
        });
    }
    writers.join_all().await;

    let address = run(&settings).await;
    let client = cookie_client();
    let signed_in = client
        .post(format!("{address}/auth/demo"))
        .header("Origin", &address)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("person=vic&next=/")
        .send()
        .await
        .expect("sent");
    assert_eq!(signed_in.status().as_u16(), 303, "signed in");
    client.get(format!("{address}/")).send().await.expect("warm").bytes().await.expect("body"); // the page is kept once rendered

    let kept = tempfile::tempdir().expect("dir");
    let mut took = Vec::new();
    let mut bytes = 0;
    for n in 0..3 {
        let file = kept.path().join(format!("bench-{n}.db"));
        let started = Instant::now();
        backup(&settings, &file).await.expect("backup");
        took.push(started.elapsed());
        bytes = std::fs::metadata(&file).expect("file").len();
    }
    took.sort();
    let size = bytes as f64 / 1_000_000.0;
    println!("BENCH backup {TENANTS} tenants, {RELEASES} releases (time, size): {:.2?}, {size:.1} MB", took[1]);

    let (mut without, mut during, mut written) = (Vec::new(), Vec::new(), 0);
    for _ in 0..ROUNDS {
        without.extend(overview(&client, &address).await);
        let (stop, mut stopping) = tokio::sync::watch::channel(false);
        let looping = {
            let (settings, file) = (settings.clone(), kept.path().join("loop.db"));
            tokio::spawn(async move {
                let mut written = 0;
                while !*stopping.borrow_and_update() {
                    backup(&settings, &file).await.expect("backup");
                    written += 1;
                }
                written
            })
        };
        during.extend(overview(&client, &address).await);
        stop.send(true).expect("stop");
        written += looping.await.expect("backups");
    }
    without.sort();
    during.sort();
    let (p50, p99) = (percentile(&without, 0.5), percentile(&without, 0.99));
    let (p50_during, p99_during) = (percentile(&during, 0.5), percentile(&during, 0.99));
    println!("BENCH backup overview without a backup, {} requests (p50, p99): {p50:.2?}, {p99:.2?}", without.len());
    let change = (p99_during.as_secs_f64() / p99.as_secs_f64() - 1.0) * 100.0;
    println!(
        "BENCH backup overview while {written} backups ran, {} requests (p50, p99): {p50_during:.2?}, {p99_during:.2?} (p99 {change:+.0} %)",
        during.len()
    );
}
