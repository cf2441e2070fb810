//! Pieces of the OIDC relying party that need no provider: the catch-all claims type,
//! group extraction, the constant-time state comparison and the extra provider metadata.

use std::collections::HashMap;

use openidconnect::{AdditionalClaims, AdditionalProviderMetadata};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Every ID-token claim that openidconnect does not model itself.
///
/// A flattened map instead of a struct because the groups claim's name is configuration
/// (`groups`, `roles`, `cognito:groups`, a URL-shaped Auth0 namespace, ...), known only at run time.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    pub claims: HashMap<String, Value>,
}

impl AdditionalClaims for ExtraClaims {}

impl ExtraClaims {
    /// The groups under claim `name`, or none.
    pub fn groups(&self, name: &str) -> Vec<String> {
        groups_from_value(self.claims.get(name))
    }
}

/// Groups from one claim value: an array of strings (non-strings in it are skipped) or a
/// single string (some providers send one group that way). Anything else yields no groups
/// rather than an error, so a provider sending an odd shape loses group access but can still
/// sign in. Empty strings are dropped: they can never match a configured group.
pub fn groups_from_value(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(one)) if !one.is_empty() => vec![one.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).filter(|g| !g.is_empty()).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

/// Compares two secrets without an early exit on the first differing byte, so the time taken
/// does not tell an attacker how much of a guessed `state` was right. The length may leak:
/// our states are fixed-length random values, so their length is no secret.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// RFC 9207 discovery field, read alongside `end_session_endpoint`. When a provider says it
/// always sends `iss` in authorization responses, a callback without it is treated as a
/// mix-up attempt.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
pub struct IssParameterMetadata {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_response_iss_parameter_supported: Option<bool>,
}

impl AdditionalProviderMetadata for IssParameterMetadata {}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn groups_from_array_skips_non_strings_and_empties() {
        let v = json!(["admins", 7, "ops", null, "", {"x": 1}]);
        assert_eq!(groups_from_value(Some(&v)), vec!["admins", "ops"]);
    }

    #[test]
    fn groups_from_single_string() {
        assert_eq!(groups_from_value(Some(&json!("admins"))), vec!["admins"]);
    }

    #[test]
    fn groups_from_other_shapes_are_empty() {
        for v in [json!(null), json!(3), json!(true), json!({"a": "b"}), json!("")] {
            assert!(groups_from_value(Some(&v)).is_empty(), "{v}");
        }
        assert!(groups_from_value(None).is_empty());
    }

    #[test]
    fn extra_claims_read_any_claim_name() {
        let claims: ExtraClaims = serde_json::from_value(json!({
            "groups": ["a"],
            "https://example.com/roles": ["deployers", "viewers"],
            "cognito:groups": "one"
        }))
        .expect("valid claims");
        assert_eq!(claims.groups("groups"), vec!["a"]);
        assert_eq!(claims.groups("https://example.com/roles"), vec!["deployers", "viewers"]);
        assert_eq!(claims.groups("cognito:groups"), vec!["one"]);
        assert!(claims.groups("missing").is_empty());
    }

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn iss_parameter_metadata_defaults_to_unknown() {
        let m: IssParameterMetadata = serde_json::from_value(json!({})).expect("parses");
        assert_eq!(m.authorization_response_iss_parameter_supported, None);
        let m: IssParameterMetadata =
            serde_json::from_value(json!({"authorization_response_iss_parameter_supported": true})).expect("parses");
        assert_eq!(m.authorization_response_iss_parameter_supported, Some(true));
    }
}
