//! Live changes across processes. Each change is announced to this process's
//! open pages at once and published on the database's change feed; every
//! process listens to the feed and announces what the others published, so a
//! page served by one replica refreshes when a change lands through another
//! (or when another replica's watcher records a job's progress).

use crate::{Backend, LiveEvent};
use std::time::Duration;
use tokio::sync::watch;

/// What is published when status views are stale (otherwise, a release id).
pub(crate) const STATUS: &str = "status";

/// Publishes "release `what` changed" (or [`STATUS`]) for the other processes; never blocks the caller.
pub(crate) fn publish(backend: &Backend, what: &str) {
    let (store, payload) = (backend.store.clone(), format!("{} {what}", backend.instance));
    tokio::spawn(async move {
        if let Err(error) = store.publish_change(&payload).await {
            tracing::debug!(error = %error, "could not publish a change to the other processes");
        }
    });
}

/// Relays what the other processes publish to this process's open pages,
/// reconnecting when the connection drops, until `stop` turns true.
pub fn spawn_listener(backend: Backend, mut stop: watch::Receiver<bool>) {
    tokio::spawn(async move {
        loop {
            let listener = match backend.store.listen_for_changes().await {
                Ok(Some(listener)) => listener,
                Ok(None) => return, // one process per database: nothing to relay
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
        let event = match what {
            STATUS => LiveEvent::StatusChanged,
            id => match id.parse() {
                Ok(id) => LiveEvent::ReleaseChanged { id },
                Err(_) => continue,
            },
        };
        let _ = backend.events.send(event);
    }
}
