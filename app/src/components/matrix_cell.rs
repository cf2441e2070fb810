//! How one matrix cell looks: its class, its title and what it says. One
//! function for both halves, so the server's first render (`matrix_rows`)
//! and the browser's live patch (`matrix_dom`) cannot drift apart. A
//! 1,000-tenant matrix has 15,000 cells, so a look borrows from the cell:
//! classes and spoken words are fixed strings, the title is written where
//! it goes (`CellTitle` is `Display`), and each column's place name is made
//! once, not per cell.

use airlock_domain::Health;
use airlock_domain::status::{MatrixCell, MatrixColumn};
use std::fmt;

/// A cell as attributes and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellLook<'a> {
    pub class: &'static str,
    pub title: CellTitle<'a>,
    /// The released version, shown in the cell.
    pub version: Option<&'a str>,
    /// The version the cluster reports instead, when it is another one.
    pub actual: Option<&'a str>,
    /// Health and drift in words, for screen readers (colour is not enough).
    pub spoken: Option<&'static str>,
}

/// "production · frankfurt: 2.14.3, healthy": what hovering a cell says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CellTitle<'a> {
    NotAllowed { place: &'a str },
    NotDeployed { place: &'a str },
    Running { place: &'a str, version: &'a str, health: Health, drift: bool, actual: Option<&'a str> },
}

impl fmt::Display for CellTitle<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CellTitle::NotAllowed { place } => write!(f, "{place}: not allowed by data residency"),
            CellTitle::NotDeployed { place } => write!(f, "{place}: not deployed"),
            CellTitle::Running { place, version, health, drift, actual } => {
                write!(f, "{place}: {version}")?;
                if let Some(actual) = actual {
                    write!(f, " released, the cluster runs {actual}")?;
                }
                let drift_words = if *drift { ", differs from other regions" } else { "" };
                write!(f, ", {health}{drift_words}")
            }
        }
    }
}

/// "production · frankfurt": what every cell's title starts with.
pub fn place(column: &MatrixColumn) -> String {
    format!("{} · {}", column.environment, column.region)
}

pub fn cell_look<'a>(cell: &'a MatrixCell, place: &'a str) -> CellLook<'a> {
    match cell {
        MatrixCell::NotAllowed => {
            CellLook { class: "cell cell-not-allowed", title: CellTitle::NotAllowed { place }, version: None, actual: None, spoken: None }
        }
        MatrixCell::NotDeployed => {
            CellLook { class: "cell cell-empty", title: CellTitle::NotDeployed { place }, version: None, actual: None, spoken: None }
        }
        MatrixCell::Running { version, health, drift, actual } => {
            let actual = actual.as_deref();
            let (class, spoken) = running(*health, *drift || actual.is_some());
            CellLook {
                class,
                title: CellTitle::Running { place, version, health: *health, drift: *drift, actual },
                version: Some(version),
                actual,
                spoken: Some(spoken),
            }
        }
    }
}

/// The class and the spoken words of a running cell.
fn running(health: Health, drift: bool) -> (&'static str, &'static str) {
    match (health, drift) {
        (Health::Healthy, false) => ("cell cell-running health-healthy", " healthy"),
        (Health::Healthy, true) => ("cell cell-running health-healthy drift", " healthy, drift"),
        (Health::Progressing, false) => ("cell cell-running health-progressing", " progressing"),
        (Health::Progressing, true) => ("cell cell-running health-progressing drift", " progressing, drift"),
        (Health::Unknown, false) => ("cell cell-running health-unknown", " unknown"),
        (Health::Unknown, true) => ("cell cell-running health-unknown drift", " unknown, drift"),
        (Health::Degraded, false) => ("cell cell-running health-degraded", " degraded"),
        (Health::Degraded, true) => ("cell cell-running health-degraded drift", " degraded, drift"),
        (Health::Missing, false) => ("cell cell-running health-missing", " missing"),
        (Health::Missing, true) => ("cell cell-running health-missing drift", " missing, drift"),
        (Health::Failing, false) => ("cell cell-running health-failing", " failing"),
        (Health::Failing, true) => ("cell cell-running health-failing drift", " failing, drift"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::health::health_class;

    #[test]
    fn a_running_cell_says_its_health_in_its_class_and_in_words() {
        for health in Health::ALL {
            for drift in [false, true] {
                let (class, spoken) = running(health, drift);
                assert!(class.split(' ').any(|c| c == health_class(health)), "{class}");
                assert_eq!(class.ends_with(" drift"), drift, "{class}");
                assert!(spoken.starts_with(&format!(" {}", health.as_str())), "{spoken}");
                assert_eq!(spoken.ends_with(", drift"), drift, "{spoken}");
            }
        }
    }

    #[test]
    fn a_title_names_the_place_the_version_the_health_and_any_drift() {
        let cell = MatrixCell::Running { version: "2.0.0".into(), health: Health::Degraded, drift: true, actual: None };
        let look = cell_look(&cell, "production · frankfurt");
        assert_eq!(look.title.to_string(), "production · frankfurt: 2.0.0, degraded, differs from other regions");
        let cell = MatrixCell::Running { version: "2.0.0".into(), health: Health::Healthy, drift: false, actual: Some("2.0.1".into()) };
        let look = cell_look(&cell, "production · frankfurt");
        assert_eq!(look.title.to_string(), "production · frankfurt: 2.0.0 released, the cluster runs 2.0.1, healthy");
        assert_eq!((look.actual, look.spoken), (Some("2.0.1"), Some(" healthy, drift")));
        assert_eq!(cell_look(&MatrixCell::NotDeployed, "staging · lagos").title.to_string(), "staging · lagos: not deployed");
    }
}
