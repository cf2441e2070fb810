//! The small words releases are described with on the wire (their state, a
//! review's decision, a target), shared by requests and responses. Each maps
//! to its domain type with an exhaustive match, so the two cannot drift.

use airlock_domain::gate::{Decision, ReleaseState, Target};
use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ReleaseState)]
pub enum StateView {
    Blocked,
    Rejected,
    Ready,
}

impl From<ReleaseState> for StateView {
    fn from(state: ReleaseState) -> StateView {
        match state {
            ReleaseState::Blocked => StateView::Blocked,
            ReleaseState::Rejected => StateView::Rejected,
            ReleaseState::Ready => StateView::Ready,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = Decision)]
pub enum DecisionView {
    Approve,
    Reject,
}

impl From<Decision> for DecisionView {
    fn from(decision: Decision) -> DecisionView {
        match decision {
            Decision::Approve => DecisionView::Approve,
            Decision::Reject => DecisionView::Reject,
        }
    }
}

impl From<DecisionView> for Decision {
    fn from(decision: DecisionView) -> Decision {
        match decision {
            DecisionView::Approve => Decision::Approve,
            DecisionView::Reject => Decision::Reject,
        }
    }
}

/// One place a release goes: a tenant in a region.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Target)]
pub struct TargetView {
    #[schema(schema_with = super::constraints::slug)]
    pub tenant: String,
    #[schema(schema_with = super::constraints::slug)]
    pub region: String,
}

impl From<Target> for TargetView {
    fn from(Target { tenant, region }: Target) -> TargetView {
        TargetView { tenant, region }
    }
}

impl From<TargetView> for Target {
    fn from(TargetView { tenant, region }: TargetView) -> Target {
        Target { tenant, region }
    }
}

/// A revision number. JSON Schema counts `3.0` as the integer 3, and so does
/// the document's `integer`, so it is read as 3; `3.5`, negatives and numbers
/// past `u32::MAX` are refused, as for any `u32`.
pub fn revision<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    deserializer.deserialize_u32(RevisionVisitor)
}

struct RevisionVisitor;

impl Visitor<'_> for RevisionVisitor {
    type Value = u32;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a revision number, a whole number from 0 to 4294967295")
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<u32, E> {
        u32::try_from(value).map_err(|_| E::invalid_value(Unexpected::Unsigned(value), &self))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<u32, E> {
        u32::try_from(value).map_err(|_| E::invalid_value(Unexpected::Signed(value), &self))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<u32, E> {
        if value.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&value) {
            // Whole and within u32's range (checked just above): the cast is exact.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return Ok(value as u32);
        }
        Err(E::invalid_value(Unexpected::Float(value), &self))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    struct Seen {
        #[serde(deserialize_with = "super::revision")]
        revision: u32,
    }

    fn read(json: &str) -> Result<u32, String> {
        serde_json::from_str::<Seen>(json).map(|seen| seen.revision).map_err(|e| e.to_string())
    }

    #[test]
    fn a_revision_is_any_whole_number_a_u32_holds_however_it_is_written() {
        for (json, revision) in
            [(r#"{"revision": 3}"#, 3), (r#"{"revision": 3.0}"#, 3), (r#"{"revision": 4294967295}"#, u32::MAX), (r#"{"revision": 0}"#, 0)]
        {
            assert_eq!(read(json), Ok(revision), "{json}");
        }
        for json in
            [r#"{"revision": 3.5}"#, r#"{"revision": -1}"#, r#"{"revision": 4294967296}"#, r#"{"revision": 1e10}"#, r#"{"revision": "3"}"#]
        {
            let error = read(json).expect_err(json);
            assert!(error.contains("a revision number"), "{json}: {error}");
        }
    }
}
