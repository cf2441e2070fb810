//! What keeps one bad request from hurting the others, and tells clients
//! when to come back: a panic answers 500 (JSON on the API, a page
//! elsewhere) and the server keeps serving; a request that has no answer
//! within [`REQUEST_TIMEOUT`] gets 503; every 503 says `Retry-After`.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use std::any::Any;
use std::time::Duration;

/// How long a request may take to produce its answer's headers. Streams
/// (live updates) answer at once and are not cut by it.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// What every 503 tells clients: the database, a busy SQLite file or a
/// stopping replica usually recovers within seconds.
pub const RETRY_AFTER_SECONDS: u32 = 2;

/// What a panic was about, for the log (panics carry `&str` or `String`).
fn panic_text(payload: &(dyn Any + Send)) -> &str {
    payload.downcast_ref::<&str>().copied().or_else(|| payload.downcast_ref::<String>().map(String::as_str)).unwrap_or("(no message)")
}

/// The API's answer to a panic: the usual error body, code `internal`.
pub fn api_panic(payload: Box<dyn Any + Send>) -> Response {
    tracing::error!(panic = panic_text(payload.as_ref()), "an API request panicked");
    let body = serde_json::json!({ "code": "internal", "message": "Something went wrong on the server." });
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

/// A page's answer to a panic: a plain page (the app may be what broke).
pub fn page_panic(payload: Box<dyn Any + Send>) -> Response {
    tracing::error!(panic = panic_text(payload.as_ref()), "a request panicked");
    let page = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error · Airlock</title></head>\
                <body><main><h1>Something went wrong on our side</h1><p>The error was logged. \
                <a href=\"/\">Back to the overview</a>.</p></main></body></html>";
    (StatusCode::INTERNAL_SERVER_ERROR, Html(page)).into_response()
}

/// Answers 503 when the request has no answer within [`REQUEST_TIMEOUT`]:
/// on the API as its usual JSON error (code `timeout`), which its document promises.
pub async fn time_limit(request: Request, next: Next) -> Response {
    let api = request.uri().path().starts_with("/api/");
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(seconds = REQUEST_TIMEOUT.as_secs(), "request timed out");
            let message = "The server took too long to answer; try again shortly.";
            if api {
                let body = serde_json::json!({ "code": "timeout", "message": message });
                return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
            }
            (StatusCode::SERVICE_UNAVAILABLE, message).into_response()
        }
    }
}

/// Adds `Retry-After` to every 503 that lacks one, whoever made it.
pub async fn retry_after(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    if response.status() == StatusCode::SERVICE_UNAVAILABLE && !response.headers().contains_key(header::RETRY_AFTER) {
        response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::Router;
    use axum::body::Body;
    use axum::middleware::from_fn;
    use axum::routing::get;
    use tower::ServiceExt;
    use tower_http::catch_panic::CatchPanicLayer;

    async fn panics() -> &'static str {
        panic!("a bug in a handler")
    }

    fn app() -> Router {
        let api = Router::new().route("/api/v1/boom", get(panics)).layer(CatchPanicLayer::custom(api_panic));
        Router::new()
            .route("/boom", get(panics))
            .route("/fine", get(|| async { "fine" }))
            .route("/busy", get(|| async { StatusCode::SERVICE_UNAVAILABLE }))
            .merge(api)
            .layer(CatchPanicLayer::custom(page_panic))
            .layer(from_fn(retry_after))
    }

    async fn get_status(app: &Router, path: &str) -> (StatusCode, String, Option<String>) {
        let response = app.clone().oneshot(Request::get(path).body(Body::empty()).expect("request")).await.expect("answered");
        let status = response.status();
        let retry = response.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = axum::body::to_bytes(response.into_body(), 64 * 1024).await.expect("body");
        (status, String::from_utf8_lossy(&body).into_owned(), retry)
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_next_request_is_served() {
        let app = app();
        let (status, body, _) = get_status(&app, "/api/v1/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(serde_json::from_str::<serde_json::Value>(&body).expect("JSON")["code"], "internal");
        let (status, body, _) = get_status(&app, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(body.contains("Something went wrong on our side") && !body.contains("a bug in a handler"), "{body}");
        assert_eq!(get_status(&app, "/fine").await.0, StatusCode::OK);
    }

    #[tokio::test]
    async fn every_503_says_when_to_retry() {
        let (status, _, retry) = get_status(&app(), "/busy").await;
        assert_eq!((status, retry.as_deref()), (StatusCode::SERVICE_UNAVAILABLE, Some("2")));
    }
}
