//! One attempt at one webhook: a POST of the event's body, signed with the
//! webhook's secret as GitHub signs its hooks, within a deadline. Redirects
//! are not followed (a receiver that moved is an error its owner should see).

use super::payload;
use airlock_domain::notify::signature;
use airlock_domain::world_file::Webhook;
use std::time::Duration;

/// How long a receiver has to answer.
pub(crate) const DEADLINE: Duration = Duration::from_secs(10);

/// How an attempt went, before it is recorded.
pub(crate) enum Sent {
    /// A 2xx answer.
    Accepted(u16),
    /// Any other answer, or none: retried.
    Refused { status: Option<u16>, error: String },
    /// Nothing to send it to any more (the webhook left the world file): given up.
    Gone(String),
}

pub(crate) fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(DEADLINE)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Airlock-Hookshot/", env!("CARGO_PKG_VERSION")))
        .build()
        // Building a client with these options only fails without a TLS backend, which is compiled in.
        .unwrap_or_default()
}

/// The webhook's signing secret, read when it is needed: a rotated secret is used at once.
fn secret(hook: &Webhook) -> Result<Vec<u8>, String> {
    if let Some(variable) = &hook.secret_env {
        return std::env::var(variable).map(String::into_bytes).map_err(|_| format!("the secret's variable {variable} is not set"));
    }
    if let Some(path) = &hook.secret_file {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read the secret file {path}: {}", e.kind()))?;
        return Ok(text.trim_end_matches(['\r', '\n']).as_bytes().to_vec());
    }
    Err("the webhook names no secret".into())
}

pub(crate) async fn send(client: &reqwest::Client, hook: &Webhook, event: &str, delivery_id: &str, document: &str, base_url: &str) -> Sent {
    let secret = match secret(hook) {
        Ok(secret) => secret,
        Err(error) => return Sent::Refused { status: None, error },
    };
    let body = payload::body(hook.format, document, base_url);
    let request = client
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("X-Airlock-Event", event)
        .header("X-Airlock-Delivery", delivery_id)
        .header("X-Airlock-Signature-256", signature(&secret, &body))
        .body(body);
    match request.send().await {
        Ok(answer) if answer.status().is_success() => Sent::Accepted(answer.status().as_u16()),
        Ok(answer) => {
            let status = answer.status();
            Sent::Refused { status: Some(status.as_u16()), error: format!("the receiver answered {status}") }
        }
        Err(error) if error.is_timeout() => Sent::Refused { status: None, error: format!("no answer within {} s", DEADLINE.as_secs()) },
        Err(error) if error.is_connect() => Sent::Refused { status: None, error: "could not connect to the receiver".into() },
        Err(_) => Sent::Refused { status: None, error: "the request failed before an answer".into() },
    }
}
