//! A change made through one Airlock process reaches the open pages of
//! another on the same PostgreSQL database (the change feed), and a process
//! does not hear its own changes twice.

use crate::support::gate::create;
use crate::support::{demo_backend, postgres};
use airlock_backend::{Backend, LiveEvent, live};
use std::time::Duration;
use tokio::sync::broadcast::Receiver;

async fn next_event(events: &mut Receiver<LiveEvent>) -> Option<LiveEvent> {
    tokio::time::timeout(Duration::from_secs(5), events.recv()).await.ok().and_then(Result::ok)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_through_one_process_reaches_pages_served_by_another() {
    let db = postgres().await;
    let first = demo_backend(&db).await;
    let second = Backend::new(db.keyless_twin().await);
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    live::spawn_listener(first.clone(), stopping.clone());
    live::spawn_listener(second.clone(), stopping);
    // Give both listeners time to subscribe before anything happens.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (mut heard_by_first, mut heard_by_second) = (first.subscribe(), second.subscribe());

    let id = create(&first).await.release.id;
    assert_eq!(next_event(&mut heard_by_second).await, Some(LiveEvent::ReleaseChanged { id }), "the other process heard it");
    assert_eq!(next_event(&mut heard_by_first).await, Some(LiveEvent::ReleaseChanged { id }), "its own process announced it at once");
    let again = tokio::time::timeout(Duration::from_millis(800), heard_by_first.recv()).await;
    assert!(again.is_err(), "…and only once: {again:?}");
}
