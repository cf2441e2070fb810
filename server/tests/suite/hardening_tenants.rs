//! A tenant admin sees their tenants only: not in a job's reason, not in a
//! link to a release they cannot open, not in a live push when another
//! tenant's deploy finishes. Performed as tom (acme's admin) would see it.

use crate::support::TestApp;
use crate::support::steps::api;
use airlock_domain::access::Role;
use serde_json::json;
use std::time::Duration;

/// A staging release (no approvals needed) to `targets`, dispatched, with
/// every job succeeded; its id.
async fn deployed_to(app: &TestApp, rita: &str, targets: &[(&str, &str)]) -> i64 {
    let targets: Vec<_> = targets.iter().map(|(tenant, region)| json!({"tenant": tenant, "region": region})).collect();
    let release = json!({"service": "api", "version": "9.9.9", "environment": "staging", "targets": targets});
    let (status, created) = api(app.post_json("/api/v1/releases", Some(rita), &release).await).await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_i64().expect("id");
    let (status, dispatched) = api(app.post_json(&format!("/api/v1/releases/{id}/dispatch"), Some(rita), &json!({})).await).await;
    assert_eq!(status, 202, "{dispatched}");
    for _ in 0..200 {
        let (_, jobs) = api(app.get(&format!("/api/v1/releases/{id}/jobs")).await).await;
        if jobs.as_array().is_some_and(|jobs| jobs.iter().all(|j| j["state"] == "succeeded")) {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("release {id} did not finish");
}

async fn a_tenant_admin_learns_nothing_of_other_tenants(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let tom = app.browser("tom").await;
    let mut pushes = tom.get("/live/status").await;
    assert_eq!(pushes.status().as_u16(), 200);

    deployed_to(&app, &rita, &[("bluebird-bank", "frankfurt")]).await;
    let heard = tokio::time::timeout(Duration::from_millis(2_500), pushes.chunk()).await;
    assert!(heard.is_err(), "tom heard of bluebird-bank's deploy: {heard:?}");

    let shared = deployed_to(&app, &rita, &[("acme", "frankfurt"), ("bluebird-bank", "frankfurt")]).await;
    let chunk = tokio::time::timeout(Duration::from_secs(5), pushes.chunk()).await.expect("told within 5 s").expect("readable");
    assert!(String::from_utf8_lossy(&chunk.expect("a chunk")).contains("data: changed"), "acme changed: tom is told");

    // acme's job of the shared release is listed, but no link leads to a release tom cannot open.
    let (status, html) = tom.page("/tenants/acme").await;
    assert_eq!(status, 200);
    assert!(!html.contains(&format!("/releases/{shared}")), "a link tom would only get 404 from");
    assert!(html.contains("another team"), "{html}");
    assert_eq!(tom.page(&format!("/releases/{shared}")).await.0, 404, "as it should: the release goes to bluebird-bank too");

    // A reason that names another tenant is worded without it.
    app.raw_sql(&format!(
        "UPDATE jobs SET state = 'skipped', reason = 'wave 1 failed (bluebird-bank in frankfurt)' WHERE release_id = {shared} AND tenant = 'acme'"
    ))
    .await;
    let (_, html) = tom.page("/tenants/acme").await;
    assert!(html.contains("an earlier wave failed") && !html.contains("bluebird"), "{html}");
    // Those who may open the release still read the whole reason.
    let (_, html) = app.browser("rita").await.page("/tenants/acme").await;
    assert!(html.contains("wave 1 failed (bluebird-bank in frankfurt)") && html.contains(&format!("/releases/{shared}#jobs")));
}

crate::on_both_apps!(a_tenant_admin_learns_nothing_of_other_tenants);
