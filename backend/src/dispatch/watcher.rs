//! Following Jobs: one watch per cluster on the label every Airlock Job
//! carries, and, for simulated clusters, a clock that plays the cluster.
//! After a restart of Airlock or of the API server the watch lists the Jobs
//! again; since jobs only move forward, what was already recorded is not
//! recorded twice and what happened meanwhile is recorded now.

use super::record_progress;
use super::scoped_watch::{Scope, covers};
use super::template::MANAGED_BY;
use crate::Backend;
use crate::store::{JobProgress, JobRecord};
use airlock_domain::dispatch::JobState;
use chrono::{DateTime, Duration, Utc};
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use kube::runtime::watcher::Event;
use std::collections::{BTreeSet, HashMap};

/// What a Job's status says, with the reason and the time it says it.
pub(super) fn observed(job: &Job) -> (JobState, Option<String>, Option<DateTime<Utc>>) {
    let status = job.status.clone().unwrap_or_default();
    for condition in status.conditions.unwrap_or_default() {
        if condition.status != "True" {
            continue;
        }
        let reason = condition.message.filter(|m| !m.is_empty()).or(condition.reason);
        let at = condition.last_transition_time.and_then(|t| chrono_time(&t));
        match condition.type_.as_str() {
            "Complete" => return (JobState::Succeeded, None, status.completion_time.and_then(|t| chrono_time(&t)).or(at)),
            "Failed" => return (JobState::Failed, reason.or_else(|| Some("the Job failed".into())), at),
            _ => {}
        }
    }
    if status.active.unwrap_or(0) > 0 || status.start_time.is_some() {
        return (JobState::Running, None, status.start_time.and_then(|t| chrono_time(&t)));
    }
    (JobState::Created, None, None)
}

fn chrono_time(time: &k8s_openapi::apimachinery::pkg::apis::meta::v1::Time) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(time.0.as_second(), time.0.subsec_nanosecond().max(0) as u32)
}

/// A listing under way: the Jobs (namespace, name) it held so far, and when it began.
type Listing = (BTreeSet<(String, String)>, DateTime<Utc>);

/// Watches `cluster`'s Airlock Jobs until the stream ends (the caller restarts it).
pub(super) async fn watch(backend: &Backend, cluster: &airlock_domain::Cluster, client: kube::Client) {
    let selector = format!("{}={}", MANAGED_BY.0, MANAGED_BY.1);
    let stream = super::scoped_watch::watch::<Job>(backend, cluster, client.clone(), &selector).await;
    futures::pin_mut!(stream);
    let name = cluster.name.as_str();
    let mut listings: HashMap<Scope, Listing> = HashMap::new();
    while let Some((scope, event)) = stream.next().await {
        match event {
            Ok(Event::Init) => drop(listings.insert(scope, (BTreeSet::new(), Utc::now()))),
            Ok(Event::InitApply(job)) => {
                see(backend, &client, name, &job).await;
                if let Some((listed, _)) = listings.get_mut(&scope) {
                    listed.extend(place(&job));
                }
            }
            Ok(Event::InitDone) => {
                if let Some((listed, since)) = listings.remove(&scope) {
                    gone_while_unwatched(backend, name, &scope, &listed, since).await;
                }
            }
            Ok(Event::Apply(job)) => see(backend, &client, name, &job).await,
            Ok(Event::Delete(job)) => {
                // The watch's last word on it may be older than its end: see that first.
                see(backend, &client, name, &job).await;
                if let Some((namespace, job_name)) = place(&job) {
                    deleted(backend, name, &namespace, &job_name).await;
                }
            }
            Err(error) => tracing::info!(cluster = name, error = %error, "watching Jobs failed; retrying"),
        }
    }
}

fn place(job: &Job) -> Option<(String, String)> {
    Some((job.metadata.namespace.clone()?, job.metadata.name.clone()?))
}

/// A Job deleted before it finished never finishes: it failed.
async fn deleted(backend: &Backend, cluster: &str, namespace: &str, name: &str) {
    let Ok(Some(id)) = job_id(backend, cluster, namespace, name).await else { return };
    let progress = JobProgress { state: JobState::Failed, reason: Some(DELETED.to_owned()), at: Utc::now() };
    if let Err(error) = record_progress(backend, id, progress).await {
        tracing::warn!(job = name, error = %error, "could not record the Job's deletion");
    }
}

/// After a (re)listing: a job sent to the cluster before the listing began,
/// unfinished, and not listed was deleted while nobody watched. (One sent
/// while the listing ran may be missing from it, and is left alone.)
async fn gone_while_unwatched(backend: &Backend, cluster: &str, scope: &Scope, listed: &BTreeSet<(String, String)>, since: DateTime<Utc>) {
    let jobs = match backend.store.unfinished_jobs(cluster).await {
        Ok(jobs) => jobs,
        Err(error) => return tracing::warn!(cluster, error = %error, "could not read the cluster's unfinished jobs"),
    };
    let sent_before = |j: &&JobRecord| j.view.created_at.is_some_and(|at| at < since) && covers(scope, &j.view.namespace);
    for job in jobs.iter().filter(|j| matches!(j.view.state, JobState::Created | JobState::Running)).filter(sent_before) {
        if !listed.contains(&(job.view.namespace.clone(), job.view.name.clone())) {
            deleted(backend, cluster, &job.view.namespace, &job.view.name).await;
        }
    }
}

/// Reads what the cluster says of the failed Job and keeps it with the job.
async fn keep_failure_detail(backend: &Backend, client: &kube::Client, id: i64, namespace: &str, name: &str) {
    let detail = super::failure_detail::read(client, namespace, name).await;
    let kept = async {
        let mut tx = backend.store.begin().await?;
        let release = tx.job_for_update(id).await?.map(|job| job.release_id);
        tx.set_failure_detail(id, &detail).await?;
        tx.commit().await?;
        Ok::<_, crate::StoreError>(release)
    }
    .await;
    match kept {
        Ok(Some(release)) => backend.announce(release),
        Ok(None) => {}
        Err(error) => tracing::warn!(job = name, error = %error, "could not keep the failed Job's events and log"),
    }
}

/// The job Airlock recorded for the Job `name` in `namespace` of `cluster`
/// (`None`: another Airlock's Job, or one made by hand).
async fn job_id(backend: &Backend, cluster: &str, namespace: &str, name: &str) -> Result<Option<i64>, crate::StoreError> {
    // A read: taking the write lock for it held up every writer, and a
    // watcher stopped while it waited for that lock could leave it taken.
    backend.store.job_id_named(cluster, namespace, name).await
}

/// Why a job whose Job was deleted before it finished failed.
pub const DELETED: &str = "deleted before it finished";

async fn see(backend: &Backend, client: &kube::Client, cluster: &str, job: &Job) {
    let Some((namespace, name)) = place(job) else { return };
    let id = match job_id(backend, cluster, &namespace, &name).await {
        Ok(Some(id)) => id,
        Ok(None) => return, // another Airlock's Job, or one made by hand
        Err(error) => return tracing::warn!(error = %error, "could not look the Job up"),
    };
    let (state, reason, at) = observed(job);
    let progress = JobProgress { state, reason, at: at.unwrap_or_else(Utc::now) };
    match record_progress(backend, id, progress).await {
        Ok(true) if state == JobState::Failed => keep_failure_detail(backend, client, id, &namespace, &name).await,
        Ok(_) => {}
        Err(error) => tracing::warn!(job = %name, error = %error, "could not record the Job's progress"),
    }
    // Being deleted (a finalizer may hold it a while): it will not finish.
    if job.metadata.deletion_timestamp.is_some() && !state.is_final() {
        deleted(backend, cluster, &namespace, &name).await;
    }
}

/// How long a simulated Job takes to start, and then to finish.
const SIMULATED_START: Duration = Duration::milliseconds(800);
const SIMULATED_RUN: Duration = Duration::milliseconds(1500);

/// Plays a simulated cluster: its created jobs start, then succeed. Returns
/// the jobs still unfinished afterwards (`None`: they could not be read).
pub(super) async fn simulate(backend: &Backend, cluster: &str) -> Option<Vec<JobRecord>> {
    let jobs = match backend.store.unfinished_jobs(cluster).await {
        Ok(jobs) => jobs,
        Err(error) => {
            tracing::warn!(cluster, error = %error, "could not read the simulated cluster's jobs");
            return None;
        }
    };
    let now = Utc::now();
    let mut unfinished = Vec::new();
    for job in jobs {
        let mut finished = false;
        if let Some(next) = simulated_next(&job, now) {
            match record_progress(backend, job.view.id, JobProgress { state: next, reason: None, at: now }).await {
                Ok(true) => {
                    crate::observe::simulated::job_moved(backend, &job, next).await;
                    finished = next.is_final();
                }
                Ok(false) => {}
                Err(error) => tracing::warn!(cluster, error = %error, "could not move a simulated job on"),
            }
        }
        if !finished {
            unfinished.push(job);
        }
    }
    Some(unfinished)
}

fn simulated_next(job: &JobRecord, now: DateTime<Utc>) -> Option<JobState> {
    match (job.view.state, job.view.created_at, job.view.started_at) {
        (JobState::Created, Some(created), _) if now - created >= SIMULATED_START => Some(JobState::Running),
        (JobState::Running, _, Some(started)) if now - started >= SIMULATED_RUN => Some(JobState::Succeeded),
        _ => None,
    }
}
