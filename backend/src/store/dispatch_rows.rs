//! Row shapes of the dispatch tables and their checked conversion.

use super::StoreError;
use super::dispatch_types::JobRecord;
use airlock_domain::dispatch::{JobKind, JobState, JobView};
use chrono::{DateTime, Utc};

/// The columns [`JobRow`] reads, for a `jobs` table aliased `j`.
pub(crate) const JOB_COLUMNS: &str = "j.id, j.dispatch_id, j.release_id, j.revision, j.kind, j.environment, j.service, \
     j.tenant, j.region, j.cluster, j.namespace, j.name, j.version, j.image, j.previous_image, j.wave, j.state, j.reason, j.attempts, \
     j.queued_at, j.created_at, j.started_at, j.finished_at, j.bake_until, j.baked_at, j.bake_outcome, j.failure_detail, \
     (SELECT c.credentials_ref = 'simulated' FROM clusters c WHERE c.name = j.cluster) AS simulated";

#[derive(sqlx::FromRow)]
pub(crate) struct JobRow {
    pub id: i64,
    pub dispatch_id: i64,
    pub release_id: i64,
    pub revision: i32,
    pub kind: String,
    pub environment: String,
    pub service: String,
    pub tenant: String,
    pub region: String,
    pub cluster: String,
    pub namespace: String,
    pub name: String,
    pub version: String,
    pub image: String,
    pub previous_image: Option<String>,
    pub wave: i32,
    pub state: String,
    pub reason: Option<String>,
    pub attempts: i32,
    pub queued_at: DateTime<Utc>,
    pub created_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub bake_until: Option<DateTime<Utc>>,
    pub baked_at: Option<DateTime<Utc>>,
    pub bake_outcome: Option<String>,
    pub failure_detail: Option<String>,
    pub simulated: Option<bool>,
}

impl TryFrom<JobRow> for JobRecord {
    type Error = StoreError;
    fn try_from(row: JobRow) -> Result<JobRecord, StoreError> {
        let kind = JobKind::parse(&row.kind).ok_or_else(|| StoreError::Corrupt(format!("job {} has kind {:?}", row.id, row.kind)))?;
        let state = JobState::parse(&row.state).ok_or_else(|| StoreError::Corrupt(format!("job {} has state {:?}", row.id, row.state)))?;
        Ok(JobRecord {
            dispatch_id: row.dispatch_id,
            release_id: row.release_id,
            environment: row.environment,
            service: row.service,
            previous_image: row.previous_image,
            view: JobView {
                id: row.id,
                kind,
                revision: row.revision.max(0) as u32,
                tenant: row.tenant,
                region: row.region,
                cluster: row.cluster,
                namespace: row.namespace,
                name: row.name,
                version: row.version,
                image: row.image,
                wave: row.wave.max(1) as u32,
                state,
                reason: row.reason,
                attempts: row.attempts.max(0) as u32,
                simulated: row.simulated.unwrap_or(false),
                queued_at: row.queued_at,
                created_at: row.created_at,
                started_at: row.started_at,
                finished_at: row.finished_at,
                bake_until: row.bake_until,
                baked_at: row.baked_at,
                bake_outcome: row.bake_outcome,
                failure_detail: row.failure_detail,
            },
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ClusterStatusRow {
    pub cluster: String,
    pub reachable: bool,
    pub version: Option<String>,
    pub error: Option<String>,
    pub checked_at: DateTime<Utc>,
}

impl From<ClusterStatusRow> for super::dispatch_types::ClusterStatus {
    fn from(row: ClusterStatusRow) -> Self {
        super::dispatch_types::ClusterStatus {
            cluster: row.cluster,
            reachable: row.reachable,
            version: row.version,
            error: row.error,
            checked_at: row.checked_at,
        }
    }
}
