use super::*;
use crate::gate::Target;

fn target(tenant: &str, region: &str) -> Target {
    Target { tenant: tenant.into(), region: region.into() }
}

fn is_dns_label(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_JOB_NAME_LEN
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

#[test]
fn a_job_name_says_what_the_job_is_for() {
    assert_eq!(job_name(42, 3, JobKind::Deploy, "acme", "frankfurt"), "airlock-42-r3-deploy-acme-frankfurt");
    assert_eq!(job_name(42, 3, JobKind::Rollback, "acme", "frankfurt"), "airlock-42-r3-rollback-acme-frankfurt");
}

#[test]
fn long_job_names_are_cut_to_a_dns_label_with_a_hash_that_keeps_them_apart() {
    let long_tenant = "a-tenant-whose-slug-is-very-long-indeed-and-then-some-more";
    let one = job_name(123_456, 12, JobKind::Rollback, long_tenant, "johannesburg");
    let other = job_name(123_456, 12, JobKind::Rollback, long_tenant, "johannesburh");
    assert!(is_dns_label(&one), "{one}");
    assert!(is_dns_label(&other), "{other}");
    assert_ne!(one, other);
    assert_eq!(one, job_name(123_456, 12, JobKind::Rollback, long_tenant, "johannesburg"), "the same target always gets the same name");
}

proptest::proptest! {
    #[test]
    fn every_job_name_is_a_dns_label(id in 1i64..i64::MAX, revision in 1u32..10_000, tenant in "[a-z][a-z0-9-]{0,54}[a-z0-9]", region in "[a-z]{1,20}") {
        let name = job_name(id, revision, JobKind::Deploy, &tenant, &region);
        proptest::prop_assert!(is_dns_label(&name), "{}", name);
    }
}

#[test]
fn jobs_only_move_forward() {
    use JobState::*;
    assert!(Queued.advances_to(Created));
    assert!(Created.advances_to(Running));
    assert!(Running.advances_to(Succeeded));
    assert!(Created.advances_to(Failed), "a job may fail before anyone saw it run");
    assert!(!Running.advances_to(Created), "a replayed older event changes nothing");
    assert!(!Succeeded.advances_to(Failed), "a finished job stays finished");
    assert!(!Running.advances_to(Running), "seeing the same state again is not a transition");
}

#[test]
fn all_at_once_puts_every_target_in_the_first_wave() {
    let targets = [target("acme", "frankfurt"), target("globex", "ashburn")];
    assert!(waves(&targets, Rollout::AllAtOnce, &[]).iter().all(|(_, wave)| *wave == 1));
}

#[test]
fn by_region_rolls_out_one_region_at_a_time_in_promotion_order() {
    let order = ["lagos", "johannesburg", "frankfurt", "ashburn"].map(String::from);
    let targets = [target("acme", "frankfurt"), target("globex", "lagos"), target("initech", "frankfurt"), target("umbrella", "ashburn")];
    let planned: Vec<(&str, u32)> = waves(&targets, Rollout::ByRegion, &order).into_iter().map(|(t, w)| (t.tenant.as_str(), w)).collect();
    assert_eq!(planned, [("acme", 2), ("globex", 1), ("initech", 2), ("umbrella", 3)], "waves are numbered without gaps");
}
