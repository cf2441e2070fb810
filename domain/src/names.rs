//! Identifiers people type: tenant slugs, environment, region, service and
//! cluster names. They end up in URLs and Kubernetes namespaces
//! (`tenant-<slug>`), so they follow the DNS-label rules Kubernetes enforces.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Kubernetes namespaces are at most 63 characters; `tenant-` takes 7 of them.
pub const MAX_SLUG_LEN: usize = 56;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most {MAX_SLUG_LEN} characters")]
    TooLong,
    #[error("may contain only lowercase letters, digits and '-', and must start with a letter and end with a letter or digit")]
    InvalidCharacters,
}

/// A validated DNS-label style name. The only way to get one is [`Slug::parse`].
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    pub fn parse(text: &str) -> Result<Slug, NameError> {
        if text.is_empty() {
            return Err(NameError::Empty);
        }
        if text.len() > MAX_SLUG_LEN {
            return Err(NameError::TooLong);
        }
        let bytes = text.as_bytes();
        let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-';
        let starts_with_letter = bytes[0].is_ascii_lowercase();
        let ends_alphanumeric = bytes[bytes.len() - 1] != b'-';
        if bytes.iter().all(allowed) && starts_with_letter && ends_alphanumeric {
            Ok(Slug(text.to_owned()))
        } else {
            Err(NameError::InvalidCharacters)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = NameError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Slug::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lowercase_dns_label_is_accepted() {
        assert_eq!(Slug::parse("acme-eu-2").map(|s| s.to_string()), Ok("acme-eu-2".into()));
    }

    #[test]
    fn names_kubernetes_would_reject_are_refused() {
        assert_eq!(Slug::parse(""), Err(NameError::Empty));
        assert_eq!(Slug::parse("Acme"), Err(NameError::InvalidCharacters));
        assert_eq!(Slug::parse("acme_eu"), Err(NameError::InvalidCharacters));
        assert_eq!(Slug::parse("-acme"), Err(NameError::InvalidCharacters));
        assert_eq!(Slug::parse("acme-"), Err(NameError::InvalidCharacters));
        assert_eq!(Slug::parse("1acme"), Err(NameError::InvalidCharacters));
        assert_eq!(Slug::parse(&"a".repeat(MAX_SLUG_LEN + 1)), Err(NameError::TooLong));
    }

    #[test]
    fn a_slug_cannot_be_deserialised_around_validation() {
        let bad: Result<Slug, _> = serde_json::from_str("\"Not A Slug\"");
        assert!(bad.is_err());
    }
}
