//! How one matrix cell looks: its class, its title and what it says. One
//! function for both halves, so the server's first render and the browser's
//! live patch (`tenant_filter`) cannot drift apart.

use crate::components::health::health_class;
use airlock_domain::status::{MatrixCell, MatrixColumn};
use leptos::prelude::*;

/// A cell as attributes and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellLook {
    pub class: String,
    pub title: String,
    /// The running version, shown in the cell.
    pub version: Option<String>,
    /// Health and drift in words, for screen readers (colour is not enough).
    pub spoken: Option<String>,
}

pub fn cell_look(cell: &MatrixCell, column: &MatrixColumn) -> CellLook {
    let place = format!("{} · {}", column.environment, column.region);
    match cell {
        MatrixCell::NotAllowed => CellLook {
            class: "cell cell-not-allowed".into(),
            title: format!("{place}: not allowed by data residency"),
            version: None,
            spoken: None,
        },
        MatrixCell::NotDeployed => {
            CellLook { class: "cell cell-empty".into(), title: format!("{place}: not deployed"), version: None, spoken: None }
        }
        MatrixCell::Running { version, health, drift } => {
            let drift_class = if *drift { " drift" } else { "" };
            let drift_words = if *drift { ", differs from other regions" } else { "" };
            CellLook {
                class: format!("cell cell-running {}{drift_class}", health_class(*health)),
                title: format!("{place}: {version}, {health}{drift_words}"),
                version: Some(version.clone()),
                spoken: Some(format!(" {health}{}", if *drift { ", drift" } else { "" })),
            }
        }
    }
}

/// The cell as the server renders it.
pub fn matrix_cell(look: CellLook) -> impl IntoView {
    let CellLook { class, title, version, spoken } = look;
    view! {
        <td class=class title=title>
            {version.map(|version| view! { <span class="version">{version}</span> })}
            {spoken.map(|spoken| view! { <span class="visually-hidden">{spoken}</span> })}
        </td>
    }
}
