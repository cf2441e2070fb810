use super::*;

fn rolled_out(replicas: u32) -> DeploymentFacts {
    DeploymentFacts {
        version_label: None,
        image: Some("registry.example.com/api:2.1.0".into()),
        generation: 3,
        observed_generation: 3,
        replicas: Replicas { desired: replicas, updated: replicas, ready: replicas, available: replicas },
        total: replicas,
        unavailable: 0,
        conditions: vec![condition("Available", true, "MinimumReplicasAvailable", "")],
    }
}

fn condition(kind: &str, holds: bool, reason: &str, message: &str) -> Condition {
    Condition { kind: kind.into(), holds, reason: Some(reason.into()), message: Some(message.into()).filter(|m: &String| !m.is_empty()) }
}

#[test]
fn the_version_label_wins_over_the_image_tag_which_wins_over_the_digest() {
    let mut facts = rolled_out(2);
    assert_eq!(facts.version().as_deref(), Some("2.1.0"));
    facts.version_label = Some("2.1.0-rc1".into());
    assert_eq!(facts.version().as_deref(), Some("2.1.0-rc1"));
    facts.version_label = None;
    facts.image = Some("registry.example.com:5000/team/api@sha256:abc123".into());
    assert_eq!(facts.version().as_deref(), Some("sha256:abc123"));
    facts.image = Some("registry.example.com:5000/team/api".into());
    assert_eq!(facts.version(), None, "a registry's port is not a tag");
}

#[test]
fn a_rolled_out_deployment_is_healthy() {
    assert_eq!(
        rolled_out(3).seen(),
        Seen { version: Some("2.1.0".into()), health: Health::Healthy, reason: None, replicas: rolled_out(3).replicas }
    );
}

#[test]
fn a_rollout_under_way_is_progressing() {
    let mut facts = rolled_out(3);
    facts.generation = 4;
    assert_eq!(facts.seen().health, Health::Progressing, "the controller has not seen the new spec yet");
    let mut facts = rolled_out(3);
    facts.replicas.updated = 1;
    facts.total = 4;
    let seen = facts.seen();
    assert_eq!(seen.health, Health::Progressing);
    assert_eq!(seen.reason.as_deref(), Some("1 of 3 replicas updated, 3 available"));
}

#[test]
fn a_replica_failure_or_a_missed_deadline_is_degraded_with_its_reason() {
    let mut facts = rolled_out(2);
    facts.replicas.updated = 0;
    facts.conditions.push(condition("ReplicaFailure", true, "FailedCreate", "exceeded quota"));
    assert_eq!(facts.seen().health, Health::Degraded);
    assert_eq!(facts.seen().reason.as_deref(), Some("ReplicaFailure: exceeded quota"));

    let mut facts = rolled_out(2);
    facts.replicas.available = 1;
    facts.conditions.push(condition("Progressing", false, "ProgressDeadlineExceeded", ""));
    assert_eq!(facts.seen().reason.as_deref(), Some("ProgressDeadlineExceeded: ProgressDeadlineExceeded"));
    assert_eq!(facts.seen().health, Health::Degraded);
}

#[test]
fn unavailable_replicas_after_a_rollout_are_degraded() {
    let mut facts = rolled_out(3);
    facts.conditions = vec![condition("Available", false, "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")];
    assert_eq!(facts.seen().health, Health::Degraded);
    assert_eq!(facts.seen().reason.as_deref(), Some("unavailable replicas: Deployment does not have minimum availability."));
    let mut facts = rolled_out(3);
    facts.unavailable = 1;
    assert_eq!(facts.seen().reason.as_deref(), Some("1 of 3 replicas unavailable"));
}

#[test]
fn an_unreachable_cluster_keeps_the_last_version_but_never_its_health() {
    let last = rolled_out(2).seen();
    let now = Seen::unreachable(Some(&last), "the cluster cannot be reached");
    assert_eq!((now.version.as_deref(), now.health), (Some("2.1.0"), Health::Unknown));
    assert!(last.differs_from(&now));
    assert_eq!(Seen::unreachable(None, "x").version, None);
}

#[test]
fn replica_counts_moving_alone_are_not_a_transition() {
    let last = rolled_out(2).seen();
    let mut next = last.clone();
    next.replicas.ready = 1;
    assert!(!last.differs_from(&next));
    assert!(last.differs_from(&Seen::missing()));
}

#[test]
fn drift_is_another_version_than_released_or_one_never_released() {
    assert!(!drifts(Some("2.0.0"), Some("2.0.0")));
    assert!(drifts(Some("2.0.0"), Some("2.1.0")));
    assert!(drifts(None, Some("2.1.0")));
    assert!(!drifts(Some("2.0.0"), None), "a missing workload is its health, not drift");
}

#[test]
fn a_rollout_under_way_is_not_drift_until_it_settles() {
    let mut seen = rolled_out(2).seen();
    seen.version = Some("2.2.0".into());
    seen.health = Health::Progressing;
    assert!(!drifts_from(Some("2.1.0"), &seen));
    seen.health = Health::Healthy;
    assert!(drifts_from(Some("2.1.0"), &seen));
}
