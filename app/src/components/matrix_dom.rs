//! The browser half of the tenants matrix (compiled for `hydrate` only): the
//! rows are server-rendered HTML outside the island, so the island works on
//! them through the DOM. Each row carries what the filter reads (`data-*`
//! and its header's text); cells are redrawn with the same `cell_look` the
//! server rendered them with.

use crate::components::live::use_live_status;
use crate::components::matrix_cell::{CellLook, cell_look, place};
use crate::server_fns::status::load_tenant_matrix;
use airlock_domain::Health;
use airlock_domain::status::{HealthFilter, MatrixFilter, MatrixRow, TenantMatrix};
use leptos::prelude::*;
use std::collections::HashMap;
use wasm_bindgen::JsCast;
use web_sys::Element;

/// The island's state the DOM work reads and updates.
pub struct Following {
    pub text: RwSignal<String>,
    pub health: RwSignal<HealthFilter>,
    pub shown: RwSignal<usize>,
    pub reshaped: RwSignal<bool>,
    pub service: Option<String>,
}

/// A server-rendered row and what the filter needs to know of it.
struct Row {
    element: Element,
    probe: MatrixRow,
}

pub fn follow(following: Following) {
    let Following { text, health, shown, reshaped, service } = following;
    let rows = StoredValue::new_local(read_rows());
    // Goes up when a live patch changed a row's health, which the filter reads.
    let patched = RwSignal::new(0u32);
    Effect::new(move |_| {
        patched.track();
        let filter = MatrixFilter { text: text.get(), health: health.get() };
        let count = rows.with_value(|rows| {
            rows.iter()
                .filter(|row| {
                    let keep = filter.matches(&row.probe);
                    let _ = row.element.toggle_attribute_with_force("hidden", !keep);
                    keep
                })
                .count()
        });
        shown.set(count);
    });
    let live = use_live_status();
    Effect::new(move |_| {
        if live.pushes.get() == 0 {
            return;
        }
        let service = service.clone();
        leptos::task::spawn_local(async move {
            // A failed refetch leaves the cells as they were; the next push retries.
            let Ok(matrix) = load_tenant_matrix(service).await else { return };
            let mut fits = None;
            rows.update_value(|rows| fits = patch(rows, &matrix));
            match fits {
                Some(()) => patched.update(|n| *n += 1),
                None => reshaped.set(true),
            }
        });
    });
}

fn read_rows() -> Vec<Row> {
    let Some(list) = document().query_selector_all("[data-testid=tenant-matrix] tbody tr").ok() else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|index| list.item(index)?.dyn_into::<Element>().ok())
        .map(|element| {
            let attribute = |name: &str| element.get_attribute(name).unwrap_or_default();
            let text = |selector: &str| element.query_selector(selector).ok().flatten().and_then(|e| e.text_content()).unwrap_or_default();
            let probe = MatrixRow {
                slug: attribute("data-tenant"),
                name: text("th a"),
                primary_region: attribute("data-region"),
                data_residency: text(".residency"),
                health: Health::parse(&attribute("data-health")).unwrap_or(Health::Unknown),
                drift: false,
                cells: Vec::new(),
            };
            Row { element, probe }
        })
        .collect()
}

/// Redraws the cells that changed; `None` (and nothing touched) when the
/// fresh matrix has other rows or columns than the page.
fn patch(rows: &mut [Row], matrix: &TenantMatrix) -> Option<()> {
    let fresh: HashMap<&str, &MatrixRow> = matrix.rows.iter().map(|row| (row.slug.as_str(), row)).collect();
    let same_shape = fresh.len() == rows.len()
        && rows.iter().all(|row| {
            // The row's header, then one cell per column.
            fresh.contains_key(row.probe.slug.as_str()) && row.element.children().length() as usize == matrix.columns.len() + 1
        });
    if !same_shape {
        return None;
    }
    let places: Vec<String> = matrix.columns.iter().map(place).collect();
    for row in rows {
        let fresh_row = fresh[row.probe.slug.as_str()];
        row.probe.health = fresh_row.health;
        let _ = row.element.set_attribute("data-health", fresh_row.health.as_str());
        let cells = row.element.children();
        for (index, (cell, place)) in fresh_row.cells.iter().zip(&places).enumerate() {
            let Some(td) = u32::try_from(index + 1).ok().and_then(|i| cells.item(i)) else { continue };
            let look = cell_look(cell, place);
            let title = look.title.to_string();
            if td.get_attribute("title").as_deref() != Some(title.as_str()) || td.class_name() != look.class {
                redraw(&td, &look, &title);
            }
        }
    }
    Some(())
}

fn redraw(td: &Element, look: &CellLook, title: &str) {
    td.set_class_name(look.class);
    let _ = td.set_attribute("title", title);
    td.set_text_content(None);
    let spans = [("version", look.version), ("actual", look.actual), ("visually-hidden", look.spoken)];
    for (class, text) in spans {
        let Some(text) = text else { continue };
        if let Ok(span) = document().create_element("span") {
            span.set_class_name(class);
            span.set_text_content(Some(text));
            let _ = td.append_child(&span);
        }
    }
}
