//! Every request gets an id: the caller's `X-Request-Id` when it sends a sane
//! one (a load balancer's or a CI job's, so logs can be joined across
//! systems), otherwise a fresh random one. It is returned in the response and
//! is a field of the span every log line of that request is written in.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const REQUEST_ID: &str = "x-request-id";

pub async fn tag(mut request: Request, next: Next) -> Response {
    let id = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|v| acceptable(v)).map_or_else(fresh, str::to_owned);
    let span = tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path());
    // The id passed the checks above (or is hex), so it is a valid header value.
    let value = HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("invalid"));
    request.headers_mut().insert(REQUEST_ID, value.clone());
    let mut response = next.run(request).instrument(span).await;
    response.headers_mut().insert(REQUEST_ID, value);
    response
}

/// Short, and only characters that cannot forge a log line or a header.
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

fn fresh() -> String {
    // Without randomness the id is still unique enough to read logs by.
    airlock_backend::auth::random_hex(12).unwrap_or_else(|_| {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        format!("t{nanos:x}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_taken_from_the_caller() {
        assert!(acceptable("ci-4711.step:3"));
        assert!(acceptable(&"a".repeat(64)) && !acceptable(&"a".repeat(65)));
        for forged in ["", "a b", "id\r\nX-Admin: 1", "id\"}", "ünï"] {
            assert!(!acceptable(forged), "{forged:?}");
        }
        assert_eq!(fresh().len(), 24);
        assert_ne!(fresh(), fresh());
    }
}
