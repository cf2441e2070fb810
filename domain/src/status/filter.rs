//! The tenants matrix filter. The server applies it to a GET form (so it works
//! without JavaScript) and the browser applies the same code as you type.

use super::MatrixRow;
use crate::Health;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HealthFilter {
    #[default]
    Any,
    /// Degraded or failing: what a release manager looks at first.
    NeedsAttention,
    Only(Health),
}

impl HealthFilter {
    /// Every choice, in the order the filter menu offers them.
    pub fn choices() -> Vec<HealthFilter> {
        let mut all = vec![HealthFilter::Any, HealthFilter::NeedsAttention];
        all.extend(Health::ALL.into_iter().map(HealthFilter::Only));
        all
    }

    /// The value used in the `health` query parameter.
    pub fn as_param(self) -> &'static str {
        match self {
            HealthFilter::Any => "",
            HealthFilter::NeedsAttention => "attention",
            HealthFilter::Only(health) => health.as_str(),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            HealthFilter::Any => "Any health",
            HealthFilter::NeedsAttention => "Needs attention",
            HealthFilter::Only(Health::Healthy) => "Healthy",
            HealthFilter::Only(Health::Progressing) => "Progressing",
            HealthFilter::Only(Health::Unknown) => "Unknown",
            HealthFilter::Only(Health::Degraded) => "Degraded",
            HealthFilter::Only(Health::Missing) => "Missing",
            HealthFilter::Only(Health::Failing) => "Failing",
        }
    }

    /// Unknown values mean "any": a stale bookmark still shows the matrix.
    pub fn from_param(param: &str) -> HealthFilter {
        match param {
            "attention" => HealthFilter::NeedsAttention,
            other => Health::parse(other).map(HealthFilter::Only).unwrap_or(HealthFilter::Any),
        }
    }

    pub fn admits(self, health: Health) -> bool {
        match self {
            HealthFilter::Any => true,
            HealthFilter::NeedsAttention => health >= Health::Degraded,
            HealthFilter::Only(wanted) => health == wanted,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MatrixFilter {
    pub text: String,
    pub health: HealthFilter,
}

impl MatrixFilter {
    /// Text matches, case-insensitively, the slug, name, residency or primary region.
    pub fn matches(&self, row: &MatrixRow) -> bool {
        self.health.admits(row.health) && self.matches_text(row)
    }

    fn matches_text(&self, row: &MatrixRow) -> bool {
        let needle = self.text.trim().to_lowercase();
        needle.is_empty()
            || [&row.slug, &row.name, &row.data_residency, &row.primary_region].iter().any(|field| field.to_lowercase().contains(&needle))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::fixtures::small_world;
    use crate::status::tenant_matrix;

    fn matching(filter: &MatrixFilter) -> Vec<String> {
        let matrix = tenant_matrix(&small_world(), None);
        matrix.rows.iter().filter(|r| filter.matches(r)).map(|r| r.slug.clone()).collect()
    }

    #[test]
    fn an_empty_filter_shows_every_tenant() {
        assert_eq!(matching(&MatrixFilter::default()), ["acme", "globex", "initech"]);
    }

    #[test]
    fn text_matches_slug_name_residency_or_region_ignoring_case() {
        let by = |text: &str| matching(&MatrixFilter { text: text.into(), ..Default::default() });
        assert_eq!(by("GLOB"), ["globex"]);
        assert_eq!(by("eu"), ["acme"]);
        assert_eq!(by("ashburn"), ["globex", "initech"]);
        assert!(by("nobody").is_empty());
    }

    #[test]
    fn needs_attention_keeps_degraded_and_failing_tenants_only() {
        let filter = MatrixFilter { health: HealthFilter::NeedsAttention, ..Default::default() };
        assert_eq!(matching(&filter), ["globex"]);
    }

    #[test]
    fn every_health_choice_survives_a_round_trip_through_the_query_string() {
        for choice in HealthFilter::choices() {
            assert_eq!(HealthFilter::from_param(choice.as_param()), choice);
        }
        assert_eq!(HealthFilter::from_param("bogus"), HealthFilter::Any);
    }
}
