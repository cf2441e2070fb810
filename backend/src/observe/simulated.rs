//! What simulated clusters report of their workloads. They always play the
//! jobs Airlock sends (a target progresses while its Job runs, then runs the
//! new version). Lively ones, for trying Airlock, also report every released
//! workload as running and now and then stage an incident on one: replicas
//! failing and recovering, a hand edit to another version (drift) put back
//! later, or a restart rolling through, so the pages show what a real
//! estate shows, changing on its own.

use super::{observation, record};
use crate::Backend;
use crate::store::JobRecord;
use airlock_domain::observed::{Replicas, Seen};
use airlock_domain::{Cluster, Deployment, Health};
use std::collections::BTreeSet;
use std::time::Duration;
use tokio::time::Instant;

/// How simulated clusters behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulatedWorkloads {
    /// They report only what the jobs Airlock sends do.
    Quiet,
    /// They also report every released workload, and stage an incident every `incident_every`.
    Lively { incident_every: Duration },
}

/// (tenant, service, cluster): one workload of a simulated cluster.
type Workload = (String, String, String);

/// One incident under way: what its workload reports, and from when.
struct Incident {
    workload: Workload,
    steps: Vec<(Instant, Seen)>,
}

/// The simulated clusters' incidents, from one tick to the next.
pub(crate) struct Stage {
    mode: SimulatedWorkloads,
    next_incident: Instant,
    turn: usize,
    incidents: Vec<Incident>,
}

impl Stage {
    pub(crate) fn new(mode: SimulatedWorkloads) -> Stage {
        Stage { mode, next_incident: Instant::now(), turn: 0, incidents: Vec::new() }
    }

    /// Moves every incident on, and starts the next when it is time. Each
    /// released workload not under an incident or a job reports what was
    /// released, as recorded (so a restart of the portal settles any
    /// incident it cut short). `running`: the simulated clusters' unfinished
    /// jobs, as their clock just left them (what a job reports wins).
    pub(crate) async fn play(&mut self, backend: &Backend, simulated: &[String], running: &[JobRecord]) {
        let SimulatedWorkloads::Lively { incident_every } = self.mode else { return };
        let busy: BTreeSet<Workload> = running.iter().map(|j| (j.view.tenant.clone(), j.service.clone(), j.view.cluster.clone())).collect();
        // Read after the clock moved the jobs on: a job that just finished has its new version here.
        let Ok(snapshot) = backend.status_snapshot().await else { return };
        let world = &snapshot.world;
        let clusters: Vec<&Cluster> = world.clusters.iter().filter(|c| simulated.contains(&c.name)).collect();
        let mut released: Vec<(Workload, &Deployment)> = Vec::new();
        for cluster in &clusters {
            let here = |d: &&Deployment| d.environment == cluster.environment && d.region == cluster.region;
            for d in world.deployments.iter().filter(here) {
                released.push(((d.tenant.clone(), d.service.clone(), cluster.name.clone()), d));
            }
        }
        let now = Instant::now();
        if now >= self.next_incident {
            self.next_incident = now + incident_every;
            self.start_incident(&released, &busy, now, incident_every);
        }
        let mut reports: Vec<(Workload, Seen)> = Vec::new();
        self.incidents.retain_mut(|incident| {
            if busy.contains(&incident.workload) {
                return false; // a job took over the workload
            }
            let due = incident.steps.iter().take_while(|(at, _)| *at <= now).count();
            if let Some((_, seen)) = incident.steps.drain(..due).next_back() {
                reports.push((incident.workload.clone(), seen));
            }
            !incident.steps.is_empty()
        });
        let staged: BTreeSet<&Workload> = self.incidents.iter().map(|i| &i.workload).collect();
        for (workload, deployment) in &released {
            if busy.contains(workload) || staged.contains(workload) || reports.iter().any(|(w, _)| w == workload) {
                continue;
            }
            let settled = as_released(deployment);
            // Most ticks, every other workload already shows what was released.
            if world.observation_of(deployment).is_none_or(|o| o.seen != settled || o.cluster != workload.2) {
                reports.push((workload.clone(), settled));
            }
        }
        for ((tenant, service, cluster), seen) in reports {
            let Some(cluster) = clusters.iter().find(|c| c.name == cluster) else { continue };
            if let Err(error) = record(backend, observation(cluster, &tenant, &service, seen)).await {
                tracing::warn!(cluster = %cluster.name, error = %error, "could not record what the simulated cluster reports");
            }
        }
    }

    /// Picks the next healthy, idle workload (spread across the estate) and
    /// stages the next kind of incident on it.
    fn start_incident(&mut self, released: &[(Workload, &Deployment)], busy: &BTreeSet<Workload>, now: Instant, every: Duration) {
        let candidates: Vec<&(Workload, &Deployment)> = released
            .iter()
            .filter(|(w, d)| d.health == Health::Healthy && !busy.contains(w) && !self.incidents.iter().any(|i| i.workload == *w))
            .collect();
        if candidates.is_empty() {
            return;
        }
        self.turn += 1;
        // The turn, scrambled (splitmix64's finaliser): consecutive incidents
        // land on unrelated workloads, not on one tenant cluster after cluster.
        let mut x = (self.turn as u64) ^ 0x9E37_79B9_7F4A_7C15;
        x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        let (workload, deployment) = candidates[((x ^ (x >> 31)) % candidates.len() as u64) as usize];
        let steps = match self.turn % 3 {
            0 => restart(deployment, now, every),
            1 => replicas_failing(deployment, now, every),
            _ => hand_edit(deployment, now, every),
        };
        self.incidents.push(Incident { workload: workload.clone(), steps });
    }
}

fn replicas(ready: u32, updated: u32) -> Replicas {
    Replicas { desired: 2, updated, ready, available: ready }
}

fn seen(version: &str, health: Health, reason: Option<&str>, replicas: Replicas) -> Seen {
    Seen { version: Some(version.to_owned()), health, reason: reason.map(str::to_owned), replicas }
}

/// A released workload as its simulated cluster runs it, in the health Airlock recorded.
fn as_released(d: &Deployment) -> Seen {
    let version = d.version.as_str();
    match d.health {
        Health::Healthy => seen(version, Health::Healthy, None, replicas(2, 2)),
        Health::Unknown => seen(version, Health::Unknown, Some("the cluster's last report is too old to trust"), replicas(2, 2)),
        Health::Progressing => seen(version, Health::Progressing, Some("1 of 2 replicas updated, 2 available"), replicas(2, 1)),
        Health::Degraded => seen(version, Health::Degraded, Some("1 of 2 replicas unavailable"), replicas(1, 2)),
        Health::Failing => {
            let reason = "ProgressDeadlineExceeded: ReplicaSet has timed out progressing.";
            seen(version, Health::Degraded, Some(reason), replicas(0, 2))
        }
        Health::Missing => Seen::missing(),
    }
}

/// A replica cannot be created (a quota ran out), then the rollout recovers.
fn replicas_failing(d: &Deployment, now: Instant, every: Duration) -> Vec<(Instant, Seen)> {
    let v = d.version.as_str();
    let failure = format!("ReplicaFailure: pods \"{}-7c9f4\" is forbidden: exceeded quota: compute-resources", d.service);
    vec![
        (now, seen(v, Health::Degraded, Some(&failure), replicas(1, 2))),
        (now + every.mul_f32(1.5), seen(v, Health::Progressing, Some("2 of 2 replicas updated, 1 available"), replicas(1, 2))),
        (now + every * 2, as_released(d)),
    ]
}

/// Someone sets another image by hand (drift); later it is put back.
fn hand_edit(d: &Deployment, now: Instant, every: Duration) -> Vec<(Instant, Seen)> {
    let edited = format!("{}-hotfix", d.version);
    vec![(now, seen(&edited, Health::Healthy, None, replicas(2, 2))), (now + every * 3, as_released(d))]
}

/// A restart rolls new replicas through, on the same version.
fn restart(d: &Deployment, now: Instant, every: Duration) -> Vec<(Instant, Seen)> {
    let rolling = seen(&d.version, Health::Progressing, Some("1 of 2 replicas updated, 2 available"), replicas(2, 1));
    vec![(now, rolling), (now + every.mul_f32(0.4), as_released(d))]
}

/// A simulated cluster reports what its simulated job does to the workload:
/// progressing while the job runs, healthy on the new version once it succeeded.
pub(crate) async fn job_moved(backend: &Backend, job: &JobRecord, state: airlock_domain::dispatch::JobState) {
    use airlock_domain::dispatch::JobState;
    let Ok(snapshot) = backend.status_snapshot().await else { return };
    let Some(cluster) = snapshot.world.clusters.iter().find(|c| c.name == job.view.cluster).cloned() else { return };
    drop(snapshot);
    let version = job.view.version.as_str();
    let seen = match state {
        JobState::Running => seen(version, Health::Progressing, Some("1 of 2 replicas updated, 2 available"), replicas(2, 1)),
        JobState::Succeeded => seen(version, Health::Healthy, None, replicas(2, 2)),
        _ => return,
    };
    if let Err(error) = record(backend, observation(&cluster, &job.view.tenant, &job.service, seen)).await {
        tracing::warn!(cluster = %cluster.name, error = %error, "could not record what the simulated cluster reports");
    }
}
