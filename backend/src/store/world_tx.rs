//! The world's rows inside a transaction (`WorldTx`), for a world import
//! and an apply: read what is there under the world's lock, write each
//! changed row, remove what the file no longer names. The SQL is
//! `world_sql`'s, once for both databases.

use super::StoreError;
use super::dialect::{Dialect, Time};
use super::gate_tx::GateTx;
use super::world_sql::{References, StoredTemplate, WorldSql};
use airlock_domain::world_file::{Access, Notifications};
use airlock_domain::{Cluster, Deployment, Environment, Region, Service, Tenant, World};
use async_trait::async_trait;
use std::collections::BTreeMap;

#[async_trait]
pub trait WorldTx: Send {
    /// Serialises world changes until commit (two replicas, two pipelines).
    async fn lock_world(&mut self, by: &str, now: Time) -> Result<(), StoreError>;
    /// The configured world (no deployments) and each environment's stored job template.
    async fn configured_world(&mut self) -> Result<(World, BTreeMap<String, StoredTemplate>), StoreError>;
    /// What names the `kind` row `name` (see `WorldSql::references`).
    async fn references(&mut self, kind: &str, name: &str) -> Result<References, StoreError>;
    async fn tenant_region_references(&mut self, tenant: &str, region: &str) -> Result<References, StoreError>;
    async fn put_environment(&mut self, e: &Environment) -> Result<(), StoreError>;
    async fn put_region(&mut self, r: &Region) -> Result<(), StoreError>;
    async fn put_cluster(&mut self, c: &Cluster) -> Result<(), StoreError>;
    async fn put_service(&mut self, s: &Service) -> Result<(), StoreError>;
    /// `stored`: the regions the tenant is allowed in now (empty for a new one).
    async fn put_tenant(&mut self, t: &Tenant, stored: &[String]) -> Result<(), StoreError>;
    /// A deployment as a seeded world says it runs (`seed`, benchmarks).
    async fn put_seeded_deployment(&mut self, d: &Deployment) -> Result<(), StoreError>;
    async fn put_access(&mut self, access: Option<&Access>) -> Result<(), StoreError>;
    async fn put_notifications(&mut self, notifications: Option<&Notifications>) -> Result<(), StoreError>;
    async fn put_template(&mut self, environment: &str, path: &str, text: &str, by: &str, now: Time) -> Result<(), StoreError>;
    async fn remove_world_row(&mut self, kind: &str, name: &str) -> Result<(), StoreError>;
    async fn newest_policy_record(&mut self, subject: &str) -> Result<Option<String>, StoreError>;
    async fn release_ids(&mut self) -> Result<Vec<i64>, StoreError>;
}

#[async_trait]
impl<D> WorldTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> String: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<String>: sqlx::Decode<'q, D>,
    for<'q> i32: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> i64: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Option<i64>: sqlx::Encode<'q, D> + sqlx::Decode<'q, D>,
    for<'q> bool: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    async fn lock_world(&mut self, by: &str, now: Time) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).lock(by, now).await
    }

    async fn configured_world(&mut self) -> Result<(World, BTreeMap<String, StoredTemplate>), StoreError> {
        let mut sql = WorldSql::<D>(&mut *self.0);
        let world = World {
            environments: sql.environments().await?,
            regions: sql.regions().await?,
            clusters: sql.clusters().await?,
            services: sql.services().await?,
            tenants: sql.tenants().await?,
            deployments: Vec::new(),
            access: sql.access().await?,
            notifications: sql.notifications().await?,
            observed: Vec::new(),
        };
        Ok((world, sql.templates().await?))
    }

    async fn references(&mut self, kind: &str, name: &str) -> Result<References, StoreError> {
        WorldSql::<D>(&mut *self.0).references(kind, name).await
    }

    async fn tenant_region_references(&mut self, tenant: &str, region: &str) -> Result<References, StoreError> {
        WorldSql::<D>(&mut *self.0).tenant_region_references(tenant, region).await
    }

    async fn put_environment(&mut self, e: &Environment) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_environment(e).await
    }

    async fn put_region(&mut self, r: &Region) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_region(r).await
    }

    async fn put_cluster(&mut self, c: &Cluster) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_cluster(c).await
    }

    async fn put_service(&mut self, s: &Service) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_service(s).await
    }

    async fn put_tenant(&mut self, t: &Tenant, stored: &[String]) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_tenant(t, stored).await
    }

    async fn put_seeded_deployment(&mut self, d: &Deployment) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_deployment(d).await
    }

    async fn put_access(&mut self, access: Option<&Access>) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_access(access).await
    }

    async fn put_notifications(&mut self, notifications: Option<&Notifications>) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_notifications(notifications).await
    }

    async fn put_template(&mut self, environment: &str, path: &str, text: &str, by: &str, now: Time) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).put_template(environment, path, text, by, now).await
    }

    async fn remove_world_row(&mut self, kind: &str, name: &str) -> Result<(), StoreError> {
        WorldSql::<D>(&mut *self.0).remove(kind, name).await
    }

    async fn newest_policy_record(&mut self, subject: &str) -> Result<Option<String>, StoreError> {
        WorldSql::<D>(&mut *self.0).newest_policy_record(subject).await
    }

    async fn release_ids(&mut self) -> Result<Vec<i64>, StoreError> {
        WorldSql::<D>(&mut *self.0).release_ids().await
    }
}
