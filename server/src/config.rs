//! Layered settings: built-in defaults → optional TOML file → `AIRLOCK_*`
//! environment variables (plus the conventional `DATABASE_URL`). Secrets are
//! wrapped so that printing the settings never prints them.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Readable lines for a terminal.
    Human,
    /// One JSON object per line, for log shippers.
    Json,
}

/// A value that must never appear in logs or error messages.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(**redacted**)")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Listen address (`AIRLOCK_ADDR`).
    pub addr: SocketAddr,
    /// Directory of the embedded SQLite database (`AIRLOCK_DATA_DIR`).
    pub data_dir: PathBuf,
    /// A `postgres://` URL switches to PostgreSQL (`DATABASE_URL`).
    pub database_url: Option<Secret>,
    /// `human` or `json` (`AIRLOCK_LOG_FORMAT`).
    pub log_format: LogFormat,
    /// A tracing filter such as `info,sqlx=warn` (`AIRLOCK_LOG_FILTER`).
    pub log_filter: String,
    /// Load the demo world when serving starts (`AIRLOCK_SEED_DEMO`); for demos and tests.
    pub seed_demo: bool,
    /// Where the compiled wasm, JS and CSS live (`LEPTOS_SITE_ROOT`, set by cargo-leptos).
    pub site_root: PathBuf,
    /// The address people use to reach Airlock (`AIRLOCK_PUBLIC_URL`), e.g.
    /// `https://airlock.example.com`: the OIDC redirect URL and the origin
    /// state-changing requests must come from. Defaults to `http://<addr>`.
    pub public_url: Option<String>,
    /// The OpenID Connect issuer (`AIRLOCK_OIDC_ISSUER`); sign-in through the
    /// provider is on when it is set. Compared exactly: no trailing slash.
    pub oidc_issuer: Option<String>,
    pub oidc_client_id: Option<String>,
    /// The client secret (`AIRLOCK_OIDC_CLIENT_SECRET`), or a file holding it
    /// (`AIRLOCK_OIDC_CLIENT_SECRET_FILE`, e.g. a mounted Kubernetes secret).
    pub oidc_client_secret: Option<Secret>,
    pub oidc_client_secret_file: Option<PathBuf>,
    /// Scopes asked for besides `openid` (`AIRLOCK_OIDC_SCOPES`, space- or comma-separated).
    pub oidc_scopes: String,
    /// The ID token claim listing the person's groups (`AIRLOCK_OIDC_GROUPS_CLAIM`).
    pub oidc_groups_claim: String,
    /// `group=role[:tenant],…` (`AIRLOCK_OIDC_ROLE_MAP`), e.g.
    /// `platform=release_manager,sre-seniors=approver,acme-ops=tenant_admin:acme`.
    pub oidc_role_map: String,
    /// FOR TRYING AIRLOCK ALONE (`AIRLOCK_DEMO_SIGN_IN`): a sign-in page offering
    /// demo people instead of an identity provider. Refused unless the server
    /// listens on a loopback address; every page shows a banner while it is on.
    pub demo_sign_in: bool,
    /// FOR TRYING AIRLOCK ALONE (`AIRLOCK_LIVELY_SIMULATED_CLUSTERS`):
    /// simulated clusters report every released workload running and now and
    /// then stage an incident (failing replicas, a hand edit, a restart), so
    /// the status pages change as a real estate's do. `scripts/demo` sets it.
    pub lively_simulated_clusters: bool,
    /// A session ends after this many minutes without a request (`AIRLOCK_SESSION_IDLE_MINUTES`).
    pub session_idle_minutes: u32,
    /// …and this many hours after sign-in, however active (`AIRLOCK_SESSION_MAX_HOURS`).
    pub session_max_hours: u32,
    /// Live-update streams (open release pages) the server keeps at most
    /// (`AIRLOCK_LIVE_STREAMS_MAX`); beyond it, 503 with `Retry-After`.
    pub live_streams_max: usize,
    /// …and per person or token (`AIRLOCK_LIVE_STREAMS_PER_PERSON`); beyond it, 429.
    pub live_streams_per_person: usize,
    /// Seals the audit chain with keyed hashes (`AIRLOCK_AUDIT_KEY`, at least
    /// 32 characters), or the file holding it (`AIRLOCK_AUDIT_KEY_FILE`).
    pub audit_key: Option<Secret>,
    pub audit_key_file: Option<PathBuf>,
    /// Mail people what waits for them through this SMTP server
    /// (`AIRLOCK_SMTP_URL`: `smtp://user:password@host:587`, `smtps://…`,
    /// or `smtp://host:25` without TLS for a relay on the same host).
    pub smtp_url: Option<Secret>,
    /// The sender of those mails (`AIRLOCK_MAIL_FROM`).
    pub mail_from: String,
    /// The server writes backups of the embedded database here
    /// (`AIRLOCK_BACKUP_DIR`), `airlock-<UTC time>.db`, each one audited.
    pub backup_dir: Option<PathBuf>,
    /// …this often (`AIRLOCK_BACKUP_EVERY`: a number and s, m, h or d)…
    pub backup_every: String,
    /// …keeping the newest this many (`AIRLOCK_BACKUP_KEEP`).
    pub backup_keep: usize,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            addr: SocketAddr::from(([127, 0, 0, 1], 3000)),
            data_dir: PathBuf::from("./data"),
            database_url: None,
            log_format: LogFormat::Human,
            log_filter: "info,sqlx=warn".into(),
            seed_demo: false,
            site_root: PathBuf::from("target/site"),
            public_url: None,
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_client_secret_file: None,
            oidc_scopes: "email profile groups".into(),
            oidc_groups_claim: "groups".into(),
            oidc_role_map: String::new(),
            demo_sign_in: false,
            lively_simulated_clusters: false,
            session_idle_minutes: 8 * 60,
            session_max_hours: 24,
            live_streams_max: 2_000,
            live_streams_per_person: 32,
            audit_key: None,
            audit_key_file: None,
            smtp_url: None,
            mail_from: "Airlock <airlock@localhost>".into(),
            backup_dir: None,
            backup_every: "1h".into(),
            backup_keep: 24,
        }
    }
}

impl Settings {
    /// Reads every layer. An explicitly named file must exist; the implicit
    /// `airlock.toml` is optional.
    /// (The error is boxed: figment's is large, and it only ever ends the process.)
    pub fn load(config_file: Option<&Path>) -> Result<Settings, Box<figment::Error>> {
        let file = match config_file {
            Some(path) if !path.exists() => {
                return Err(Box::new(figment::Error::from(format!("configuration file {} does not exist", path.display()))));
            }
            Some(path) => path.to_path_buf(),
            None => PathBuf::from("airlock.toml"),
        };
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file(file))
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL", "LEPTOS_SITE_ROOT"])
                    .map(|key| if key == "leptos_site_root" { "site_root".into() } else { key.as_str().to_owned().into() }),
            )
            .merge(Env::prefixed("AIRLOCK_").ignore(&["CONFIG"]))
            .extract()
            .map_err(Box::new)
    }
}

#[cfg(test)]
// figment's `Jail` fixes the closures' error type to its own, large one.
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn without_any_configuration_airlock_uses_the_embedded_default() {
        Jail::expect_with(|_| {
            let settings = Settings::load(None).map_err(|e| *e)?;
            assert_eq!(settings, Settings::default());
            assert_eq!(settings.addr.to_string(), "127.0.0.1:3000");
            Ok(())
        });
    }

    #[test]
    fn the_environment_overrides_the_file_which_overrides_the_defaults() {
        Jail::expect_with(|jail| {
            jail.create_file("airlock.toml", "addr = \"127.0.0.1:4000\"\ndata_dir = \"/srv/airlock\"\nlog_format = \"json\"")?;
            jail.set_env("AIRLOCK_ADDR", "0.0.0.0:5000");
            let settings = Settings::load(None).map_err(|e| *e)?;
            assert_eq!(settings.addr.to_string(), "0.0.0.0:5000");
            assert_eq!(settings.data_dir, PathBuf::from("/srv/airlock"));
            assert_eq!(settings.log_format, LogFormat::Json);
            Ok(())
        });
    }

    #[test]
    fn database_url_is_read_without_prefix_and_never_printed() {
        Jail::expect_with(|jail| {
            jail.set_env("DATABASE_URL", "postgres://airlock:hunter2@db/airlock");
            let settings = Settings::load(None).map_err(|e| *e)?;
            let url = settings.database_url.as_ref().map(Secret::expose);
            assert_eq!(url, Some("postgres://airlock:hunter2@db/airlock"));
            assert!(!format!("{settings:?}").contains("hunter2"));
            Ok(())
        });
    }

    #[test]
    fn a_named_configuration_file_that_does_not_exist_is_an_error() {
        Jail::expect_with(|_| {
            assert!(Settings::load(Some(Path::new("missing.toml"))).is_err());
            Ok(())
        });
    }

    #[test]
    fn an_invalid_value_is_reported_not_ignored() {
        Jail::expect_with(|jail| {
            jail.set_env("AIRLOCK_LOG_FORMAT", "xml");
            assert!(Settings::load(None).is_err());
            Ok(())
        });
    }
}
