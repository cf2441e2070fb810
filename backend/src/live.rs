//! Live changes across processes. Each change is announced to this process's
//! open pages at once and published on the database's change feed; every
//! process listens to the feed and announces what the others published, so a
//! page served by one replica refreshes when a change lands through another
//! (or when another replica's watcher records a job's progress).

use crate::read_model::Change;
use crate::{Backend, LiveEvent};
use std::time::Duration;
use tokio::sync::watch;

/// What is published when the world changed (otherwise a release id, or
/// `status:<tenant>` when what runs for one tenant changed).
const STATUS: &str = "status";

/// What to publish about a status change; `None` for the ones every process
/// makes for itself (connection checks).
pub(crate) fn status_payload(change: &Change) -> Option<String> {
    match change {
        Change::Everything => Some(STATUS.to_owned()),
        Change::Tenant(slug) => Some(format!("{STATUS}:{slug}")),
        Change::ClusterStatus(_) => None,
    }
}

/// Publishes "release `what` changed" for the other processes; never blocks the caller.
pub(crate) fn publish(backend: &Backend, what: &str) {
    let backend = backend.clone();
    let what = what.to_owned();
    tokio::spawn(async move { publish_now(&backend, &what).await });
}

/// Publishes `what` and returns once it is sent: a status change made by a
/// short-lived process (the CLI) must not die with it.
pub(crate) async fn publish_now(backend: &Backend, what: &str) {
    if let Err(error) = backend.store.publish_change(&format!("{} {what}", backend.instance)).await {
        tracing::debug!(error = %error, "could not publish a change to the other processes");
    }
}

/// Relays what the other processes publish to this process's open pages,
/// reconnecting when the connection drops, until `stop` turns true.
pub fn spawn_listener(backend: Backend, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            let listener = match backend.store.listen_for_changes().await {
                Ok(Some(listener)) => listener,
                // One server per database, but the CLI (`airlock apply`) may change its world.
                Ok(None) => return follow_world_applies(&backend, stop).await,
                Err(error) => {
                    tracing::warn!(error = %error, "cannot listen for other processes' changes; retrying");
                    tokio::select! {
                        () = tokio::time::sleep(Duration::from_secs(2)) => continue,
                        _ = stop.changed() => return,
                    }
                }
            };
            tokio::select! {
                () = relay(&backend, listener) => {}
                _ = stop.changed() => return,
            }
        }
    });
}

/// On the embedded database, which has no change feed: looks every second
/// whether another process applied a world (the CLI), and shows it at once.
async fn follow_world_applies(backend: &Backend, mut stop: watch::Receiver<bool>) {
    let mut seen = backend.store.world_applied_at().await.ok().flatten();
    loop {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = stop.changed() => return,
        }
        let Ok(applied) = backend.store.world_applied_at().await else { continue };
        if applied != seen {
            seen = applied;
            let backend = backend.clone();
            tokio::spawn(async move {
                backend.refresh_status(Change::Everything).await;
                let _ = backend.events.send(LiveEvent::status(&Change::Everything));
            });
        }
    }
}

async fn relay(backend: &Backend, mut listener: sqlx::postgres::PgListener) {
    loop {
        let notification = match listener.recv().await {
            Ok(notification) => notification,
            Err(error) => return tracing::info!(error = %error, "lost the change feed; reconnecting"),
        };
        let Some((instance, what)) = notification.payload().split_once(' ') else { continue };
        if instance == &*backend.instance {
            continue; // announced here already
        }
        let change = match what.split_once(':') {
            None if what == STATUS => Change::Everything,
            Some((STATUS, slug)) => Change::Tenant(slug.to_owned()),
            _ => {
                if let Ok(id) = what.parse() {
                    backend.release_changed(id);
                }
                continue;
            }
        };
        // Pages are told only once this process's model shows the change; in
        // a task of its own, so a burst of changes is refreshed in batches.
        let backend = backend.clone();
        tokio::spawn(async move {
            let event = LiveEvent::status(&change);
            backend.refresh_status(change).await;
            let _ = backend.events.send(event);
        });
    }
}
