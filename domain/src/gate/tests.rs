use super::*;
use chrono::TimeZone;
use proptest::prelude::*;

fn at(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap() + Duration::minutes(minute)
}

fn release() -> Release {
    Release {
        id: 1,
        revision: 1,
        author: "rita".into(),
        content: ReleaseContent {
            service: "api".into(),
            version: "2.15.0".into(),
            image: "registry.airlock.internal/api:2.15.0".into(),
            environment: "production".into(),
            targets: vec![Target { tenant: "acme".into(), region: "frankfurt".into() }],
            notes: String::new(),
        },
        recorded: true,
    }
}

fn review(who: &str, decision: Decision, of: &Release, minute: i64) -> Review {
    Review {
        reviewer: who.into(),
        reviewer_is_approver: true,
        decision,
        revision: of.revision,
        digest: of.content.digest(),
        comment: String::new(),
        at: at(minute),
        dismissed: None,
        recorded: true,
    }
}

fn checklist(checked: bool) -> Vec<ChecklistItem> {
    ["Security scan clean", "On-call team notified"]
        .iter()
        .enumerate()
        .map(|(i, text)| ChecklistItem {
            id: i as u32 + 1,
            text: (*text).into(),
            checked: checked.then(|| ("rita".to_owned(), at(0))),
            evidence_url: None,
            note: None,
            recorded: true,
        })
        .collect()
}

fn policy() -> GatePolicy {
    GatePolicy {
        protected: true,
        required_approvals: 2,
        approval_ttl: Some(Duration::hours(24)),
        recorded: true,
        freeze: None,
        break_glass: None,
    }
}

fn facts() -> TargetFacts {
    TargetFacts {
        allowed_regions: vec![("acme".into(), vec!["frankfurt".into()]), ("initech".into(), vec!["ashburn".into()])],
        served_regions: vec!["frankfurt".into(), "ashburn".into()],
    }
}

fn verdict(release: &Release, reviews: &[Review], checked: bool) -> Result<ApprovedRelease, Vec<Blocker>> {
    evaluate(release, std::slice::from_ref(&release.author), reviews, &checklist(checked), &policy(), &facts(), at(60))
}

fn kinds(result: &Result<ApprovedRelease, Vec<Blocker>>) -> Vec<&'static str> {
    match result {
        Ok(_) => Vec::new(),
        Err(blockers) => blockers.iter().map(Blocker::kind).collect(),
    }
}

#[test]
fn two_distinct_approvers_and_a_complete_checklist_open_the_gate() {
    let r = release();
    let approved =
        verdict(&r, &[review("ana", Decision::Approve, &r, 1), review("ben", Decision::Approve, &r, 2)], true).expect("gate open");
    assert_eq!(approved.approvers(), ["ana", "ben"]);
    assert_eq!(approved.digest(), &r.content.digest());
}

#[test]
fn the_same_person_approving_twice_counts_once() {
    let r = release();
    let result = verdict(&r, &[review("ana", Decision::Approve, &r, 1), review("ana", Decision::Approve, &r, 2)], true);
    assert_eq!(result.unwrap_err(), vec![Blocker::TooFewApprovals { have: 1, need: 2 }]);
}

#[test]
fn the_author_cannot_approve_their_own_release() {
    let r = release();
    let reviews =
        [review("rita", Decision::Approve, &r, 1), review("ana", Decision::Approve, &r, 2), review("ben", Decision::Approve, &r, 3)];
    assert_eq!(kinds(&verdict(&r, &reviews, true)), ["author_approved"]);
}

#[test]
fn someone_who_edited_any_revision_cannot_approve_a_later_one() {
    let r = Release { revision: 3, ..release() };
    let contributors = ["rita".to_owned(), "ed".to_owned(), "max".to_owned()];
    let reviews =
        [review("ed", Decision::Approve, &r, 1), review("ana", Decision::Approve, &r, 2), review("ben", Decision::Approve, &r, 3)];
    let result = evaluate(&r, &contributors, &reviews, &checklist(true), &policy(), &facts(), at(60));
    assert_eq!(result.unwrap_err(), vec![Blocker::ContributorApproved { reviewer: "ed".into() }]);
}

#[test]
fn a_service_accounts_approval_never_counts() {
    let r = release();
    let reviews = [review("token:ada", Decision::Approve, &r, 1), review("ana", Decision::Approve, &r, 2)];
    assert_eq!(kinds(&verdict(&r, &reviews, true)), ["too_few_approvals", "not_a_person"]);
}

#[test]
fn rows_no_audit_entry_records_count_for_nothing_and_are_named() {
    let r = release();
    let mut forged = review("mallory", Decision::Approve, &r, 1);
    forged.recorded = false;
    let mut items = checklist(true);
    items[0].recorded = false;
    let reviews = [forged, review("ana", Decision::Approve, &r, 2), review("ben", Decision::Approve, &r, 3)];
    let result = evaluate(&r, std::slice::from_ref(&r.author), &reviews, &items, &policy(), &facts(), at(60));
    let blockers = result.unwrap_err();
    assert_eq!(blockers.iter().map(Blocker::kind).collect::<Vec<_>>(), ["unchecked_items", "unrecorded"]);
    let message = blockers[1].message();
    assert!(message.contains("mallory") && message.contains("Security scan clean"), "{message}");
    let unrecorded_release = Release { recorded: false, ..release() };
    assert_eq!(kinds(&verdict(&unrecorded_release, &[], true)), ["too_few_approvals", "unrecorded"]);
}

#[test]
fn a_dismissed_approval_does_not_count_and_says_why() {
    let r = release();
    let mut dismissed = review("ana", Decision::Approve, &r, 1);
    dismissed.dismissed = Some("the evidence of \u{201c}Security scan clean\u{201d} changed.".into());
    let blockers = verdict(&r, &[dismissed, review("ben", Decision::Approve, &r, 2)], true).unwrap_err();
    assert_eq!(kinds(&Err(blockers.clone())), ["too_few_approvals", "dismissed_approval"]);
    assert!(blockers[1].message().contains("Security scan clean"), "{}", blockers[1].message());
}

#[test]
fn an_edit_makes_earlier_approvals_stale() {
    let r1 = release();
    let reviews = [review("ana", Decision::Approve, &r1, 1), review("ben", Decision::Approve, &r1, 2)];
    let mut r2 = r1.clone();
    r2.revision = 2;
    r2.content.version = "2.15.1".into();
    assert_eq!(kinds(&verdict(&r2, &reviews, true)), ["too_few_approvals", "stale_approval", "stale_approval"]);
}

#[test]
fn a_rejection_blocks_until_a_new_revision_is_made() {
    let r1 = release();
    let mut reject = review("carl", Decision::Reject, &r1, 3);
    reject.comment = "wrong image".into();
    let reviews = [review("ana", Decision::Approve, &r1, 1), review("ben", Decision::Approve, &r1, 2), reject];
    let blockers = verdict(&r1, &reviews, true).unwrap_err();
    assert_eq!(blockers, vec![Blocker::Rejected { reviewer: "carl".into(), comment: "wrong image".into() }]);
    assert!(blockers[0].message().contains("wrong image"));

    let mut r2 = r1.clone();
    r2.revision = 2;
    r2.content.notes = "fixed image".into();
    let fresh = [review("ana", Decision::Approve, &r2, 10), review("ben", Decision::Approve, &r2, 11)];
    let all: Vec<Review> = reviews.iter().cloned().chain(fresh).collect();
    assert!(verdict(&r2, &all, true).is_ok());
}

#[test]
fn a_missing_checklist_item_blocks_and_is_named() {
    let r = release();
    let mut items = checklist(true);
    items[1].checked = None;
    let reviews = [review("ana", Decision::Approve, &r, 1), review("ben", Decision::Approve, &r, 2)];
    let result = evaluate(&r, std::slice::from_ref(&r.author), &reviews, &items, &policy(), &facts(), at(60));
    assert_eq!(result.unwrap_err(), vec![Blocker::UncheckedItems { items: vec!["On-call team notified".into()] }]);
}

#[test]
fn a_region_outside_the_tenants_allowed_regions_blocks() {
    let mut r = release();
    r.content.targets.push(Target { tenant: "acme".into(), region: "ashburn".into() });
    let reviews = [review("ana", Decision::Approve, &r, 1), review("ben", Decision::Approve, &r, 2)];
    assert_eq!(kinds(&verdict(&r, &reviews, true)), ["target_not_allowed"]);
}

#[test]
fn a_region_without_a_cluster_and_an_unknown_tenant_block() {
    let mut r = release();
    r.content.targets =
        vec![Target { tenant: "initech".into(), region: "ashburn".into() }, Target { tenant: "ghost".into(), region: "frankfurt".into() }];
    let mut facts = facts();
    facts.served_regions.retain(|region| region != "ashburn");
    let reviews = [review("ana", Decision::Approve, &r, 1), review("ben", Decision::Approve, &r, 2)];
    let result = evaluate(&r, std::slice::from_ref(&r.author), &reviews, &checklist(true), &policy(), &facts, at(60));
    assert_eq!(kinds(&result), ["unknown_tenant", "target_without_cluster"]);
}

#[test]
fn an_approval_older_than_the_policy_allows_has_expired() {
    let r = release();
    let reviews = [review("ana", Decision::Approve, &r, 1), review("ben", Decision::Approve, &r, 2)];
    let later = at(60 * 25);
    let result = evaluate(&r, std::slice::from_ref(&r.author), &reviews, &checklist(true), &policy(), &facts(), later);
    assert_eq!(kinds(&result), ["too_few_approvals", "expired_approval", "expired_approval"]);
}

#[test]
fn only_holders_of_the_approver_role_count() {
    let r = release();
    let mut outsider = review("otto", Decision::Approve, &r, 2);
    outsider.reviewer_is_approver = false;
    let result = verdict(&r, &[review("ana", Decision::Approve, &r, 1), outsider], true);
    assert_eq!(kinds(&result), ["too_few_approvals", "not_an_approver"]);
}

#[test]
fn a_later_approval_replaces_the_same_reviewers_earlier_rejection() {
    let r = release();
    let reviews =
        [review("ana", Decision::Reject, &r, 1), review("ana", Decision::Approve, &r, 5), review("ben", Decision::Approve, &r, 6)];
    assert!(verdict(&r, &reviews, true).is_ok());
}

#[test]
fn an_unprotected_environment_needs_only_valid_targets() {
    let r = release();
    let open = GatePolicy { protected: false, required_approvals: 0, approval_ttl: None, recorded: true, freeze: None, break_glass: None };
    assert!(evaluate(&r, std::slice::from_ref(&r.author), &[], &[], &open, &facts(), at(0)).is_ok());
    let result = evaluate(&r, std::slice::from_ref(&r.author), &[], &checklist(false), &open, &facts(), at(0));
    assert_eq!(kinds(&result), ["unchecked_items"], "its own checklist binds an unprotected environment too");
}

fn frozen(policy: GatePolicy) -> GatePolicy {
    let freeze = OpenFreeze { name: "year-end".into(), reason: "Year-end freeze".into(), from: at(-60), until: at(600) };
    GatePolicy { freeze: Some(freeze), ..policy }
}

fn glass(by: &str) -> Option<BreakGlass> {
    Some(BreakGlass { by: by.into(), reason: "Payment outage fix".into(), at: at(3), recorded: true })
}

#[test]
fn inside_a_freeze_the_gate_stays_shut_and_says_until_when() {
    let r = release();
    let reviews = [review("ana", Decision::Approve, &r, 1), review("ben", Decision::Approve, &r, 2)];
    let result = evaluate(&r, std::slice::from_ref(&r.author), &reviews, &checklist(true), &frozen(policy()), &facts(), at(5));
    assert_eq!(kinds(&result), ["frozen"]);
    let message = result.unwrap_err()[0].message();
    assert!(message.contains("production is frozen until 2026-11-23 19:00 UTC (year-end: Year-end freeze)"), "{message}");
    let after = evaluate(&r, std::slice::from_ref(&r.author), &reviews, &checklist(true), &frozen(policy()), &facts(), at(600));
    assert!(after.is_ok(), "the window has closed");
}

#[test]
fn break_glass_opens_a_frozen_gate_only_with_one_approval_more() {
    let r = release();
    let policy = GatePolicy { break_glass: glass("olga"), ..frozen(policy()) };
    let two = [review("ana", Decision::Approve, &r, 1), review("ben", Decision::Approve, &r, 2)];
    let result = evaluate(&r, std::slice::from_ref(&r.author), &two, &checklist(true), &policy, &facts(), at(5));
    assert_eq!(kinds(&result), ["too_few_approvals"]);
    assert!(result.unwrap_err()[0].message().contains("Needs 3 approvals"));
    let three = [two[0].clone(), two[1].clone(), review("cleo", Decision::Approve, &r, 4)];
    assert!(evaluate(&r, std::slice::from_ref(&r.author), &three, &checklist(true), &policy, &facts(), at(5)).is_ok());
}

#[test]
fn break_glass_by_the_releases_author_or_behind_the_logs_back_counts_for_nothing() {
    let r = release();
    let three =
        [review("ana", Decision::Approve, &r, 1), review("ben", Decision::Approve, &r, 2), review("cleo", Decision::Approve, &r, 4)];
    let by_author = GatePolicy { break_glass: glass("rita"), ..frozen(policy()) };
    let result = evaluate(&r, std::slice::from_ref(&r.author), &three, &checklist(true), &by_author, &facts(), at(5));
    assert_eq!(kinds(&result), ["frozen"]);
    let mut forged = glass("olga");
    if let Some(g) = forged.as_mut() {
        g.recorded = false;
    }
    let unrecorded = GatePolicy { break_glass: forged, ..frozen(policy()) };
    let result = evaluate(&r, std::slice::from_ref(&r.author), &three, &checklist(true), &unrecorded, &facts(), at(5));
    assert_eq!(kinds(&result), ["frozen", "unrecorded"]);
}

#[test]
fn an_expired_approval_names_who_approved_and_when_it_expired() {
    let r = release();
    let reviews = [review("ana", Decision::Approve, &r, 1)];
    let result = evaluate(&r, std::slice::from_ref(&r.author), &reviews, &checklist(true), &policy(), &facts(), at(60 * 25));
    let expired = result.unwrap_err().into_iter().find(|b| b.kind() == "expired_approval").expect("expired");
    assert_eq!(
        expired.message(),
        "ana approved at 2026-11-23 09:01 UTC and that approval expired at 2026-11-24 09:01 UTC; they must approve again."
    );
}

#[test]
fn a_policy_the_log_does_not_record_is_not_applied_and_blocks_naming_it() {
    let r = release();
    // Lowered to nothing behind Airlock's back: not protected, no approvals needed.
    let lowered =
        GatePolicy { protected: false, required_approvals: 0, approval_ttl: None, recorded: false, freeze: None, break_glass: None };
    let blockers = evaluate(&r, std::slice::from_ref(&r.author), &[], &[], &lowered, &facts(), at(0)).unwrap_err();
    assert_eq!(blockers.iter().map(Blocker::kind).collect::<Vec<_>>(), ["unrecorded"]);
    assert!(blockers[0].message().contains("the gate policy of production"), "{}", blockers[0].message());
    assert_eq!(policy_record(true, 2, None, "[]"), r#"{"protected":true,"required_approvals":2}"#);
    assert_eq!(policy_record(true, 2, Some(60), "[]"), r#"{"protected":true,"required_approvals":2,"approval_ttl_seconds":60}"#);
}

#[test]
fn every_blocker_explains_itself_in_words() {
    let r = release();
    let blockers = verdict(&r, &[], false).unwrap_err();
    assert!(blockers.iter().all(|b| b.message().ends_with('.') && !b.kind().is_empty()));
    assert!(blockers[0].message().contains("Needs 2 approvals"));
}

/// Random sequences of reviews, edits and checklist ticks.
#[derive(Debug, Clone)]
enum Action {
    Review { who: usize, approve: bool, approver: bool },
    Edit,
    Check(usize),
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0..4usize, any::<bool>(), any::<bool>()).prop_map(|(who, approve, approver)| Action::Review { who, approve, approver }),
        Just(Action::Edit),
        (0..2usize).prop_map(Action::Check),
    ]
}

const PEOPLE: [&str; 4] = ["rita", "ana", "ben", "carl"];

proptest! {
    /// Whatever happens, an open gate means: ≥2 distinct non-author approvers
    /// of the current digest, no standing rejection, a complete checklist.
    #[test]
    fn the_gate_opens_only_when_every_rule_holds(actions in proptest::collection::vec(action(), 0..24)) {
        let mut current = release();
        let mut reviews: Vec<Review> = Vec::new();
        let mut items = checklist(false);
        for (minute, step) in actions.iter().enumerate() {
            match step {
                Action::Review { who, approve, approver } => {
                    let decision = if *approve { Decision::Approve } else { Decision::Reject };
                    let mut r = review(PEOPLE[*who], decision, &current, minute as i64);
                    r.reviewer_is_approver = *approver;
                    reviews.push(r);
                }
                Action::Edit => {
                    current.revision += 1;
                    current.content.notes = format!("revision {}", current.revision);
                }
                Action::Check(i) => items[*i].checked = Some(("rita".into(), at(minute as i64))),
            }
        }
        let result = evaluate(&current, std::slice::from_ref(&current.author), &reviews, &items, &policy(), &facts(), at(30));
        let digest = current.content.digest();
        let latest = |who: &str| reviews.iter().filter(|r| r.reviewer == who).max_by_key(|r| r.at);
        let standing: Vec<&Review> = PEOPLE.iter().filter_map(|p| latest(p)).filter(|r| r.digest == digest).collect();
        let good_approvers = standing.iter()
            .filter(|r| r.decision == Decision::Approve && r.reviewer != current.author && r.reviewer_is_approver)
            .count();
        let rules_hold = good_approvers >= 2
            && !standing.iter().any(|r| r.decision == Decision::Reject)
            && !standing.iter().any(|r| r.decision == Decision::Approve && r.reviewer == current.author)
            && items.iter().all(|i| i.checked.is_some());
        prop_assert_eq!(result.is_ok(), rules_hold, "verdict {:?}", result);
        if let Ok(approved) = result {
            prop_assert_eq!(approved.digest(), &digest);
            prop_assert!(approved.approvers().iter().all(|a| a != &current.author));
        }
    }
}
