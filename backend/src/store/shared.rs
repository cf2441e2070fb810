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
                let rows: Vec<(String, i32, bool, i32, String, bool, String)> = sqlx::query_as(
                    "SELECT name, position, protected, required_approvals, rollout, creates_namespaces, rollback \
                     FROM environments ORDER BY position, name",
                )
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows
                    .into_iter()
                    .map(|(name, position, protected, required_approvals, rollout, creates_namespaces, rollback)| airlock_domain::Environment {
                        name,
                        position,
                        protected,
                        required_approvals,
                        rollout: airlock_domain::dispatch::Rollout::parse(&rollout).unwrap_or_default(),
                        creates_namespaces,
                        rollback: airlock_domain::dispatch::RollbackPolicy::parse(&rollback).unwrap_or_default(),
                    })
                    .collect())
            }

            async fn regions(&self) -> Result<Vec<airlock_domain::Region>, $crate::store::StoreError> {
                let rows: Vec<(String, String, i32)> =
                    sqlx::query_as("SELECT name, display_name, position FROM regions ORDER BY position, name")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(|(name, display_name, position)| airlock_domain::Region { name, display_name, position }).collect())
            }

            async fn clusters(&self) -> Result<Vec<airlock_domain::Cluster>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::rows::ClusterRow> = sqlx::query_as(
                    "SELECT name, environment, region, api_url, credentials_ref, namespace_strategy, shared_namespace \
                     FROM clusters ORDER BY environment, region, name",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn services(&self) -> Result<Vec<airlock_domain::Service>, $crate::store::StoreError> {
                let rows: Vec<(String, String)> =
                    sqlx::query_as("SELECT name, image_repository FROM services ORDER BY name").fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(name, image_repository)| airlock_domain::Service { name, image_repository }).collect())
            }

            async fn tenants(&self) -> Result<Vec<airlock_domain::Tenant>, $crate::store::StoreError> {
                let tenants: Vec<$crate::store::rows::TenantRow> =
                    sqlx::query_as("SELECT slug, name, primary_region, data_residency FROM tenants ORDER BY slug")
                        .fetch_all(&self.pool)
                        .await?;
                let allowed: Vec<(String, String)> = sqlx::query_as(
                    "SELECT tr.tenant, tr.region FROM tenant_regions tr \
                     JOIN regions r ON r.name = tr.region ORDER BY tr.tenant, r.position",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok($crate::store::shared::attach_allowed_regions(tenants, allowed))
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
                let mut tx = self.pool.begin().await?;
                for e in &world.environments {
                    sqlx::query(
                        "INSERT INTO environments (name, position, protected, required_approvals, rollout, creates_namespaces, rollback) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET position = excluded.position, \
                         protected = excluded.protected, required_approvals = excluded.required_approvals, \
                         rollout = excluded.rollout, creates_namespaces = excluded.creates_namespaces, rollback = excluded.rollback",
                    )
                    .bind(&e.name)
                    .bind(e.position)
                    .bind(e.protected)
                    .bind(e.required_approvals)
                    .bind(e.rollout.as_str())
                    .bind(e.creates_namespaces)
                    .bind(e.rollback.as_str())
                    .execute(&mut *tx)
                    .await?;
                }
                for r in &world.regions {
                    sqlx::query(
                        "INSERT INTO regions (name, display_name, position) VALUES ($1, $2, $3) \
                         ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, position = excluded.position",
                    )
                    .bind(&r.name)
                    .bind(&r.display_name)
                    .bind(r.position)
                    .execute(&mut *tx)
                    .await?;
                }
                for c in &world.clusters {
                    let (strategy, shared_namespace) = $crate::store::rows::strategy_columns(&c.namespace_strategy);
                    sqlx::query(
                        "INSERT INTO clusters (name, environment, region, api_url, credentials_ref, namespace_strategy, shared_namespace) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET environment = excluded.environment, \
                         region = excluded.region, api_url = excluded.api_url, credentials_ref = excluded.credentials_ref, \
                         namespace_strategy = excluded.namespace_strategy, shared_namespace = excluded.shared_namespace",
                    )
                    .bind(&c.name)
                    .bind(&c.environment)
                    .bind(&c.region)
                    .bind(&c.api_url)
                    .bind(&c.credentials_ref)
                    .bind(strategy)
                    .bind(shared_namespace)
                    .execute(&mut *tx)
                    .await?;
                }
                for s in &world.services {
                    sqlx::query(
                        "INSERT INTO services (name, image_repository) VALUES ($1, $2) \
                         ON CONFLICT (name) DO UPDATE SET image_repository = excluded.image_repository",
                    )
                    .bind(&s.name)
                    .bind(&s.image_repository)
                    .execute(&mut *tx)
                    .await?;
                }
                for t in &world.tenants {
                    sqlx::query(
                        "INSERT INTO tenants (slug, name, primary_region, data_residency) VALUES ($1, $2, $3, $4) \
                         ON CONFLICT (slug) DO UPDATE SET name = excluded.name, primary_region = excluded.primary_region, \
                         data_residency = excluded.data_residency",
                    )
                    .bind(&t.slug)
                    .bind(&t.name)
                    .bind(&t.primary_region)
                    .bind(&t.data_residency)
                    .execute(&mut *tx)
                    .await?;
                    let stored: Vec<(String,)> =
                        sqlx::query_as("SELECT region FROM tenant_regions WHERE tenant = $1").bind(&t.slug).fetch_all(&mut *tx).await?;
                    // Only touch what changed: deleting and re-adding a region that
                    // still has deployments would trip their foreign key.
                    for (region,) in stored.iter().filter(|(r,)| !t.may_run_in(r)) {
                        sqlx::query("DELETE FROM tenant_regions WHERE tenant = $1 AND region = $2")
                            .bind(&t.slug)
                            .bind(region)
                            .execute(&mut *tx)
                            .await?;
                    }
                    for region in t.allowed_regions.iter().filter(|r| !stored.iter().any(|(s,)| s == *r)) {
                        sqlx::query("INSERT INTO tenant_regions (tenant, region) VALUES ($1, $2)")
                            .bind(&t.slug)
                            .bind(region)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                for d in &world.deployments {
                    sqlx::query(
                        "INSERT INTO deployments (tenant, environment, region, service, version, previous_version, health, changed_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant, environment, region, service) DO UPDATE SET \
                         version = excluded.version, previous_version = excluded.previous_version, health = excluded.health, \
                         changed_at = excluded.changed_at",
                    )
                    .bind(&d.tenant)
                    .bind(&d.environment)
                    .bind(&d.region)
                    .bind(&d.service)
                    .bind(&d.version)
                    .bind(d.previous_version.as_deref())
                    .bind(d.health.as_str())
                    .bind(d.changed_at)
                    .execute(&mut *tx)
                    .await?;
                }
                // The world holds the gate's policy and target facts, so every
                // release's stored state follows in the same transaction: lists
                // (which filter on it) never disagree with the release's page.
                let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM releases ORDER BY id").fetch_all(&mut *tx).await?;
                let mut gate = $crate::store::gate_tx::GateTx(tx, self.audit_key.clone());
                use $crate::store::StoreTx as _;
                // The policies this import sets are recorded in its transaction:
                // the gate applies a policy only as the log records it.
                for (name, protected, required_approvals) in gate.unrecorded_policies(false).await? {
                    let required_approvals = u32::try_from(required_approvals).unwrap_or(0);
                    gate.append_audit(airlock_domain::audit::AuditDraft {
                        at: chrono::Utc::now(),
                        actor: $crate::audit::SYSTEM_ACTOR.to_owned(),
                        action: airlock_domain::audit::AuditAction::PolicySet,
                        subject: format!("environment/{name}"),
                        before: None,
                        after: Some(airlock_domain::gate::policy_record(protected, required_approvals)),
                    })
                    .await?;
                }
                // So is every environment, region, tenant, service and cluster it sets, one
                // entry per object whose record the log does not hold as it is.
                let newest = $crate::store::WorldRecordTx::newest_world_records(&mut gate).await?;
                let records = $crate::world_record::records($crate::world_record::WorldRows {
                    environments: &world.environments,
                    regions: &world.regions,
                    clusters: &world.clusters,
                    services: &world.services,
                    tenants: &world.tenants,
                });
                for record in $crate::world_record::unrecorded(records, &newest) {
                    let entry = $crate::world_record::entry(record, $crate::audit::SYSTEM_ACTOR, &newest, chrono::Utc::now());
                    gate.append_audit(entry).await?;
                }
                for (id,) in ids {
                    if let Some(dossier) = gate.dossier(id).await? {
                        gate.set_state(id, dossier.state(chrono::Utc::now())).await?;
                    }
                }
                gate.0.commit().await?;
                Ok(())
            }
        }
    };
}

/// Joins `(tenant, region)` pairs onto their tenants, keeping region order.
pub(crate) fn attach_allowed_regions(tenants: Vec<super::rows::TenantRow>, allowed: Vec<(String, String)>) -> Vec<airlock_domain::Tenant> {
    let mut by_tenant: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (tenant, region) in allowed {
        by_tenant.entry(tenant).or_default().push(region);
    }
    tenants
        .into_iter()
        .map(|row| airlock_domain::Tenant {
            allowed_regions: by_tenant.remove(&row.slug).unwrap_or_default(),
            slug: row.slug,
            name: row.name,
            primary_region: row.primary_region,
            data_residency: row.data_residency,
        })
        .collect()
}
