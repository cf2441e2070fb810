//! The tenants matrix: rows tenants, columns environment × region, each cell
//! the version and health of one service. The filter is a plain GET form, so
//! it works without JavaScript; once hydrated, the same domain filter runs in
//! the browser as you type.

use crate::components::health::health_class;
use crate::components::loaded::Loaded;
use crate::server_fns::status::load_tenant_matrix;
use airlock_domain::status::{HealthFilter, MatrixCell, MatrixColumn, MatrixFilter, MatrixRow, TenantMatrix};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::sync::Arc;

#[component]
pub fn TenantsPage() -> impl IntoView {
    let query = use_query_map();
    // Jobs finishing elsewhere move cells: the matrix refetches when told so.
    let live = crate::components::live::use_live_status();
    let matrix = Resource::new(move || (query.read().get("service"), live.pushes.get()), |(service, _)| load_tenant_matrix(service));
    // The filter starts from the URL (what a GET submit produced) and is then
    // driven by the inputs; both server and browser evaluate it the same way.
    let initial = query.read_untracked();
    let text = RwSignal::new(initial.get("q").unwrap_or_default());
    let health = RwSignal::new(HealthFilter::from_param(&initial.get("health").unwrap_or_default()));
    let filter = Signal::derive(move || MatrixFilter { text: text.get(), health: health.get() });
    view! {
        <Title text="Tenants"/>
        <h1>"Tenants"</h1>
        <Loaded resource=matrix render=move |matrix| view! { <Matrix matrix text health filter/> }/>
    }
}

#[component]
fn Matrix(matrix: TenantMatrix, text: RwSignal<String>, health: RwSignal<HealthFilter>, filter: Signal<MatrixFilter>) -> impl IntoView {
    let total = matrix.rows.len();
    // Split each row's cells off once: what remains is enough to evaluate the
    // filter, shared by the count and by every row's `hidden` attribute.
    let mut cell_lists = Vec::with_capacity(total);
    let mut probes = Vec::with_capacity(total);
    for mut row in matrix.rows {
        cell_lists.push(std::mem::take(&mut row.cells));
        probes.push(row);
    }
    let probes = Arc::new(probes);
    let shown = {
        let probes = Arc::clone(&probes);
        move || filter.with(|f| probes.iter().filter(|r| f.matches(r)).count())
    };
    let head = matrix_head(&matrix.columns);
    let rows =
        cell_lists.into_iter().enumerate().map(|(index, cells)| tenant_row(&probes, index, cells, &matrix.columns, filter)).collect_view();
    view! {
        <FilterForm services=matrix.services service=matrix.service text health/>
        <p id="matrix-count" class="summary" aria-live="polite">
            "Showing "{shown}" of "{total}" tenants"
        </p>
        <div class="table-wrap">
            <table class="matrix" data-testid="tenant-matrix">
                {head}
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

#[component]
fn FilterForm(services: Vec<String>, service: Option<String>, text: RwSignal<String>, health: RwSignal<HealthFilter>) -> impl IntoView {
    // Effects run only in the browser: this marks the form once hydrated,
    // which is also what the end-to-end tests wait for.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let health_options = HealthFilter::choices()
        .into_iter()
        .map(|choice| {
            view! {
                <option value=choice.as_param() selected=move || health.get() == choice>{choice.label()}</option>
            }
        })
        .collect_view();
    let service_options = services
        .into_iter()
        .map(|name| {
            let selected = service.as_deref() == Some(name.as_str());
            view! { <option value=name.clone() selected=selected>{name.clone()}</option> }
        })
        .collect_view();
    view! {
        <form id="matrix-filters" class="filters" method="get" action="/tenants" role="search"
            data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            <label for="tenant-filter" class="visually-hidden">"Filter tenants"</label>
            <input type="search" id="tenant-filter" name="q" placeholder="Filter by name, slug, residency or region"
                aria-label="Filter tenants" autocomplete="off"
                value=text.get_untracked()
                on:input=move |ev| text.set(event_target_value(&ev))/>
            <label for="health-filter" class="visually-hidden">"Health"</label>
            <select id="health-filter" name="health"
                on:change=move |ev| health.set(HealthFilter::from_param(&event_target_value(&ev)))>
                {health_options}
            </select>
            <label for="service-filter" class="visually-hidden">"Service"</label>
            <select id="service-filter" name="service">{service_options}</select>
            <button type="submit">"Apply"</button>
        </form>
    }
}

fn matrix_head(columns: &[MatrixColumn]) -> impl IntoView + use<> {
    // Consecutive columns of one environment share a group header.
    let mut groups: Vec<(String, usize)> = Vec::new();
    for column in columns {
        match groups.last_mut() {
            Some((environment, span)) if *environment == column.environment => *span += 1,
            _ => groups.push((column.environment.clone(), 1)),
        }
    }
    let group_headers = groups
        .into_iter()
        .map(|(environment, span)| {
            view! {
                <th scope="colgroup" colspan=span class="env-group">
                    <a href=format!("/environments/{environment}")>{environment.clone()}</a>
                </th>
            }
        })
        .collect_view();
    let region_headers = columns
        .iter()
        .map(|c| view! { <th scope="col" class="region"><a href=format!("/regions/{}", c.region)>{c.region.clone()}</a></th> })
        .collect_view();
    view! {
        <thead>
            <tr><th scope="col" rowspan="2">"Tenant"</th>{group_headers}</tr>
            <tr>{region_headers}</tr>
        </thead>
    }
}

/// One tenant's row; `probes[index]` is the row without its cells.
fn tenant_row(
    probes: &Arc<Vec<MatrixRow>>,
    index: usize,
    cells: Vec<MatrixCell>,
    columns: &[MatrixColumn],
    filter: Signal<MatrixFilter>,
) -> impl IntoView + use<> {
    let row = &probes[index];
    let hidden = {
        let probes = Arc::clone(probes);
        move || filter.with(|f| !f.matches(&probes[index]))
    };
    let cells = cells.into_iter().zip(columns).map(|(cell, column)| matrix_cell(cell, column)).collect_view();
    view! {
        <tr data-tenant=row.slug.clone() data-health=row.health.as_str() hidden=hidden>
            <th scope="row">
                <a href=format!("/tenants/{}", row.slug)>{row.name.clone()}</a>
                <span class="slug">{row.slug.clone()}</span>
                <span class="residency badge" title="Data residency">{row.data_residency.clone()}</span>
            </th>
            {cells}
        </tr>
    }
}

fn matrix_cell(cell: MatrixCell, column: &MatrixColumn) -> AnyView {
    let place = format!("{} · {}", column.environment, column.region);
    match cell {
        MatrixCell::NotAllowed => {
            view! { <td class="cell cell-not-allowed" title=format!("{place}: not allowed by data residency")></td> }.into_any()
        }
        MatrixCell::NotDeployed => view! { <td class="cell cell-empty" title=format!("{place}: not deployed")></td> }.into_any(),
        MatrixCell::Running { version, health, drift } => {
            let class = format!("cell cell-running {}{}", health_class(health), if drift { " drift" } else { "" });
            let title = format!("{place}: {version}, {health}{}", if drift { ", differs from other regions" } else { "" });
            view! {
                <td class=class title=title>
                    <span class="version">{version}</span>
                    <span class="visually-hidden">{format!(" {health}{}", if drift { ", drift" } else { "" })}</span>
                </td>
            }
            .into_any()
        }
    }
}
