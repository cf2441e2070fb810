//! Live updates for open pages: the server pushes a Server-Sent Event
//! (`GET /live/releases/{id}` when the release changes, `GET /live/status`
//! when what runs somewhere changes), and the page refetches. Only in the browser; on the server nothing ever changes.

use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct Live {
    /// Goes up on every push (and on every reconnect, since pushes may have
    /// been missed while the connection was down).
    pub pushes: ReadSignal<u32>,
    /// Whether the push channel is open right now.
    pub open: ReadSignal<bool>,
}

pub fn use_live_release(id: i64) -> Live {
    use_live(format!("/live/releases/{id}"))
}

/// Status views: pushed whenever what runs somewhere changed.
pub fn use_live_status() -> Live {
    use_live("/live/status".to_owned())
}

/// Follows the push channel at `path` while the page is open.
fn use_live(path: String) -> Live {
    let (pushes, set_pushes) = signal(0u32);
    let (open, set_open) = signal(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let Ok(source) = web_sys::EventSource::new(&path) else { return };
        let on_message = Closure::<dyn FnMut()>::new(move || set_pushes.update(|n| *n += 1));
        let opened_before = std::cell::Cell::new(false);
        let on_open = Closure::<dyn FnMut()>::new(move || {
            if opened_before.replace(true) {
                set_pushes.update(|n| *n += 1);
            }
            set_open.set(true);
        });
        // The browser reconnects by itself after an error.
        let on_error = Closure::<dyn FnMut()>::new(move || set_open.set(false));
        source.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        source.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        source.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        // The closures live as long as the connection; both go on cleanup.
        let held = send_wrapper::SendWrapper::new((source, on_message, on_open, on_error));
        on_cleanup(move || {
            held.0.close();
            let _ = set_open.try_set(false);
        });
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = (path, set_pushes, set_open);
    Live { pushes, open }
}
