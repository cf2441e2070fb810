//! The SQL both databases share, written once. `impl_shared_store!` expands
//! to the `Store` impl for a typed pool; each backend supplies only what truly
//! differs (connecting, migrating). SQLite accepts PostgreSQL's `$N`
//! placeholders, and everything here sticks to the SQL both understand.

macro_rules! impl_shared_store {
    ($store:ty, $db:ty, $kind:literal, $migrator:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::WorldStore for $store {
            fn kind(&self) -> &'static str {
                $kind
            }

            async fn migrate(&self) -> Result<(), $crate::store::StoreError> {
                $migrator.run(&self.pool).await?;
                Ok(())
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await.map_err($crate::store::StoreError::Unavailable)?;
                Ok(())
            }

            async fn environments(&self) -> Result<Vec<airlock_domain::Environment>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await?;
                $crate::store::world_sql::WorldSql::<$db>(&mut *conn).environments().await
            }

            async fn regions(&self) -> Result<Vec<airlock_domain::Region>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await?;
                $crate::store::world_sql::WorldSql::<$db>(&mut *conn).regions().await
            }

            async fn clusters(&self) -> Result<Vec<airlock_domain::Cluster>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await?;
                $crate::store::world_sql::WorldSql::<$db>(&mut *conn).clusters().await
            }

            async fn services(&self) -> Result<Vec<airlock_domain::Service>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await?;
                $crate::store::world_sql::WorldSql::<$db>(&mut *conn).services().await
            }

            async fn tenants(&self) -> Result<Vec<airlock_domain::Tenant>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await?;
                $crate::store::world_sql::WorldSql::<$db>(&mut *conn).tenants().await
            }

            async fn world_applied_at(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::store::StoreError> {
                let row: Option<(chrono::DateTime<chrono::Utc>,)> =
                    sqlx::query_as("SELECT applied_at FROM world_settings WHERE singleton = 1").fetch_optional(&self.pool).await?;
                Ok(row.map(|(at,)| at))
            }

            async fn access(&self) -> Result<Option<airlock_domain::world_file::Access>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await?;
                $crate::store::world_sql::WorldSql::<$db>(&mut *conn).access().await
            }

            async fn notifications(&self) -> Result<Option<airlock_domain::world_file::Notifications>, $crate::store::StoreError> {
                let mut conn = self.pool.acquire().await?;
                $crate::store::world_sql::WorldSql::<$db>(&mut *conn).notifications().await
            }

            async fn deployments(
                &self,
                scope: &$crate::store::DeploymentScope,
            ) -> Result<Vec<airlock_domain::Deployment>, $crate::store::StoreError> {
                // Only the filters present become predicates, so the database
                // can use its indexes (a catch-all `COALESCE($n, column)` form
                // forced full scans: 124 ms for one service of 1,000 tenants).
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT tenant, environment, region, service, version, previous_version, health, changed_at \
                     FROM deployments WHERE 1 = 1",
                );
                let filters = [
                    (" AND tenant = ", &scope.tenant),
                    (" AND environment = ", &scope.environment),
                    (" AND region = ", &scope.region),
                    (" AND service = ", &scope.service),
                ];
                for (predicate, value) in filters {
                    if let Some(value) = value {
                        query.push(predicate).push_bind(value.clone());
                    }
                }
                query.push(" ORDER BY tenant, environment, region, service");
                let rows: Vec<$crate::store::rows::DeploymentRow> = query.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn import_world(&self, world: &airlock_domain::world::World) -> Result<(), $crate::store::StoreError> {
                let mut tx = $crate::store::ReleaseStore::begin(self).await?;
                $crate::world_write::import(tx.as_mut(), world, chrono::Utc::now()).await?;
                tx.commit().await
            }
        }
    };
}
