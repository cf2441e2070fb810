//! The outbox worker: claims queued jobs and creates their Jobs. The Job's
//! name is fixed when the job is recorded, so sending twice (a retry after a
//! lost answer, a crashed worker's lapsed claim, a second replica) finds the
//! Job already there: `AlreadyExists` with Airlock's labels for this target
//! counts as sent, a Job of that name with other labels is a failure that
//! says so. Transient errors are retried with a capped backoff, keeping the
//! last one visible on the job.

use super::clients::Clients;
use super::record_progress;
use super::template::{KIND_LABEL, REGION_LABEL, RELEASE_LABEL, REVISION_LABEL, TENANT_LABEL};
use crate::Backend;
use crate::store::{ClaimedJob, JobProgress};
use airlock_domain::dispatch::JobState;
use chrono::{Duration, Utc};
use futures::StreamExt;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};

/// How long a claim holds a job: longer than one send can take.
const CLAIM: Duration = Duration::seconds(20);
const SEND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
const BATCH: u32 = 64;
/// Jobs sent at once, across clusters.
const IN_FLIGHT: usize = 16;

enum Sent {
    Created,
    Retry(String),
    Refused(String),
}

/// Claims and sends until nothing is due; returns how many jobs it handled.
pub(super) async fn drain(backend: &Backend, clients: &Clients) -> usize {
    let mut handled = 0;
    loop {
        let now = Utc::now();
        let claimed = match claim(backend, now).await {
            Ok(claimed) => claimed,
            Err(error) => {
                tracing::warn!(error = %error, cause = ?std::error::Error::source(&error), "could not claim jobs");
                return handled;
            }
        };
        if claimed.is_empty() {
            return handled;
        }
        handled += claimed.len();
        futures::stream::iter(claimed).for_each_concurrent(IN_FLIGHT, |job| send_and_record(backend, clients, job)).await;
    }
}

async fn claim(backend: &Backend, now: chrono::DateTime<Utc>) -> Result<Vec<ClaimedJob>, crate::StoreError> {
    let mut tx = backend.store.begin().await?;
    let claimed = tx.claim_jobs(now, now + CLAIM, BATCH).await?;
    tx.commit().await?;
    Ok(claimed)
}

#[tracing::instrument(skip_all, fields(job_id = job.id, job = %job.name, cluster = %job.cluster))]
async fn send_and_record(backend: &Backend, clients: &Clients, job: ClaimedJob) {
    let recorded = super::recorded_manifest::check(job.dispatch_record.as_deref(), &job.name, &job.manifest);
    let sent = match recorded {
        Err(reason) => Sent::Refused(reason),
        Ok(()) => match clients.get(backend, &job.cluster).await {
            Ok(None) => Sent::Created, // simulated: recorded, never sent
            Ok(Some(client)) => match tokio::time::timeout(SEND_TIMEOUT, send(client, &job)).await {
                Ok(sent) => sent,
                Err(_) => Sent::Retry(format!("the cluster did not answer within {} s", SEND_TIMEOUT.as_secs())),
            },
            Err(error) => Sent::Retry(error),
        },
    };
    let now = Utc::now();
    let result = match sent {
        Sent::Created => record_progress(backend, job.id, JobProgress { state: JobState::Created, reason: None, at: now }).await.map(drop),
        Sent::Refused(reason) => {
            tracing::warn!(reason = %reason, "the cluster refused the Job");
            record_progress(backend, job.id, JobProgress { state: JobState::Failed, reason: Some(reason), at: now }).await.map(drop)
        }
        Sent::Retry(error) => {
            tracing::info!(error = %error, attempts = job.attempts + 1, "sending the Job failed; will retry");
            retry_later(backend, &job, &error, now).await
        }
    };
    if let Err(error) = result {
        tracing::warn!(error = %error, "could not record what happened to the job; its claim lapses and it is sent again");
    }
}

async fn retry_later(backend: &Backend, job: &ClaimedJob, error: &str, now: chrono::DateTime<Utc>) -> Result<(), crate::Refusal> {
    // 1 s, 2 s, 4 s … at most half a minute between attempts.
    let delay = Duration::seconds(1 << job.attempts.min(6)).min(Duration::seconds(30));
    let mut tx = backend.store.begin().await?;
    tx.job_retry(job.id, error, now + delay).await?;
    tx.commit().await?;
    backend.announce(job.release_id);
    Ok(())
}

async fn send(client: kube::Client, job: &ClaimedJob) -> Sent {
    let manifest: Job = match serde_json::from_str(&job.manifest) {
        Ok(manifest) => manifest,
        Err(_) => return Sent::Refused("the recorded Job cannot be read back".into()),
    };
    let jobs: Api<Job> = Api::namespaced(client.clone(), &job.namespace);
    let mut created = jobs.create(&PostParams::default(), &manifest).await;
    if job.create_namespace && matches!(&created, Err(kube::Error::Api(status)) if status.code == 404) {
        // The tenant's first Job in this cluster: make its namespace, then send again.
        if let Err(error) = create_namespace(client.clone(), &job.namespace).await {
            return Sent::Retry(describe(&error));
        }
        created = jobs.create(&PostParams::default(), &manifest).await;
    }
    match created {
        Ok(_) => Sent::Created,
        Err(kube::Error::Api(status)) if status.code == 409 => match jobs.get_opt(&job.name).await {
            Ok(Some(existing)) if same_target(&existing, &manifest) => Sent::Created,
            Ok(Some(_)) => Sent::Refused(format!(
                "a Job named {} already exists in {} but was not made by Airlock for this target; rename or delete it",
                job.name, job.namespace
            )),
            Ok(None) => Sent::Retry("the Job was deleted while being created".into()),
            Err(error) => Sent::Retry(describe(&error)),
        },
        Err(kube::Error::Api(status)) if status.code == 404 => {
            Sent::Retry(format!("namespace {} does not exist (this environment does not let Airlock create it)", job.namespace))
        }
        Err(kube::Error::Api(status)) if status.code == 400 || status.code == 422 => {
            Sent::Refused(format!("the cluster refused the Job: {}", status.message))
        }
        Err(error) => Sent::Retry(describe(&error)),
    }
}

async fn create_namespace(client: kube::Client, name: &str) -> Result<(), kube::Error> {
    let namespaces: Api<Namespace> = Api::all(client);
    let namespace =
        Namespace { metadata: kube::api::ObjectMeta { name: Some(name.to_owned()), ..Default::default() }, ..Default::default() };
    match namespaces.create(&PostParams::default(), &namespace).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(status)) if status.code == 409 => Ok(()),
        Err(error) => Err(error),
    }
}

/// Whether an existing Job is the one this job would create.
fn same_target(existing: &Job, wanted: &Job) -> bool {
    let (Some(have), Some(want)) = (existing.metadata.labels.as_ref(), wanted.metadata.labels.as_ref()) else { return false };
    [RELEASE_LABEL, REVISION_LABEL, KIND_LABEL, TENANT_LABEL, REGION_LABEL].iter().all(|label| have.get(*label) == want.get(*label))
}

/// What went wrong, in words fit for the page (no credentials ever appear in kube's errors).
pub(super) fn describe(error: &kube::Error) -> String {
    match error {
        kube::Error::Api(status) if status.code == 401 => "the cluster did not accept Airlock's credentials".into(),
        kube::Error::Api(status) if status.code == 403 => format!("Airlock may not do this in the cluster: {}", status.message),
        kube::Error::Api(status) => format!("the cluster answered {}: {}", status.code, status.message),
        kube::Error::HyperError(_) | kube::Error::Service(_) => "the cluster cannot be reached".into(),
        other => format!("the cluster could not be reached ({other})"),
    }
}
