//! Planning the jobs of a dispatch or rollback, and recording them: which
//! cluster serves each target, which wave it goes in, and the Job it gets.
//! Refusals come before anything is written, so a refused request records
//! nothing.

use super::template::{DEFAULT_TEMPLATE, JobTemplate, JobVars};
use crate::Refusal;
use crate::store::{DispatchSetup, ImagePutInPlace, JobRecord, NewJob, StoreTx};
use airlock_domain::audit::AuditDraft;
use airlock_domain::dispatch::{JobKind, JobView, job_name, waves};
use airlock_domain::gate::{ApprovedRelease, ReleaseContent, Target};
use airlock_domain::{Cluster, Deployment};
use chrono::{DateTime, Utc};

/// One job to record.
pub(super) struct Planned {
    pub tenant: String,
    pub region: String,
    pub cluster: String,
    pub namespace: String,
    pub name: String,
    pub version: String,
    pub image: String,
    /// For a deploy: the image its target ran before it.
    pub previous_image: Option<String>,
    pub wave: u32,
    pub manifest: String,
}

/// What each target runs before a deploy, as the exact image: the image of
/// the last job that put that version there, else (a version the world
/// recorded, never deployed through Airlock) the service's repository at it.
pub(super) struct ImagesBefore {
    running: Vec<Deployment>,
    put_in_place: Vec<ImagePutInPlace>,
    repository: String,
}

impl ImagesBefore {
    pub fn new(running: Vec<Deployment>, put_in_place: Vec<ImagePutInPlace>, repository: String) -> ImagesBefore {
        ImagesBefore { running, put_in_place, repository }
    }

    /// The image `target` runs now, if it runs anything.
    fn of(&self, target: &Target) -> Option<String> {
        let cell = self.running.iter().find(|d| d.tenant == target.tenant && d.region == target.region)?;
        Some(self.at(target, &cell.version))
    }

    /// The image that put `version` on `target`.
    fn at(&self, target: &Target, version: &str) -> String {
        self.put_in_place
            .iter()
            .rev()
            .find(|p| p.tenant == target.tenant && p.region == target.region && p.version == version)
            .map_or_else(|| format!("{}:{version}", self.repository), |p| p.image.clone())
    }
}

pub(super) fn deploy(approved: &ApprovedRelease, setup: &DispatchSetup, before: &ImagesBefore) -> Result<Vec<Planned>, Refusal> {
    let release = approved.release();
    let content = &release.content;
    let template = template_of(&content.environment, setup)?;
    waves(&content.targets, setup.rollout, &setup.region_order)
        .into_iter()
        .map(|(target, wave)| {
            let image = content.image.clone();
            let mut planned =
                plan_one(&template, setup, release.id, release.revision, JobKind::Deploy, content, target, &content.version, image, wave)?;
            planned.previous_image = before.of(target);
            Ok(planned)
        })
        .collect()
}

/// Each chosen target goes back to the version that ran there before this
/// release's deploy succeeded. Targets whose deploy did not succeed, that
/// run something else by now, or that have nothing earlier are refused with
/// the reason; targets already rolled back are left out.
pub(super) fn rollback(
    id: i64,
    revision: u32,
    content: &ReleaseContent,
    jobs: &[JobRecord],
    chosen: Option<&[Target]>,
    before: &ImagesBefore,
    setup: &DispatchSetup,
) -> Result<Vec<Planned>, Refusal> {
    let template = template_of(&content.environment, setup)?;
    let deployed: Vec<&JobRecord> = jobs.iter().filter(|j| j.view.kind == JobKind::Deploy && j.view.revision == revision).collect();
    let targets: Vec<Target> = match chosen {
        Some(chosen) if !chosen.is_empty() => chosen.to_vec(),
        _ => deployed.iter().map(|j| Target { tenant: j.view.tenant.clone(), region: j.view.region.clone() }).collect(),
    };
    let mut planned = Vec::new();
    for target in &targets {
        let label = format!("{} in {}", target.tenant, target.region);
        let same = |j: &JobRecord| j.view.tenant == target.tenant && j.view.region == target.region;
        if jobs.iter().any(|j| j.view.kind == JobKind::Rollback && j.view.revision == revision && same(j)) {
            continue;
        }
        let deploy = deployed
            .iter()
            .find(|j| same(j))
            .ok_or_else(|| Refusal::NothingToRollBack(format!("{label} was not part of the dispatch.")))?;
        if deploy.view.state != airlock_domain::dispatch::JobState::Succeeded {
            let state = deploy.view.state.as_str();
            return Err(Refusal::NothingToRollBack(format!(
                "the deploy to {label} is {state}; only a deploy that succeeded can be rolled back."
            )));
        }
        let cell = before.running.iter().find(|d| d.tenant == target.tenant && d.region == target.region);
        let restore = match cell {
            Some(d) if d.version != content.version => {
                return Err(Refusal::NothingToRollBack(format!("{label} runs {} by now, not {}.", d.version, content.version)));
            }
            Some(d) => d.previous_version.clone(),
            None => None,
        };
        let restore = restore.ok_or_else(|| Refusal::NothingToRollBack(format!("{label} ran no earlier version.")))?;
        // Exactly the image that ran before the deploy, as recorded with it
        // (a deploy recorded before that was kept: the image that put the version there).
        let image = deploy.previous_image.clone().unwrap_or_else(|| before.at(target, &restore));
        planned.push(plan_one(&template, setup, id, revision, JobKind::Rollback, content, target, &restore, image, 1)?);
    }
    if planned.is_empty() {
        return Err(Refusal::NothingToRollBack("every chosen target was already rolled back.".into()));
    }
    Ok(planned)
}

fn template_of(environment: &str, setup: &DispatchSetup) -> Result<JobTemplate, Refusal> {
    // A template changed in the table, not through `airlock jobs template set`,
    // would put whatever image or command it says into every Job.
    if !setup.template_recorded {
        return Err(Refusal::Template {
            environment: environment.to_owned(),
            message:
                "it is not the template the audit log records (changed behind Airlock's back); set it again with `airlock templates set`"
                    .into(),
        });
    }
    JobTemplate::parse(setup.template.as_deref().unwrap_or(DEFAULT_TEMPLATE))
        .map_err(|e| Refusal::Template { environment: environment.to_owned(), message: e.to_string() })
}

#[allow(clippy::too_many_arguments)]
fn plan_one(
    template: &JobTemplate,
    setup: &DispatchSetup,
    id: i64,
    revision: u32,
    kind: JobKind,
    content: &ReleaseContent,
    target: &Target,
    version: &str,
    image: String,
    wave: u32,
) -> Result<Planned, Refusal> {
    let cluster = serving_cluster(setup, &content.environment, &target.region)?;
    let namespace = cluster.namespace_strategy.namespace_for(&target.tenant);
    let name = job_name(id, revision, kind, &target.tenant, &target.region);
    let vars = JobVars {
        service: content.service.clone(),
        version: version.to_owned(),
        image: image.clone(),
        tenant: target.tenant.clone(),
        region: target.region.clone(),
        environment: content.environment.clone(),
        release_id: id,
        revision,
        kind,
        namespace: namespace.clone(),
        name: name.clone(),
    };
    let job = template.render(&vars).map_err(|e| Refusal::Template { environment: content.environment.clone(), message: e.to_string() })?;
    Ok(Planned {
        tenant: target.tenant.clone(),
        region: target.region.clone(),
        cluster: cluster.name.clone(),
        namespace,
        name,
        version: version.to_owned(),
        image,
        previous_image: None,
        wave,
        manifest: crate::releases::json(&job),
    })
}

/// The cluster serving `region`, when its last check found it reachable
/// (a simulated cluster always is). The first by name when several serve it.
fn serving_cluster<'s>(setup: &'s DispatchSetup, environment: &str, region: &str) -> Result<&'s Cluster, Refusal> {
    let cluster = setup
        .clusters
        .iter()
        .find(|c| c.region == region)
        .ok_or_else(|| Refusal::NoCluster { environment: environment.to_owned(), region: region.to_owned() })?;
    if cluster.credentials_ref == "simulated" {
        return Ok(cluster);
    }
    match setup.statuses.iter().find(|s| s.cluster == cluster.name) {
        Some(status) if status.reachable => Ok(cluster),
        Some(status) => Err(Refusal::ClusterUnreachable {
            cluster: cluster.name.clone(),
            reason: status.error.clone().unwrap_or_else(|| "unreachable".into()),
        }),
        None => Err(Refusal::ClusterUnreachable { cluster: cluster.name.clone(), reason: "not checked yet".into() }),
    }
}

/// Appends the request's audit entry, then records the dispatch and its jobs.
#[allow(clippy::too_many_arguments)]
pub(super) async fn record(
    tx: &mut dyn StoreTx,
    id: i64,
    revision: u32,
    content: &ReleaseContent,
    kind: JobKind,
    by: &str,
    now: DateTime<Utc>,
    entry: AuditDraft,
    planned: Vec<Planned>,
) -> Result<Vec<JobView>, Refusal> {
    let appended = tx.append_audit(entry).await?;
    let dispatch_id = tx.insert_dispatch(id, revision, kind, by, now, appended.seq).await?;
    for job in planned {
        let new = NewJob {
            dispatch_id,
            release_id: id,
            revision,
            kind,
            environment: content.environment.clone(),
            service: content.service.clone(),
            tenant: job.tenant,
            region: job.region,
            cluster: job.cluster,
            namespace: job.namespace,
            name: job.name,
            version: job.version,
            image: job.image,
            previous_image: job.previous_image,
            wave: job.wave,
            manifest: job.manifest,
            queued_at: now,
        };
        tx.insert_job(&new).await?;
    }
    Ok(tx.release_jobs(id).await?.into_iter().filter(|j| j.dispatch_id == dispatch_id).map(|j| j.view).collect())
}
