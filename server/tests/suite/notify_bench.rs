//! Notification timings for BENCHMARKS.md (run by `scripts/bench notify`;
//! ignored in the test suite: a benchmark, not a test). On SQLite and
//! PostgreSQL, with a real HTTP receiver on loopback:
//! - event to receiver: a release created (its change committed) until the
//!   receiver holds its `release.created` POST, p50 and p99 of 200;
//! - approvals per second, 4 approvers at once over 1,000 approvals, with no
//!   webhook and with 3 webhooks that want every event: the median of 3 runs
//!   each, taken in turns (one run alone varies by a quarter on 2 cores).

use crate::support::dispatch::eventually;
use crate::support::gate::{approver, check_all, decide, draft, rita};
use crate::support::receiver::Receiver;
use airlock_backend::{Backend, DatabaseTarget, Store, connect, releases};
use airlock_domain::gate::Decision;
use airlock_domain::notify::EventKind;
use airlock_domain::world_file::Notifications;
use std::sync::Arc;
use std::time::{Duration, Instant};

const EVENTS: usize = 200;
const APPROVALS: usize = 1000;
const RUNS: usize = 3;

async fn fresh_store(postgres: bool, dir: &tempfile::TempDir) -> Arc<dyn Store> {
    let target = if postgres {
        DatabaseTarget::Postgres(crate::support::fresh_postgres_url().await)
    } else {
        DatabaseTarget::SqliteFile(dir.path().join("airlock.db"))
    };
    let store = connect(&target, None).await.expect("database");
    store.migrate().await.expect("migrated");
    store
}

/// The demo world, with `hooks` webhooks at `receiver` that want every event.
async fn backend_with_hooks(postgres: bool, dir: &tempfile::TempDir, receiver: &Receiver, hooks: usize) -> Backend {
    let store = fresh_store(postgres, dir).await;
    let events: Vec<&str> = EventKind::ALL.iter().map(|kind| kind.as_str()).collect();
    let webhooks = (1..=hooks).map(|n| receiver.webhook(&format!("hook-{n}"), dir.path(), "bench-secret", &events)).collect();
    let mut world = airlock_backend::demo::demo_world();
    world.notifications = (hooks > 0).then_some(Notifications { webhooks });
    store.import_world(&world).await.expect("world");
    let backend = Backend::new(store);
    let (stop, stopping) = tokio::sync::watch::channel(false);
    std::mem::forget(stop); // the worker runs until the benchmark ends
    airlock_backend::notify::worker::spawn(backend.clone(), stopping, "http://127.0.0.1:3000".into());
    backend
}

fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    runs[runs.len() / 2]
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1]
}

async fn event_to_receiver(postgres: bool) -> (Duration, Duration) {
    let dir = tempfile::tempdir().expect("dir");
    let receiver = Receiver::start().await;
    let backend = backend_with_hooks(postgres, &dir, &receiver, 1).await;
    let mut latencies = Vec::with_capacity(EVENTS);
    for n in 0..EVENTS {
        let committed = Instant::now();
        releases::create(&backend, Some(&rita()), draft("production", &[("acme", "frankfurt")]), chrono::Utc::now())
            .await
            .expect("created");
        let arrived = receiver.wait("hook-1", "the event", |r| r.len() > n).await[n].at;
        latencies.push(arrived.duration_since(committed));
    }
    latencies.sort();
    (percentile(&latencies, 0.5), percentile(&latencies, 0.99))
}

/// Approvals per second, 4 approvers at once, each approving its own releases.
async fn approvals_per_second(postgres: bool, hooks: usize) -> f64 {
    let dir = tempfile::tempdir().expect("dir");
    let receiver = Receiver::start().await;
    let backend = backend_with_hooks(postgres, &dir, &receiver, hooks).await;
    let mut ids = Vec::with_capacity(APPROVALS);
    for _ in 0..APPROVALS {
        let id = releases::create(&backend, Some(&rita()), draft("production", &[("acme", "frankfurt")]), chrono::Utc::now())
            .await
            .expect("created")
            .release
            .id;
        check_all(&backend, id).await;
        ids.push(id);
    }
    // Let the worker deliver what setting up recorded (each release.created), so only approvals are timed.
    let expected = hooks * APPROVALS;
    eventually("the setup's deliveries", || async {
        (1..=hooks).map(|n| receiver.received(&format!("hook-{n}")).len()).sum::<usize>() >= expected
    })
    .await;
    let started = Instant::now();
    let mut approvers = tokio::task::JoinSet::new();
    for (lane, chunk) in ids.chunks(APPROVALS / 4).enumerate() {
        let (backend, chunk) = (backend.clone(), chunk.to_vec());
        approvers.spawn(async move {
            let who = approver(&format!("approver-{lane}"));
            for id in chunk {
                decide(&backend, &who, id, Decision::Approve).await.expect("approved");
            }
        });
    }
    approvers.join_all().await;
    APPROVALS as f64 / started.elapsed().as_secs_f64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a benchmark: scripts/bench notify"]
async fn notify_bench() {
    for (name, postgres) in [("sqlite", false), ("postgres", true)] {
        let (p50, p99) = event_to_receiver(postgres).await;
        println!("BENCH notify {name} event -> receiver (p50, p99 of {EVENTS}): {p50:.1?}, {p99:.1?}");
        let (mut nones, mut threes) = (Vec::new(), Vec::new());
        for _ in 0..RUNS {
            nones.push(approvals_per_second(postgres, 0).await);
            threes.push(approvals_per_second(postgres, 3).await);
        }
        println!("BENCH notify {name} approvals/s runs (no hook; 3 hooks): {nones:.0?}; {threes:.0?}");
        let (none, three) = (median(nones), median(threes));
        let change = (three / none - 1.0) * 100.0;
        println!("BENCH notify {name} approvals/s, 4 at once (no hook, 3 hooks): {none:.0}, {three:.0} ({change:+.1} %)");
    }
}
