//! The release's dispatch: the button that sends it once its gate is open,
//! and every deploy and rollback job with its state, reason and times,
//! refreshed live as the clusters report. Plain forms, with or without JavaScript.

use crate::components::failure::ActionError;
use crate::components::state_badge::Time;
use crate::server_fns::dispatch::{DispatchRelease, RollBackRelease};
use airlock_domain::access::{Action, Identity, authorize};
use airlock_domain::dispatch::{JobKind, JobState, JobView, RollbackPolicy};
use airlock_domain::gate::ReleaseDossier;
use chrono::{DateTime, Utc};
use leptos::form::ActionForm;
use leptos::prelude::*;

#[component]
pub fn Jobs(
    dossier: ReleaseDossier,
    jobs: Vec<JobView>,
    now: DateTime<Utc>,
    viewer: Option<Identity>,
    /// Whether release managers may roll this environment back directly.
    policy: RollbackPolicy,
    dispatch: ServerAction<DispatchRelease>,
    rollback: ServerAction<RollBackRelease>,
) -> impl IntoView {
    let (id, revision) = (dossier.release.id, dossier.release.revision);
    let may_roll_back = authorize(viewer.as_ref(), Action::Rollback).is_ok() && policy == RollbackPolicy::ReleaseManagers;
    let dispatched = jobs.iter().any(|j| j.kind == JobKind::Deploy && j.revision == revision);
    let offer = dispatch_offer(&dossier, dispatched, now, viewer.as_ref());
    let error =
        Signal::derive(move || dispatch.value().get().and_then(Result::err).or_else(|| rollback.value().get().and_then(Result::err)));
    let rolled_back = |job: &JobView| jobs.iter().any(|j| j.kind == JobKind::Rollback && j.tenant == job.tenant && j.region == job.region);
    let can_roll_back =
        |job: &JobView| may_roll_back && job.kind == JobKind::Deploy && job.state == JobState::Succeeded && !rolled_back(job);
    let any_to_roll_back = jobs.iter().any(can_roll_back);
    let jobs_empty = jobs.is_empty();
    let rows = jobs
        .iter()
        .map(|job| {
            let target = format!("{}/{}", job.tenant, job.region);
            let button = can_roll_back(job).then(|| {
                view! {
                    <ActionForm action=rollback attr:class="inline-form">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="target" value=target.clone()/>
                        <button type="submit" class="danger small">"Roll back"</button>
                    </ActionForm>
                }
            });
            view! {
                <tr data-job=job.name.clone() data-state=job.state.as_str() data-kind=job.kind.as_str()>
                    <td class="num">{job.wave}</td>
                    <td>{job.kind.as_str()}</td>
                    <td><a href=format!("/tenants/{}", job.tenant)>{job.tenant.clone()}</a>" in "{job.region.clone()}</td>
                    <td>{job.cluster.clone()}{job.simulated.then(|| view! { " "<span class="badge" title="Recorded, never sent">"simulated"</span> })}</td>
                    <td class="mono small">{format!("{}/{}", job.namespace, job.name)}</td>
                    <td class="mono">{job.version.clone()}</td>
                    <td><JobStateBadge state=job.state/></td>
                    <td class="reason">{job.reason.clone()}{(job.attempts > 1).then(|| format!(" ({} attempts)", job.attempts))}{bake(job, now)}{failure_detail(job)}</td>
                    <td>{last_change(job).map(|at| view! { <Time at/> })}</td>
                    <td>{button}</td>
                </tr>
            }
        })
        .collect_view();
    let table = (!jobs.is_empty()).then(|| {
        view! {
            <p class="summary" data-testid="job-counts">{counts(&jobs)}</p>
            <div class="table-wrap">
                <table class="jobs">
                    <thead><tr>
                        <th>"Wave"</th><th>"Kind"</th><th>"Target"</th><th>"Cluster"</th><th>"Job"</th>
                        <th>"Version"</th><th>"State"</th><th>"Why"</th><th>"Last change"</th><th></th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
    });
    let roll_back_all = (any_to_roll_back).then(|| {
        view! {
            <ActionForm action=rollback attr:class="inline-form">
                <input type="hidden" name="id" value=id/>
                <button type="submit" class="danger">"Roll back every target"</button>
            </ActionForm>
        }
    });
    let offer = match offer {
        Ok(()) => view! {
            <ActionForm action=dispatch attr:id="dispatch-form">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="revision" value=revision/>
                <button type="submit">{format!("Dispatch revision {revision} to {} targets", dossier.release.content.targets.len())}</button>
            </ActionForm>
        }
        .into_any(),
        Err(reason) => view! { <p class="hint" data-testid="no-dispatch">{reason}</p> }.into_any(),
    };
    view! {
        <section id="jobs" data-testid="jobs">
            <h2>"Dispatch"</h2>
            <ActionError error/>
            {offer}
            {table}
            {roll_back_all}
            {(policy == RollbackPolicy::ThroughTheGate && !jobs_empty).then(|| view! {
                <p class="hint" data-testid="rollback-gated">"Here, going back means releasing the earlier version through the gate."</p>
            })}
        </section>
    }
}

/// Why the viewer gets no dispatch button, or `Ok` when they may press it.
/// (The server decides again, in the transaction that records the jobs.)
fn dispatch_offer(dossier: &ReleaseDossier, dispatched: bool, now: DateTime<Utc>, viewer: Option<&Identity>) -> Result<(), String> {
    if dispatched {
        return Err(format!("Revision {} was dispatched; its jobs are below.", dossier.release.revision));
    }
    if dossier.verdict(now).is_err() {
        return Err("The release can be dispatched once its gate is open.".into());
    }
    authorize(viewer, Action::Dispatch).map_err(|denied| denied.to_string())
}

/// A succeeded deploy's bake: how long its health is still watched (counted
/// down in the browser from the server's figure), or how the bake ended.
fn bake(job: &JobView, now: DateTime<Utc>) -> Option<AnyView> {
    let until = job.bake_until?;
    if let (Some(_), Some(outcome)) = (job.baked_at, job.bake_outcome.clone()) {
        return Some(view! { <div class="bake" data-bake="ended">{outcome}</div> }.into_any());
    }
    let left = (until - now).num_seconds().max(0);
    Some(
        view! {
            <div class="bake" data-bake="baking" data-bake-until=until.to_rfc3339()>
                "baking until "{until.format("%H:%M:%S").to_string()}" UTC ("
                <span class="bake-left" data-seconds-left=left>{bake_left(left)}</span>
                "): the next wave waits for its health"
            </div>
        }
        .into_any(),
    )
}

/// `12:34 left`, `1:02:03 left`; at zero, the verifier is about to decide.
pub fn bake_left(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match seconds {
        ..=0 => "ending now".to_owned(),
        1..3600 => format!("{m}:{s:02} left"),
        _ => format!("{h}:{m:02}:{s:02} left"),
    }
}

/// What the cluster said of a failed Job: its Pod's events and the end of its log.
fn failure_detail(job: &JobView) -> Option<impl IntoView + use<>> {
    let detail = job.failure_detail.clone()?;
    Some(view! {
        <details class="failure-detail" data-testid="failure-detail">
            <summary>"Pod events and log"</summary>
            <pre>{detail}</pre>
        </details>
    })
}

fn last_change(job: &JobView) -> Option<DateTime<Utc>> {
    job.finished_at.or(job.started_at).or(job.created_at).or(Some(job.queued_at))
}

fn counts(jobs: &[JobView]) -> String {
    JobState::ALL
        .iter()
        .filter_map(|state| {
            let n = jobs.iter().filter(|j| j.state == *state).count();
            (n > 0).then(|| format!("{n} {}", state.as_str()))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

#[component]
pub fn JobStateBadge(state: JobState) -> impl IntoView {
    view! { <span class=format!("badge job-state job-{}", state.as_str()) data-state=state.as_str()>{state.as_str()}</span> }
}

#[cfg(test)]
mod tests {
    use super::bake_left;

    #[test]
    fn a_bake_counts_down_in_minutes_then_hours_and_never_below_zero() {
        assert_eq!(bake_left(754), "12:34 left");
        assert_eq!(bake_left(59), "0:59 left");
        assert_eq!(bake_left(3723), "1:02:03 left");
        assert_eq!((bake_left(0), bake_left(-5)), ("ending now".to_owned(), "ending now".to_owned()));
    }
}
