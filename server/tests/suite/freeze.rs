//! A freeze window of the world file shuts production's gate on every way
//! in (API, page, server function), saying which window, why and until
//! when; an admin — a person, not a token, not the author — breaks the glass
//! in writing; the release then needs one approval more, is marked in
//! lists and audited. And a new install with no world says how to apply one.

use crate::support::TestApp;
use crate::support::steps::{api as body, approve, check_all, create, detail, kinds, rpc};
use airlock_domain::access::Role;
use chrono::{Duration, SecondsFormat, Utc};
use serde_json::{Value, json};

crate::on_both_apps!(a_freeze_shuts_the_gate_on_every_way_in_until_an_admin_breaks_the_glass);

async fn freeze_production(app: &TestApp) {
    let (backend, operator) = app.operator().await;
    let at = |d: Duration| (Utc::now() + d).to_rfc3339_opts(SecondsFormat::Secs, true);
    let freeze = format!(
        "    job_template: jobs/production.yaml\n    freezes:\n      - name: quarter-close\n        from: {}\n        until: {}\n        reason: Books are closing\n",
        at(-Duration::hours(1)),
        at(Duration::hours(2))
    );
    let mut input = airlock_backend::demo::demo_input();
    input.text = input.text.replacen("    job_template: jobs/production.yaml\n", &freeze, 1);
    airlock_backend::world_file::apply(&backend, &operator, &input, Utc::now()).await.expect("the freeze is applied");
}

async fn a_freeze_shuts_the_gate_on_every_way_in_until_an_admin_breaks_the_glass(app: TestApp) {
    freeze_production(&app).await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    check_all(&app, &rita, id).await;
    let (ada, grace) = (app.browser("ada").await, app.browser("grace").await);
    approve(&ada, id, 1).await;
    approve(&grace, id, 1).await;
    let frozen = detail(&app, id).await;
    assert_eq!(kinds(&frozen), ["frozen"], "{frozen}");
    let message = frozen["blockers"][0]["message"].as_str().unwrap_or_default();
    assert!(message.starts_with("production is frozen until ") && message.contains("(quarter-close: Books are closing)"), "{message}");
    assert_eq!((frozen["freeze"]["name"].as_str(), frozen["freeze"]["open"].as_bool()), (Some("quarter-close"), Some(true)));

    let dispatch = format!("/api/v1/releases/{id}/dispatch");
    let (status, refused) = body(app.post_json(&dispatch, Some(&rita), &json!({})).await).await;
    assert_eq!((status, refused["code"].as_str()), (409, Some("gate_closed")), "{refused}");
    assert!(refused["message"].as_str().is_some_and(|m| m.contains("Books are closing")), "{refused}");
    let sam = app.browser("sam").await;
    assert_eq!(rpc(&sam, "dispatch_release", &format!("id={id}&revision=1")).await.0, 409, "the page's dispatch is refused too");
    let (_, page) = app.browser("vic").await.page(&format!("/releases/{id}")).await;
    assert!(page.contains("data-testid=\"freeze\"") && page.contains("Books are closing"), "the release page shows the freeze");
    // The portal follows a world the operator applied from another process (on
    // SQLite it looks every second; on PostgreSQL the change feed tells it).
    let vic = app.browser("vic").await;
    let mut environment = vic.get("/environments/production").await;
    for _ in 0..50 {
        if environment.headers().contains_key("cache-control") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        environment = vic.get("/environments/production").await;
    }
    assert_eq!(
        environment.headers().get("cache-control").and_then(|v| v.to_str().ok()),
        Some("no-store"),
        "a page with a freeze is never kept"
    );
    assert!(environment.text().await.expect("page").contains("quarter-close"), "the environment page shows the freeze");

    // Breaking the glass: never a token, never who wrote it, never without a reason.
    let admin_token = app.token("ops-admin", &[Role::Admin]).await;
    let glass = format!("/api/v1/releases/{id}/break-glass");
    let (status, refused) = body(app.post_json(&glass, Some(&admin_token), &json!({"reason": "Payment outage"})).await).await;
    assert_eq!((status, refused["code"].as_str()), (403, Some("break_glass_refused")), "{refused}");
    let (status, _) = body(app.post_json(&glass, Some(&rita), &json!({"reason": "Payment outage"})).await).await;
    assert_eq!(status, 403, "a release manager is not an admin");
    let root = app.browser("root").await;
    assert_eq!(rpc(&root, "break_glass", &format!("id={id}&reason=")).await.0, 422, "a reason is required");
    assert_eq!(rpc(&root, "break_glass", &format!("id={id}&reason=Payment+outage+fix")).await.0, 200);
    assert_eq!(rpc(&root, "break_glass", &format!("id={id}&reason=Again")).await.0, 409, "once per release");

    let glassed = detail(&app, id).await;
    assert_eq!(
        (glassed["break_glass"]["by"].as_str(), glassed["break_glass"]["reason"].as_str()),
        (Some("root"), Some("Payment outage fix"))
    );
    assert_eq!(kinds(&glassed), ["too_few_approvals"], "one approval more than usual: {glassed}");
    assert!(glassed["blockers"][0]["message"].as_str().is_some_and(|m| m.contains("Needs 3 approvals")));
    rpc(&sam, "review_release", &format!("id={id}&revision=1&decision=approve&comment=Needed+for+the+outage")).await;
    let ready = detail(&app, id).await;
    assert_eq!(ready["blockers"], json!([]), "{ready}");
    let (status, dispatched) = body(app.post_json(&dispatch, Some(&rita), &json!({})).await).await;
    assert_eq!(status, 202, "{dispatched}");
    let listed: Vec<Value> = app.get("/api/v1/releases").await.json().await.expect("list");
    assert_eq!(listed.iter().find(|r| r["id"] == id).map(|r| r["break_glass"].clone()), Some(json!(true)));
    let (_, list_page) = app.browser("vic").await.page("/releases").await;
    assert!(list_page.contains("badge-break-glass"), "lists mark it");
    let auditor = app.token("auditor", &[Role::Auditor]).await;
    let (_, entries) = body(app.get_as("/api/v1/audit?action=release.break_glass", Some(&auditor)).await).await;
    assert_eq!(entries["entries"].as_array().map(Vec::len), Some(1), "{entries}");
    assert_eq!(entries["entries"][0]["actor"], "root");
}

#[tokio::test]
async fn a_new_install_without_a_world_says_how_to_apply_one() {
    let app = crate::support::spawn_app_with(|s| s.seed_demo = false).await;
    let (status, html) = app.browser("vic").await.page("/").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("No world yet") && html.contains("airlock apply -f world.yaml"), "{html}");
}
