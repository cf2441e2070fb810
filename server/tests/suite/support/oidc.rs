//! A real OpenID provider for the sign-in tests: the npm `oidc-provider`
//! started from `end2end/oidc/provider.mjs` on an ephemeral port, with test
//! accounts, passwords and groups; and a browser-like login driven through
//! it with a cookie jar, following redirects by hand.

use super::{TestApp, cookie_client};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};

pub const CLIENT_ID: &str = "airlock";
pub const CLIENT_SECRET: &str = "test-client-secret";
pub const ROLE_MAP: &str = "platform=release_manager,sre-seniors=approver,acme-ops=tenant_admin:acme";

/// (username, password, groups). The e-mail address is `<username>@example.test`,
/// so "Rita" is a second account of rita's, in the approvers' group: what a
/// release manager would need to approve their own release.
pub const ACCOUNTS: [(&str, &str, &[&str]); 5] = [
    ("rita", "pw-rita", &["platform"]),
    ("ada", "pw-ada", &["sre-seniors"]),
    ("tom", "pw-tom", &["acme-ops"]),
    ("nina", "pw-nina", &["interns", "everyone"]),
    ("Rita", "pw-rita-too", &["sre-seniors"]),
];

pub struct Provider {
    pub issuer: String,
    /// The URL to reach it at (differs from `issuer` when it advertises another host).
    pub url: String,
    child: Child,
    _config: tempfile::NamedTempFile,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the provider; `issuer_host` is what it advertises (`127.0.0.1`, or
/// `localhost` to make its issuer differ from the address clients use).
pub fn start_provider(issuer_host: &str) -> Provider {
    let accounts: Vec<serde_json::Value> = ACCOUNTS
        .iter()
        .map(|(name, password, groups)| {
            serde_json::json!({ "username": name, "password": password, "sub": format!("sub-{name}"),
                "email": format!("{name}@example.test"), "name": name.to_uppercase(), "groups": groups })
        })
        .collect();
    let config = serde_json::json!({ "port": 0, "issuer_host": issuer_host,
        "clients": [{ "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET }], "accounts": accounts });
    let mut file = tempfile::NamedTempFile::new().expect("config file");
    file.write_all(config.to_string().as_bytes()).expect("config written");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../end2end/oidc/provider.mjs");
    let mut child = Command::new("node")
        .arg(script)
        .arg(file.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("node runs the test provider (scripts/bootstrap installs it)");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("the provider says where it listens").expect("readable");
    // Keep draining its stdout, or it dies of EPIPE at its next line.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    let started: serde_json::Value = serde_json::from_str(&first).expect("one JSON line");
    let port = started["port"].as_u64().expect("port");
    Provider {
        issuer: started["issuer"].as_str().expect("issuer").to_owned(),
        url: format!("http://127.0.0.1:{port}"),
        child,
        _config: file,
    }
}

impl Provider {
    /// Tampers with the next ID token the provider issues (its test hook).
    pub async fn tamper_next_id_token(&self, change: serde_json::Value) {
        let response =
            reqwest::Client::new().post(format!("{}/test/tamper-next-id-token", self.url)).json(&change).send().await.expect("sent");
        assert_eq!(response.status().as_u16(), 204);
    }
}

/// A browser signing in through the provider.
pub struct Login {
    pub client: reqwest::Client,
    pub app: String,
}

impl Login {
    pub fn new(app: &TestApp) -> Login {
        Login { client: cookie_client(), app: app.address.clone() }
    }

    /// Follows redirects from `url` until one leads back to the app (returned
    /// unfollowed) or a page answers (returned with its status and body).
    pub async fn follow(&self, mut url: String) -> Followed {
        for _ in 0..10 {
            if url.starts_with(&self.app) && url.contains("/auth/callback") {
                return Followed::Callback(url);
            }
            let response = self.client.get(&url).send().await.expect("sent");
            match response.headers().get("location").and_then(|l| l.to_str().ok()) {
                Some(location) => url = absolute(&url, location),
                None => {
                    let status = response.status().as_u16();
                    return Followed::Page { url, status, body: response.text().await.expect("body") };
                }
            }
        }
        panic!("too many redirects");
    }

    /// Starts at the app's `/auth/login?next=…`, signs in at the provider's
    /// form and returns the callback URL the provider sends the browser to.
    pub async fn to_callback(&self, next: &str, username: &str, password: &str) -> Result<String, (u16, String)> {
        self.to_callback_from(&format!("/auth/login?next={next}"), username, password).await
    }

    /// The same from `start`: `/auth/login/oidc?next=…` when the demo
    /// sign-in is on too (then `/auth/login` offers a choice).
    pub async fn to_callback_from(&self, start: &str, username: &str, password: &str) -> Result<String, (u16, String)> {
        let Followed::Page { url, body, .. } = self.follow(format!("{}{start}", self.app)).await else {
            panic!("expected the provider's login form");
        };
        assert!(body.contains("Password"), "the provider's login form: {body}");
        let action = absolute(&url, &attribute(&body, "<form method=\"post\" action=\"", '"'));
        let response = self.client.post(&action).form(&[("username", username), ("password", password)]).send().await.expect("sent");
        let Some(location) = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned) else {
            return Err((response.status().as_u16(), response.text().await.expect("body")));
        };
        match self.follow(absolute(&action, &location)).await {
            Followed::Callback(url) => Ok(url),
            Followed::Page { status, body, .. } => Err((status, body)),
        }
    }

    /// Opens the callback: the status and where the app sends the browser next.
    pub async fn callback(&self, url: &str) -> (u16, String) {
        let response = self.client.get(url).send().await.expect("sent");
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
        (status, location)
    }

    /// Signs in all the way; panics when that fails.
    pub async fn sign_in(&self, next: &str, username: &str, password: &str) -> String {
        let callback = self.to_callback(next, username, password).await.expect("the provider accepts the password");
        let (status, location) = self.callback(&callback).await;
        assert_eq!(status, 303, "signed in");
        location
    }

    /// Who the app says this browser is (`None`: nobody).
    pub async fn me(&self) -> Option<serde_json::Value> {
        let response = self.client.get(format!("{}/auth/me", self.app)).send().await.expect("sent");
        if response.status().as_u16() != 200 {
            return None;
        }
        Some(response.json().await.expect("json"))
    }
}

pub enum Followed {
    Callback(String),
    Page { url: String, status: u16, body: String },
}

pub fn absolute(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        return location.to_owned();
    }
    let origin_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[origin_end..].find('/').map_or(base.len(), |i| origin_end + i);
    format!("{}{location}", &base[..host_end])
}

/// The text after `prefix` up to `end`, HTML entities for `&` decoded.
pub fn attribute(html: &str, prefix: &str, end: char) -> String {
    let start = html.find(prefix).unwrap_or_else(|| panic!("{prefix} in {html}")) + prefix.len();
    html[start..].split(end).next().unwrap_or_default().replace("&amp;", "&")
}
