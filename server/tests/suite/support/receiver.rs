//! A real HTTP server that receives webhooks, as a team's chat bridge or
//! CI would: it keeps every request with its headers and body, and answers
//! each path as the test told it to (accept, fail a number of times, hang).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a path answers.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Accept,
    /// 500 for the first `n` requests, then 200.
    FailFirst(u32),
    /// 503 until told otherwise (`Receiver::answer`).
    Fail,
    /// Never answers.
    Hang,
}

#[derive(Debug, Clone)]
pub struct Received {
    pub hook: String,
    pub event: String,
    pub delivery: String,
    pub signature: String,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub status: u16,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Whether the signature is the HMAC-SHA256 of the body under `secret`.
    pub fn signed_with(&self, secret: &str) -> bool {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(&self.body);
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        self.signature == format!("sha256={hex}")
    }
}

#[derive(Default)]
struct Inner {
    answers: HashMap<String, Answer>,
    asked: HashMap<String, u32>,
    received: Vec<Received>,
}

#[derive(Clone)]
pub struct Receiver {
    /// `http://127.0.0.1:PORT`; a hook named `ops` is at `{base}/ops`.
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new().route("/{hook}", post(receive)).with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { base, inner }
    }

    /// A webhook `name` at this receiver that wants `events`, its secret
    /// written to a file in `dir` (as an install keeps it).
    pub fn webhook(&self, name: &str, dir: &std::path::Path, secret: &str, events: &[&str]) -> airlock_domain::world_file::Webhook {
        let secret_file = dir.join("hook-secret");
        std::fs::write(&secret_file, secret).expect("secret written");
        airlock_domain::world_file::Webhook {
            name: name.into(),
            url: format!("{}/{name}", self.base),
            secret_file: Some(secret_file.display().to_string()),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
            ..Default::default()
        }
    }

    pub fn answer(&self, hook: &str, answer: Answer) {
        self.inner.lock().expect("receiver").answers.insert(hook.to_owned(), answer);
    }

    pub fn received(&self, hook: &str) -> Vec<Received> {
        self.inner.lock().expect("receiver").received.iter().filter(|r| r.hook == hook).cloned().collect()
    }

    /// Waits (up to 30 s) until `hook` has received what `done` wants; what it received.
    pub async fn wait(&self, hook: &str, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..300 {
            let received = self.received(hook);
            if done(&received) {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{hook} never received {what}: {:?}", self.received(hook).iter().map(|r| (&r.event, r.status)).collect::<Vec<_>>());
    }
}

async fn receive(State(inner): State<Arc<Mutex<Inner>>>, Path(hook): Path<String>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let answer = {
        let mut inner = inner.lock().expect("receiver");
        let asked = inner.asked.entry(hook.clone()).or_default();
        *asked += 1;
        let asked = *asked;
        let status = match inner.answers.get(&hook).copied().unwrap_or(Answer::Accept) {
            Answer::Accept => Some(StatusCode::OK),
            Answer::FailFirst(n) if asked <= n => Some(StatusCode::INTERNAL_SERVER_ERROR),
            Answer::FailFirst(_) => Some(StatusCode::OK),
            Answer::Fail => Some(StatusCode::SERVICE_UNAVAILABLE),
            Answer::Hang => None,
        };
        let received = Received {
            hook: hook.clone(),
            event: header("x-airlock-event"),
            delivery: header("x-airlock-delivery"),
            signature: header("x-airlock-signature-256"),
            body: body.to_vec(),
            status: status.map_or(0, |s| s.as_u16()),
            at: std::time::Instant::now(),
        };
        inner.received.push(received);
        status
    };
    match answer {
        Some(status) => status,
        None => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            StatusCode::OK
        }
    }
}
