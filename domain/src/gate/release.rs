//! A release as the gate sees it, and the digest that pins approvals to its
//! exact content.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use std::fmt;

/// One place a release goes: a tenant in a region.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Target {
    pub tenant: String,
    pub region: String,
}

/// Everything an approver approves. Any change to any field is a new revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseContent {
    pub service: String,
    pub version: String,
    pub image: String,
    pub environment: String,
    pub targets: Vec<Target>,
    pub notes: String,
}

/// SHA-256 over a canonical encoding of [`ReleaseContent`], as lowercase hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ContentDigest(String);

impl ContentDigest {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Re-reads a stored digest; only the shape is checked.
    pub fn from_stored(hex: &str) -> Option<ContentDigest> {
        let valid = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        valid.then(|| ContentDigest(hex.to_owned()))
    }
}

impl fmt::Display for ContentDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl ReleaseContent {
    /// Whether both would deploy the same thing: everything but the notes
    /// (targets as a set). Checklist evidence was given for what would be
    /// deployed, so it stands only while this holds.
    pub fn deploys_the_same_as(&self, other: &ReleaseContent) -> bool {
        fn targets(c: &ReleaseContent) -> std::collections::BTreeSet<&Target> {
            c.targets.iter().collect()
        }
        self.service == other.service
            && self.version == other.version
            && self.image == other.image
            && self.environment == other.environment
            && targets(self) == targets(other)
    }

    /// Canonical: targets are sorted and de-duplicated (their order means
    /// nothing), and every field is length-prefixed so no two different
    /// contents can encode to the same bytes.
    pub fn digest(&self) -> ContentDigest {
        let mut targets = self.targets.clone();
        targets.sort();
        targets.dedup();
        let mut hasher = Sha256::new();
        let mut field = |text: &str| {
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        };
        field("airlock-release-v1");
        field(&self.service);
        field(&self.version);
        field(&self.image);
        field(&self.environment);
        field(&targets.len().to_string());
        for target in &targets {
            field(&target.tenant);
            field(&target.region);
        }
        field(&self.notes);
        let bytes = hasher.finalize();
        ContentDigest(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn content() -> ReleaseContent {
        ReleaseContent {
            service: "api".into(),
            version: "2.15.0".into(),
            image: "registry.airlock.internal/api:2.15.0".into(),
            environment: "production".into(),
            targets: vec![
                Target { tenant: "acme".into(), region: "frankfurt".into() },
                Target { tenant: "initech".into(), region: "ashburn".into() },
            ],
            notes: "Adds invoice export".into(),
        }
    }

    #[test]
    fn the_order_of_targets_does_not_change_the_digest() {
        let mut reordered = content();
        reordered.targets.reverse();
        assert_eq!(content().digest(), reordered.digest());
    }

    #[test]
    fn any_edit_changes_the_digest() {
        let original = content().digest();
        let edits: [fn(&mut ReleaseContent); 6] = [
            |c| c.service.push('x'),
            |c| c.version = "2.15.1".into(),
            |c| c.image.push('x'),
            |c| c.environment = "staging".into(),
            |c| c.targets.pop().map(|_| ()).unwrap_or(()),
            |c| c.notes.push('.'),
        ];
        for edit in edits {
            let mut changed = content();
            edit(&mut changed);
            assert_ne!(changed.digest(), original);
        }
    }

    #[test]
    fn moving_text_between_fields_changes_the_digest() {
        let mut a = content();
        a.service = "ap".into();
        a.version = "i2.15.0".into();
        assert_ne!(a.digest(), content().digest());
    }

    #[test]
    fn a_stored_digest_must_look_like_one() {
        let digest = content().digest();
        assert_eq!(ContentDigest::from_stored(digest.as_str()), Some(digest));
        assert_eq!(ContentDigest::from_stored("not-a-digest"), None);
    }
}
