//! Browser hardening on every answer. A Content-Security-Policy that allows
//! this site's own files and nothing else: the wasm bundle may be compiled
//! (`'wasm-unsafe-eval'`), and the one inline script a page has, the islands'
//! loader, runs only with the nonce Leptos puts on it for that render. No
//! other site may frame a page (`frame-ancestors 'none'`, and the older
//! `X-Frame-Options`), so nobody can lay a page of theirs over Approve and
//! trick the click.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Everything but the script source, the same for every answer.
const COMMON: &str = "default-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
                      object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/// The policy of an answer that is not a rendered page: no inline script at all.
fn policy_without_inline_scripts() -> String {
    format!("{COMMON}; script-src 'self' 'wasm-unsafe-eval'")
}

/// The policy of a page rendered with `nonce` on its inline script.
fn page_policy(nonce: &str) -> String {
    format!("{COMMON}; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'")
}

/// Called in every page render's context: the page's policy names the nonce
/// Leptos generated for it. A kept page (`page_cache`) is sent again with the
/// headers it was rendered with, so its policy and its nonce stay together.
pub fn provide_page_policy() {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), leptos::prelude::use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

/// Adds the hardening headers to every answer; a page's own policy stays.
pub async fn harden(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY)
        && let Ok(value) = HeaderValue::from_str(&policy_without_inline_scripts())
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    let fixed: [(HeaderName, &'static str); 3] =
        [(header::X_FRAME_OPTIONS, "DENY"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff"), (header::REFERRER_POLICY, "same-origin")];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policies_forbid_framing_and_foreign_scripts() {
        for policy in [policy_without_inline_scripts(), page_policy("abc")] {
            assert!(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'self'"), "{policy}");
            assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
        }
        assert!(page_policy("abc").contains("'nonce-abc'"));
    }
}
