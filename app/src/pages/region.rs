//! One region: the clusters serving it per environment and the tenants
//! allowed to run there.

use crate::components::connection::ConnectionBadge;
use crate::components::health::{HealthChip, HealthCountsView};
use crate::components::loaded::Loaded;
use crate::server_fns::status::load_region_detail;
use airlock_domain::dispatch::ClusterConnection;
use airlock_domain::status::RegionDetail;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

#[component]
pub fn RegionPage() -> impl IntoView {
    let params = use_params_map();
    let detail = Resource::new(move || params.read().get("name").unwrap_or_default(), load_region_detail);
    view! {
        <Loaded resource=detail render=|loaded| view! { <RegionView detail=loaded.view connections=loaded.connections/> }/>
    }
}

#[component]
fn RegionView(detail: RegionDetail, connections: Vec<ClusterConnection>) -> impl IntoView {
    let region = detail.region;
    let environments = detail
        .environments
        .into_iter()
        .map(|(environment, clusters, health)| {
            let names = if clusters.is_empty() {
                "no cluster".into_any()
            } else {
                let connections = connections.clone();
                clusters
                    .into_iter()
                    .map(move |c| view! { <ConnectionBadge cluster=c.name connections=connections.clone()/>" " })
                    .collect_view()
                    .into_any()
            };
            view! {
                <tr>
                    <th scope="row"><a href=format!("/environments/{}", environment.name)>{environment.name.clone()}</a></th>
                    <td class="mono">{names}</td>
                    <td><HealthCountsView counts=health/></td>
                </tr>
            }
        })
        .collect_view();
    let tenant_count = detail.tenants.len();
    let tenants = detail
        .tenants
        .into_iter()
        .map(|t| {
            view! {
                <tr>
                    <td><a href=format!("/tenants/{}", t.slug)>{t.name}</a></td>
                    <td class="mono">{t.slug}</td>
                    <td>{t.primary.then(|| view! { <span class="badge">"primary"</span> })}</td>
                    <td><HealthChip health=t.health/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <Title text=region.display_name.clone()/>
        <nav class="breadcrumbs" aria-label="Breadcrumbs"><a href="/">"Overview"</a>" / "{region.name.clone()}</nav>
        <h1>"Region "{region.display_name.clone()}</h1>
        <h2>"Clusters"</h2>
        <div class="table-wrap">
            <table class="data">
                <thead><tr><th scope="col">"Environment"</th><th scope="col">"Clusters"</th><th scope="col">"Health"</th></tr></thead>
                <tbody>{environments}</tbody>
            </table>
        </div>
        <h2>{tenant_count}" tenants may run here"</h2>
        <div class="table-wrap">
            <table class="data">
                <thead><tr><th scope="col">"Tenant"</th><th scope="col">"Slug"</th><th scope="col">"Primary"</th><th scope="col">"Health here"</th></tr></thead>
                <tbody>{tenants}</tbody>
            </table>
        </div>
    }
}
