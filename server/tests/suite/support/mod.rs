//! `spawn_app`: the real application on port 0 with its own database, seeded
//! with the demo world, driven over HTTP like any client would.
#![allow(dead_code)]

pub mod oidc;
// The backend suite's dispatch steps and real kube-apiserver, shared rather than copied.
#[allow(dead_code)]
#[path = "../../../../backend/tests/suite/support/dispatch.rs"]
pub mod dispatch;
#[allow(dead_code)]
#[path = "../../../../backend/tests/suite/support/gate.rs"]
pub mod gate;
#[path = "../../../../backend/tests/suite/support/kube.rs"]
pub mod kube;
pub mod receiver;
pub mod smtp;
pub mod steps;

use airlock_server::config::{Secret, Settings};
use airlock_server::startup::Application;
use sqlx::Connection;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub struct TestApp {
    pub address: String,
    /// No cookies, no token: an anonymous caller.
    pub client: reqwest::Client,
    /// Set when the app runs on PostgreSQL: the admin URL and database name.
    pub postgres: Option<(String, String)>,
    /// A viewer: a signed-in browser for pages, a token for the API.
    reader: Browser,
    reader_token: String,
    _dir: tempfile::TempDir,
}

/// A browser: a cookie jar signed in as one demo person, sending `Origin`
/// on every change as browsers do.
#[derive(Clone)]
pub struct Browser {
    pub address: String,
    pub client: reqwest::Client,
}

impl Browser {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.address)).send().await.expect("request sent")
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// POSTs a form-encoded body from this site's own pages.
    pub async fn post_form(&self, path: &str, body: String) -> reqwest::Response {
        self.client
            .post(format!("{}{path}", self.address))
            .header("Origin", &self.address)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header("Accept", "text/html,application/xhtml+xml")
            .body(body)
            .send()
            .await
            .expect("request sent")
    }
}

pub fn cookie_client() -> reqwest::Client {
    client_builder().cookie_store(true).build().expect("client")
}

/// The test clients' common settings. The server closes a connection that
/// sent no request for its header-read timeout; browsers retry a request
/// that met such a close, reqwest does not, so idle connections are
/// dropped well before the server would close them.
fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .pool_idle_timeout(airlock_server::serve::HEADER_READ_TIMEOUT / 2)
}

impl TestApp {
    /// GET as a viewer: the reader token for `/api/...`, the signed-in browser otherwise.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        if path.starts_with("/api/") { self.get_as(path, Some(&self.reader_token)).await } else { self.reader.get(path).await }
    }

    pub async fn page(&self, path: &str) -> (u16, String) {
        let response = self.get(path).await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }

    /// A browser signed in as demo person `person` through the demo sign-in.
    pub async fn browser(&self, person: &str) -> Browser {
        let browser = Browser { address: self.address.clone(), client: cookie_client() };
        let response = browser.post_form("/auth/demo", format!("person={person}&next=/")).await;
        assert_eq!(response.status().as_u16(), 303, "demo sign-in as {person}");
        browser
    }
}

fn settings(dir: &tempfile::TempDir) -> Settings {
    Settings {
        addr: "127.0.0.1:0".parse().expect("address"),
        data_dir: dir.path().to_path_buf(),
        seed_demo: true,
        demo_sign_in: true,
        ..Settings::default()
    }
}

/// Starts the app with `settings` (port 0); its address.
pub async fn run(settings: &Settings) -> String {
    run_until(settings, std::future::pending()).await
}

/// The same, stopping as a portal that is shut down once `shutdown` resolves.
pub async fn run_until(settings: &Settings, shutdown: impl Future<Output = ()> + Send + 'static) -> String {
    let app = Application::build(settings).await.expect("application starts");
    let address = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until_stopped(shutdown));
    address
}

async fn start(settings: Settings, dir: tempfile::TempDir, postgres: Option<(String, String)>) -> TestApp {
    start_until(settings, dir, postgres, std::future::pending()).await
}

async fn start_until(
    settings: Settings,
    dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> TestApp {
    let address = run_until(&settings, shutdown).await;
    let client = client_builder().build().expect("client");
    let placeholder = Browser { address: address.clone(), client: client.clone() };
    let mut app = TestApp { address, client, postgres, reader: placeholder, reader_token: String::new(), _dir: dir };
    if settings.demo_sign_in {
        app.reader = app.browser("vic").await;
    }
    app.reader_token = app.token("reader", &[airlock_domain::access::Role::Viewer]).await;
    app
}

/// The app on the embedded default (SQLite in a fresh temp dir).
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| ()).await
}

/// The same, with `change` applied to its settings first.
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut settings = settings(&dir);
    change(&mut settings);
    start(settings, dir, None).await
}

/// The app signing people in through `provider` only (no demo sign-in).
pub async fn spawn_app_with_provider(provider: &oidc::Provider) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    start(with_provider(settings(&dir), provider), dir, None).await
}

/// `settings` with sign-in through `provider` instead of the demo sign-in.
pub fn with_provider(settings: Settings, provider: &oidc::Provider) -> Settings {
    Settings {
        demo_sign_in: false,
        oidc_issuer: Some(provider.issuer.clone()),
        oidc_client_id: Some(oidc::CLIENT_ID.into()),
        oidc_client_secret: Some(Secret::new(oidc::CLIENT_SECRET)),
        oidc_role_map: oidc::ROLE_MAP.into(),
        ..settings
    }
}

/// The app on a fresh PostgreSQL database.
pub async fn spawn_app_on_postgres() -> TestApp {
    spawn_app_on_postgres_with(|_| ()).await
}

/// The same, with `change` applied to its settings first.
pub async fn spawn_app_on_postgres_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut settings, postgres) = on_fresh_postgres(settings(&dir)).await;
    change(&mut settings);
    start(settings, dir, Some(postgres)).await
}

/// `settings` on a fresh PostgreSQL database, and its admin URL and name.
async fn on_fresh_postgres(settings: Settings) -> (Settings, (String, String)) {
    let (admin_url, name) = fresh_postgres().await;
    let (server, _) = admin_url.rsplit_once('/').expect("URL names a database");
    (Settings { database_url: Some(Secret::new(format!("{server}/{name}"))), ..settings }, (admin_url, name))
}

/// A new, empty PostgreSQL database: the server's admin URL and the database's name.
pub async fn fresh_postgres() -> (String, String) {
    let admin_url = std::env::var("AIRLOCK_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let name = format!("airlock_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("PostgreSQL is running");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut admin).await.expect("create database");
    (admin_url, name)
}

/// A URL of a new, empty PostgreSQL database.
pub async fn fresh_postgres_url() -> String {
    let (admin_url, name) = fresh_postgres().await;
    let (server, _) = admin_url.rsplit_once('/').expect("URL names a database");
    format!("{server}/{name}")
}

/// The app (on PostgreSQL or SQLite) whose server shuts down when the
/// returned sender fires, as a portal that is stopped; `replica` starts it again.
pub async fn spawn_stoppable_app(postgres: bool) -> (TestApp, tokio::sync::oneshot::Sender<()>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let shutdown = async move {
        let _ = stopped.await;
    };
    let app = if postgres {
        let (settings, postgres) = on_fresh_postgres(settings(&dir)).await;
        start_until(settings, dir, Some(postgres), shutdown).await
    } else {
        start_until(settings(&dir), dir, None, shutdown).await
    };
    (app, stop)
}

/// Acting as someone over the API: service-account tokens and JSON requests.
impl TestApp {
    /// The app's settings, rebuilt from where its database lives, so a test
    /// can open the same database beside the running app.
    pub fn same_settings(&self) -> Settings {
        let base = settings(&self._dir);
        match &self.postgres {
            Some((admin_url, name)) => {
                let (server, _) = admin_url.rsplit_once('/').expect("URL names a database");
                Settings { database_url: Some(Secret::new(format!("{server}/{name}"))), ..base }
            }
            None => base,
        }
    }

    /// Runs SQL on the app's database behind its back, as an operator with a SQL prompt could.
    pub async fn raw_sql(&self, sql: &str) {
        use sqlx::Connection;
        let settings = self.same_settings();
        match settings.database_url {
            Some(url) => {
                let mut db = sqlx::PgConnection::connect(url.expose()).await.expect("PostgreSQL");
                sqlx::raw_sql(sql).execute(&mut db).await.expect("SQL by hand");
            }
            None => {
                let url = format!("sqlite://{}", settings.data_dir.join("airlock.db").display());
                let mut db = sqlx::SqliteConnection::connect(&url).await.expect("SQLite");
                sqlx::raw_sql(sql).execute(&mut db).await.expect("SQL by hand");
            }
        }
    }

    /// The embedded SQLite file, when the app runs on it.
    pub fn sqlite_path(&self) -> Option<std::path::PathBuf> {
        let settings = self.same_settings();
        settings.database_url.is_none().then(|| settings.data_dir.join("airlock.db"))
    }

    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// Where the app's PostgreSQL database is, for another process to open it.
    pub fn database_url(&self) -> Option<String> {
        self.same_settings().database_url.map(|url| url.expose().to_owned())
    }

    /// Another server on the app's database, as a second replica: its address.
    pub async fn replica(&self) -> String {
        run(&self.same_settings()).await
    }

    /// A backend on the app's own database, as the CLI would open it.
    pub async fn backend(&self) -> airlock_backend::Backend {
        self.operator().await.0
    }

    /// The same, with the local operator the CLI becomes by opening it.
    pub async fn operator(&self) -> (airlock_backend::Backend, airlock_backend::LocalOperator) {
        airlock_server::startup::open_as_operator(&self.same_settings()).await.expect("database opens")
    }

    /// Creates a service-account token named `name` (it acts as `token:<name>`).
    pub async fn token(&self, name: &str, roles: &[airlock_domain::access::Role]) -> String {
        self.scoped_token(name, roles, &[]).await
    }

    /// The same, administering `tenants` (with the tenant_admin role).
    pub async fn scoped_token(&self, name: &str, roles: &[airlock_domain::access::Role], tenants: &[&str]) -> String {
        let (backend, operator) = self.operator().await;
        let now = chrono::Utc::now();
        let tenants = tenants.iter().map(|t| t.to_string()).collect();
        let expires_at = airlock_backend::tokens::expiry(None, now).expect("the default expiry");
        let grant = airlock_backend::tokens::TokenGrant { roles: roles.to_vec(), tenants, expires_at };
        airlock_backend::tokens::create(&backend, &operator, name, grant, chrono::Utc::now()).await.expect("token created")
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

/// Runs each listed async test fn (taking a [`TestApp`]) on an app over SQLite and one over PostgreSQL.
#[macro_export]
macro_rules! on_both_apps {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::support::spawn_app().await).await;
            })*
        }
        mod postgres {
            $(#[tokio::test]
            async fn $name() {
                super::$name($crate::support::spawn_app_on_postgres().await).await;
            })*
        }
    };
}

/// `airlock serve` as its own process, quiet, on `data_dir` at `address`,
/// with `extra` settings. The demo sign-in is on because some way to sign in
/// must be configured; tests that need none simply do not use it.
pub fn serve_process(data_dir: &std::path::Path, address: &str, extra: &[(&str, &str)]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_airlock"))
        .arg("serve")
        .env("AIRLOCK_DATA_DIR", data_dir)
        .env("AIRLOCK_ADDR", address)
        .env("AIRLOCK_LOG_FILTER", "warn")
        .env("AIRLOCK_DEMO_SIGN_IN", "true")
        .envs(extra.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the airlock binary")
}
