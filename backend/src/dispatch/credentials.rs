//! Where a cluster's credentials are, never what they are. The database
//! stores only a reference (`clusters.credentials_ref`); the secret itself
//! stays in a file or an environment variable on the machine running
//! Airlock, and is read when a client is built. Nothing here logs it or
//! returns it.
//!
//! References:
//! - `simulated` — no cluster: Jobs are rendered and recorded, never sent,
//!   and succeed after a moment (the demo world's clusters).
//! - `in-cluster` — the service account of the Pod Airlock runs in.
//! - `kubeconfig:PATH` or `kubeconfig:PATH#CONTEXT`.
//! - `token-file:PATH` or `token-env:VARIABLE`, with `;ca=PATH` for a private
//!   CA; the server is the cluster's `api_url`.

use airlock_domain::Cluster;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    Simulated,
    InCluster,
    Kubeconfig { path: String, context: Option<String> },
    Token { source: TokenSource, ca_file: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    File(String),
    Env(String),
}

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error(
        "the credentials reference is not one of: simulated, in-cluster, kubeconfig:PATH[#CONTEXT], token-file:PATH[;ca=PATH], token-env:VARIABLE[;ca=PATH]"
    )]
    BadReference,
    #[error("cannot read {what}")]
    Unreadable {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("environment variable {0} is not set")]
    MissingEnv(String),
    #[error("the cluster configuration is not valid: {0}")]
    Config(String),
    /// A kubeconfig holds credentials, and a parser's message can quote the
    /// text it choked on: this error names the file and the step, never the
    /// parser's words, so no credential reaches `cluster_status` or a page.
    #[error("the kubeconfig {path} could not be used: {step}")]
    Kubeconfig { path: String, step: &'static str },
}

impl Credentials {
    pub fn parse(reference: &str) -> Result<Credentials, ClusterError> {
        let bad = || ClusterError::BadReference;
        match reference {
            "simulated" => return Ok(Credentials::Simulated),
            "in-cluster" => return Ok(Credentials::InCluster),
            _ => {}
        }
        let (scheme, rest) = reference.split_once(':').ok_or_else(bad)?;
        match scheme {
            "kubeconfig" if !rest.is_empty() => {
                let (path, context) = match rest.split_once('#') {
                    Some((path, context)) => (path, Some(context.to_owned())),
                    None => (rest, None),
                };
                Ok(Credentials::Kubeconfig { path: path.to_owned(), context })
            }
            "token-file" | "token-env" => {
                let (value, ca_file) = match rest.split_once(";ca=") {
                    Some((value, ca)) => (value, Some(ca.to_owned())),
                    None => (rest, None),
                };
                if value.is_empty() {
                    return Err(bad());
                }
                let source = if scheme == "token-file" { TokenSource::File(value.into()) } else { TokenSource::Env(value.into()) };
                Ok(Credentials::Token { source, ca_file })
            }
            _ => Err(bad()),
        }
    }

    /// How the credentials are provided, for pages and `clusters check`.
    pub fn describe(&self) -> &'static str {
        match self {
            Credentials::Simulated => "simulated",
            Credentials::InCluster => "in-cluster service account",
            Credentials::Kubeconfig { .. } => "kubeconfig",
            Credentials::Token { .. } => "bearer token",
        }
    }
}

const NOT_READABLE: &str = "it is missing, unreadable or not a kubeconfig (check it with `kubectl --kubeconfig FILE config view`)";
const NO_CONTEXT: &str = "its context, cluster or user entry is missing or incomplete";

/// The API server a kubeconfig's context (or its current context) points at.
pub fn kubeconfig_server(file: &std::path::Path, context: Option<&str>) -> Result<String, ClusterError> {
    let path = file.display().to_string();
    let config = kube::config::Kubeconfig::read_from(file).map_err(|_| ClusterError::Kubeconfig { path, step: NOT_READABLE })?;
    let context =
        context.map(str::to_owned).or(config.current_context.clone()).ok_or_else(|| ClusterError::Config("no current context".into()))?;
    let named = config.contexts.iter().find(|c| c.name == context).ok_or_else(|| ClusterError::Config(format!("no context {context}")))?;
    let cluster = named.context.as_ref().map(|c| c.cluster.clone()).unwrap_or_default();
    config
        .clusters
        .iter()
        .find(|c| c.name == cluster)
        .and_then(|c| c.cluster.as_ref())
        .and_then(|c| c.server.clone())
        .ok_or_else(|| ClusterError::Config(format!("context {context} names no cluster server")))
}

/// A client for `cluster`, or `None` for a simulated one.
pub async fn client(cluster: &Cluster) -> Result<Option<kube::Client>, ClusterError> {
    let config = match Credentials::parse(&cluster.credentials_ref)? {
        Credentials::Simulated => return Ok(None),
        Credentials::InCluster => kube::Config::incluster().map_err(|e| ClusterError::Config(e.to_string()))?,
        Credentials::Kubeconfig { path, context } => {
            let unusable = |step| ClusterError::Kubeconfig { path: path.clone(), step };
            let kubeconfig = kube::config::Kubeconfig::read_from(&path).map_err(|_| unusable(NOT_READABLE))?;
            let options = kube::config::KubeConfigOptions { context, ..Default::default() };
            kube::Config::from_custom_kubeconfig(kubeconfig, &options).await.map_err(|_| unusable(NO_CONTEXT))?
        }
        Credentials::Token { source, ca_file } => {
            let token = match source {
                TokenSource::File(path) => std::fs::read_to_string(&path)
                    .map_err(|source| ClusterError::Unreadable { what: format!("token file {path}"), source })?,
                TokenSource::Env(name) => std::env::var(&name).map_err(|_| ClusterError::MissingEnv(name))?,
            };
            let kubeconfig = serde_json::json!({
                "clusters": [{"name": "c", "cluster": {"server": cluster.api_url, "certificate-authority": ca_file}}],
                "users": [{"name": "u", "user": {"token": token.trim()}}],
                "contexts": [{"name": "c", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "c",
            });
            // The token is in this document: no error below may quote it.
            let token_config = || ClusterError::Config("the token, API server URL or CA file cannot make a client configuration".into());
            let kubeconfig: kube::config::Kubeconfig = serde_json::from_value(kubeconfig).map_err(|_| token_config())?;
            kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await.map_err(|_| token_config())?
        }
    };
    let mut config = config;
    config.connect_timeout = Some(Duration::from_secs(5));
    kube::Client::try_from(config).map(Some).map_err(|e| ClusterError::Config(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_form_parses() {
        assert_eq!(Credentials::parse("simulated").ok(), Some(Credentials::Simulated));
        assert_eq!(Credentials::parse("in-cluster").ok(), Some(Credentials::InCluster));
        assert_eq!(
            Credentials::parse("kubeconfig:/etc/airlock/kube#prod-fra").ok(),
            Some(Credentials::Kubeconfig { path: "/etc/airlock/kube".into(), context: Some("prod-fra".into()) })
        );
        assert_eq!(
            Credentials::parse("token-env:FRA_TOKEN;ca=/etc/ca.crt").ok(),
            Some(Credentials::Token { source: TokenSource::Env("FRA_TOKEN".into()), ca_file: Some("/etc/ca.crt".into()) })
        );
    }

    #[tokio::test]
    async fn a_broken_kubeconfig_is_reported_without_quoting_it() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let broken = [
            "users: [{name: u, user: {token: SECRET-token-1}}]\nclusters: SECRET-not-a-list-2\n",
            "apiVersion: v1\nkind: Config\ncurrent-context: c\ncontexts: [{name: c, context: {cluster: x, user: u}}]\nusers: [{name: u, user: {token: SECRET-3, client-key-data: SECRET-4}}]\n",
            "{\"users\": [{\"user\": {\"token\": 42}}], \"SECRET-5\"",
        ];
        for (i, text) in broken.iter().enumerate() {
            let path = dir.path().join(format!("kubeconfig-{i}"));
            std::fs::write(&path, text).expect("written");
            let cluster = Cluster {
                name: "c".into(),
                environment: "production".into(),
                region: "frankfurt".into(),
                api_url: "https://127.0.0.1:6443".into(),
                credentials_ref: format!("kubeconfig:{}#c", path.display()),
                namespace_strategy: airlock_domain::NamespaceStrategy::PerTenant,
            };
            let error = client(&cluster).await.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!error.is_empty() && !error.contains("SECRET"), "{error}");
            let error = kubeconfig_server(&path, Some("c")).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(!error.contains("SECRET"), "{error}");
        }
        let error = Credentials::parse("password:SECRET-6").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(!error.contains("SECRET"), "{error}");
    }

    #[test]
    fn a_reference_that_names_no_source_is_refused() {
        for reference in ["", "kubeconfig:", "token-file:", "password:hunter2", "simulated-ish"] {
            assert!(Credentials::parse(reference).is_err(), "{reference:?}");
        }
    }
}
