//! What the clusters report, once for both databases: each workload's last
//! observation and the transitions of its version and health.
//!
//! Recording is compare-and-set on what was seen before, so a watcher that
//! relists after an outage, or two replicas watching one cluster, write a
//! transition once: the second writer's update finds the row already moved
//! (PostgreSQL re-checks the condition after the first one's commit; SQLite
//! writes one at a time).

use super::StoreError;
use super::dialect::{Dialect, Pooled, Time};
use super::gate_tx::GateTx;
use airlock_domain::Health;
use airlock_domain::observed::{Observation, Replicas, Seen, Transition};
use async_trait::async_trait;

#[async_trait]
pub trait ObservedStore: Send + Sync + 'static {
    /// Every observation, in the read model's order (service, tenant, environment, region).
    async fn observed(&self, tenant: Option<&str>) -> Result<Vec<Observation>, StoreError>;
    /// A tenant's newest transitions, newest first.
    async fn transitions(&self, tenant: &str, limit: u32) -> Result<Vec<Transition>, StoreError>;
}

#[async_trait]
pub trait ObservedTx: Send {
    /// Records what was seen of a workload; `true` when it is a transition
    /// (kept in the history with `intended`, the version released there).
    async fn record_observation(&mut self, observation: &Observation, intended: Option<&str>) -> Result<bool, StoreError>;
}

type Row = (String, String, String, String, String, Option<String>, String, Option<String>, i64, i64, i64, i64, Time, Time);
type TransitionRow = (String, String, String, Time, Option<String>, String, Option<String>, Option<String>);

const COLUMNS: &str =
    "tenant, environment, region, service, cluster, version, health, reason, desired, updated, ready, available, changed_at, observed_at";

fn health(text: &str) -> Result<Health, StoreError> {
    Health::parse(text).ok_or_else(|| StoreError::Corrupt(format!("observed health {text:?}")))
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

fn observation(row: Row) -> Result<Observation, StoreError> {
    let (
        tenant,
        environment,
        region,
        service,
        cluster,
        version,
        health_text,
        reason,
        desired,
        updated,
        ready,
        available,
        changed_at,
        observed_at,
    ) = row;
    let replicas = Replicas { desired: count(desired), updated: count(updated), ready: count(ready), available: count(available) };
    let seen = Seen { version, health: health(&health_text)?, reason, replicas };
    Ok(Observation { tenant, environment, region, service, cluster, seen, changed_at, observed_at })
}

fn transition(row: TransitionRow) -> Result<Transition, StoreError> {
    let (environment, region, service, at, version, health_text, reason, intended_version) = row;
    let seen = Seen { version, health: health(&health_text)?, reason, replicas: Replicas::default() };
    Ok(Transition { environment, region, service, at, seen, intended_version })
}

pub(crate) struct ObservedSql<'c, D: Dialect>(pub &'c mut D::Connection);

impl<D> ObservedSql<'_, D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> String: sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<String>: sqlx::Decode<'q, D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    async fn observed(&mut self, tenant: Option<&str>) -> Result<Vec<Observation>, StoreError> {
        let sql = format!(
            "SELECT {COLUMNS} FROM observed_workloads WHERE ($1 IS NULL OR tenant = $1) ORDER BY service, tenant, environment, region"
        );
        let rows: Vec<Row> = sqlx::query_as(&sql).bind(tenant).fetch_all(&mut *self.0).await?;
        rows.into_iter().map(observation).collect()
    }

    async fn transitions(&mut self, tenant: &str, limit: u32) -> Result<Vec<Transition>, StoreError> {
        let rows: Vec<TransitionRow> = sqlx::query_as(
            "SELECT environment, region, service, at, version, health, reason, intended_version FROM observed_transitions \
             WHERE tenant = $1 ORDER BY id DESC LIMIT $2",
        )
        .bind(tenant)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.0)
        .await?;
        rows.into_iter().map(transition).collect()
    }

    async fn record(&mut self, o: &Observation, intended: Option<&str>) -> Result<bool, StoreError> {
        let key = (o.tenant.as_str(), o.environment.as_str(), o.region.as_str(), o.service.as_str());
        let before: Option<(Option<String>, String, Option<String>)> = sqlx::query_as(
            "SELECT version, health, reason FROM observed_workloads WHERE tenant = $1 AND environment = $2 AND region = $3 AND service = $4",
        )
        .bind(key.0)
        .bind(key.1)
        .bind(key.2)
        .bind(key.3)
        .fetch_optional(&mut *self.0)
        .await?;
        let moved = match before {
            None => self.insert(o).await?,
            Some((version, health_text, reason)) => {
                let unchanged = version == o.seen.version && health_text == o.seen.health.as_str() && reason == o.seen.reason;
                if unchanged {
                    self.touch(o).await?;
                    false
                } else {
                    self.replace(o, (version.as_deref(), &health_text, reason.as_deref())).await?
                }
            }
        };
        if moved {
            sqlx::query(
                "INSERT INTO observed_transitions (tenant, environment, region, service, at, version, health, reason, intended_version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(key.0)
            .bind(key.1)
            .bind(key.2)
            .bind(key.3)
            .bind(o.changed_at)
            .bind(o.seen.version.as_deref())
            .bind(o.seen.health.as_str())
            .bind(o.seen.reason.as_deref())
            .bind(intended)
            .execute(&mut *self.0)
            .await?;
        }
        Ok(moved)
    }

    /// The first observation of a workload; `false` when another writer got there first.
    async fn insert(&mut self, o: &Observation) -> Result<bool, StoreError> {
        let sql = format!(
            "INSERT INTO observed_workloads ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
             ON CONFLICT (tenant, environment, region, service) DO NOTHING"
        );
        let done = self.bind_all(sqlx::query(&sql), o).execute(&mut *self.0).await?;
        Ok(D::rows_affected(&done) == 1)
    }

    /// Moves the row from what was read before to `o`; `false` when another writer moved it first.
    async fn replace(&mut self, o: &Observation, before: (Option<&str>, &str, Option<&str>)) -> Result<bool, StoreError> {
        let done = self
            .bind_all(
                sqlx::query(
                    "UPDATE observed_workloads SET cluster = $5, version = $6, health = $7, reason = $8, desired = $9, updated = $10, \
                     ready = $11, available = $12, changed_at = $13, observed_at = $14 \
                     WHERE tenant = $1 AND environment = $2 AND region = $3 AND service = $4 \
                     AND version IS NOT DISTINCT FROM $15 AND health = $16 AND reason IS NOT DISTINCT FROM $17",
                ),
                o,
            )
            .bind(before.0)
            .bind(before.1)
            .bind(before.2)
            .execute(&mut *self.0)
            .await?;
        Ok(D::rows_affected(&done) == 1)
    }

    /// The same as before: only the replica counts and the time it was seen move.
    async fn touch(&mut self, o: &Observation) -> Result<(), StoreError> {
        let r = o.seen.replicas;
        sqlx::query(
            "UPDATE observed_workloads SET cluster = $5, desired = $6, updated = $7, ready = $8, available = $9, observed_at = $10 \
             WHERE tenant = $1 AND environment = $2 AND region = $3 AND service = $4",
        )
        .bind(o.tenant.as_str())
        .bind(o.environment.as_str())
        .bind(o.region.as_str())
        .bind(o.service.as_str())
        .bind(o.cluster.as_str())
        .bind(i64::from(r.desired))
        .bind(i64::from(r.updated))
        .bind(i64::from(r.ready))
        .bind(i64::from(r.available))
        .bind(o.observed_at)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    fn bind_all<'q>(
        &self,
        query: sqlx::query::Query<'q, D, D::Arguments<'q>>,
        o: &'q Observation,
    ) -> sqlx::query::Query<'q, D, D::Arguments<'q>> {
        let r = o.seen.replicas;
        query
            .bind(o.tenant.as_str())
            .bind(o.environment.as_str())
            .bind(o.region.as_str())
            .bind(o.service.as_str())
            .bind(o.cluster.as_str())
            .bind(o.seen.version.as_deref())
            .bind(o.seen.health.as_str())
            .bind(o.seen.reason.as_deref())
            .bind(i64::from(r.desired))
            .bind(i64::from(r.updated))
            .bind(i64::from(r.ready))
            .bind(i64::from(r.available))
            .bind(o.changed_at)
            .bind(o.observed_at)
    }
}

#[async_trait]
impl<S> ObservedStore for S
where
    S: Pooled,
    for<'c> &'c mut <S::Db as sqlx::Database>::Connection: sqlx::Executor<'c, Database = S::Db>,
    for<'q> <S::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, S::Db>,
    for<'q> &'q str: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> String: sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<String>: sqlx::Decode<'q, S::Db>,
    for<'q> i64: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Time: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    usize: sqlx::ColumnIndex<<S::Db as sqlx::Database>::Row>,
{
    async fn observed(&self, tenant: Option<&str>) -> Result<Vec<Observation>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        ObservedSql::<S::Db>(&mut conn).observed(tenant).await
    }

    async fn transitions(&self, tenant: &str, limit: u32) -> Result<Vec<Transition>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        ObservedSql::<S::Db>(&mut conn).transitions(tenant, limit).await
    }
}

#[async_trait]
impl<D> ObservedTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> String: sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<String>: sqlx::Decode<'q, D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    async fn record_observation(&mut self, observation: &Observation, intended: Option<&str>) -> Result<bool, StoreError> {
        ObservedSql::<D>(&mut *self.0).record(observation, intended).await
    }
}
