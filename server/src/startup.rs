//! Building and running the HTTP application. `Application::build` binds the
//! listener first, so tests can ask for port 0 and learn the real port.

use crate::assets::{AssetsError, HASH_FILE, OUTPUT_NAME, PKG_DIR, SiteAssets};
use crate::auth::{AuthConfig, AuthConfigError};
use crate::config::Settings;
use crate::live_slots::LiveSlots;
use crate::metrics;
use crate::state::{AppState, Shared, Stopping};
use airlock_backend::observe::simulated::SimulatedWorkloads;
use airlock_backend::{Backend, DatabaseTarget, LocalOperator, StoreError};
use airlock_domain::audit::AuditKey;
use axum::Router;
use leptos::config::{Env, LeptosOptions};
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// With lively simulated clusters: how often one of their workloads meets an incident.
const LIVELY_INCIDENT_EVERY: std::time::Duration = std::time::Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("the database could not be opened or migrated")]
    Store(#[from] StoreError),
    #[error("could not listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("the server stopped unexpectedly")]
    Serve(#[source] std::io::Error),
    #[error("nothing to seed: pass --demo for the demo world, or --synthetic TENANTS for the benchmarks' world")]
    NothingToSeed,
    #[error("{0}")]
    Refused(#[from] airlock_backend::Refusal),
    #[error("sign-in is misconfigured: {0}")]
    Auth(#[from] AuthConfigError),
    #[error(transparent)]
    Assets(#[from] AssetsError),
    #[error("could not read the audit key file {path}")]
    AuditKeyFile {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the audit key must be at least 32 characters (e.g. `openssl rand -hex 32`)")]
    AuditKeyTooShort,
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Mail(#[from] airlock_backend::notify::MailError),
    #[error(transparent)]
    SoleServer(#[from] crate::sole_server::SoleServerError),
    #[error(transparent)]
    Backup(#[from] airlock_backend::backup::BackupError),
    #[error(transparent)]
    Restore(#[from] airlock_backend::backup::RestoreError),
    #[error("scheduled backups are misconfigured: {0}")]
    BackupSchedule(String),
}

/// The backend on the configured database (migrations not yet applied), with
/// the proof that whoever runs this opened the database themselves: the
/// local operator, recorded as the OS user (`cli:alice`). Commands and the
/// server's start-up use it; the server's transports get the backend alone.
pub async fn open_as_operator(settings: &Settings) -> Result<(Backend, LocalOperator), StartupError> {
    let target = database_target(settings);
    match &target {
        DatabaseTarget::SqliteFile(path) => tracing::info!(path = %path.display(), "using the embedded SQLite database"),
        DatabaseTarget::Postgres(_) => tracing::info!("using PostgreSQL from DATABASE_URL"),
    }
    Ok(Backend::open_as_operator(&target, audit_key(settings)?, operator_name()).await?)
}

/// Who ran a CLI command, for the audit log: the OS user on this host.
pub(crate) fn operator_name() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).unwrap_or_else(|_| "unknown".into());
    format!("cli:{user}")
}

/// The configured database: `DATABASE_URL`, or SQLite in the data dir.
pub(crate) fn database_target(settings: &Settings) -> DatabaseTarget {
    DatabaseTarget::choose(settings.database_url.as_ref().map(|s| s.expose()), &settings.data_dir)
}

/// `AIRLOCK_AUDIT_KEY`, or the file `AIRLOCK_AUDIT_KEY_FILE` names (a mounted secret).
pub(crate) fn audit_key(settings: &Settings) -> Result<Option<AuditKey>, StartupError> {
    let secret = match (&settings.audit_key, &settings.audit_key_file) {
        (Some(key), _) => key.expose().trim().to_owned(),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map_err(|source| StartupError::AuditKeyFile { path: path.display().to_string(), source })?
            .trim()
            .to_owned(),
        (None, None) => return Ok(None),
    };
    AuditKey::new(secret.as_bytes()).map(Some).ok_or(StartupError::AuditKeyTooShort)
}

/// `AIRLOCK_BACKUP_DIR` and its companions, checked before anything serves:
/// a schedule that could never write a backup must not start quietly.
fn backup_schedule(settings: &Settings) -> Result<Option<airlock_backend::backup::schedule::Schedule>, StartupError> {
    let Some(dir) = &settings.backup_dir else { return Ok(None) };
    if matches!(database_target(settings), DatabaseTarget::Postgres(_)) {
        return Err(StartupError::BackupSchedule(
            "AIRLOCK_BACKUP_DIR backs up the embedded database; on PostgreSQL, schedule pg_dump instead".into(),
        ));
    }
    let every = airlock_domain::world_file::parse_duration(&settings.backup_every)
        .map_err(|why| StartupError::BackupSchedule(format!("AIRLOCK_BACKUP_EVERY: {why}")))?;
    if settings.backup_keep == 0 {
        return Err(StartupError::BackupSchedule("AIRLOCK_BACKUP_KEEP must keep at least 1 backup".into()));
    }
    Ok(Some(airlock_backend::backup::schedule::Schedule {
        dir: dir.clone(),
        every: std::time::Duration::from_secs(every),
        keep: settings.backup_keep,
    }))
}

/// The options Leptos renders with. With a hash file, `HydrationScripts`
/// and `HashedStylesheet` link the content-hashed names it lists; Leptos
/// joins `hash_file` to the executable's directory, and the absolute path
/// [`SiteAssets`] found replaces that, so the file is the site's own.
pub fn leptos_options(settings: &Settings, addr: SocketAddr, assets: &SiteAssets) -> LeptosOptions {
    let production = std::env::var("LEPTOS_ENV").is_ok_and(|v| v.eq_ignore_ascii_case("prod"));
    let hash_file = assets.hash_file().map(|path| Arc::<str>::from(path.to_string_lossy()));
    LeptosOptions::builder()
        .output_name(OUTPUT_NAME)
        .site_root(settings.site_root.to_string_lossy().into_owned())
        .site_pkg_dir(PKG_DIR)
        .site_addr(addr)
        .env(if production { Env::PROD } else { Env::DEV })
        .hash_files(hash_file.is_some())
        .hash_file(hash_file.unwrap_or_else(|| HASH_FILE.into()))
        .build()
}

/// Deletes expired sessions every ten minutes until the server stops.
fn spawn_session_sweeper(backend: &Backend, stopping: Stopping) {
    let sessions = backend.sessions();
    spawn_every(std::time::Duration::from_secs(600), stopping, move || {
        let sessions = sessions.clone();
        async move {
            if let Err(error) = sessions.delete_expired().await {
                tracing::warn!(error = %error, "could not delete expired sessions");
            }
        }
    });
}

/// Writes the failed sign-ins held back for minutes that are over, so a
/// coalesced count reaches the audit log within seconds of its minute.
fn spawn_failed_sign_in_writer(backend: &Backend, stopping: Stopping) {
    let backend = backend.clone();
    spawn_every(std::time::Duration::from_secs(5), stopping, move || {
        let backend = backend.clone();
        async move {
            let now = chrono::Utc::now();
            if let Err(error) = airlock_backend::auth::people::write_held_sign_in_failures(&backend, now).await {
                tracing::warn!(error = %error, "could not write held failed sign-ins to the audit log");
            }
        }
    });
}

/// Runs `task` every `period` until the server stops.
fn spawn_every<F, Fut>(period: std::time::Duration, stopping: Stopping, task: F)
where
    F: Fn() -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut every = tokio::time::interval(period);
        let stop = stopping.requested();
        tokio::pin!(stop);
        loop {
            tokio::select! {
                _ = every.tick() => task().await,
                () = &mut stop => return,
            }
        }
    });
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    stop: watch::Sender<bool>,
    /// The embedded database's server lock, held until the server stops.
    sole_server: Option<crate::sole_server::SoleServer>,
}

impl Application {
    pub async fn build(settings: &Settings) -> Result<Application, StartupError> {
        // Whoever starts the server opened the database: its start-up work is the
        // local operator's. The operator goes no further than this function:
        // the router and every transport get the backend alone.
        let schedule = backup_schedule(settings)?;
        // The lock first: a restore holding it is replacing the file this would open.
        let sole_server = match database_target(settings) {
            DatabaseTarget::SqliteFile(path) => Some(crate::sole_server::claim(&path)?),
            DatabaseTarget::Postgres(_) => None,
        };
        let (backend, operator) = open_as_operator(settings).await?;
        let backend = match &settings.smtp_url {
            Some(url) => backend.with_mailer(airlock_backend::notify::Mailer::new(url.expose(), &settings.mail_from)?),
            None => backend,
        };
        backend.migrate(&operator).await?;
        airlock_backend::audit::seal_with_key(&backend, &operator, chrono::Utc::now()).await?;
        airlock_backend::audit::record_first_policies(&backend, &operator, chrono::Utc::now()).await?;
        airlock_backend::audit::record_first_world_rows(&backend, &operator, chrono::Utc::now()).await?;
        if settings.seed_demo {
            airlock_backend::demo::seed(&backend, &operator).await?;
            tracing::info!("demo world loaded");
        }
        if !settings.oidc_role_map.trim().is_empty() && airlock_backend::auth::people::world_grants_roles(&backend).await? {
            tracing::warn!("AIRLOCK_OIDC_ROLE_MAP is set but ignored: the world file's `access` section says who holds which role");
        }
        backend.load_status().await?;
        let listener = TcpListener::bind(settings.addr).await.map_err(|source| StartupError::Bind { addr: settings.addr, source })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind { addr: settings.addr, source })?;
        let auth = AuthConfig::from_settings(settings, addr).await?;
        if auth.demo_sign_in {
            tracing::warn!("the demo sign-in is ON: anyone who reaches this address can act as any demo person");
        }
        let assets = SiteAssets::load(&settings.site_root)?;
        let (stop, stopping) = watch::channel(false);
        // The operator's last use: scheduled backups are written on their behalf.
        let backups =
            schedule.map(|schedule| airlock_backend::backup::schedule::spawn(backend.clone(), operator, schedule, stop.subscribe()));
        let state = AppState::new(Shared {
            leptos_options: leptos_options(settings, addr, &assets),
            assets: Arc::new(assets),
            backend,
            stopping: Stopping(stopping),
            auth: Arc::new(auth),
            live_slots: LiveSlots::new(settings.live_streams_max, settings.live_streams_per_person),
            pages: Arc::default(),
            sole_server: sole_server.is_some(),
            backups,
        });
        spawn_session_sweeper(&state.backend, state.stopping.clone());
        spawn_failed_sign_in_writer(&state.backend, state.stopping.clone());
        // The outbox worker, cluster checks and watchers: nothing in a request talks to a cluster.
        let simulated = if settings.lively_simulated_clusters {
            SimulatedWorkloads::Lively { incident_every: LIVELY_INCIDENT_EVERY }
        } else {
            SimulatedWorkloads::Quiet
        };
        airlock_backend::dispatch::runtime::spawn(state.backend.clone(), stop.subscribe(), simulated);
        // Webhooks are told from their own worker: a slow receiver never slows a change.
        airlock_backend::notify::worker::spawn(state.backend.clone(), stop.subscribe(), state.auth.public_url.clone());
        // Changes made through other replicas reach the pages this one serves.
        airlock_backend::live::spawn_listener(state.backend.clone(), stop.subscribe());
        metrics::install();
        Ok(Application { listener, router: crate::routes::router(state), stop, sole_server })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Serves until `shutdown` resolves, then tells open event streams to end
    /// and lets in-flight requests finish (within the drain deadline).
    pub async fn run_until_stopped(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), StartupError> {
        let stop = self.stop;
        let shutdown = async move {
            shutdown.await;
            let _ = stop.send(true);
        };
        let served = crate::serve::serve(self.listener, self.router, shutdown).await.map_err(StartupError::Serve);
        drop(self.sole_server);
        served
    }
}

/// Resolves on SIGTERM (how orchestrators stop a pod) or Ctrl-C. The handlers
/// are installed when this is called, not when the future is first polled: a
/// SIGTERM that arrives just after "listening" must be a clean stop, not the
/// default action, which kills the process.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    let (interrupt, terminate) = {
        use tokio::signal::unix::{SignalKind, signal};
        (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    };
    async move {
        #[cfg(unix)]
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {},
                    _ = terminate.recv() => {},
                }
            }
            _ => {
                tracing::warn!("could not listen for SIGINT/SIGTERM; the server will not stop gracefully");
                std::future::pending::<()>().await;
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
        tracing::info!("shutdown requested; finishing in-flight requests");
    }
}
