//! Health of a workload and how several healths roll up into one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What Airlock last observed of a workload. Ordered from best to worst so a
/// roll-up is simply the maximum: one failing target makes the group failing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Healthy,
    /// A rollout is under way: new replicas are being made ready.
    Progressing,
    /// Nothing could be observed (not yet, or the cluster cannot be reached);
    /// better than a known problem, worse than known-good.
    Unknown,
    Degraded,
    /// Expected in its cluster, and not found there.
    Missing,
    Failing,
}

impl Health {
    pub const ALL: [Health; 6] =
        [Health::Healthy, Health::Progressing, Health::Unknown, Health::Degraded, Health::Missing, Health::Failing];

    pub fn as_str(self) -> &'static str {
        match self {
            Health::Healthy => "healthy",
            Health::Progressing => "progressing",
            Health::Unknown => "unknown",
            Health::Degraded => "degraded",
            Health::Missing => "missing",
            Health::Failing => "failing",
        }
    }

    pub fn parse(text: &str) -> Option<Health> {
        Health::ALL.into_iter().find(|h| h.as_str() == text)
    }

    /// The worst of several healths; an empty group is `Unknown`, never healthy.
    pub fn roll_up(healths: impl IntoIterator<Item = Health>) -> Health {
        healths.into_iter().max().unwrap_or(Health::Unknown)
    }
}

impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How many workloads are in each state: what the overview shows per cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCounts {
    pub healthy: u32,
    #[serde(default)]
    pub progressing: u32,
    pub unknown: u32,
    pub degraded: u32,
    #[serde(default)]
    pub missing: u32,
    pub failing: u32,
}

impl HealthCounts {
    pub fn add(&mut self, health: Health) {
        match health {
            Health::Healthy => self.healthy += 1,
            Health::Progressing => self.progressing += 1,
            Health::Unknown => self.unknown += 1,
            Health::Degraded => self.degraded += 1,
            Health::Missing => self.missing += 1,
            Health::Failing => self.failing += 1,
        }
    }

    pub fn total(&self) -> u32 {
        self.healthy + self.progressing + self.unknown + self.degraded + self.missing + self.failing
    }

    /// How many there are of `health`.
    pub fn of(&self, health: Health) -> u32 {
        match health {
            Health::Healthy => self.healthy,
            Health::Progressing => self.progressing,
            Health::Unknown => self.unknown,
            Health::Degraded => self.degraded,
            Health::Missing => self.missing,
            Health::Failing => self.failing,
        }
    }

    /// Worst state present; `Unknown` when nothing was counted.
    pub fn worst(&self) -> Health {
        Health::ALL.into_iter().rev().find(|h| self.of(*h) > 0).unwrap_or(Health::Unknown)
    }
}

impl FromIterator<Health> for HealthCounts {
    fn from_iter<I: IntoIterator<Item = Health>>(iter: I) -> Self {
        let mut counts = HealthCounts::default();
        iter.into_iter().for_each(|h| counts.add(h));
        counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_failing_workload_makes_the_group_failing() {
        let group = [Health::Healthy, Health::Failing, Health::Degraded];
        assert_eq!(Health::roll_up(group), Health::Failing);
        assert_eq!(group.into_iter().collect::<HealthCounts>().worst(), Health::Failing);
    }

    #[test]
    fn an_empty_group_is_unknown_not_healthy() {
        assert_eq!(Health::roll_up([]), Health::Unknown);
        assert_eq!(HealthCounts::default().worst(), Health::Unknown);
    }

    #[test]
    fn unknown_is_worse_than_healthy_but_better_than_degraded() {
        assert_eq!(Health::roll_up([Health::Healthy, Health::Unknown]), Health::Unknown);
        assert_eq!(Health::roll_up([Health::Unknown, Health::Degraded]), Health::Degraded);
    }

    #[test]
    fn every_health_survives_a_round_trip_through_its_name() {
        for health in Health::ALL {
            assert_eq!(Health::parse(health.as_str()), Some(health));
        }
        assert_eq!(Health::parse("fine"), None);
    }
}
