//! Sign-in, sessions, tokens and tenant scoping, on SQLite and PostgreSQL.

use crate::support::TestStore;
use crate::support::demo_backend;
use crate::support::gate::*;
use crate::support::operator;
use airlock_backend::auth::demo::{demo_account, demo_role_map};
use airlock_backend::auth::people::{self, ProviderAccount};
use airlock_backend::auth::{SignInMethod, SignedInUser, USER_KEY};
use airlock_backend::store::{AuditFilter, ReleaseFilter};
use airlock_backend::tokens::{self, TokenGrant};
use airlock_backend::{Refusal, releases};
use airlock_backend::{audit, status, world};
use airlock_domain::access::{Identity, Role, RoleMap};
use chrono::Utc;
use std::collections::HashMap;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::SessionStore;

on_both_test_stores!(
    a_session_is_stored_loaded_replaced_and_deleted_and_expired_ones_are_gone,
    a_person_keeps_their_handle_and_gets_the_roles_their_groups_grant_now,
    an_admin_ends_every_session_of_a_person_and_nobody_else_may,
    a_tenant_admin_sees_only_their_tenants_in_every_view,
    a_revoked_token_is_refused_and_a_tenant_token_is_scoped,
    a_handle_is_never_two_people_however_close_their_first_sign_ins,
    airlocks_own_names_are_never_a_persons_handle,
);

/// Two first sign-ins wanting one handle: the one that commits second is told,
/// by the insert itself, that the handle is taken (nothing written).
async fn a_handle_is_never_two_people_however_close_their_first_sign_ins(db: &TestStore) {
    let record = |subject: &str| airlock_backend::store::PersonRecord {
        handle: "dana".into(),
        issuer: "http://127.0.0.1:9/issuer".into(),
        subject: subject.into(),
        display_name: None,
        email: None,
        roles: vec![Role::Approver],
        tenants: vec![],
        groups: vec![],
    };
    let mut first = db.store.begin().await.expect("begin");
    assert!(first.record_sign_in(&record("subject-a"), Utc::now()).await.expect("recorded"), "a free handle is taken");
    let store = db.store.clone();
    let second = tokio::spawn(async move {
        let mut second = store.begin().await.expect("begin");
        let written = second.record_sign_in(&record("subject-b"), Utc::now()).await.expect("answered");
        second.commit().await.expect("commit");
        written
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    first.commit().await.expect("commit");
    assert!(!second.await.expect("joined"), "the second account does not get the first one's handle");

    // Through the service, many at once: one of them takes the handle, and
    // every other one, resembling the first, is held for an admin.
    let backend = demo_backend(db).await;
    let sign_ins = (0..8).map(|i| {
        let backend = backend.clone();
        tokio::spawn(async move {
            let map = RoleMap::parse("sre=approver").expect("role map");
            people::sign_in(&backend, account(&format!("twin-{i}"), "twin", &["sre"]), &map, SignInMethod::Oidc, None, Utc::now()).await
        })
    });
    let (mut signed_in, mut held) = (Vec::new(), 0);
    for sign_in in sign_ins {
        match sign_in.await.expect("joined") {
            Ok(user) => signed_in.push(user.identity.name),
            Err(Refusal::AccountHeld) => held += 1,
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!((signed_in, held), (vec!["twin".to_owned()], 7));
    let root = Identity::person("root", &[Role::Admin]);
    let people = people::list(&backend, Some(&root)).await.expect("people");
    assert_eq!(people.iter().filter(|p| p.handle.starts_with("twin")).count(), 1);
    let held = airlock_backend::auth::accounts::list(&backend, Some(&root)).await.expect("held");
    assert!(held.len() == 7 && held.iter().all(|a| a.resembles == "twin"), "{held:?}");
}

async fn airlocks_own_names_are_never_a_persons_handle(db: &TestStore) {
    let backend = demo_backend(db).await;
    let map = RoleMap::parse("sre=approver").expect("role map");
    for name in ["airlock", "anonymous", "system", "token"] {
        let user = people::sign_in(&backend, account(&format!("s-{name}"), name, &["sre"]), &map, SignInMethod::Oidc, None, Utc::now())
            .await
            .expect("signed in");
        assert_eq!(user.identity.name, format!("{name}-2"), "{name}");
    }
}

fn account(subject: &str, username: &str, groups: &[&str]) -> ProviderAccount {
    ProviderAccount {
        issuer: "http://127.0.0.1:9/issuer".into(),
        subject: subject.into(),
        email: Some(format!("{username}@example.test")),
        display_name: Some(username.to_uppercase()),
        preferred_username: Some(username.into()),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    }
}

fn record(user: Option<&SignedInUser>, expires_in: time::Duration) -> Record {
    let mut data = HashMap::new();
    if let Some(user) = user {
        data.insert(USER_KEY.to_owned(), serde_json::to_value(user).expect("json"));
    }
    Record { id: Id::default(), data, expiry_date: time::OffsetDateTime::now_utc() + expires_in }
}

async fn a_session_is_stored_loaded_replaced_and_deleted_and_expired_ones_are_gone(db: &TestStore) {
    let backend = demo_backend(db).await;
    let sessions = backend.sessions();
    let mut live = record(None, time::Duration::hours(1));
    sessions.create(&mut live).await.expect("created");
    assert_eq!(sessions.load(&live.id).await.expect("loaded").map(|r| r.data), Some(HashMap::new()));
    let user = people::sign_in(&backend, demo_account("ada").expect("demo"), &demo_role_map(), SignInMethod::Demo, None, Utc::now())
        .await
        .expect("signed in");
    let signed_in = Record { data: record(Some(&user), time::Duration::hours(1)).data, ..live.clone() };
    sessions.save(&signed_in).await.expect("saved");
    let loaded = sessions.load(&live.id).await.expect("loaded").expect("present");
    let stored: SignedInUser = serde_json::from_value(loaded.data[USER_KEY].clone()).expect("user");
    assert_eq!(stored.identity.name, "ada");
    let mut expired = record(None, time::Duration::seconds(-5));
    sessions.create(&mut expired).await.expect("created");
    assert_eq!(sessions.load(&expired.id).await.expect("read"), None, "an expired session loads as none");
    assert_eq!(sessions.delete_expired().await.expect("swept"), 1);
    sessions.delete(&live.id).await.expect("deleted");
    assert_eq!(sessions.load(&live.id).await.expect("read"), None);
    assert_eq!(sessions.load(&Id::default()).await.expect("read"), None, "an id nobody issued names nothing");
}

async fn a_person_keeps_their_handle_and_gets_the_roles_their_groups_grant_now(db: &TestStore) {
    let backend = demo_backend(db).await;
    let map = RoleMap::parse("sre=approver,platform=release_manager,acme-ops=tenant_admin:acme").expect("map");
    let first =
        people::sign_in(&backend, account("s-1", "Ada", &["sre"]), &map, SignInMethod::Oidc, None, Utc::now()).await.expect("first");
    assert_eq!((first.identity.name.as_str(), first.identity.roles.as_slice()), ("ada", [Role::Approver].as_slice()));
    // Moved to another group at the provider: the next sign-in says so.
    let again =
        people::sign_in(&backend, account("s-1", "ada", &["acme-ops"]), &map, SignInMethod::Oidc, None, Utc::now()).await.expect("again");
    assert_eq!(
        (again.identity.name.as_str(), again.identity.roles.as_slice(), again.identity.tenants.as_slice()),
        ("ada", [Role::TenantAdmin].as_slice(), ["acme".to_owned()].as_slice())
    );
    // Another account with the same username is held for an admin (`held_accounts`).
    let other = people::sign_in(&backend, account("s-2", "ada", &["platform"]), &map, SignInMethod::Oidc, None, Utc::now()).await;
    assert!(matches!(other, Err(Refusal::AccountHeld)), "{other:?}");
    let listed = people::list(&backend, Some(&root())).await.expect("people");
    let ada = listed.iter().find(|p| p.handle == "ada").expect("ada listed");
    assert_eq!((ada.roles.as_slice(), ada.groups.as_slice()), ([Role::TenantAdmin].as_slice(), ["acme-ops".to_owned()].as_slice()));
    let signed_in = AuditFilter { action: Some("session.signed_in".into()), limit: 10, ..Default::default() };
    let entries = audit::entries(&backend, Some(&root()), &signed_in).await.expect("audit");
    assert_eq!(entries.iter().map(|e| e.actor.as_str()).collect::<Vec<_>>(), ["ada", "ada"]);
}

async fn an_admin_ends_every_session_of_a_person_and_nobody_else_may(db: &TestStore) {
    let backend = demo_backend(db).await;
    let sessions = backend.sessions();
    let grace = people::sign_in(&backend, demo_account("grace").expect("demo"), &demo_role_map(), SignInMethod::Demo, None, Utc::now())
        .await
        .expect("in");
    let (mut first, mut second) = (record(Some(&grace), time::Duration::hours(1)), record(Some(&grace), time::Duration::hours(1)));
    sessions.create(&mut first).await.expect("first tab");
    sessions.create(&mut second).await.expect("second tab");
    let refused = people::end_sessions(&backend, Some(&rita()), "grace", Utc::now()).await;
    assert!(matches!(refused, Err(Refusal::Denied(_))), "{refused:?}");
    assert_eq!(
        people::list(&backend, Some(&root())).await.expect("list").iter().find(|p| p.handle == "grace").map(|p| p.open_sessions),
        Some(2)
    );
    assert_eq!(people::end_sessions(&backend, Some(&root()), "grace", Utc::now()).await.expect("ended"), 2);
    assert_eq!(sessions.load(&first.id).await.expect("read"), None);
    assert_eq!(sessions.load(&second.id).await.expect("read"), None);
    let ended = AuditFilter { action: Some("session.ended_by_admin".into()), limit: 10, ..Default::default() };
    let entries = audit::entries(&backend, Some(&root()), &ended).await.expect("audit");
    assert_eq!((entries[0].actor.as_str(), entries[0].subject.as_str()), ("root", "person/grace"));
}

fn tenant_admin(tenants: &[&str]) -> Identity {
    Identity { tenants: tenants.iter().map(|t| t.to_string()).collect(), ..person("tom", &[Role::TenantAdmin]) }
}

async fn a_tenant_admin_sees_only_their_tenants_in_every_view(db: &TestStore) {
    let backend = demo_backend(db).await;
    let tom = tenant_admin(&["acme"]);
    let tom = Some(&tom);
    let matrix = status::tenant_matrix(&backend, tom, None).await.expect("matrix");
    assert_eq!(matrix.rows.iter().map(|r| r.slug.as_str()).collect::<Vec<_>>(), ["acme"]);
    assert!(status::tenant_detail(&backend, tom, "acme").await.expect("detail").is_some());
    assert!(status::tenant_detail(&backend, tom, "initech").await.expect("detail").is_none(), "another tenant is absent, as if unknown");
    let overview = serde_json::to_string(&status::overview(&backend, tom).await.expect("overview")).expect("json");
    let everyone = serde_json::to_string(&status::overview(&backend, Some(&root())).await.expect("overview")).expect("json");
    assert_ne!(overview, everyone, "counts cover acme only");
    let region = serde_json::to_string(&status::region_detail(&backend, tom, "ashburn").await.expect("region")).expect("json");
    assert!(!region.contains("initech") && !region.contains("contoso"), "{region}");
    assert_eq!(world::tenants(&backend, tom).await.expect("tenants").len(), 1);

    let only_acme = create(&backend).await.release.id;
    let both = releases::create(&backend, Some(&rita()), draft("production", &[("acme", "frankfurt"), ("initech", "ashburn")]), Utc::now())
        .await
        .expect("created")
        .release
        .id;
    let listed: Vec<i64> = releases::list(&backend, tom, &ReleaseFilter::default()).await.expect("list").iter().map(|r| r.id).collect();
    assert_eq!(listed, [only_acme]);
    assert!(releases::get(&backend, tom, only_acme).await.is_ok());
    assert!(matches!(releases::get(&backend, tom, both).await, Err(Refusal::NotFound(_))));
    let nobody = tenant_admin(&[]);
    assert!(releases::list(&backend, Some(&nobody), &ReleaseFilter::default()).await.expect("list").is_empty());
    assert!(status::overview(&backend, None).await.is_err(), "nobody signed in reads nothing");
}

async fn a_revoked_token_is_refused_and_a_tenant_token_is_scoped(db: &TestStore) {
    let backend = demo_backend(db).await;
    let grant =
        TokenGrant { roles: vec![Role::TenantAdmin], tenants: vec!["acme".into()], expires_at: Utc::now() + chrono::Duration::days(1) };
    let token = tokens::create(&backend, &operator(), "acme-status", grant, Utc::now()).await.expect("created");
    let identity = tokens::identify(&backend, &token, Utc::now()).await.expect("read").expect("ours");
    assert_eq!((identity.name.as_str(), identity.tenants.as_slice()), ("token:acme-status", ["acme".to_owned()].as_slice()));
    assert_eq!(world::tenants(&backend, Some(&identity)).await.expect("tenants").len(), 1);
    tokens::revoke(&backend, &operator(), "acme-status", Utc::now()).await.expect("revoked");
    assert_eq!(tokens::identify(&backend, &token, Utc::now()).await.expect("read"), None);
    assert!(tokens::revoke(&backend, &operator(), "acme-status", Utc::now()).await.is_err(), "revoked already");
    let listed = tokens::list(&backend, &operator()).await.expect("list");
    assert!(listed[0].revoked_at.is_some());
}
