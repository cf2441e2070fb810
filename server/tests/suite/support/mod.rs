//! `spawn_app`: the real application on port 0 with its own database, seeded
//! with the demo world, driven over HTTP like any client would.
#![allow(dead_code)]

use airlock_server::config::{Secret, Settings};
use airlock_server::startup::Application;
use sqlx::Connection;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    /// Set when the app runs on PostgreSQL: the admin URL and database name.
    pub postgres: Option<(String, String)>,
    _dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.expect("request sent")
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }
}

fn settings(dir: &tempfile::TempDir) -> Settings {
    Settings {
        addr: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_path_buf(),
        seed_demo: true,
        dev_identities: true,
        ..Settings::default()
    }
}

async fn start(settings: Settings, dir: tempfile::TempDir, postgres: Option<(String, String)>) -> TestApp {
    let app = Application::build(&settings).await.expect("application starts");
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).timeout(std::time::Duration::from_secs(30)).build().expect("client");
    TestApp { address, client, postgres, _dir: dir }
}

/// The app on the embedded default (SQLite in a fresh temp dir).
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    start(settings(&dir), dir, None).await
}

/// The app on a fresh PostgreSQL database.
pub async fn spawn_app_on_postgres() -> TestApp {
    let admin_url = std::env::var("AIRLOCK_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let name = format!("airlock_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("PostgreSQL is running");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    let (server, _) = admin_url.rsplit_once('/').expect("URL names a database");
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = Settings { database_url: Some(Secret::new(format!("{server}/{name}"))), ..settings(&dir) };
    start(settings, dir, Some((admin_url, name))).await
}

/// Acting as someone over the API: service-account tokens and JSON requests.
impl TestApp {
    /// The app's settings, rebuilt from where its database lives, so a test
    /// can open the same database beside the running app.
    fn same_settings(&self) -> Settings {
        let base = settings(&self._dir);
        match &self.postgres {
            Some((admin_url, name)) => {
                let (server, _) = admin_url.rsplit_once('/').expect("URL names a database");
                Settings { database_url: Some(Secret::new(format!("{server}/{name}"))), ..base }
            }
            None => base,
        }
    }

    /// A backend on the app's own database, as the CLI would open it.
    pub async fn backend(&self) -> airlock_backend::Backend {
        let store = airlock_server::startup::open_store(&self.same_settings()).await.expect("store opens");
        airlock_backend::Backend::new(store)
    }

    /// Creates a service-account token named `name` (the identity it stands for).
    pub async fn token(&self, name: &str, roles: &[airlock_domain::access::Role]) -> String {
        let backend = self.backend().await;
        airlock_backend::tokens::create(&backend, "test-operator", name, roles, chrono::Utc::now()).await.expect("token created")
    }

    pub async fn get_as(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        self.send(self.client.get(format!("{}{path}", self.address)), token).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &serde_json::Value) -> reqwest::Response {
        self.send(self.client.post(format!("{}{path}", self.address)).json(body), token).await
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &serde_json::Value) -> reqwest::Response {
        self.send(self.client.patch(format!("{}{path}", self.address)).json(body), token).await
    }

    async fn send(&self, request: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::Response {
        let request = match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        };
        request.send().await.expect("request sent")
    }
}
