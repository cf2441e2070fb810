//! Which label finds a service's Deployments. By default
//! `app.kubernetes.io/name=<service>`; a team whose Deployments are labelled
//! otherwise (`app=payments-api`) says so per service in the world file.

use super::DEFAULT_SERVICE_LABEL;
use serde::{Deserialize, Serialize};
use std::fmt;

/// One label requirement, `key=value`, as Kubernetes label selectors write it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WorkloadLabel {
    pub key: String,
    pub value: String,
}

impl WorkloadLabel {
    /// The label a service's Deployments carry unless the world says otherwise.
    pub fn default_for(service: &str) -> Self {
        Self { key: DEFAULT_SERVICE_LABEL.to_owned(), value: service.to_owned() }
    }

    /// Reads `key=value`, with Kubernetes' rules for both halves (so a
    /// selector built from it is never refused by the API server).
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((key, value)) = text.split_once('=') else {
            return Err(format!("\u{201c}{text}\u{201d} is not a label: write key=value, e.g. app.kubernetes.io/name=api"));
        };
        let (prefix, name) = match key.split_once('/') {
            Some((prefix, name)) => (Some(prefix), name),
            None => (None, key),
        };
        if let Some(prefix) = prefix {
            let label_ok = |part: &str| is_label_part(part) && !part.contains(['_', '.']);
            if prefix.is_empty() || prefix.len() > 253 || !prefix.split('.').all(label_ok) || prefix.chars().any(|c| c.is_ascii_uppercase())
            {
                return Err(format!(
                    "the label key's prefix \u{201c}{prefix}\u{201d} is not a DNS subdomain (lower case, dots between parts)"
                ));
            }
        }
        let part_rule = |what: &str, text: &str| {
            format!(
                "the label {what} \u{201c}{text}\u{201d} must be 1 to 63 letters, digits, \u{2018}-\u{2019}, \u{2018}_\u{2019} or \u{2018}.\u{2019}, starting and ending with a letter or digit"
            )
        };
        if !is_label_part(name) {
            return Err(part_rule("key", key));
        }
        if !is_label_part(value) {
            return Err(part_rule("value", value));
        }
        Ok(Self { key: key.to_owned(), value: value.to_owned() })
    }
}

/// A label name or value: 1–63 characters of `[A-Za-z0-9_.-]`, alphanumeric at both ends.
fn is_label_part(part: &str) -> bool {
    let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    (1..=63).contains(&part.len())
        && part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && edge_ok(part.chars().next())
        && edge_ok(part.chars().last())
}

impl fmt::Display for WorkloadLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.key, self.value)
    }
}

impl TryFrom<String> for WorkloadLabel {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        Self::parse(&text)
    }
}

impl From<WorkloadLabel> for String {
    fn from(label: WorkloadLabel) -> String {
        label.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_is_read_as_kubernetes_writes_it() {
        let label = WorkloadLabel::parse("app=payments-api").expect("plain key");
        assert_eq!((label.key.as_str(), label.value.as_str()), ("app", "payments-api"));
        assert_eq!(WorkloadLabel::parse("example.com/team_app=Api.v2").expect("prefixed key").to_string(), "example.com/team_app=Api.v2");
        assert_eq!(WorkloadLabel::default_for("api").to_string(), "app.kubernetes.io/name=api");
    }

    #[test]
    fn what_a_selector_would_refuse_is_refused_here() {
        for text in [
            "app",
            "=api",
            "app=",
            "app=-api",
            "app=a b",
            "Example.com/app=api",
            "/app=api",
            "app=api,x=y",
            &format!("app={}", "a".repeat(64)),
        ] {
            assert!(WorkloadLabel::parse(text).is_err(), "{text} was accepted");
        }
    }
}
