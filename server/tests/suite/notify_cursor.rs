//! Events come from the audit log, read forward by the delivery workers:
//! changes made while no worker runs write no delivery and are told once
//! one starts; two workers on one database (two replicas) race for the same
//! entries and every event still reaches its webhook exactly once; and the
//! gate opening is an audit entry of its own, by whoever completed it. One
//! worker at a time holds the cursor: a replica that died holding it
//! delays events only until its hold runs out.

use crate::support::dispatch::eventually;
use crate::support::gate::{approver, check_all, decide, draft, rita};
use crate::support::receiver::Receiver;
use airlock_backend::store::CursorHold;
use airlock_backend::{Backend, DatabaseTarget, Store, releases};
use airlock_domain::gate::Decision;
use airlock_domain::world_file::Notifications;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

const SECRET: &str = "a-cursor-test-secret";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_tell_every_event_once_even_those_made_while_none_ran_on_sqlite() {
    told_once(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_workers_tell_every_event_once_even_those_made_while_none_ran_on_postgres() {
    told_once(true).await;
}

/// Two backends on one database, as two replicas are (on SQLite, two
/// workers in the one process that may open it), with no worker started
/// yet; and the store, for what only a replica's worker writes.
async fn two_replicas(postgres: bool, dir: &tempfile::TempDir, receiver: &Receiver) -> (Backend, Backend, Arc<dyn Store>) {
    let target = if postgres {
        DatabaseTarget::Postgres(crate::support::fresh_postgres_url().await)
    } else {
        DatabaseTarget::SqliteFile(dir.path().join("airlock.db"))
    };
    let store = airlock_backend::connect(&target, None).await.expect("database");
    store.migrate().await.expect("migrated");
    let hook = receiver.webhook("ops", dir.path(), SECRET, &["release.created", "review.approved", "gate.opened"]);
    let mut world = airlock_backend::demo::demo_world();
    world.notifications = Some(Notifications { webhooks: vec![hook] });
    store.import_world(&world).await.expect("world");
    let other = match &target {
        DatabaseTarget::Postgres(_) => airlock_backend::connect(&target, None).await.expect("a second replica"),
        _ => store.clone(),
    };
    (Backend::new(store.clone()), Backend::new(other), store)
}

fn start_worker(backend: &Backend) -> tokio::sync::watch::Sender<bool> {
    let (stop, stopping) = tokio::sync::watch::channel(false);
    airlock_backend::notify::worker::spawn(backend.clone(), stopping, "https://airlock.example.com".into());
    stop
}

async fn create(backend: &Backend) -> i64 {
    let created = releases::create(backend, Some(&rita()), draft("production", &[("acme", "frankfurt")]), chrono::Utc::now()).await;
    created.expect("created").release.id
}

async fn told_once(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let receiver = Receiver::start().await;
    let (one, two, _) = two_replicas(postgres, &dir, &receiver).await;
    let admin = crate::support::gate::person("platform-admin", &[airlock_domain::access::Role::Admin]);

    // While no worker runs, changes commit and write no delivery: the audit log holds them.
    let mut before = Vec::new();
    for _ in 0..5 {
        before.push(create(&one).await);
    }
    decide(&one, &approver("ada"), before[0], Decision::Approve).await.expect("approved");
    let listed = airlock_backend::notify::list(&one, Some(&admin), None, 500).await.expect("deliveries");
    assert!(listed.is_empty(), "a change writes no delivery itself: {listed:?}");

    let _workers = (start_worker(&one), start_worker(&two));
    // Meanwhile both replicas change releases at once, each waking its own worker.
    let lanes = [one.clone(), two.clone(), one.clone(), two.clone()].map(|backend| {
        tokio::spawn(async move {
            let mut ids = Vec::new();
            for _ in 0..10 {
                let id = create(&backend).await;
                check_all(&backend, id).await;
                for person in ["ada", "grace"] {
                    decide(&backend, &approver(person), id, Decision::Approve).await.expect("approved");
                }
                ids.push(id);
            }
            ids
        })
    });
    let mut during = Vec::new();
    for lane in lanes {
        during.extend(lane.await.expect("a lane"));
    }

    // 5 + 1 before; created, approved twice and opened for each of the 40 during.
    let expected = 5 + 1 + 4 * during.len();
    receiver.wait("ops", "every event", |r| r.len() >= expected).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = receiver.received("ops");
    assert_eq!(received.len(), expected, "nothing is told twice, by either worker");
    let mut per_release: HashMap<i64, Vec<String>> = HashMap::new();
    for r in &received {
        assert!(r.signed_with(SECRET), "{} is signed", r.event);
        let id = r.json()["release"]["id"].as_i64().expect("a release id");
        per_release.entry(id).or_default().push(r.event.clone());
    }
    assert_eq!(per_release[&before[0]], ["release.created", "review.approved"], "made while no worker ran, told in order");
    for id in &before[1..] {
        assert_eq!(per_release[id], ["release.created"]);
    }
    for id in &during {
        assert_eq!(per_release[id], ["release.created", "review.approved", "review.approved", "gate.opened"], "release {id}, in order");
    }
    let mut ids: Vec<&str> = received.iter().map(|r| r.delivery.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), expected, "one delivery id per event");
    eventually("every delivery recorded as delivered", || async {
        let delivered = airlock_backend::notify::list(&two, Some(&admin), Some("delivered"), 500).await.expect("deliveries");
        delivered.len() == expected
    })
    .await;

    // The gate's opening is in the audit log, by the approval that completed it.
    let opened = received.iter().find(|r| r.event == "gate.opened").expect("a gate opened").json();
    assert_eq!(opened["change"]["action"], "gate.opened");
    assert_eq!(opened["change"]["actor"], "grace", "the second approval opened it: {opened}");
    assert_eq!(opened["change"]["subject"], format!("release/{}", opened["release"]["id"]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_that_died_holding_the_cursor_delays_events_only_until_its_hold_runs_out_on_sqlite() {
    died_holding_the_cursor(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_replica_that_died_holding_the_cursor_delays_events_only_until_its_hold_runs_out_on_postgres() {
    died_holding_the_cursor(true).await;
}

async fn died_holding_the_cursor(postgres: bool) {
    let dir = tempfile::tempdir().expect("dir");
    let receiver = Receiver::start().await;
    let (one, _, store) = two_replicas(postgres, &dir, &receiver).await;
    // A replica took the cursor for 3 s and died before it let it go.
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.expect("a transaction");
    assert_eq!(
        tx.hold_notify_cursor("a-replica-that-died", now, now + chrono::Duration::seconds(3)).await.expect("held"),
        CursorHold::Held
    );
    tx.commit().await.expect("committed");

    let started = Instant::now();
    let _worker = start_worker(&one);
    let id = create(&one).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(receiver.received("ops").is_empty(), "nobody reads the log while the dead replica's hold runs");
    let told = receiver.wait("ops", "the event, once the hold ran out", |r| !r.is_empty()).await;
    assert!(started.elapsed() >= Duration::from_secs(2), "told after {:?}", started.elapsed());
    assert_eq!((told[0].event.as_str(), told[0].json()["release"]["id"].as_i64()), ("release.created", Some(id)));

    // The worker holds it now: the dead replica's name no longer takes it.
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.expect("a transaction");
    let hold = tx.hold_notify_cursor("a-replica-that-died", now, now + chrono::Duration::seconds(3)).await.expect("asked");
    assert!(matches!(hold, CursorHold::HeldElsewhere(until) if until > now), "{hold:?}");
}
