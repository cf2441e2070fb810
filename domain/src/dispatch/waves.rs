//! Rollout waves: all targets at once, or one region at a time in the
//! regions' promotion order, so a bad release stops before the next region.

use crate::gate::Target;
use serde::{Deserialize, Serialize};

/// How an environment rolls a release out (an environment setting).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rollout {
    #[default]
    AllAtOnce,
    ByRegion,
}

impl Rollout {
    pub fn as_str(self) -> &'static str {
        match self {
            Rollout::AllAtOnce => "all_at_once",
            Rollout::ByRegion => "by_region",
        }
    }

    pub fn parse(text: &str) -> Option<Rollout> {
        [Rollout::AllAtOnce, Rollout::ByRegion].into_iter().find(|r| r.as_str() == text)
    }
}

/// Who may roll an environment's targets back without fresh approvals (an
/// environment setting; every rollback is audited either way).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackPolicy {
    /// Release managers roll back at once, restoring what ran before.
    #[default]
    ReleaseManagers,
    /// Nobody: going back means releasing the earlier version through the gate.
    ThroughTheGate,
}

impl RollbackPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            RollbackPolicy::ReleaseManagers => "release_managers",
            RollbackPolicy::ThroughTheGate => "through_the_gate",
        }
    }

    pub fn parse(text: &str) -> Option<RollbackPolicy> {
        [RollbackPolicy::ReleaseManagers, RollbackPolicy::ThroughTheGate].into_iter().find(|r| r.as_str() == text)
    }
}

/// Each target with its wave, from 1. `region_order` lists regions in
/// promotion order; a region missing from it goes last.
pub fn waves<'t>(targets: &'t [Target], rollout: Rollout, region_order: &[String]) -> Vec<(&'t Target, u32)> {
    match rollout {
        Rollout::AllAtOnce => targets.iter().map(|t| (t, 1)).collect(),
        Rollout::ByRegion => {
            let position = |region: &str| region_order.iter().position(|r| r == region).unwrap_or(region_order.len());
            let mut used: Vec<usize> = targets.iter().map(|t| position(&t.region)).collect();
            used.sort_unstable();
            used.dedup();
            targets
                .iter()
                .map(|t| {
                    let wave = used.iter().position(|p| *p == position(&t.region)).unwrap_or(0) + 1;
                    (t, wave as u32)
                })
                .collect()
        }
    }
}
