//! `GET /live/inbox`: the signed-in person's count of releases waiting for
//! their approval, as Server-Sent Events: the count at once, then again
//! whenever a release change moved it (at most one a second). The header's
//! small script shows it; no page needs the wasm bundle for it.

use crate::live_slots::LiveSlots;
use crate::state::{AppState, Stopping};
use airlock_backend::auth::RequestCaller;
use airlock_backend::{Backend, LiveEvent};
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};

/// How often at most the count is sent again: an approval burst is one push.
const INBOX_EVERY: Duration = Duration::from_secs(1);

pub fn router() -> axum::Router<AppState> {
    axum::Router::new().route("/live/inbox", axum::routing::get(inbox_events))
}

async fn inbox_events(
    State(backend): State<Backend>,
    State(stopping): State<Stopping>,
    State(slots): State<LiveSlots>,
    caller: Option<Extension<RequestCaller>>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, StatusCode> {
    // Subscribe before counting, so no change between the two is missed.
    let events = backend.subscribe();
    let identity = caller.and_then(|Extension(caller)| caller.identity);
    let first = airlock_backend::inbox::count(&backend, identity.as_ref(), chrono::Utc::now()).await.map_err(crate::live::refused)?;
    let slot = crate::live::take_slot(&slots, identity.as_ref())?;
    let stop = Box::pin(stopping.requested());
    let state = (events, stop, slot, None::<u32>);
    let stream = futures_util::stream::unfold(state, move |(mut events, mut stop, slot, sent)| {
        let (backend, identity) = (backend.clone(), identity.clone());
        async move {
            let Some(before) = sent else {
                return Some((Ok(Event::default().data(first.to_string())), (events, stop, slot, Some(first))));
            };
            loop {
                tokio::select! {
                    received = events.recv() => match received {
                        Ok(LiveEvent::ReleaseChanged { .. }) | Err(RecvError::Lagged(_)) => {}
                        Ok(_) => continue,
                        Err(RecvError::Closed) => return None,
                    },
                    () = &mut stop => return None,
                }
                tokio::time::sleep(INBOX_EVERY).await;
                while let Ok(_) | Err(TryRecvError::Lagged(_)) = events.try_recv() {}
                match airlock_backend::inbox::count(&backend, identity.as_ref(), chrono::Utc::now()).await {
                    Ok(count) if count != before => {
                        return Some((Ok(Event::default().data(count.to_string())), (events, stop, slot, Some(count))));
                    }
                    Ok(_) => {}
                    Err(refusal) => tracing::warn!(error = %refusal, "could not count the releases waiting for a reader"),
                }
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
