//! The `clusters` and `templates` subcommands.

use crate::cli::{AddCluster, ClustersCommand};
use crate::commands::migrated;
use crate::config::Settings;
use crate::startup::StartupError;
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
    admin::add_cluster(backend, operator, cluster, chrono::Utc::now()).await?;
    println!("Added cluster {name}. Run `airlock clusters check` to see whether Airlock can reach it.");
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
    println!("{:<24} {:<10} {:<12} {:<16} DETAIL", "NAME", "REACHABLE", "VERSION", "MAY CREATE JOBS");
    let mut all_good = true;
    for check in checks {
        let reachable = check.status.reachable;
        let may_create = if !reachable {
            "-".to_owned()
        } else if check.cannot_create_jobs_in.is_empty() {
            "yes".to_owned()
        } else {
            "no".to_owned()
        };
        let detail = match (&check.status.error, check.cannot_create_jobs_in.is_empty()) {
            (Some(error), _) => error.clone(),
            (None, false) => format!("may not create Jobs in {}", check.cannot_create_jobs_in.join(", ")),
            (None, true) => String::new(),
        };
        all_good &= reachable && check.cannot_create_jobs_in.is_empty();
        let version = check.status.version.clone().unwrap_or_else(|| "-".into());
        println!("{:<24} {:<10} {:<12} {:<16} {detail}", check.cluster.name, if reachable { "yes" } else { "NO" }, version, may_create);
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
