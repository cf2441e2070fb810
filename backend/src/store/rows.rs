//! Row shapes shared by both databases and their conversion into domain types.
//! Conversions are checked: a row the domain cannot represent is reported as
//! corrupt rather than silently patched.

use super::StoreError;
use airlock_domain::{Cluster, Deployment, Health, NamespaceStrategy};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
pub(crate) struct ClusterRow {
    pub name: String,
    pub environment: String,
    pub region: String,
    pub api_url: String,
    pub credentials_ref: String,
    pub namespace_strategy: String,
    pub shared_namespace: Option<String>,
}

impl TryFrom<ClusterRow> for Cluster {
    type Error = StoreError;
    fn try_from(row: ClusterRow) -> Result<Cluster, StoreError> {
        let namespace_strategy = match (row.namespace_strategy.as_str(), row.shared_namespace) {
            ("per_tenant", _) => NamespaceStrategy::PerTenant,
            ("shared", Some(namespace)) => NamespaceStrategy::Shared { namespace },
            (other, _) => return Err(StoreError::Corrupt(format!("cluster {} has namespace strategy {other:?}", row.name))),
        };
        Ok(Cluster {
            name: row.name,
            environment: row.environment,
            region: row.region,
            api_url: row.api_url,
            credentials_ref: row.credentials_ref,
            namespace_strategy,
        })
    }
}

/// Splits a strategy into the two columns that store it.
pub(crate) fn strategy_columns(strategy: &NamespaceStrategy) -> (&'static str, Option<&str>) {
    match strategy {
        NamespaceStrategy::PerTenant => ("per_tenant", None),
        NamespaceStrategy::Shared { namespace } => ("shared", Some(namespace.as_str())),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct DeploymentRow {
    pub tenant: String,
    pub environment: String,
    pub region: String,
    pub service: String,
    pub version: String,
    pub previous_version: Option<String>,
    pub health: String,
    pub changed_at: DateTime<Utc>,
}

impl TryFrom<DeploymentRow> for Deployment {
    type Error = StoreError;
    fn try_from(row: DeploymentRow) -> Result<Deployment, StoreError> {
        let health = Health::parse(&row.health).ok_or_else(|| StoreError::Corrupt(format!("deployment health {:?}", row.health)))?;
        Ok(Deployment {
            tenant: row.tenant,
            environment: row.environment,
            region: row.region,
            service: row.service,
            version: row.version,
            previous_version: row.previous_version,
            health,
            changed_at: row.changed_at,
        })
    }
}
