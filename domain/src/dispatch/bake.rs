//! Verifying a target after its deploy: for an environment's bake time
//! after the target's Job succeeded, its observed health decides whether the
//! next wave may start, and whether the target rolls back on its own.

use crate::Health;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What makes a baking target roll back on its own (an environment setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackOn {
    /// Degraded or missing.
    Degraded,
}

impl RollbackOn {
    pub fn as_str(self) -> &'static str {
        match self {
            RollbackOn::Degraded => "degraded",
        }
    }

    pub fn parse(text: &str) -> Option<RollbackOn> {
        (text == "degraded").then_some(RollbackOn::Degraded)
    }
}

/// What one look at a baking target decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BakeVerdict {
    /// Not over yet (or not healthy yet at its end): look again later.
    Wait,
    /// Healthy to the end: the next wave may start.
    Baked,
    /// Turned bad, and the environment rolls back on that: roll it back and stop the later waves.
    RollBack { reason: String },
    /// Turned bad; the environment does not roll back on its own: stop the later waves.
    Halt { reason: String },
}

/// What a target's observed health (`None`: nothing observed yet) decides now.
pub fn bake_verdict(
    observed: Option<(Health, Option<&str>)>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
    rollback_on: Option<RollbackOn>,
) -> BakeVerdict {
    match observed {
        Some((health @ (Health::Degraded | Health::Missing | Health::Failing), reason)) => {
            let reason = match reason {
                Some(why) => format!("{health} while baking: {why}"),
                None => format!("{health} while baking"),
            };
            match rollback_on {
                Some(RollbackOn::Degraded) => BakeVerdict::RollBack { reason },
                None => BakeVerdict::Halt { reason },
            }
        }
        Some((Health::Healthy, _)) if now >= until => BakeVerdict::Baked,
        _ => BakeVerdict::Wait,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn a_target_healthy_to_the_end_of_its_bake_has_baked() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, 12, 0, 0).unwrap();
        assert_eq!(bake_verdict(Some((Health::Healthy, None)), now + Duration::seconds(1), now, None), BakeVerdict::Wait);
        assert_eq!(bake_verdict(Some((Health::Healthy, None)), now, now, None), BakeVerdict::Baked);
    }

    #[test]
    fn a_target_not_yet_healthy_when_its_bake_ends_keeps_the_next_wave_waiting() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, 12, 0, 0).unwrap();
        for observed in [None, Some((Health::Progressing, None)), Some((Health::Unknown, Some("cluster gone")))] {
            assert_eq!(bake_verdict(observed, now - Duration::seconds(5), now, Some(RollbackOn::Degraded)), BakeVerdict::Wait);
        }
    }

    #[test]
    fn a_target_turning_bad_rolls_back_only_where_the_environment_says_so() {
        let now = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 12, 1, 12, 0, 0).unwrap();
        let until = now + Duration::minutes(15);
        let degraded = Some((Health::Degraded, Some("ReplicaFailure: exceeded quota")));
        let reason = "degraded while baking: ReplicaFailure: exceeded quota".to_owned();
        assert_eq!(bake_verdict(degraded, until, now, Some(RollbackOn::Degraded)), BakeVerdict::RollBack { reason: reason.clone() });
        assert_eq!(bake_verdict(degraded, until, now, None), BakeVerdict::Halt { reason });
        assert!(matches!(
            bake_verdict(Some((Health::Missing, None)), until, now, Some(RollbackOn::Degraded)),
            BakeVerdict::RollBack { .. }
        ));
    }
}
