//! The `clusters` and `templates` subcommands.

use crate::cli::{AddCluster, ClustersCommand};
use crate::commands::migrated;
use crate::config::Settings;
use crate::startup::StartupError;
use airlock_backend::dispatch::access::WatchScope;
use airlock_backend::dispatch::admin;
use airlock_backend::{Backend, LocalOperator};
use airlock_domain::{Cluster, NamespaceStrategy};
use std::path::Path;

/// `Ok(false)` when `clusters check` found a problem.
pub async fn clusters(settings: &Settings, command: ClustersCommand) -> Result<bool, StartupError> {
    let (backend, operator) = migrated(settings).await?;
    match command {
        ClustersCommand::Add(cluster) => add(&backend, &operator, *cluster).await.map(|()| true),
        ClustersCommand::List => list(&backend, &operator).await.map(|()| true),
        ClustersCommand::Check => check(&backend, &operator).await,
    }
}

async fn add(backend: &Backend, operator: &LocalOperator, command: AddCluster) -> Result<(), StartupError> {
    let AddCluster { environment, region, name, kubeconfig, context, url, token_file, token_env, ca_file, simulated, shared_namespace } =
        command;
    let path = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf()).display().to_string();
    let ca = ca_file.as_deref().map(|f| format!(";ca={}", path(f))).unwrap_or_default();
    let (api_url, credentials_ref) = match (kubeconfig, url, token_file, token_env) {
        _ if simulated => (format!("simulated://{name}"), "simulated".to_owned()),
        (Some(file), _, _, _) => {
            let server = airlock_backend::dispatch::credentials::kubeconfig_server(&file, context.as_deref())
                .map_err(|e| StartupError::Usage(format!("{}: {e}", file.display())))?;
            (server, format!("kubeconfig:{}{}", path(&file), context.map(|c| format!("#{c}")).unwrap_or_default()))
        }
        (None, Some(url), Some(file), _) => (url, format!("token-file:{}{ca}", path(&file))),
        (None, Some(url), None, Some(variable)) => (url, format!("token-env:{variable}{ca}")),
        _ => return Err(StartupError::Usage("give --kubeconfig, --url with --token-file or --token-env, or --simulated".into())),
    };
    let namespace_strategy = match shared_namespace {
        Some(namespace) => NamespaceStrategy::Shared { namespace },
        None => NamespaceStrategy::PerTenant,
    };
    let cluster = Cluster { name: name.clone(), environment, region, api_url, credentials_ref, namespace_strategy };
    let status = admin::add_cluster(backend, operator, cluster, chrono::Utc::now()).await?;
    match (status.reachable, status.version, status.error) {
        (true, version, _) => println!("Added cluster {name}: reachable ({}).", version.unwrap_or_default()),
        (false, _, error) => println!("Added cluster {name}, but it cannot be reached yet: {}", error.unwrap_or_default()),
    }
    println!("Run `airlock clusters check` to see what Airlock may do in it.");
    Ok(())
}

async fn list(backend: &Backend, operator: &LocalOperator) -> Result<(), StartupError> {
    println!("{:<24} {:<12} {:<14} {:<28} {:<12} CONNECTION", "NAME", "ENVIRONMENT", "REGION", "CREDENTIALS", "VERSION");
    for c in admin::cluster_list(backend, operator).await? {
        let (version, connection) = match &c.status {
            None => ("-".to_owned(), "not checked yet".to_owned()),
            Some(s) if s.reachable => (s.version.clone().unwrap_or_default(), "reachable".to_owned()),
            Some(s) => ("-".to_owned(), format!("unreachable: {}", s.error.clone().unwrap_or_default())),
        };
        println!("{:<24} {:<12} {:<14} {:<28} {:<12} {connection}", c.name, c.environment, c.region, c.credentials, version);
    }
    Ok(())
}

async fn check(backend: &Backend, operator: &LocalOperator) -> Result<bool, StartupError> {
    let checks = admin::check_clusters(backend, operator).await?;
    println!("{:<24} {:<10} {:<12} {:<16} {:<14} DETAIL", "NAME", "REACHABLE", "VERSION", "MAY CREATE JOBS", "WATCHES");
    let mut all_good = true;
    for check in checks {
        let reachable = check.status.reachable;
        let may_create = match (reachable, check.cannot_create_jobs_in.is_empty()) {
            (false, _) => "-",
            (true, true) => "yes",
            (true, false) => "no",
        };
        let watches = match &check.watches {
            None => "-",
            Some(WatchScope::ClusterWide) => "cluster-wide",
            Some(WatchScope::PerNamespace(_)) => "per namespace",
            Some(WatchScope::Denied(_)) => "NO",
        };
        let mut detail = Vec::new();
        detail.extend(check.status.error.clone());
        if !check.cannot_create_jobs_in.is_empty() {
            detail.push(format!("may not create Jobs in {}", check.cannot_create_jobs_in.join(", ")));
        }
        if let Some(scope @ WatchScope::Denied(_)) = &check.watches {
            detail.push(format!("Deployments and Jobs: {}", scope.describe()));
        }
        detail.extend(check.missing.iter().map(|m| format!("may not {m}")));
        all_good &= check.all_good();
        let version = check.status.version.clone().unwrap_or_else(|| "-".into());
        let name = &check.cluster.name;
        println!(
            "{name:<24} {:<10} {version:<12} {may_create:<16} {watches:<14} {}",
            if reachable { "yes" } else { "NO" },
            detail.join("; ")
        );
    }
    Ok(all_good)
}

pub async fn set_template(settings: &Settings, environment: &str, file: &Path) -> Result<(), StartupError> {
    let (backend, operator) = migrated(settings).await?;
    let text = std::fs::read_to_string(file).map_err(|e| StartupError::Usage(format!("cannot read {}: {e}", file.display())))?;
    admin::set_job_template(&backend, &operator, environment, &text, chrono::Utc::now()).await?;
    println!("Stored the Job template of {environment}; the next dispatch to it uses it.");
    Ok(())
}

pub async fn show_template(settings: &Settings, environment: &str) -> Result<(), StartupError> {
    let (backend, operator) = migrated(settings).await?;
    print!("{}", admin::job_template(&backend, &operator, environment).await?);
    Ok(())
}
