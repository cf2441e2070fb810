//! One tenant: where it may run, and what runs for it in every environment
//! and region (as released and as its clusters report it), with the
//! previous version a rollback would restore and how its workloads changed.

use crate::components::health::HealthCountsView;
use crate::components::jobs::JobStateBadge;
use crate::components::loaded::Loaded;
use crate::components::observed::{ObservedHistory, released, unreleased, workload_row};
use crate::server_fns::status::load_tenant_detail;
use airlock_domain::dispatch::TenantJob;
use airlock_domain::status::TenantDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn TenantPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(move || params.read().get("slug").unwrap_or_default(), load_tenant_detail);
    view! {
        <Loaded resource=detail render=|loaded| view! { <TenantView detail=loaded.detail jobs=loaded.jobs/> }/>
    }
}

#[component]
fn TenantView(detail: TenantDetail, jobs: Vec<TenantJob>) -> impl IntoView {
    let tenant = detail.tenant;
    let allowed =
        tenant.allowed_regions.iter().map(|r| view! { <a class="badge" href=format!("/regions/{r}")>{r.clone()}</a>" " }).collect_view();
    let rows = detail.deployments.into_iter().map(|placed| workload_row(released(placed))).collect_view();
    let by_hand = detail.unreleased.into_iter().map(|o| workload_row(unreleased(o))).collect_view();
    view! {
        <Title text=tenant.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/tenants">"Tenants"</a>" / "{tenant.slug.clone()}</nav>
        <h1>{tenant.name.clone()}</h1>
        <p class="summary"><HealthCountsView counts=detail.health/></p>
        <dl class="facts">
            <dt>"Slug"</dt><dd class="mono">{tenant.slug.clone()}</dd>
            <dt>"Primary region"</dt><dd><a href=format!("/regions/{}", tenant.primary_region)>{tenant.primary_region.clone()}</a></dd>
            <dt>"Data residency"</dt><dd>{tenant.data_residency.clone()}</dd>
            <dt>"Allowed regions"</dt><dd>{allowed}</dd>
        </dl>
        <h2>"Workloads"</h2>
        <div class="table-wrap">
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">"Environment"</th><th scope="col">"Region"</th><th scope="col">"Service"</th>
                        <th scope="col">"Released"</th><th scope="col">"Running"</th><th scope="col">"Previous"</th>
                        <th scope="col">"Health"</th><th scope="col">"Replicas"</th>
                        <th scope="col">"Cluster"</th><th scope="col">"Namespace"</th><th scope="col">"Last change"</th>
                    </tr>
                </thead>
                <tbody>{rows}{by_hand}</tbody>
            </table>
        </div>
        <ObservedHistory history=detail.history/>
        <RecentJobs jobs/>
    }
}

/// What was last sent for the tenant, and why a failed one left the old version running.
#[component]
fn RecentJobs(jobs: Vec<TenantJob>) -> impl IntoView {
    if jobs.is_empty() {
        return ().into_any();
    }
    let rows = jobs
        .into_iter()
        .map(|TenantJob { release, job }| {
            // A release that also targets tenants the reader may not see is not linked: it would only answer 404.
            let release = match release {
                Some(release) => view! { <a href=format!("/releases/{release}#jobs")>{format!("#{release}")}</a> }.into_any(),
                None => view! { <span class="muted" title="This release also goes to tenants you do not see">"another team's"</span> }
                    .into_any(),
            };
            view! {
                <tr data-state=job.state.as_str()>
                    <td>{release}</td>
                    <td>{job.kind.as_str()}</td>
                    <td>{job.region.clone()}</td>
                    <td class="mono">{job.version.clone()}</td>
                    <td><JobStateBadge state=job.state/></td>
                    <td>{job.reason.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"Recent deploys and rollbacks"</h2>
        <div class="table-wrap" data-testid="tenant-jobs">
            <table class="data">
                <thead><tr>
                    <th scope="col">"Release"</th><th scope="col">"Kind"</th><th scope="col">"Region"</th>
                    <th scope="col">"Version"</th><th scope="col">"State"</th><th scope="col">"Why"</th>
                </tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}
