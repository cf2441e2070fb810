//! `DispatchTx` and `DispatchStore` for both databases, written once. The one
//! difference is passed in, how rows are locked: PostgreSQL's claim skips
//! rows another replica holds and a job lookup waits for its row; SQLite's
//! write transaction already holds the whole database.

macro_rules! impl_dispatch_tx {
    ($db:ty, $claim_lock:literal, $row_lock:literal) => {
        #[async_trait::async_trait]
        impl $crate::store::DispatchTx for $crate::store::gate_tx::GateTx<$db> {
            async fn dispatch_setup(&mut self, environment: &str) -> Result<$crate::store::DispatchSetup, $crate::store::StoreError> {
                let (rollout, creates_namespaces, rollback): (String, bool, String) =
                    sqlx::query_as("SELECT rollout, creates_namespaces, rollback FROM environments WHERE name = $1")
                        .bind(environment).fetch_one(&mut *self.0).await?;
                let rollout = airlock_domain::dispatch::Rollout::parse(&rollout)
                    .ok_or_else(|| $crate::store::StoreError::Corrupt(format!("environment {environment} has rollout {rollout:?}")))?;
                let template: Option<(String,)> = sqlx::query_as("SELECT template FROM job_templates WHERE environment = $1")
                    .bind(environment).fetch_optional(&mut *self.0).await?;
                // What the newest `job_template.set` entry says (`None`: none ever did).
                let recorded: Option<(Option<String>,)> = sqlx::query_as(
                    "SELECT after_state FROM audit_log WHERE subject = $1 AND action = 'job_template.set' ORDER BY seq DESC LIMIT 1",
                )
                .bind(format!("environment/{environment}/job_template")).fetch_optional(&mut *self.0).await?;
                let template = template.map(|(t,)| t);
                let template_recorded = match recorded {
                    Some((recorded,)) => recorded == template,
                    None => template.is_none(),
                };
                let clusters: Vec<$crate::store::rows::ClusterRow> = sqlx::query_as(
                    "SELECT name, environment, region, api_url, credentials_ref, namespace_strategy, shared_namespace \
                     FROM clusters WHERE environment = $1 ORDER BY region, name",
                )
                .bind(environment).fetch_all(&mut *self.0).await?;
                let statuses: Vec<$crate::store::dispatch_rows::ClusterStatusRow> = sqlx::query_as(
                    "SELECT s.cluster, s.reachable, s.version, s.error, s.checked_at FROM cluster_status s \
                     JOIN clusters c ON c.name = s.cluster WHERE c.environment = $1",
                )
                .bind(environment).fetch_all(&mut *self.0).await?;
                let regions: Vec<(String,)> = sqlx::query_as("SELECT name FROM regions ORDER BY position, name").fetch_all(&mut *self.0).await?;
                Ok($crate::store::DispatchSetup {
                    rollout,
                    creates_namespaces,
                    rollback: airlock_domain::dispatch::RollbackPolicy::parse(&rollback)
                        .ok_or_else(|| $crate::store::StoreError::Corrupt(format!("environment {environment} has rollback {rollback:?}")))?,
                    template,
                    template_recorded,
                    clusters: clusters.into_iter().map(TryInto::try_into).collect::<Result<_, _>>()?,
                    statuses: statuses.into_iter().map(Into::into).collect(),
                    region_order: regions.into_iter().map(|(r,)| r).collect(),
                })
            }

            async fn deployments_of(&mut self, service: &str, environment: &str) -> Result<Vec<airlock_domain::Deployment>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::rows::DeploymentRow> = sqlx::query_as(
                    "SELECT tenant, environment, region, service, version, previous_version, health, changed_at \
                     FROM deployments WHERE service = $1 AND environment = $2",
                )
                .bind(service).bind(environment).fetch_all(&mut *self.0).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn images_put_in_place(
                &mut self,
                service: &str,
                environment: &str,
            ) -> Result<Vec<$crate::store::ImagePutInPlace>, $crate::store::StoreError> {
                Ok(sqlx::query_as(
                    "SELECT tenant, region, version, image FROM jobs \
                     WHERE service = $1 AND environment = $2 AND state = 'succeeded' ORDER BY id",
                )
                .bind(service).bind(environment).fetch_all(&mut *self.0).await?)
            }

            async fn release_jobs(&mut self, release_id: i64) -> Result<Vec<$crate::store::JobRecord>, $crate::store::StoreError> {
                let sql = format!("SELECT {} FROM jobs j WHERE j.release_id = $1 ORDER BY j.id", $crate::store::dispatch_rows::JOB_COLUMNS);
                let rows: Vec<$crate::store::dispatch_rows::JobRow> = sqlx::query_as(&sql).bind(release_id).fetch_all(&mut *self.0).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn insert_dispatch(
                &mut self,
                release_id: i64,
                revision: u32,
                kind: airlock_domain::dispatch::JobKind,
                by: &str,
                at: chrono::DateTime<chrono::Utc>,
                audit_seq: i64,
            ) -> Result<i64, $crate::store::StoreError> {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO dispatches (release_id, revision, kind, requested_by, requested_at, audit_seq) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                )
                .bind(release_id).bind(revision as i32).bind(kind.as_str()).bind(by).bind(at).bind(audit_seq)
                .fetch_one(&mut *self.0).await?;
                Ok(id)
            }

            async fn insert_job(&mut self, job: &$crate::store::NewJob) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO jobs (dispatch_id, release_id, revision, kind, environment, service, tenant, region, cluster, \
                     namespace, name, version, image, wave, manifest, state, attempts, next_attempt_at, queued_at, previous_image) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 'queued', 0, $16, $16, $17)",
                )
                .bind(job.dispatch_id).bind(job.release_id).bind(job.revision as i32).bind(job.kind.as_str())
                .bind(&job.environment).bind(&job.service).bind(&job.tenant).bind(&job.region).bind(&job.cluster)
                .bind(&job.namespace).bind(&job.name).bind(&job.version).bind(&job.image).bind(job.wave as i32)
                .bind(&job.manifest).bind(job.queued_at).bind(job.previous_image.as_deref())
                .execute(&mut *self.0).await?;
                Ok(())
            }

            async fn claim_jobs(
                &mut self,
                now: chrono::DateTime<chrono::Utc>,
                until: chrono::DateTime<chrono::Utc>,
                limit: u32,
            ) -> Result<Vec<$crate::store::ClaimedJob>, $crate::store::StoreError> {
                let rows: Vec<(i64, i64, String, String, String, String, i32, bool, Option<String>)> = sqlx::query_as(concat!(
                    "SELECT j.id, j.release_id, j.cluster, j.namespace, j.name, j.manifest, j.attempts, \
                     (SELECT e.creates_namespaces FROM environments e WHERE e.name = j.environment), \
                     (SELECT a.after_state FROM dispatches d JOIN audit_log a ON a.seq = d.audit_seq WHERE d.id = j.dispatch_id) \
                     FROM jobs j \
                     WHERE j.state = 'queued' AND j.next_attempt_at <= $1 AND (j.claimed_until IS NULL OR j.claimed_until < $1) \
                     AND NOT EXISTS (SELECT 1 FROM jobs p WHERE p.dispatch_id = j.dispatch_id AND p.wave < j.wave \
                     AND (p.state <> 'succeeded' OR (p.bake_until IS NOT NULL AND p.baked_at IS NULL))) \
                     ORDER BY j.id LIMIT $2", $claim_lock))
                .bind(now).bind(limit as i64).fetch_all(&mut *self.0).await?;
                for (id, ..) in &rows {
                    sqlx::query("UPDATE jobs SET claimed_until = $2 WHERE id = $1").bind(id).bind(until).execute(&mut *self.0).await?;
                }
                Ok(rows
                    .into_iter()
                    .map(|(id, release_id, cluster, namespace, name, manifest, attempts, create_namespace, dispatch_record)| {
                        $crate::store::ClaimedJob {
                            id, release_id, cluster, namespace, name, manifest, attempts: attempts.max(0) as u32, create_namespace,
                            dispatch_record,
                        }
                    })
                    .collect())
            }

            async fn job_for_update(&mut self, id: i64) -> Result<Option<$crate::store::JobRecord>, $crate::store::StoreError> {
                let sql = format!(concat!("SELECT {} FROM jobs j WHERE j.id = $1", $row_lock), $crate::store::dispatch_rows::JOB_COLUMNS);
                let row: Option<$crate::store::dispatch_rows::JobRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&mut *self.0).await?;
                row.map(TryInto::try_into).transpose()
            }

            async fn job_retry(&mut self, id: i64, error: &str, retry_at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE jobs SET attempts = attempts + 1, reason = $2, next_attempt_at = $3, claimed_until = NULL \
                     WHERE id = $1 AND state = 'queued'",
                )
                .bind(id).bind(error).bind(retry_at).execute(&mut *self.0).await?;
                Ok(())
            }

            async fn job_progress(&mut self, id: i64, progress: &$crate::store::JobProgress) -> Result<(), $crate::store::StoreError> {
                use airlock_domain::dispatch::JobState;
                let stamp = match progress.state {
                    JobState::Queued => "queued_at",
                    JobState::Created => "created_at",
                    JobState::Running => "started_at",
                    JobState::Succeeded | JobState::Failed | JobState::Skipped => "finished_at",
                };
                // Sending counts as an attempt; the claim ends with it.
                let attempt = if progress.state == JobState::Created { ", attempts = attempts + 1, claimed_until = NULL" } else { "" };
                let sql = format!(
                    "UPDATE jobs SET state = $2, reason = $3, {stamp} = COALESCE({stamp}, $4){attempt} WHERE id = $1"
                );
                sqlx::query(&sql).bind(id).bind(progress.state.as_str()).bind(progress.reason.as_deref()).bind(progress.at)
                    .execute(&mut *self.0).await?;
                Ok(())
            }

            async fn skip_later_waves(
                &mut self,
                dispatch_id: i64,
                after_wave: u32,
                reason: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE jobs SET state = 'skipped', reason = $3, finished_at = $4 \
                     WHERE dispatch_id = $1 AND wave > $2 AND state = 'queued'",
                )
                .bind(dispatch_id).bind(after_wave as i32).bind(reason).bind(at).execute(&mut *self.0).await?;
                Ok(done.rows_affected())
            }

            async fn put_deployment(&mut self, job: &$crate::store::JobRecord, at: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO deployments (tenant, environment, region, service, version, previous_version, health, changed_at) \
                     VALUES ($1, $2, $3, $4, $5, NULL, 'unknown', $6) ON CONFLICT (tenant, environment, region, service) DO UPDATE SET \
                     previous_version = CASE WHEN deployments.version = excluded.version THEN deployments.previous_version \
                     ELSE deployments.version END, version = excluded.version, changed_at = excluded.changed_at",
                )
                .bind(&job.view.tenant).bind(&job.environment).bind(&job.view.region).bind(&job.service).bind(&job.view.version).bind(at)
                .execute(&mut *self.0).await?;
                Ok(())
            }

            async fn set_cluster_status(&mut self, status: &$crate::store::ClusterStatus) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO cluster_status (cluster, reachable, version, error, checked_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (cluster) DO UPDATE SET reachable = excluded.reachable, version = excluded.version, \
                     error = excluded.error, checked_at = excluded.checked_at",
                )
                .bind(&status.cluster).bind(status.reachable).bind(status.version.as_deref()).bind(status.error.as_deref())
                .bind(status.checked_at).execute(&mut *self.0).await?;
                Ok(())
            }

            async fn insert_cluster(&mut self, c: &airlock_domain::Cluster) -> Result<(), $crate::store::StoreError> {
                let (strategy, shared_namespace) = $crate::store::rows::strategy_columns(&c.namespace_strategy);
                sqlx::query(
                    "INSERT INTO clusters (name, environment, region, api_url, credentials_ref, namespace_strategy, shared_namespace) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&c.name).bind(&c.environment).bind(&c.region).bind(&c.api_url).bind(&c.credentials_ref)
                .bind(strategy).bind(shared_namespace).execute(&mut *self.0).await?;
                Ok(())
            }

            async fn set_job_template(
                &mut self,
                environment: &str,
                template: &str,
                by: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO job_templates (environment, template, updated_by, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (environment) DO UPDATE SET template = excluded.template, updated_by = excluded.updated_by, \
                     updated_at = excluded.updated_at",
                )
                .bind(environment).bind(template).bind(by).bind(at).execute(&mut *self.0).await?;
                Ok(())
            }
        }
    };
}

macro_rules! impl_dispatch_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::DispatchStore for $store {
            async fn release_jobs(&self, release_id: i64) -> Result<Vec<$crate::store::JobRecord>, $crate::store::StoreError> {
                let sql = format!("SELECT {} FROM jobs j WHERE j.release_id = $1 ORDER BY j.id", $crate::store::dispatch_rows::JOB_COLUMNS);
                let rows: Vec<$crate::store::dispatch_rows::JobRow> = sqlx::query_as(&sql).bind(release_id).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn cluster_statuses(&self) -> Result<Vec<$crate::store::ClusterStatus>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::dispatch_rows::ClusterStatusRow> =
                    sqlx::query_as("SELECT cluster, reachable, version, error, checked_at FROM cluster_status ORDER BY cluster")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn unfinished_jobs(&self, cluster: &str) -> Result<Vec<$crate::store::JobRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM jobs j WHERE j.cluster = $1 AND j.state IN ('created', 'running') ORDER BY j.id",
                    $crate::store::dispatch_rows::JOB_COLUMNS
                );
                let rows: Vec<$crate::store::dispatch_rows::JobRow> = sqlx::query_as(&sql).bind(cluster).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn job_id_named(&self, cluster: &str, namespace: &str, name: &str) -> Result<Option<i64>, $crate::store::StoreError> {
                let row: Option<(i64,)> = sqlx::query_as("SELECT id FROM jobs WHERE cluster = $1 AND namespace = $2 AND name = $3")
                    .bind(cluster)
                    .bind(namespace)
                    .bind(name)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(id,)| id))
            }

            async fn tenant_jobs(&self, tenant: &str, limit: u32) -> Result<Vec<$crate::store::JobRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM jobs j WHERE j.tenant = $1 ORDER BY j.id DESC LIMIT $2",
                    $crate::store::dispatch_rows::JOB_COLUMNS
                );
                let rows: Vec<$crate::store::dispatch_rows::JobRow> =
                    sqlx::query_as(&sql).bind(tenant).bind(limit as i64).fetch_all(&self.pool).await?;
                rows.into_iter().map(TryInto::try_into).collect()
            }

            async fn job_template(&self, environment: &str) -> Result<Option<String>, $crate::store::StoreError> {
                let row: Option<(String,)> = sqlx::query_as("SELECT template FROM job_templates WHERE environment = $1")
                    .bind(environment)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(row.map(|(t,)| t))
            }
        }
    };
}
