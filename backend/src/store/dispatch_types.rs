//! The storage interface for dispatch: the jobs outbox, cluster connection
//! checks and job templates. Writes happen in a [`StoreTx`](super::StoreTx)
//! through [`DispatchTx`], so a dispatch records its jobs in the very
//! transaction that re-checks the gate, and a job's outcome, its audit entry
//! and the tenant's new version commit together.

use super::StoreError;
use airlock_domain::dispatch::{JobKind, JobState, JobView, RollbackPolicy, Rollout};
use airlock_domain::{Cluster, Deployment};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the last connection check of a cluster found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterStatus {
    pub cluster: String,
    pub reachable: bool,
    /// The API server's version, when reachable.
    pub version: Option<String>,
    /// Why it is not reachable (never a credential).
    pub error: Option<String>,
    pub checked_at: DateTime<Utc>,
}

/// Everything a dispatch to an environment needs, read in its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DispatchSetup {
    pub rollout: Rollout,
    pub creates_namespaces: bool,
    pub rollback: RollbackPolicy,
    /// The environment's job template; `None` means the built-in one.
    pub template: Option<String>,
    /// Whether the newest `job_template.set` audit entry sets exactly this
    /// template (or, for the built-in one, no entry ever set another).
    pub template_recorded: bool,
    pub clusters: Vec<Cluster>,
    pub statuses: Vec<ClusterStatus>,
    /// Region names in promotion order (for waves).
    pub region_order: Vec<String>,
}

/// A job as stored, with what its transitions need beyond the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub view: JobView,
    pub dispatch_id: i64,
    pub release_id: i64,
    pub environment: String,
    pub service: String,
    /// For a deploy: the image its target ran before it (what a rollback restores).
    pub previous_image: Option<String>,
}

/// What a succeeded job ran where.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ImagePutInPlace {
    pub tenant: String,
    pub region: String,
    pub version: String,
    pub image: String,
}

/// A job to record (state `queued`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub dispatch_id: i64,
    pub release_id: i64,
    pub revision: u32,
    pub kind: JobKind,
    pub environment: String,
    pub service: String,
    pub tenant: String,
    pub region: String,
    pub cluster: String,
    pub namespace: String,
    pub name: String,
    pub version: String,
    pub image: String,
    /// For a deploy: the image its target ran before it (what a rollback restores).
    pub previous_image: Option<String>,
    pub wave: u32,
    /// The rendered Job as JSON, sent as it is.
    pub manifest: String,
    pub queued_at: DateTime<Utc>,
}

/// A job a worker claimed to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedJob {
    pub id: i64,
    pub release_id: i64,
    pub cluster: String,
    pub namespace: String,
    pub name: String,
    pub manifest: String,
    pub attempts: u32,
    /// Whether the environment lets Airlock create a missing tenant namespace.
    pub create_namespace: bool,
    /// The JSON of the audit entry that recorded the job's dispatch (with its
    /// manifest's digest), `None` when no entry does.
    pub dispatch_record: Option<String>,
}

/// A job's move to a later state, with when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobProgress {
    pub state: JobState,
    pub reason: Option<String>,
    pub at: DateTime<Utc>,
}

#[async_trait]
pub trait DispatchTx: Send {
    async fn dispatch_setup(&mut self, environment: &str) -> Result<DispatchSetup, StoreError>;
    /// What runs for `service` in `environment`, every tenant and region.
    async fn deployments_of(&mut self, service: &str, environment: &str) -> Result<Vec<Deployment>, StoreError>;
    /// Every image a succeeded job put in place for `service` in `environment`, oldest first.
    async fn images_put_in_place(&mut self, service: &str, environment: &str) -> Result<Vec<ImagePutInPlace>, StoreError>;
    async fn release_jobs(&mut self, release_id: i64) -> Result<Vec<JobRecord>, StoreError>;
    async fn insert_dispatch(
        &mut self,
        release_id: i64,
        revision: u32,
        kind: JobKind,
        by: &str,
        at: DateTime<Utc>,
        audit_seq: i64,
    ) -> Result<i64, StoreError>;
    async fn insert_job(&mut self, job: &NewJob) -> Result<(), StoreError>;
    /// Up to `limit` queued jobs due `now` whose earlier waves all succeeded,
    /// held until `until` (PostgreSQL skips rows another replica holds).
    async fn claim_jobs(&mut self, now: DateTime<Utc>, until: DateTime<Utc>, limit: u32) -> Result<Vec<ClaimedJob>, StoreError>;
    /// The job, locked until commit (PostgreSQL: a row lock; SQLite: the write lock).
    async fn job_for_update(&mut self, id: i64) -> Result<Option<JobRecord>, StoreError>;
    /// Counts a failed attempt to send: keeps it queued with the error until `retry_at`.
    async fn job_retry(&mut self, id: i64, error: &str, retry_at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Moves the job on (the caller checked it is forward), stamping the state's time.
    async fn job_progress(&mut self, id: i64, progress: &JobProgress) -> Result<(), StoreError>;
    /// Marks queued jobs of later waves of `dispatch_id` skipped; returns how many.
    async fn skip_later_waves(&mut self, dispatch_id: i64, after_wave: u32, reason: &str, at: DateTime<Utc>) -> Result<u64, StoreError>;
    /// The tenant × environment × region × service cell now runs `version`
    /// (what ran before is kept as the previous version).
    async fn put_deployment(&mut self, job: &JobRecord, at: DateTime<Utc>) -> Result<(), StoreError>;
    async fn set_cluster_status(&mut self, status: &ClusterStatus) -> Result<(), StoreError>;
    async fn insert_cluster(&mut self, cluster: &Cluster) -> Result<(), StoreError>;
    async fn set_job_template(&mut self, environment: &str, template: &str, by: &str, at: DateTime<Utc>) -> Result<(), StoreError>;
}

#[async_trait]
pub trait DispatchStore: Send + Sync + 'static {
    async fn release_jobs(&self, release_id: i64) -> Result<Vec<JobRecord>, StoreError>;
    async fn cluster_statuses(&self) -> Result<Vec<ClusterStatus>, StoreError>;
    /// Jobs sent to `cluster` that have not finished (for watchers and the simulator).
    async fn unfinished_jobs(&self, cluster: &str) -> Result<Vec<JobRecord>, StoreError>;
    /// The job Airlock recorded for the Job `name` in `namespace` of `cluster`, read without the write lock.
    async fn job_id_named(&self, cluster: &str, namespace: &str, name: &str) -> Result<Option<i64>, StoreError>;
    async fn job_template(&self, environment: &str) -> Result<Option<String>, StoreError>;
    /// The tenant's newest jobs, newest first.
    async fn tenant_jobs(&self, tenant: &str, limit: u32) -> Result<Vec<JobRecord>, StoreError>;
}
