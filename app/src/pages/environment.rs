//! One environment: its gate, the clusters serving each region, and the
//! workloads that need attention.

use crate::components::freeze_panel::{FreezeLine, heading};
use crate::components::health::{HealthChip, HealthCountsView};
use crate::components::loaded::Loaded;
use crate::server_fns::status::load_environment_detail;
use airlock_domain::status::EnvironmentDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn EnvironmentPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(move || params.read().get("name").unwrap_or_default(), load_environment_detail);
    view! {
        <Loaded resource=detail render=|detail| view! { <EnvironmentView detail/> }/>
    }
}

#[component]
fn EnvironmentView(detail: EnvironmentDetail) -> impl IntoView {
    let environment = detail.environment;
    let (freeze, open) = (detail.freeze, detail.frozen);
    let gate = if environment.protected {
        format!("Protected: a release needs {} approvals and a complete checklist.", environment.required_approvals)
    } else {
        "Not protected: releases are dispatched without approvals.".to_owned()
    };
    let regions = detail
        .regions
        .into_iter()
        .map(|summary| {
            let clusters =
                summary.clusters.iter().map(|c| view! { <li class="mono" title=c.api_url.clone()>{c.name.clone()}</li> }).collect_view();
            view! {
                <section class="card">
                    <h2><a href=format!("/regions/{}", summary.region.name)>{summary.region.display_name.clone()}</a></h2>
                    {if summary.clusters.is_empty() {
                        view! { <p class="summary">"No cluster serves this region."</p> }.into_any()
                    } else {
                        view! { <ul class="clusters">{clusters}</ul> }.into_any()
                    }}
                    <p>{summary.tenants}" tenants"</p>
                    <HealthCountsView counts=summary.health/>
                </section>
            }
        })
        .collect_view();
    let calm = detail.attention.is_empty();
    let attention = detail
        .attention
        .into_iter()
        .map(|placed| {
            let d = placed.deployment;
            view! {
                <tr>
                    <td><a href=format!("/tenants/{}", d.tenant)>{d.tenant.clone()}</a></td>
                    <td>{d.region}</td>
                    <td>{d.service}</td>
                    <td class="mono">{d.version}</td>
                    <td><HealthChip health=d.health/></td>
                    <td class="mono">{placed.cluster.unwrap_or_else(|| "—".into())}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=environment.name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/">"Overview"</a>" / "{environment.name.clone()}</nav>
        <h1>"Environment "{environment.name.clone()}</h1>
        <p class="summary">
            {environment.protected.then(|| view! {
                <span class="badge badge-protected">"protected · "{environment.required_approvals}" approvals"</span>" "
            })}
            {gate}
        </p>
        {freeze.map(|freeze| view! {
            <section class="freeze" data-testid="freeze" data-open=open.to_string()>
                <h2>{heading(open)}</h2>
                <FreezeLine freeze open/>
            </section>
        })}
        <div class="grid">{regions}</div>
        <h2>"Needs attention"</h2>
        {if calm {
            view! { <p class="summary">"Every workload here is healthy or not yet observed."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <table class="data">
                        <thead><tr>
                            <th scope="col">"Tenant"</th><th scope="col">"Region"</th><th scope="col">"Service"</th>
                            <th scope="col">"Version"</th><th scope="col">"Health"</th><th scope="col">"Cluster"</th>
                        </tr></thead>
                        <tbody>{attention}</tbody>
                    </table>
                </div>
            }.into_any()
        }}
    }
}
