//! A second provider account of someone Airlock knows is held, not made a
//! second person: the attack is a release manager who gets another account
//! at the provider (in the approvers' group) to approve their own release.

use crate::support::TestStore;
use crate::support::demo_backend;
use crate::support::gate::*;
use crate::support::operator;
use airlock_backend::auth::accounts;
use airlock_backend::auth::demo::{demo_account, demo_role_map};
use airlock_backend::auth::people::{self, ProviderAccount};
use airlock_backend::auth::{SignInMethod, SignedInUser};
use airlock_backend::store::AuditFilter;
use airlock_backend::{Backend, Refusal, audit};
use airlock_domain::access::{AccountDecision, AccountState, Resemblance, RoleMap};
use airlock_domain::gate::Decision;
use chrono::Utc;

on_both_test_stores!(
    a_second_account_resembling_a_person_is_held_and_gets_no_handle,
    a_merged_account_signs_in_as_its_person_who_still_cannot_approve_their_own_release,
    an_allowed_account_is_a_person_of_its_own_and_a_blocked_one_never_signs_in,
    only_admins_and_the_local_operator_decide_and_only_open_accounts,
    demo_people_resemble_nobody,
);

const ISSUER: &str = "http://127.0.0.1:9/issuer";

fn account(subject: &str, username: &str, email: &str, groups: &[&str]) -> ProviderAccount {
    ProviderAccount {
        issuer: ISSUER.into(),
        subject: subject.into(),
        email: Some(email.into()),
        display_name: None,
        preferred_username: Some(username.into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

fn map() -> RoleMap {
    RoleMap::parse("platform=release_manager,sre=approver").expect("role map")
}

async fn sign_in(backend: &Backend, account: ProviderAccount) -> Result<SignedInUser, Refusal> {
    people::sign_in(backend, account, &map(), SignInMethod::Oidc, None, Utc::now()).await
}

async fn actions(backend: &Backend, action: &str) -> Vec<airlock_domain::audit::AuditEntry> {
    let filter = AuditFilter { action: Some(action.into()), limit: 100, ..Default::default() };
    audit::entries(backend, Some(&root()), &filter).await.expect("audit")
}

async fn handles(backend: &Backend) -> Vec<String> {
    people::list(backend, Some(&root())).await.expect("people").into_iter().map(|p| p.handle).collect()
}

async fn a_second_account_resembling_a_person_is_held_and_gets_no_handle(db: &TestStore) {
    let backend = demo_backend(db).await;
    sign_in(&backend, account("s-1", "ada", "ada@example.test", &["sre"])).await.expect("the first account is ada");
    let before = handles(&backend).await;

    let same_username = sign_in(&backend, account("s-2", "ada", "ada.private@example.test", &["sre"])).await;
    assert!(matches!(same_username, Err(Refusal::AccountHeld)), "{same_username:?}");
    let same_email = sign_in(&backend, account("s-3", "lovelace", "ADA@Example.test", &["sre"])).await;
    assert!(matches!(same_email, Err(Refusal::AccountHeld)), "{same_email:?}");
    assert_eq!(handles(&backend).await, before, "no second handle");

    // Trying again and again grows nothing but the last sighting.
    for _ in 0..5 {
        assert!(matches!(sign_in(&backend, account("s-2", "ada", "ada.private@example.test", &["sre"])).await, Err(Refusal::AccountHeld)));
    }
    assert_eq!(actions(&backend, "account.held").await.len(), 2, "one entry per held account");
    let held = accounts::list(&backend, Some(&root())).await.expect("held");
    let found: Vec<(&str, &str, Resemblance, AccountState)> =
        held.iter().map(|a| (a.subject.as_str(), a.resembles.as_str(), a.resemblance, a.state)).collect();
    assert_eq!(found.len(), 2);
    assert!(found.contains(&("s-2", "ada", Resemblance::SameUsername, AccountState::Held)), "{found:?}");
    assert!(found.contains(&("s-3", "ada", Resemblance::SameEmail, AccountState::Held)), "{found:?}");
    // Someone else entirely is not held.
    assert_eq!(sign_in(&backend, account("s-4", "grace", "grace@example.test", &["sre"])).await.expect("grace").identity.name, "grace");
}

async fn a_merged_account_signs_in_as_its_person_who_still_cannot_approve_their_own_release(db: &TestStore) {
    let backend = demo_backend(db).await;
    let rita_user = sign_in(&backend, account("rita-work", "rita", "rita@example.test", &["platform"])).await.expect("rita");
    let release = releases_create(&backend, &rita_user).await;
    // Her second account, in the approvers' group.
    let second = account("rita-home", "rita", "rita.home@example.test", &["sre"]);
    assert!(matches!(sign_in(&backend, second.clone()).await, Err(Refusal::AccountHeld)));

    accounts::decide(&backend, Some(&root()), ISSUER, "rita-home", AccountDecision::Merge, Utc::now()).await.expect("merged");
    let merged = sign_in(&backend, second).await.expect("signs in now");
    assert_eq!(merged.identity.name, "rita", "the same person, the same handle");
    let refused = decide(&backend, &merged.identity, release, Decision::Approve).await;
    assert!(matches!(refused, Err(Refusal::SelfReview { .. })), "{refused:?}");
    assert_eq!(handles(&backend).await.iter().filter(|h| h.starts_with("rita")).count(), 1);

    let entries = actions(&backend, "account.merged").await;
    assert_eq!((entries[0].actor.as_str(), entries[0].subject.as_str()), ("root", format!("account/rita-home@{ISSUER}").as_str()));
    let signed_in = actions(&backend, "session.signed_in").await;
    assert!(signed_in[0].after.as_deref().unwrap_or_default().contains("rita-home"), "the entry says which account: {:?}", signed_in[0]);
    // Her first account still signs in as her too.
    let first = sign_in(&backend, account("rita-work", "rita", "rita@example.test", &["platform"])).await.expect("first account");
    assert_eq!(first.identity.name, "rita");
}

async fn releases_create(backend: &Backend, author: &SignedInUser) -> i64 {
    let draft = draft("production", &[("acme", "frankfurt")]);
    airlock_backend::releases::create(backend, Some(&author.identity), draft, Utc::now()).await.expect("created").release.id
}

async fn an_allowed_account_is_a_person_of_its_own_and_a_blocked_one_never_signs_in(db: &TestStore) {
    let backend = demo_backend(db).await;
    sign_in(&backend, account("s-1", "sam", "sam@example.test", &["sre"])).await.expect("sam");
    assert!(sign_in(&backend, account("s-2", "sam", "sam@other.test", &["sre"])).await.is_err());
    assert!(sign_in(&backend, account("s-3", "sam", "sam@third.test", &["sre"])).await.is_err());

    accounts::decide(&backend, Some(&root()), ISSUER, "s-2", AccountDecision::Allow, Utc::now()).await.expect("allowed");
    let namesake = sign_in(&backend, account("s-2", "sam", "sam@other.test", &["sre"])).await.expect("a person of their own");
    assert_eq!(namesake.identity.name, "sam-2");

    accounts::decide(&backend, Some(&root()), ISSUER, "s-3", AccountDecision::Block, Utc::now()).await.expect("blocked");
    let blocked = sign_in(&backend, account("s-3", "sam", "sam@third.test", &["sre"])).await;
    assert!(matches!(blocked, Err(Refusal::AccountBlocked)), "{blocked:?}");
    assert_eq!(blocked.map(|_| ()).expect_err("refused").status(), 403);
    // A blocked account may still be decided otherwise; an allowed one is a person now.
    accounts::decide(&backend, Some(&root()), ISSUER, "s-3", AccountDecision::Merge, Utc::now()).await.expect("unblocked");
    assert_eq!(sign_in(&backend, account("s-3", "sam", "sam@third.test", &["sre"])).await.expect("in").identity.name, "sam");
    let again = accounts::decide(&backend, Some(&root()), ISSUER, "s-2", AccountDecision::Block, Utc::now()).await;
    assert!(matches!(&again, Err(refusal) if refusal.status() == 404), "{again:?}");
}

async fn only_admins_and_the_local_operator_decide_and_only_open_accounts(db: &TestStore) {
    let backend = demo_backend(db).await;
    sign_in(&backend, account("s-1", "dana", "dana@example.test", &["platform"])).await.expect("dana");
    assert!(sign_in(&backend, account("s-2", "dana", "dana@else.test", &["sre"])).await.is_err());
    for who in [rita(), approver("grace")] {
        let refused = accounts::decide(&backend, Some(&who), ISSUER, "s-2", AccountDecision::Allow, Utc::now()).await;
        assert!(matches!(refused, Err(Refusal::Denied(_))), "{}: {refused:?}", who.name);
        assert!(accounts::list(&backend, Some(&who)).await.is_err(), "{} may not list held accounts", who.name);
    }
    assert!(accounts::decide(&backend, None, ISSUER, "s-2", AccountDecision::Allow, Utc::now()).await.is_err(), "nor may nobody");
    assert_eq!(accounts::list(&backend, Some(&root())).await.expect("held")[0].state, AccountState::Held, "nothing changed");
    let unknown = accounts::decide(&backend, Some(&root()), ISSUER, "s-9", AccountDecision::Merge, Utc::now()).await;
    assert!(matches!(&unknown, Err(refusal) if refusal.status() == 404), "{unknown:?}");

    let operator = operator();
    accounts::decide(&backend, &operator, ISSUER, "s-2", AccountDecision::Block, Utc::now()).await.expect("the operator decides");
    assert_eq!(accounts::list(&backend, &operator).await.expect("held")[0].state, AccountState::Blocked);
}

async fn demo_people_resemble_nobody(db: &TestStore) {
    let backend = demo_backend(db).await;
    assert_eq!(demo_sign_in(&backend, "tom").await, "tom");
    // A real account with a demo person's name is not held for them…
    assert_eq!(sign_in(&backend, account("s-1", "tom", "tom@example.test", &["sre"])).await.expect("tom").identity.name, "tom-2");
    // …and a demo sign-in after a real one is not held either.
    sign_in(&backend, account("s-2", "ada", "ada@example.test", &["sre"])).await.expect("ada");
    assert_eq!(demo_sign_in(&backend, "ada").await, "ada-2");
    assert!(accounts::list(&backend, Some(&root())).await.expect("held").is_empty());
}

/// Signs a demo person in; the handle they got.
async fn demo_sign_in(backend: &Backend, person: &str) -> String {
    let account = demo_account(person).expect("a demo person");
    let user = people::sign_in(backend, account, &demo_role_map(), SignInMethod::Demo, None, Utc::now()).await.expect("signed in");
    user.identity.name
}
