//! The landing page: environments (promotion order) × regions, with the
//! clusters serving each cell, how many tenants run there and how they are.

use crate::components::connection::ConnectionBadge;
use crate::components::health::HealthCountsView;
use crate::components::loaded::Loaded;
use crate::server_fns::status::load_overview;
use airlock_domain::dispatch::ClusterConnection;
use airlock_domain::status::{Overview, OverviewCell, OverviewRow};
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn OverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| load_overview());
    view! {
        <Title text="Overview"/>
        <Loaded resource=overview render=|loaded| view! { <OverviewTable overview=loaded.view connections=loaded.connections/> }/>
    }
}

#[component]
fn OverviewTable(overview: Overview, connections: Vec<ClusterConnection>) -> impl IntoView {
    if overview.rows.is_empty() {
        return view! { <NoWorldYet/> }.into_any();
    }
    let region_headers = overview
        .regions
        .iter()
        .map(|r| view! { <th scope="col"><a href=format!("/regions/{}", r.name)>{r.display_name.clone()}</a></th> })
        .collect_view();
    let rows = overview.rows.into_iter().map(|row| view! { <EnvironmentRow row connections=connections.clone()/> }).collect_view();
    view! {
        <h1>"Overview"</h1>
        <p class="summary">
            {overview.tenant_count}" tenants · "
            <HealthCountsView counts=overview.health/>
        </p>
        <div class="table-wrap">
            <table class="overview" data-testid="overview">
                <thead>
                    <tr><th scope="col">"Environment"</th>{region_headers}</tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

/// A new install: nothing to show until a world is applied, and how to apply one.
#[component]
fn NoWorldYet() -> impl IntoView {
    view! {
        <h1>"Overview"</h1>
        <section class="empty-world" data-testid="no-world">
            <h2>"No world yet"</h2>
            <p>
                "Airlock does not know your environments, regions, clusters, services and tenants yet. "
                "Describe them in one world file, review it like code, and apply it:"
            </p>
            <pre><code>"airlock apply -f world.yaml --dry-run   # the plan\nairlock apply -f world.yaml             # applied in one audited transaction"</code></pre>
            <p>
                "A pipeline with an admin token sends the file to "<code>"PUT /api/v1/world"</code>
                " instead. The demo's file ("<code>"backend/demo/world.yaml"</code>") is a complete example; "
                <code>"airlock seed --demo"</code>" applies it. Its keys are described by "
                <code>"/api/v1/world/schema.json"</code>"."
            </p>
        </section>
    }
}

#[component]
fn EnvironmentRow(row: OverviewRow, connections: Vec<ClusterConnection>) -> impl IntoView {
    let environment = row.environment;
    let gate = environment.protected.then(|| {
        view! { <span class="badge badge-protected">"protected · "{environment.required_approvals}" approvals"</span> }
    });
    let cells = row.cells.into_iter().map(|cell| view! { <RegionCell cell connections=connections.clone()/> }).collect_view();
    view! {
        <tr>
            <th scope="row">
                <a href=format!("/environments/{}", environment.name)>{environment.name.clone()}</a>
                " "{gate}
            </th>
            {cells}
        </tr>
    }
}

#[component]
fn RegionCell(cell: OverviewCell, connections: Vec<ClusterConnection>) -> impl IntoView {
    if cell.clusters.is_empty() {
        return view! { <td class="overview-cell unserved">"no cluster"</td> }.into_any();
    }
    view! {
        <td class="overview-cell">
            <span class="clusters">
                {cell.clusters.into_iter().map(|cluster| view! { <ConnectionBadge cluster connections=connections.clone()/> }).collect_view()}
            </span>
            <span class="tenants">{cell.tenants}" tenants"</span>
            <HealthCountsView counts=cell.health/>
        </td>
    }
    .into_any()
}
