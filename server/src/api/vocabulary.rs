//! The small words releases are described with on the wire (their state, a
//! review's decision, a target), shared by requests and responses. Each maps
//! to its domain type with an exhaustive match, so the two cannot drift.

use airlock_domain::gate::{Decision, ReleaseState, Target};
use serde::{Deserialize, Serialize};
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
    pub tenant: String,
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
