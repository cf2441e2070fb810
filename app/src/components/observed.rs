//! A workload as released beside what its cluster reports, and the history
//! of what the clusters reported: for the tenant page.

use crate::components::health::HealthChip;
use airlock_domain::Health;
use airlock_domain::observed::{Observation, Transition};
use airlock_domain::status::PlacedDeployment;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

/// One row of the workloads table.
pub struct Workload {
    environment: String,
    region: String,
    service: String,
    released: Option<String>,
    previous: Option<String>,
    observed: Option<Observation>,
    health: Health,
    drift: bool,
    cluster: Option<String>,
    namespace: Option<String>,
    changed_at: DateTime<Utc>,
}

pub fn released(placed: PlacedDeployment) -> Workload {
    let d = placed.deployment;
    let changed_at = placed.observed.as_ref().map_or(d.changed_at, |o| o.changed_at.max(d.changed_at));
    Workload {
        environment: d.environment,
        region: d.region,
        service: d.service,
        released: Some(d.version),
        previous: d.previous_version,
        health: placed.health,
        drift: placed.drift,
        observed: placed.observed,
        cluster: placed.cluster,
        namespace: placed.namespace,
        changed_at,
    }
}

/// A workload its cluster runs that Airlock never released.
pub fn unreleased(observed: Observation) -> Workload {
    Workload {
        environment: observed.environment.clone(),
        region: observed.region.clone(),
        service: observed.service.clone(),
        released: None,
        previous: None,
        health: observed.seen.health,
        drift: airlock_domain::observed::drifts_from(None, &observed.seen),
        cluster: Some(observed.cluster.clone()),
        namespace: None,
        changed_at: observed.changed_at,
        observed: Some(observed),
    }
}

fn when(at: DateTime<Utc>) -> impl IntoView {
    view! { <time datetime=at.to_rfc3339()>{at.format("%Y-%m-%d %H:%M UTC").to_string()}</time> }
}

/// A workload's row: released, running, health with its reason, replicas.
pub fn workload_row(w: Workload) -> impl IntoView {
    let running = match w.observed.as_ref() {
        None => view! { <span class="muted" title="Its cluster has not reported it yet">"not observed"</span> }.into_any(),
        Some(o) => {
            let version = o.seen.version.clone().unwrap_or_else(|| "—".into());
            let title = if w.drift { "The cluster runs another version than Airlock released" } else { "" };
            view! { <span class:drift-version=w.drift title=title>{version}</span> }.into_any()
        }
    };
    let reason = w.observed.as_ref().and_then(|o| o.seen.reason.clone());
    let replicas = w.observed.as_ref().map(|o| {
        let r = o.seen.replicas;
        format!("{}/{} ready · {} updated · {} available", r.ready, r.desired, r.updated, r.available)
    });
    view! {
        <tr data-health=w.health.as_str() data-drift=w.drift.to_string()>
            <td><a href=format!("/environments/{}", w.environment)>{w.environment.clone()}</a></td>
            <td><a href=format!("/regions/{}", w.region)>{w.region.clone()}</a></td>
            <td>{w.service}</td>
            <td class="mono">{w.released.unwrap_or_else(|| "never released".into())}</td>
            <td class="mono">{running}</td>
            <td class="mono">{w.previous.unwrap_or_else(|| "—".into())}</td>
            <td><HealthChip health=w.health/>{reason.map(|r| view! { <div class="reason">{r}</div> })}</td>
            <td class="num">{replicas.unwrap_or_else(|| "—".into())}</td>
            <td class="mono">{w.cluster.unwrap_or_else(|| "—".into())}</td>
            <td class="mono">{w.namespace.unwrap_or_else(|| "—".into())}</td>
            <td>{when(w.changed_at)}</td>
        </tr>
    }
}

/// When each workload's reported version or health changed, newest first,
/// with what Airlock had released there then.
#[component]
pub fn ObservedHistory(history: Vec<Transition>) -> impl IntoView {
    if history.is_empty() {
        return ().into_any();
    }
    let rows = history
        .into_iter()
        .map(|t| {
            view! {
                <tr data-health=t.seen.health.as_str()>
                    <td>{when(t.at)}</td>
                    <td>{format!("{} · {}", t.environment, t.region)}</td>
                    <td>{t.service}</td>
                    <td class="mono">{t.seen.version.unwrap_or_else(|| "—".into())}</td>
                    <td><HealthChip health=t.seen.health/>{t.seen.reason.map(|r| view! { <div class="reason">{r}</div> })}</td>
                    <td class="mono">{t.intended_version.unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"What the clusters reported"</h2>
        <div class="table-wrap" data-testid="observed-history">
            <table class="data">
                <thead><tr>
                    <th scope="col">"When"</th><th scope="col">"Where"</th><th scope="col">"Service"</th>
                    <th scope="col">"Running"</th><th scope="col">"Health"</th><th scope="col">"Released then"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
