//! The tenants matrix's filter and count: the only part of that page that
//! runs in the browser (an island). The matrix itself stays server-rendered
//! HTML. Once hydrated, the island hides the rows that do not match as you
//! type — with the domain's own `MatrixFilter`, as the server does for the
//! GET form — and patches the cells that changed when `/live/status` says
//! something ran somewhere (`matrix_dom`).

use crate::components::hydrated::hydrated_marker;
use airlock_domain::status::HealthFilter;
use leptos::prelude::*;

#[island]
pub fn TenantFilter(
    /// Every service, for the service menu; `service` is the one shown.
    services: Vec<String>,
    service: Option<String>,
    /// The filter the page was rendered with (from the address).
    text: String,
    health: HealthFilter,
    /// Tenants in the matrix, and how many the filter above shows.
    total: usize,
    shown: usize,
) -> impl IntoView {
    let text = RwSignal::new(text);
    let health = RwSignal::new(health);
    let shown = RwSignal::new(shown);
    // Rows or columns that appeared since the page was rendered: patching
    // cells in place would misplace them, so the page offers a reload.
    let reshaped = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    crate::components::matrix_dom::follow(crate::components::matrix_dom::Following {
        text,
        health,
        shown,
        reshaped,
        service: service.clone(),
    });
    let hydrated = hydrated_marker();
    let health_options = HealthFilter::choices()
        .into_iter()
        .map(|choice| {
            view! { <option value=choice.as_param() selected=move || health.get() == choice>{choice.label()}</option> }
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
        <form id="matrix-filters" class="filters" method="get" action="/tenants" role="search" data-hydrated=hydrated>
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
        <p id="matrix-count" class="summary" aria-live="polite">
            "Showing "{move || shown.get()}" of "{total}" tenants"
        </p>
        {move || reshaped.get().then(|| view! {
            <p class="hint" role="status" data-testid="matrix-reshaped">
                "Tenants or clusters changed since this page was loaded. "<a href="">"Reload"</a>" to see them."
            </p>
        })}
    }
}
