//! Operators' changes to dispatch: adding clusters, setting job templates,
//! and checking what Airlock may do in each cluster. Each change is audited.

use super::access::{WatchScope, may, tenant_namespaces, watch_scope};
use super::credentials::Credentials;
use super::template::JobTemplate;
use crate::acting::{LocalOperator, authorize};
use crate::releases::audit;
use crate::{Backend, Refusal};
use airlock_domain::Cluster;
use airlock_domain::access::Action;
use airlock_domain::audit::AuditAction;
use chrono::{DateTime, Utc};

/// Records a new cluster; its credentials reference must parse (the
/// credentials themselves are read only when a client is built). It is
/// checked at once, so a dispatch right after finds it checked; what the
/// check found is returned.
pub async fn add_cluster(
    backend: &Backend,
    operator: &LocalOperator,
    cluster: Cluster,
    now: DateTime<Utc>,
) -> Result<crate::store::ClusterStatus, Refusal> {
    let by = authorize(operator.into(), Action::ManageWorld)?;
    airlock_domain::Slug::parse(&cluster.name).map_err(|e| Refusal::invalid("name", format!("The cluster name {e}.")))?;
    let credentials = Credentials::parse(&cluster.credentials_ref).map_err(|e| Refusal::invalid("credentials", e.to_string()))?;
    if credentials != Credentials::Simulated && !cluster.api_url.starts_with("https://") {
        return Err(Refusal::invalid("url", "A cluster's API server URL must start with https://."));
    }
    if !backend.store.environments().await?.iter().any(|e| e.name == cluster.environment) {
        return Err(Refusal::invalid("environment", format!("There is no environment {}.", cluster.environment)));
    }
    if !backend.store.regions().await?.iter().any(|r| r.name == cluster.region) {
        return Err(Refusal::invalid("region", format!("There is no region {}.", cluster.region)));
    }
    if backend.store.clusters().await?.iter().any(|c| c.name == cluster.name) {
        return Err(Refusal::invalid("name", format!("A cluster named {} already exists.", cluster.name)));
    }
    let mut tx = backend.store.begin().await?;
    tx.insert_cluster(&cluster).await?;
    // The record `verify` compares the row with (`crate::world_record`).
    let record = crate::world_record::cluster(&cluster, AuditAction::ClusterAdded);
    tx.append_audit(audit(by.name(), AuditAction::ClusterAdded, &record.subject, None, Some(record.record), now)).await?;
    tx.commit().await?;
    backend.status_changed(crate::read_model::Change::Everything).await;
    let (status, _) = super::runtime::check_now(backend, &cluster).await;
    Ok(status)
}

/// Stores `text` as the environment's job template once it passes every check.
pub async fn set_job_template(
    backend: &Backend,
    operator: &LocalOperator,
    environment: &str,
    text: &str,
    now: DateTime<Utc>,
) -> Result<(), Refusal> {
    let by = authorize(operator.into(), Action::ManageWorld)?;
    let template =
        JobTemplate::parse(text).map_err(|e| Refusal::Template { environment: environment.to_owned(), message: e.to_string() })?;
    let mut tx = backend.store.begin().await?;
    let before = backend.store.job_template(environment).await?;
    tx.set_job_template(environment, template.text(), by.name(), now).await?;
    let subject = format!("environment/{environment}/job_template");
    tx.append_audit(audit(by.name(), AuditAction::JobTemplateSet, &subject, before, Some(template.text().to_owned()), now)).await?;
    tx.commit().await?;
    Ok(())
}

/// Every cluster with its last check, for the operator's `airlock clusters list`.
pub async fn cluster_list(backend: &Backend, operator: &LocalOperator) -> Result<Vec<super::ClusterView>, Refusal> {
    authorize(operator.into(), Action::ManageWorld)?;
    super::cluster_views(backend).await
}

/// The template dispatches to `environment` use now.
pub async fn job_template(backend: &Backend, operator: &LocalOperator, environment: &str) -> Result<String, Refusal> {
    authorize(operator.into(), Action::ManageWorld)?;
    Ok(backend.store.job_template(environment).await?.unwrap_or_else(|| super::template::DEFAULT_TEMPLATE.to_owned()))
}

/// One cluster's check, for `airlock clusters check`.
#[derive(Debug, Clone)]
pub struct ClusterCheck {
    pub cluster: Cluster,
    pub status: crate::store::ClusterStatus,
    /// Namespaces (of the tenants allowed in its region) where Airlock may not create Jobs.
    pub cannot_create_jobs_in: Vec<String>,
    /// Where Airlock may list and watch Deployments and Jobs (`None`: unreachable).
    pub watches: Option<WatchScope>,
    /// The other rights Airlock uses there and lacks, each with what it is for
    /// and where (e.g. `list pods in tenant-acme (to say why a Job failed)`).
    pub missing: Vec<String>,
}

impl ClusterCheck {
    /// Reachable, and Airlock may do there all it needs to. (A simulated
    /// cluster is reachable with nothing to watch: `watches` is `None`.)
    pub fn all_good(&self) -> bool {
        self.status.reachable
            && self.cannot_create_jobs_in.is_empty()
            && self.missing.is_empty()
            && !matches!(self.watches, Some(WatchScope::Denied(_)))
    }
}

/// Rights Airlock uses in each tenant namespace besides creating and following
/// Jobs: (verb, group, resource, what for).
const IN_EACH_NAMESPACE: [(&str, &str, &str, &str); 4] = [
    ("get", "batch", "jobs", "to read back a Job sent before"),
    ("list", "", "pods", "to say why a Job failed"),
    ("get", "", "pods/log", "to say why a Job failed"),
    ("list", "", "events", "to say why a Job failed"),
];

/// Checks every cluster now: reachable, its version, whether Airlock may
/// create Jobs in each namespace its tenants would use, where it may list and
/// watch Deployments and Jobs, and every other right it uses there.
pub async fn check_clusters(backend: &Backend, operator: &LocalOperator) -> Result<Vec<ClusterCheck>, Refusal> {
    authorize(operator.into(), Action::ManageWorld)?;
    let tenants = backend.store.tenants().await?;
    let environments = backend.store.environments().await?;
    let mut checks = Vec::new();
    for cluster in backend.store.clusters().await? {
        let (status, client) = super::runtime::check_now(backend, &cluster).await;
        let mut cannot = Vec::new();
        let mut watches = None;
        let mut missing = Vec::new();
        if let Some(client) = client {
            let namespaces = tenant_namespaces(&cluster, &tenants);
            for namespace in &namespaces {
                if !may(&client, "create", "batch", "jobs", Some(namespace)).await {
                    cannot.push(namespace.clone());
                }
            }
            watches = Some(watch_scope(&client, &namespaces).await);
            for (verb, group, resource, what_for) in IN_EACH_NAMESPACE {
                let mut lacking = Vec::new();
                for namespace in &namespaces {
                    if !may(&client, verb, group, resource, Some(namespace)).await {
                        lacking.push(namespace.as_str());
                    }
                }
                if !lacking.is_empty() {
                    missing.push(format!("{verb} {resource} in {} ({what_for})", lacking.join(", ")));
                }
            }
            let creates_namespaces = environments.iter().any(|e| e.name == cluster.environment && e.creates_namespaces);
            if creates_namespaces && !may(&client, "create", "", "namespaces", None).await {
                missing.push("create namespaces (its environment makes a tenant's namespace on its first dispatch)".into());
            }
        }
        checks.push(ClusterCheck { cluster, status, cannot_create_jobs_in: cannot, watches, missing });
    }
    Ok(checks)
}
