//! The world's rows, read and written once for both databases on one
//! connection: the pool's (status reads) or a transaction's (an apply,
//! which reads what it replaces under the same lock it writes under).

use super::StoreError;
use super::dialect::{Dialect, Time};
use super::rows::strategy_columns;
use airlock_domain::freeze::Freeze;
use airlock_domain::observed::WorkloadLabel;
use airlock_domain::world_file::{Access, Notifications};
use airlock_domain::{Cluster, Deployment, Environment, Region, Service, Tenant};
use std::collections::{BTreeMap, HashMap};

/// An environment's job template as stored: its text and, when a world file
/// set it, the path the file named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTemplate {
    pub path: Option<String>,
    pub text: String,
}

/// What still names a world object, in words for a refusal.
pub type References = Vec<String>;

pub(crate) struct WorldSql<'c, D: Dialect>(pub &'c mut D::Connection);

type EnvironmentRow = (String, i32, bool, i32, String, bool, String, Option<i64>, String, Option<i64>, Option<String>);
type TenantRow = (String, String, String, String, String);

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

fn json_list(text: &str, what: impl Fn() -> String) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|_| corrupt(what()))
}

impl<D> WorldSql<'_, D>
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
    pub async fn environments(&mut self) -> Result<Vec<Environment>, StoreError> {
        let rows: Vec<EnvironmentRow> = sqlx::query_as(
            "SELECT name, position, protected, required_approvals, rollout, creates_namespaces, rollback, \
             approval_ttl_seconds, freezes, bake_seconds, rollback_on FROM environments ORDER BY position, name",
        )
        .fetch_all(&mut *self.0)
        .await?;
        let items: Vec<(String, String)> =
            sqlx::query_as("SELECT environment, text FROM checklist_templates ORDER BY environment, position")
                .fetch_all(&mut *self.0)
                .await?;
        let mut checklists: HashMap<String, Vec<String>> = HashMap::new();
        for (environment, text) in items {
            checklists.entry(environment).or_default().push(text);
        }
        rows.into_iter()
            .map(
                |(
                    name,
                    position,
                    protected,
                    required_approvals,
                    rollout,
                    creates_namespaces,
                    rollback,
                    ttl,
                    freezes,
                    bake,
                    rollback_on,
                )| {
                    let freezes: Vec<Freeze> =
                        serde_json::from_str(&freezes).map_err(|_| corrupt(format!("environment {name} has freezes {freezes:?}")))?;
                    Ok(Environment {
                        checklist: checklists.remove(&name).unwrap_or_default(),
                        rollout: airlock_domain::dispatch::Rollout::parse(&rollout).unwrap_or_default(),
                        rollback: airlock_domain::dispatch::RollbackPolicy::parse(&rollback).unwrap_or_default(),
                        approval_ttl_seconds: ttl.and_then(|s| u64::try_from(s).ok()),
                        bake_seconds: bake.and_then(|s| u64::try_from(s).ok()),
                        rollback_on: rollback_on.as_deref().and_then(airlock_domain::dispatch::RollbackOn::parse),
                        name,
                        position,
                        protected,
                        required_approvals,
                        creates_namespaces,
                        freezes,
                    })
                },
            )
            .collect()
    }

    pub async fn regions(&mut self) -> Result<Vec<Region>, StoreError> {
        let rows: Vec<(String, String, i32)> =
            sqlx::query_as("SELECT name, display_name, position FROM regions ORDER BY position, name").fetch_all(&mut *self.0).await?;
        Ok(rows.into_iter().map(|(name, display_name, position)| Region { name, display_name, position }).collect())
    }

    pub async fn clusters(&mut self) -> Result<Vec<Cluster>, StoreError> {
        type Row = (String, String, String, String, String, String, Option<String>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT name, environment, region, api_url, credentials_ref, namespace_strategy, shared_namespace \
             FROM clusters ORDER BY environment, region, name",
        )
        .fetch_all(&mut *self.0)
        .await?;
        rows.into_iter()
            .map(|(name, environment, region, api_url, credentials_ref, namespace_strategy, shared_namespace)| {
                super::rows::ClusterRow { name, environment, region, api_url, credentials_ref, namespace_strategy, shared_namespace }
                    .try_into()
            })
            .collect()
    }

    pub async fn services(&mut self) -> Result<Vec<Service>, StoreError> {
        let rows: Vec<(String, String, Option<String>)> =
            sqlx::query_as("SELECT name, image_repository, workload_label FROM services ORDER BY name").fetch_all(&mut *self.0).await?;
        rows.into_iter()
            .map(|(name, image_repository, label)| {
                let workload_label = label.map(|text| WorkloadLabel::parse(&text)).transpose().map_err(StoreError::Corrupt)?;
                Ok(Service { name, image_repository, workload_label })
            })
            .collect()
    }

    pub async fn tenants(&mut self) -> Result<Vec<Tenant>, StoreError> {
        let rows: Vec<TenantRow> =
            sqlx::query_as("SELECT slug, name, primary_region, data_residency, admin_groups FROM tenants ORDER BY slug")
                .fetch_all(&mut *self.0)
                .await?;
        let allowed: Vec<(String, String)> = sqlx::query_as(
            "SELECT tr.tenant, tr.region FROM tenant_regions tr JOIN regions r ON r.name = tr.region ORDER BY tr.tenant, r.position",
        )
        .fetch_all(&mut *self.0)
        .await?;
        let mut by_tenant: HashMap<String, Vec<String>> = HashMap::new();
        for (tenant, region) in allowed {
            by_tenant.entry(tenant).or_default().push(region);
        }
        rows.into_iter()
            .map(|(slug, name, primary_region, data_residency, admin_groups)| {
                Ok(Tenant {
                    admin_groups: json_list(&admin_groups, || format!("tenant {slug} has admin groups {admin_groups:?}"))?,
                    allowed_regions: by_tenant.remove(&slug).unwrap_or_default(),
                    slug,
                    name,
                    primary_region,
                    data_residency,
                })
            })
            .collect()
    }

    /// The world file's `access`, once one was applied with it.
    pub async fn access(&mut self) -> Result<Option<Access>, StoreError> {
        self.section("access", "access map").await
    }

    /// The world file's `notifications`, once one was applied with them.
    pub async fn notifications(&mut self) -> Result<Option<Notifications>, StoreError> {
        self.section("notifications", "notifications").await
    }

    /// A world file section kept whole as JSON in `world_settings.<column>`.
    async fn section<T: serde::de::DeserializeOwned>(&mut self, column: &'static str, what: &str) -> Result<Option<T>, StoreError> {
        let sql = format!("SELECT {column} FROM world_settings WHERE singleton = 1");
        let row: Option<(Option<String>,)> = sqlx::query_as(&sql).fetch_optional(&mut *self.0).await?;
        match row.and_then(|(text,)| text) {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text).map(Some).map_err(|_| corrupt(format!("the stored {what} are not valid JSON"))),
        }
    }

    async fn put_section(&mut self, column: &'static str, value: Option<&impl serde::Serialize>) -> Result<(), StoreError> {
        let text = value.map(|v| serde_json::to_string(v).unwrap_or_default());
        let sql = format!("UPDATE world_settings SET {column} = $1 WHERE singleton = 1");
        sqlx::query(&sql).bind(text.as_deref()).execute(&mut *self.0).await?;
        Ok(())
    }

    pub async fn templates(&mut self) -> Result<BTreeMap<String, StoredTemplate>, StoreError> {
        let rows: Vec<(String, Option<String>, String)> =
            sqlx::query_as("SELECT environment, path, template FROM job_templates ORDER BY environment").fetch_all(&mut *self.0).await?;
        Ok(rows.into_iter().map(|(environment, path, text)| (environment, StoredTemplate { path, text })).collect())
    }

    /// The newest `policy.set` record of `subject` (`environment/NAME`).
    pub async fn newest_policy_record(&mut self, subject: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(Option<String>,)> =
            sqlx::query_as("SELECT after_state FROM audit_log WHERE action = 'policy.set' AND subject = $1 ORDER BY seq DESC LIMIT 1")
                .bind(subject)
                .fetch_optional(&mut *self.0)
                .await?;
        Ok(row.and_then(|(after,)| after))
    }

    pub async fn release_ids(&mut self) -> Result<Vec<i64>, StoreError> {
        let ids: Vec<(i64,)> = sqlx::query_as("SELECT id FROM releases ORDER BY id").fetch_all(&mut *self.0).await?;
        Ok(ids.into_iter().map(|(id,)| id).collect())
    }

    /// Takes the world's write lock until commit: two applies run one after the other.
    pub async fn lock(&mut self, by: &str, now: Time) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO world_settings (singleton, access, applied_by, applied_at) VALUES (1, NULL, $1, $2) \
             ON CONFLICT (singleton) DO UPDATE SET applied_by = excluded.applied_by, applied_at = excluded.applied_at",
        )
        .bind(by)
        .bind(now)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    pub async fn put_access(&mut self, access: Option<&Access>) -> Result<(), StoreError> {
        self.put_section("access", access).await
    }

    pub async fn put_notifications(&mut self, notifications: Option<&Notifications>) -> Result<(), StoreError> {
        self.put_section("notifications", notifications).await
    }

    pub async fn put_environment(&mut self, e: &Environment) -> Result<(), StoreError> {
        let freezes = freezes_json(&e.freezes);
        sqlx::query(
            "INSERT INTO environments (name, position, protected, required_approvals, rollout, creates_namespaces, rollback, \
             approval_ttl_seconds, freezes, bake_seconds, rollback_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (name) DO UPDATE SET \
             position = excluded.position, protected = excluded.protected, required_approvals = excluded.required_approvals, \
             rollout = excluded.rollout, creates_namespaces = excluded.creates_namespaces, rollback = excluded.rollback, \
             approval_ttl_seconds = excluded.approval_ttl_seconds, freezes = excluded.freezes, bake_seconds = excluded.bake_seconds, \
             rollback_on = excluded.rollback_on",
        )
        .bind(e.name.as_str())
        .bind(e.position)
        .bind(e.protected)
        .bind(e.required_approvals)
        .bind(e.rollout.as_str())
        .bind(e.creates_namespaces)
        .bind(e.rollback.as_str())
        .bind(e.approval_ttl_seconds.and_then(|s| i64::try_from(s).ok()))
        .bind(freezes)
        .bind(e.bake_seconds.and_then(|s| i64::try_from(s).ok()))
        .bind(e.rollback_on.map(|r| r.as_str()))
        .execute(&mut *self.0)
        .await?;
        sqlx::query("DELETE FROM checklist_templates WHERE environment = $1").bind(e.name.as_str()).execute(&mut *self.0).await?;
        for (item, position) in e.checklist.iter().zip(1..) {
            sqlx::query("INSERT INTO checklist_templates (environment, position, text) VALUES ($1, $2, $3)")
                .bind(e.name.as_str())
                .bind(position)
                .bind(item.as_str())
                .execute(&mut *self.0)
                .await?;
        }
        Ok(())
    }

    pub async fn put_region(&mut self, r: &Region) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO regions (name, display_name, position) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET display_name = excluded.display_name, position = excluded.position",
        )
        .bind(r.name.as_str())
        .bind(r.display_name.as_str())
        .bind(r.position)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    pub async fn put_cluster(&mut self, c: &Cluster) -> Result<(), StoreError> {
        let (strategy, shared_namespace) = strategy_columns(&c.namespace_strategy);
        sqlx::query(
            "INSERT INTO clusters (name, environment, region, api_url, credentials_ref, namespace_strategy, shared_namespace) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO UPDATE SET environment = excluded.environment, \
             region = excluded.region, api_url = excluded.api_url, credentials_ref = excluded.credentials_ref, \
             namespace_strategy = excluded.namespace_strategy, shared_namespace = excluded.shared_namespace",
        )
        .bind(c.name.as_str())
        .bind(c.environment.as_str())
        .bind(c.region.as_str())
        .bind(c.api_url.as_str())
        .bind(c.credentials_ref.as_str())
        .bind(strategy)
        .bind(shared_namespace)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    pub async fn put_service(&mut self, s: &Service) -> Result<(), StoreError> {
        let workload_label = s.workload_label.as_ref().map(ToString::to_string);
        sqlx::query(
            "INSERT INTO services (name, image_repository, workload_label) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET image_repository = excluded.image_repository, workload_label = excluded.workload_label",
        )
        .bind(s.name.as_str())
        .bind(s.image_repository.as_str())
        .bind(workload_label.as_deref())
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    /// The tenant and its allowed regions; `stored`: the regions it has now.
    pub async fn put_tenant(&mut self, t: &Tenant, stored: &[String]) -> Result<(), StoreError> {
        let admin_groups = serde_json::to_string(&t.admin_groups).unwrap_or_else(|_| "[]".to_owned());
        sqlx::query(
            "INSERT INTO tenants (slug, name, primary_region, data_residency, admin_groups) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (slug) DO UPDATE SET name = excluded.name, primary_region = excluded.primary_region, \
             data_residency = excluded.data_residency, admin_groups = excluded.admin_groups",
        )
        .bind(t.slug.as_str())
        .bind(t.name.as_str())
        .bind(t.primary_region.as_str())
        .bind(t.data_residency.as_str())
        .bind(admin_groups)
        .execute(&mut *self.0)
        .await?;
        // Only touch what changed: deleting and re-adding a region that still
        // has deployments would trip their foreign key.
        for region in stored.iter().filter(|r| !t.may_run_in(r)) {
            sqlx::query("DELETE FROM tenant_regions WHERE tenant = $1 AND region = $2")
                .bind(t.slug.as_str())
                .bind(region.as_str())
                .execute(&mut *self.0)
                .await?;
        }
        for region in t.allowed_regions.iter().filter(|r| !stored.contains(r)) {
            sqlx::query("INSERT INTO tenant_regions (tenant, region) VALUES ($1, $2)")
                .bind(t.slug.as_str())
                .bind(region.as_str())
                .execute(&mut *self.0)
                .await?;
        }
        Ok(())
    }

    pub async fn put_deployment(&mut self, d: &Deployment) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO deployments (tenant, environment, region, service, version, previous_version, health, changed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tenant, environment, region, service) DO UPDATE SET \
             version = excluded.version, previous_version = excluded.previous_version, health = excluded.health, \
             changed_at = excluded.changed_at",
        )
        .bind(d.tenant.as_str())
        .bind(d.environment.as_str())
        .bind(d.region.as_str())
        .bind(d.service.as_str())
        .bind(d.version.as_str())
        .bind(d.previous_version.as_deref())
        .bind(d.health.as_str())
        .bind(d.changed_at)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    pub async fn put_template(&mut self, environment: &str, path: &str, text: &str, by: &str, now: Time) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO job_templates (environment, template, path, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (environment) DO UPDATE SET template = excluded.template, path = excluded.path, \
             updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        )
        .bind(environment)
        .bind(text)
        .bind(path)
        .bind(by)
        .bind(now)
        .execute(&mut *self.0)
        .await?;
        Ok(())
    }

    /// Deletes one world row (`kind` as the plan names it); what depends on
    /// it only through `ON DELETE CASCADE` (allowed regions, templates,
    /// connection checks) goes with it.
    pub async fn remove(&mut self, kind: &str, name: &str) -> Result<(), StoreError> {
        let sql = match kind {
            "environment" => "DELETE FROM environments WHERE name = $1",
            "region" => "DELETE FROM regions WHERE name = $1",
            "cluster" => "DELETE FROM clusters WHERE name = $1",
            "service" => "DELETE FROM services WHERE name = $1",
            "tenant" => "DELETE FROM tenants WHERE slug = $1",
            "job_template" => "DELETE FROM job_templates WHERE environment = $1",
            _ => return Err(corrupt(format!("there is no world row of kind {kind}"))),
        };
        sqlx::query(sql).bind(name).execute(&mut *self.0).await?;
        Ok(())
    }

    /// What names `name` of `kind` in the releases, jobs and workloads Airlock
    /// keeps, each in words ("releases #4, #9"): a row they name cannot go.
    pub async fn references(&mut self, kind: &str, name: &str) -> Result<References, StoreError> {
        let checks: &[(&str, &str)] = match kind {
            "environment" => &[
                (
                    "workloads",
                    "SELECT tenant || ' in ' || region || ' (' || service || ')' FROM deployments WHERE environment = $1 ORDER BY 1",
                ),
                ("releases", "SELECT '#' || id FROM releases WHERE environment = $1 ORDER BY id"),
            ],
            "region" => &[
                (
                    "workloads",
                    "SELECT tenant || ' in ' || environment || ' (' || service || ')' FROM deployments WHERE region = $1 ORDER BY 1",
                ),
                ("releases", "SELECT DISTINCT '#' || release_id, release_id FROM release_targets WHERE region = $1 ORDER BY release_id"),
            ],
            "cluster" => {
                &[("jobs", "SELECT DISTINCT 'of release #' || release_id, release_id FROM jobs WHERE cluster = $1 ORDER BY release_id")]
            }
            "service" => &[
                ("workloads", "SELECT tenant || ' in ' || environment || '/' || region FROM deployments WHERE service = $1 ORDER BY 1"),
                ("releases", "SELECT '#' || id FROM releases WHERE service = $1 ORDER BY id"),
            ],
            "tenant" => &[
                (
                    "workloads",
                    "SELECT environment || '/' || region || ' (' || service || ')' FROM deployments WHERE tenant = $1 ORDER BY 1",
                ),
                ("releases", "SELECT DISTINCT '#' || release_id, release_id FROM release_targets WHERE tenant = $1 ORDER BY release_id"),
            ],
            _ => &[],
        };
        let mut found = Vec::new();
        for (what, sql) in checks {
            let sql = format!("{sql} LIMIT 6");
            let names: Vec<(String,)> = sqlx::query_as(&sql).bind(name).fetch_all(&mut *self.0).await?;
            if !names.is_empty() {
                let mut names: Vec<String> = names.into_iter().map(|(n,)| n).collect();
                if names.len() > 5 {
                    names.truncate(5);
                    names.push("more".into());
                }
                found.push(format!("{what} {}", names.join(", ")));
            }
        }
        Ok(found)
    }

    /// What runs for, or was released or sent to, `tenant` in `region`: the
    /// region cannot leave the tenant's allowed regions while anything does.
    pub async fn tenant_region_references(&mut self, tenant: &str, region: &str) -> Result<References, StoreError> {
        let mut found = Vec::new();
        let queries = [
            (
                "workloads",
                "SELECT environment || ' (' || service || ')' FROM deployments WHERE tenant = $1 AND region = $2 ORDER BY 1 LIMIT 5",
            ),
            (
                "releases",
                "SELECT DISTINCT '#' || release_id, release_id FROM release_targets WHERE tenant = $1 AND region = $2 ORDER BY release_id LIMIT 5",
            ),
            (
                "jobs",
                "SELECT DISTINCT 'of release #' || release_id, release_id FROM jobs WHERE tenant = $1 AND region = $2 ORDER BY release_id LIMIT 5",
            ),
        ];
        for (what, sql) in queries {
            let names: Vec<(String,)> = sqlx::query_as(sql).bind(tenant).bind(region).fetch_all(&mut *self.0).await?;
            if !names.is_empty() {
                found.push(format!("{what} {}", names.into_iter().map(|(n,)| n).collect::<Vec<_>>().join(", ")));
            }
        }
        Ok(found)
    }
}

/// An environment's freezes as the store keeps them and `policy.set` records them.
pub(crate) fn freezes_json(freezes: &[Freeze]) -> String {
    serde_json::to_string(freezes).unwrap_or_else(|_| "[]".to_owned())
}
