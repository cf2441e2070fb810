//! The ways around the two-engineer rule, each performed through the API and
//! the pages' server functions on SQLite and PostgreSQL, and shown refused
//! with the gate unchanged.

use crate::support::TestApp;
use crate::support::steps::{api, approve, check, check_all, create, detail, kinds, rpc};
use airlock_domain::access::Role;
use serde_json::{Value, json};

async fn tokens_never_count_as_approvers(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    // No token holds the approver role any more, so a token cannot review at all…
    let review = json!({"decision": "approve", "comment": "", "revision": 1});
    let (status, error) = api(app.post_json(&format!("/api/v1/releases/{id}/reviews"), Some(&rita), &review).await).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("forbidden")), "{error}");
    // …and its name can never be a person's: the author is `token:rita`, not rita.
    let after = detail(&app, id).await;
    assert_eq!((after["author"].as_str(), after["approvals"].as_u64()), (Some("token:rita"), Some(0)));
}

async fn an_earlier_editor_cannot_approve_after_someone_elses_trivial_edit(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    let sam = app.browser("sam").await;
    let swap = format!(
        "id={id}&revision=1&service=api&version=2.15.0&image=registry.airlock.internal/api:evil&image_pinned=true&environment=production&targets[0]=acme/frankfurt&notes="
    );
    assert_eq!(rpc(&sam, "edit_release", &swap).await.0, 200, "sam edits revision 2");
    let (status, trivial) =
        api(app.patch_json(&format!("/api/v1/releases/{id}"), Some(&rita), &json!({"notes": "typo", "revision": 2})).await).await;
    assert_eq!((status, trivial["revision"].as_u64()), (200, Some(3)), "{trivial}");
    let (status, refusal) = approve(&sam, id, 3).await;
    assert_eq!(status, 403, "{refusal}");
    assert_eq!(detail(&app, id).await["reviews"], json!([]));
}

async fn a_change_without_the_revision_it_was_made_on_is_refused_everywhere(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    let path = format!("/api/v1/releases/{id}");
    let (status, error) = api(app.patch_json(&path, Some(&rita), &json!({"notes": "no revision"})).await).await;
    assert_eq!((status, error["code"].as_str()), (422, Some("invalid_json")), "{error}");
    let review = json!({"decision": "reject", "comment": "no revision"});
    let (status, error) = api(app.post_json(&format!("{path}/reviews"), Some(&rita), &review).await).await;
    assert_eq!((status, error["code"].as_str()), (422, Some("invalid_json")), "{error}");
    let ada = app.browser("ada").await;
    let (status, _) = rpc(&ada, "review_release", &format!("id={id}&decision=approve&comment=")).await;
    assert_eq!(status, 422, "a page's review must name its revision");
    let (status, _) = rpc(
        &app.browser("rita").await,
        "edit_release",
        &format!("id={id}&service=api&version=2.15.9&environment=production&targets[0]=acme/frankfurt"),
    )
    .await;
    assert_eq!(status, 422, "a page's edit must name its revision");
    // A stale one is 409, naming both revisions.
    api(app.patch_json(&path, Some(&rita), &json!({"notes": "revision 2", "revision": 1})).await).await;
    let (status, error) = api(app.patch_json(&path, Some(&rita), &json!({"notes": "late", "revision": 1})).await).await;
    assert_eq!((status, error["code"].as_str()), (409, Some("stale_revision")));
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains("revision 1") && message.contains("revision 2"), "{message}");
    let (status, error) = approve(&ada, id, 1).await;
    assert_eq!(status, 409, "{error}");
    let after = detail(&app, id).await;
    assert_eq!((after["revision"].as_u64(), after["approvals"].as_u64()), (Some(2), Some(0)));
}

async fn swapping_evidence_after_approval_dismisses_those_approvals(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    check_all(&app, &rita, id).await;
    for person in ["ada", "grace"] {
        assert_eq!(approve(&app.browser(person).await, id, 1).await.0, 200);
    }
    assert_eq!(detail(&app, id).await["state"], "ready");
    let swapped = check(&app, &rita, id, 4, "https://ci.example.com/runs/forged").await;
    assert_eq!(swapped["state"], "blocked");
    assert_eq!(kinds(&swapped), ["too_few_approvals", "dismissed_approval", "dismissed_approval"]);
    let ready: Vec<Value> = app.get("/api/v1/releases?state=ready").await.json().await.expect("list");
    assert!(ready.is_empty());
    // The page says so too, and the same through its own form.
    let (_, html) = app.page(&format!("/releases/{id}")).await;
    assert!(html.contains("approval was dismissed"), "{html}");
    let ada = app.browser("ada").await;
    assert_eq!(approve(&ada, id, 1).await.0, 200);
    let rita_page = app.browser("rita").await;
    let swap = format!("id={id}&item=4&checked=true&evidence_url=https%3A%2F%2Fci.example.com%2Fruns%2F2&note=");
    assert_eq!(rpc(&rita_page, "check_item", &swap).await.0, 200);
    assert_eq!(kinds(&detail(&app, id).await), ["too_few_approvals", "dismissed_approval", "dismissed_approval"]);
}

async fn lists_agree_with_the_release_page_after_a_policy_change(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    check_all(&app, &rita, id).await;
    for person in ["ada", "grace"] {
        approve(&app.browser(person).await, id, 1).await;
    }
    let mut world = airlock_backend::demo::demo_world();
    world.environments.iter_mut().filter(|e| e.name == "production").for_each(|e| e.required_approvals = 3);
    let (backend, operator) = app.operator().await;
    backend.import_world(&operator, &world).await.expect("policy changed");
    assert_eq!(kinds(&detail(&app, id).await), ["too_few_approvals"]);
    let ready: Vec<Value> = app.get("/api/v1/releases?state=ready").await.json().await.expect("list");
    assert!(ready.is_empty(), "{ready:?}");
    let (_, html) = app.page("/releases?state=ready").await;
    assert!(!html.contains(&format!("href=\"/releases/{id}\"")), "the page's list agrees");
}

async fn a_review_inserted_behind_airlocks_back_counts_for_nothing_and_is_reported(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    check_all(&app, &rita, id).await;
    assert_eq!(approve(&app.browser("ada").await, id, 1).await.0, 200);
    let digest = detail(&app, id).await["digest"].as_str().expect("digest").to_owned();
    let now = if app.is_postgres() { "now()" } else { "'2026-11-30T02:00:00+00:00'" };
    app.raw_sql(&format!(
        "INSERT INTO reviews (release_id, release_author, revision, reviewer, reviewer_is_approver, decision, digest, comment, at) \
         VALUES ({id}, 'token:rita', 1, 'grace', true, 'approve', '{digest}', '', {now})"
    ))
    .await;
    let after = detail(&app, id).await;
    assert_eq!((after["state"].as_str(), after["approvals"].as_u64()), (Some("blocked"), Some(1)), "{after}");
    assert_eq!(kinds(&after), ["too_few_approvals", "unrecorded"]);
    let audrey = app.token("audrey", &[Role::Auditor]).await;
    let (_, verdict) = api(app.get_as("/api/v1/audit/verify", Some(&audrey)).await).await;
    assert_eq!(verdict["ok"], false);
    assert_eq!(verdict["unrecorded"], json!([format!("release {id}: approve of revision 1 by grace has no audit entry")]));
    let (_, html) = app.browser("audrey").await.page("/audit").await;
    assert!(html.contains("Not in the log") && html.contains("by grace has no audit entry"), "{html}");
}

/// Someone with SQL access empties the log and resets its head: consistent
/// on its own, but not against the checkpoint an operator kept.
async fn a_truncated_audit_log_fails_against_a_kept_checkpoint(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    create(&app, &rita).await;
    let audrey = app.token("audrey", &[Role::Auditor]).await;
    let (_, before) = api(app.get_as("/api/v1/audit/verify", Some(&audrey)).await).await;
    assert_eq!(before["ok"], true, "{before}");
    let (head, operator) = app.operator().await;
    let kept = airlock_backend::audit::verify(&head, &operator, None).await.expect("verify").last.expect("a head");
    // Foreign keys and the append-only triggers off first, as such an operator would.
    let off = if app.is_postgres() {
        "SET session_replication_role = replica;"
    } else {
        "PRAGMA foreign_keys = OFF; DROP TRIGGER audit_log_is_append_only_update; DROP TRIGGER audit_log_is_append_only_delete;"
    };
    let genesis = airlock_domain::audit::GENESIS;
    app.raw_sql(&format!(
        "{off} DELETE FROM audit_log; UPDATE audit_head SET seq = 0, hash = '{genesis}'; \
         UPDATE release_revisions SET audit_seq = NULL; UPDATE reviews SET audit_seq = NULL; UPDATE checklist_items SET audit_seq = NULL"
    ))
    .await;
    let path = format!("/api/v1/audit/verify?since_checkpoint={kept}");
    let (status, verdict) = api(app.get_as(&path, Some(&audrey)).await).await;
    assert_eq!((status, verdict["ok"].as_bool()), (200, Some(false)), "{verdict}");
    assert_eq!(verdict["first_broken"]["reason"], "checkpoint_missing");
    let (status, error) = api(app.get_as("/api/v1/audit/verify?since_checkpoint=nonsense", Some(&audrey)).await).await;
    assert_eq!((status, error["code"].as_str()), (400, Some("bad_query")));
}

/// Someone with SQL access lowers production to one approval: the gate does
/// not apply a policy the log does not record, and `verify` names it. A world
/// import (the way an operator changes policy) records it, and it applies.
async fn a_policy_lowered_in_the_database_is_not_applied(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    check_all(&app, &rita, id).await;
    app.raw_sql("UPDATE environments SET required_approvals = 1 WHERE name = 'production'").await;
    assert_eq!(approve(&app.browser("ada").await, id, 1).await.0, 200);
    let after = detail(&app, id).await;
    assert_eq!(after["state"], "blocked", "{after}");
    assert!(kinds(&after).contains(&"unrecorded"), "{after}");
    assert!(after.to_string().contains("the gate policy of production"), "{after}");
    let (status, refusal) = api(app.post_json(&format!("/api/v1/releases/{id}/dispatch"), Some(&rita), &json!({})).await).await;
    assert_eq!((status, refusal["code"].as_str()), (409, Some("gate_closed")), "{refusal}");
    let audrey = app.token("audrey", &[Role::Auditor]).await;
    let (_, verdict) = api(app.get_as("/api/v1/audit/verify", Some(&audrey)).await).await;
    assert_eq!(verdict["ok"], false);
    let unrecorded = verdict["unrecorded"].to_string();
    assert!(unrecorded.contains("environment production: its gate policy"), "{verdict}");

    // The same change through a world import is recorded, and then it applies.
    let mut world = airlock_backend::demo::demo_world();
    world.environments.iter_mut().filter(|e| e.name == "production").for_each(|e| e.required_approvals = 1);
    let (backend, operator) = app.operator().await;
    backend.import_world(&operator, &world).await.expect("imported");
    let after = detail(&app, id).await;
    assert_eq!(after["state"], "ready", "{after}");
    let (_, verdict) = api(app.get_as("/api/v1/audit/verify", Some(&audrey)).await).await;
    assert_eq!(verdict["unrecorded"], json!([]), "{verdict}");
}

crate::on_both_apps!(
    a_policy_lowered_in_the_database_is_not_applied,
    tokens_never_count_as_approvers,
    an_earlier_editor_cannot_approve_after_someone_elses_trivial_edit,
    a_change_without_the_revision_it_was_made_on_is_refused_everywhere,
    swapping_evidence_after_approval_dismisses_those_approvals,
    lists_agree_with_the_release_page_after_a_policy_change,
    a_review_inserted_behind_airlocks_back_counts_for_nothing_and_is_reported,
    a_truncated_audit_log_fails_against_a_kept_checkpoint,
);
