//! Checklist templates: the items a release in an environment must have
//! checked before dispatch. Production's default is the pre-deployment
//! checklist of the deployment guides Airlock was born from.

/// The nine production pre-deployment items, in the order people work them.
pub const PRODUCTION_CHECKLIST: [&str; 9] = [
    "All staging tests passing",
    "Security scan clean (no critical or high findings)",
    "Database migration tested on staging",
    "Performance benchmarks within thresholds",
    "Rollback procedure documented and tested",
    "DNS records prepared",
    "TLS certificates provisioned",
    "Monitoring and alerting configured",
    "On-call team notified",
];

/// The default template for an environment: the production checklist for a
/// protected environment, nothing for the others.
pub fn default_checklist(protected: bool) -> Vec<String> {
    if protected { PRODUCTION_CHECKLIST.iter().map(|item| (*item).to_owned()).collect() } else { Vec::new() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_protected_environment_starts_with_the_nine_production_items() {
        let items = default_checklist(true);
        assert_eq!(items.len(), 9);
        assert_eq!(items.first().map(String::as_str), Some("All staging tests passing"));
        assert_eq!(items.last().map(String::as_str), Some("On-call team notified"));
    }

    #[test]
    fn an_unprotected_environment_has_no_default_items() {
        assert!(default_checklist(false).is_empty());
    }
}
