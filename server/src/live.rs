//! The live push channel: `GET /live/releases/{id}` is a stream of
//! Server-Sent Events, one whenever that release changes, so an open release
//! page can refetch at once; `GET /live/status`, one whenever what runs
//! somewhere changed (at most one a second), for the status views. Events carry no data worth trusting: the page
//! always re-reads the release through the normal (authorised) path.

use crate::live_slots::{LiveFull, LiveSlots};
use crate::state::{AppState, Stopping};
use airlock_backend::Refusal;
use airlock_backend::auth::RequestCaller;
use airlock_backend::releases;
use airlock_backend::{Backend, LiveEvent};
use axum::Extension;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast::error::RecvError;

pub fn router() -> Router<AppState> {
    Router::new().route("/live/releases/{id}", get(release_events)).route("/live/status", get(status_events))
}

/// The status a refusal carries, as the page and the API would answer it: a
/// stream has no body to say more in.
pub(crate) fn refused(refusal: Refusal) -> StatusCode {
    if refusal.status() >= 500 {
        tracing::warn!(error = %refusal, cause = ?std::error::Error::source(&refusal), "could not open a live channel");
    }
    StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// A stream slot for `actor`, or the status that says why there is none.
pub(crate) fn take_slot(
    slots: &LiveSlots,
    actor: Option<&airlock_domain::access::Identity>,
) -> Result<crate::live_slots::LiveSlot, StatusCode> {
    match slots.take(actor.map_or("", |a| a.name.as_str())) {
        Ok(slot) => Ok(slot),
        Err(LiveFull::Person) => Err(StatusCode::TOO_MANY_REQUESTS),
        Err(LiveFull::Server) => Err(StatusCode::SERVICE_UNAVAILABLE),
    }
}

async fn release_events(
    State(backend): State<Backend>,
    State(stopping): State<Stopping>,
    State(slots): State<LiveSlots>,
    Path(id): Path<i64>,
    caller: Option<Extension<RequestCaller>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, StatusCode> {
    // Subscribe before reading, so no change between the two is missed.
    let events = backend.subscribe();
    // Whoever may read the release may follow it: the same check as its page
    // (a tenant admin gets 404 for another tenant's release).
    let actor = caller.and_then(|Extension(caller)| caller.identity);
    // The refusal's own status, as the page and the API would answer it.
    releases::get(&backend, actor.as_ref(), id).await.map_err(refused)?;
    let slot = take_slot(&slots, actor.as_ref())?;
    // Browsers reconnect on their own, to whichever replica is up, and the
    // page refetches on reconnect, so ending the stream on stop loses nothing.
    let stop = Box::pin(stopping.requested());
    // The slot lives in the stream's state: it is freed when the stream ends.
    let stream = futures_util::stream::unfold((events, stop, slot), move |(mut events, mut stop, slot)| async move {
        loop {
            tokio::select! {
                received = events.recv() => match received {
                    Ok(LiveEvent::ReleaseChanged { id: changed }) if changed == id => break,
                    Ok(_) => continue,
                    // Fell behind: this release may have changed meanwhile.
                    Err(RecvError::Lagged(_)) => break,
                    Err(RecvError::Closed) => return None,
                },
                () = &mut stop => return None,
            }
        }
        Some((Ok(Event::default().data("changed")), (events, stop, slot)))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// How often at most a status page is told to refetch: a rollout of 500
/// targets finishes 500 jobs, and one refetch a second shows it as well.
const STATUS_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

async fn status_events(
    State(backend): State<Backend>,
    State(stopping): State<Stopping>,
    State(slots): State<LiveSlots>,
    caller: Option<Extension<RequestCaller>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, StatusCode> {
    let events = backend.subscribe();
    let actor = caller.and_then(|Extension(caller)| caller.identity);
    // Whoever may read status views may follow them (the views narrow what each sees).
    airlock_backend::authorize(actor.as_ref().into(), airlock_domain::access::Action::Read)
        .map_err(|denied| refused(Refusal::Denied(denied)))?;
    let slot = take_slot(&slots, actor.as_ref())?;
    let stop = Box::pin(stopping.requested());
    // A tenant admin is told only of changes to what they may see: another
    // tenant's deploy must not show up as a push on their page.
    let scope: Option<Arc<[String]>> = match airlock_domain::access::tenant_scope(actor.as_ref()) {
        airlock_domain::access::TenantScope::Only(tenants) => Some(tenants.into()),
        airlock_domain::access::TenantScope::All => None,
    };
    let visible = move |tenant: &Option<Arc<str>>| match (tenant, &scope) {
        (Some(tenant), Some(scope)) => scope.iter().any(|mine| **mine == **tenant),
        _ => true,
    };
    let stream = futures_util::stream::unfold((events, stop, slot), move |(mut events, mut stop, slot)| {
        let visible = visible.clone();
        async move {
            loop {
                tokio::select! {
                    received = events.recv() => match received {
                        Ok(LiveEvent::StatusChanged { tenant }) if visible(&tenant) => break,
                        Err(RecvError::Lagged(_)) => break,
                        Ok(_) => continue,
                        Err(RecvError::Closed) => return None,
                    },
                    () = &mut stop => return None,
                }
            }
            // Whatever else changes within the next second goes with this one push.
            tokio::time::sleep(STATUS_EVERY).await;
            while let Ok(_) | Err(tokio::sync::broadcast::error::TryRecvError::Lagged(_)) = events.try_recv() {}
            Some((Ok(Event::default().data("changed")), (events, stop, slot)))
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
