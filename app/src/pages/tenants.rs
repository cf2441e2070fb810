//! The tenants matrix: rows tenants, columns environment × region, each cell
//! the version and health of one service. Rendered on the server only; the
//! filter is a plain GET form, so it works without JavaScript. The filter and
//! count are an island (`TenantFilter`): once hydrated, the same domain filter
//! runs in the browser as you type, and cells follow what runs live.

use crate::components::loaded::Loaded;
use crate::components::matrix_cell::place;
use crate::components::matrix_rows::matrix_rows_html;
use crate::components::tenant_filter::TenantFilter;
use crate::server_fns::status::load_tenant_matrix;
use airlock_domain::status::{HealthFilter, MatrixColumn, MatrixFilter, TenantMatrix};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use std::sync::Arc;

#[component]
pub fn TenantsPage() -> impl IntoView {
    let query = use_query_map();
    let service = query.read_untracked().get("service");
    let matrix = Resource::new(move || service.clone(), load_tenant_matrix);
    let initial = query.read_untracked();
    let filter = MatrixFilter {
        text: initial.get("q").unwrap_or_default(),
        health: HealthFilter::from_param(&initial.get("health").unwrap_or_default()),
    };
    view! {
        <Title text="Tenants"/>
        <h1>"Tenants"</h1>
        <Loaded resource=matrix render=move |matrix| matrix_view(matrix, &filter)/>
    }
}

fn matrix_view(matrix: Arc<TenantMatrix>, filter: &MatrixFilter) -> impl IntoView + use<> {
    let total = matrix.rows.len();
    let shown = matrix.rows.iter().filter(|row| filter.matches(row)).count();
    let head = matrix_head(&matrix.columns);
    let places: Vec<String> = matrix.columns.iter().map(place).collect();
    let rows = matrix_rows_html(&matrix.rows, &places, filter);
    view! {
        <TenantFilter services=matrix.services.clone() service=matrix.service.clone() text=filter.text.clone() health=filter.health total shown/>
        <div class="table-wrap">
            <table class="matrix" data-testid="tenant-matrix">
                {head}
                <tbody inner_html=rows></tbody>
            </table>
        </div>
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
