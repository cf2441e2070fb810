//! DNS rebinding: a page on `evil.example` whose name is made to resolve to
//! 127.0.0.1 talks to a portal on loopback as if it were its own site, with
//! no cross-site check to stop it. With the demo sign-in on, that page could
//! sign in as anyone and read every answer. So while the demo sign-in is on,
//! a request must name this machine in `Host`: a loopback address,
//! `localhost`, or the host of the configured public URL.

use crate::state::AppState;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;

pub async fn known_host_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !state.auth.demo_sign_in {
        return next.run(request).await;
    }
    let host = request.headers().get(header::HOST).and_then(|h| h.to_str().ok()).or_else(|| request.uri().host());
    if host.is_some_and(|host| names_this_machine(host, &state.auth.public_origin)) {
        return next.run(request).await;
    }
    tracing::warn!(host = ?host, "refused a request naming another host while the demo sign-in is on");
    (StatusCode::MISDIRECTED_REQUEST, "This portal answers only to its own address while the demo sign-in is on.").into_response()
}

/// Whether `host` (as in a `Host` header, port optional) is this machine.
fn names_this_machine(host: &str, public_origin: &str) -> bool {
    let name = host_name(host);
    let public = public_origin.split_once("://").map_or("", |(_, authority)| host_name(authority));
    name.eq_ignore_ascii_case("localhost") || name.eq_ignore_ascii_case(public) || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `host` without its port; an IPv6 literal without its brackets.
fn host_name(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    host.rsplit_once(':').map_or(host, |(name, _port)| name)
}

#[cfg(test)]
mod tests {
    use super::names_this_machine;

    #[test]
    fn only_this_machines_names_are_answered() {
        let public = "http://127.0.0.1:3000";
        for ours in ["127.0.0.1:3000", "127.0.0.1", "localhost:3000", "LOCALHOST", "[::1]:3000", "127.0.0.2:8080"] {
            assert!(names_this_machine(ours, public), "{ours}");
        }
        for theirs in ["evil.example", "evil.example:3000", "127.0.0.1.evil.example:3000", "localhost.evil.example", "[::2]:3000", ""] {
            assert!(!names_this_machine(theirs, public), "{theirs}");
        }
        assert!(names_this_machine("airlock.internal:8443", "https://airlock.internal:8443"));
    }
}
