//! Status pages are rendered once per person and read-model snapshot, then
//! sent again (`page_cache`). These tests try to get a kept page where it
//! must not go: to someone else, after sign-out, or after what it shows
//! changed. On SQLite and PostgreSQL.

use crate::support::TestApp;
use crate::support::steps::{api, approve, check_all, create};
use airlock_domain::access::Role;
use serde_json::json;
use std::time::Duration;

/// The tenants the matrix at `/tenants` lists, in order.
fn listed_tenants(html: &str) -> Vec<&str> {
    html.split("<tr data-tenant=\"").skip(1).filter_map(|row| row.split('"').next()).collect()
}

/// What acme runs in production, frankfurt, as its cell on the tenants matrix
/// says ("production · frankfurt: 2.14.3, healthy").
/// The page without its script nonces: each render has its own (the
/// Content-Security-Policy's), and a new status snapshot (a connection check,
/// say) may come between two requests and render the page anew.
fn without_nonces(html: &str) -> String {
    let mut page = html.to_owned();
    for attribute in [" nonce=\"", " crossorigin=\""] {
        let mut from = 0;
        while let Some(at) = page[from..].find(attribute) {
            let start = from + at + attribute.len();
            let end = page[start..].find('"').map_or(page.len(), |end| start + end);
            page.replace_range(start..end, "");
            from = start;
        }
    }
    page
}

fn acme_in_production_frankfurt(html: &str) -> String {
    let row = html.split("<tr data-tenant=\"acme\"").nth(1).expect("acme's row");
    let row = row.split("</tr>").next().unwrap_or_default();
    let cell = row.split("title=\"production · frankfurt: ").nth(1).expect("the production, frankfurt cell");
    cell.split(',').next().unwrap_or_default().to_owned()
}

async fn a_page_kept_for_one_person_is_never_sent_to_another(app: TestApp) {
    let vic = app.browser("vic").await;
    for _ in 0..2 {
        let (status, html) = vic.page("/tenants").await;
        assert_eq!(status, 200);
        assert!(listed_tenants(&html).contains(&"bluebird-bank"), "a viewer sees every tenant");
        assert!(html.contains("data-acting=\"vic\""), "and their own name");
    }
    let tom = app.browser("tom").await; // tenant admin of acme
    let (status, html) = tom.page("/tenants").await;
    assert_eq!(status, 200);
    let listed = listed_tenants(&html);
    assert!(!listed.is_empty() && listed.iter().all(|t| *t == "acme"), "tom sees acme only, not vic's page: {listed:?}");
    assert!(html.contains("data-acting=\"tom\"") && !html.contains("data-acting=\"vic\""));
    let (_, overview) = tom.page("/").await;
    assert!(overview.contains("data-acting=\"tom\""));
}

async fn a_kept_page_is_not_sent_after_sign_out(app: TestApp) {
    let ada = app.browser("ada").await;
    assert_eq!(ada.page("/").await.0, 200);
    assert_eq!(ada.page("/").await.0, 200, "kept by now");
    let signed_out = ada.post_form("/auth/logout", String::new()).await;
    assert_eq!(signed_out.status().as_u16(), 303);
    let response = ada.get("/").await;
    assert_eq!(response.status().as_u16(), 303, "sent to sign in, not the kept overview");
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
    assert!(location.starts_with("/auth/login"), "{location}");
}

async fn a_kept_page_shows_a_job_outcome_once_pages_are_told(app: TestApp) {
    let vic = app.browser("vic").await;
    let (_, before) = vic.page("/tenants").await;
    assert_eq!(acme_in_production_frankfurt(&before), "2.14.3");
    assert_eq!(without_nonces(&vic.page("/tenants").await.1), without_nonces(&before), "kept: the same page again");

    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    check_all(&app, &rita, id).await;
    for person in ["ada", "grace"] {
        assert_eq!(approve(&app.browser(person).await, id, 1).await.0, 200, "{person} approves");
    }
    let mut pushes = vic.get("/live/status").await;
    let (status, _) = api(app.post_json(&format!("/api/v1/releases/{id}/dispatch"), Some(&rita), &json!({})).await).await;
    assert_eq!(status, 202);
    // Pushed more than once (the cluster reports the rollout, then the job
    // succeeds): the page a push sends people to shows the outcome after one.
    let told = async {
        loop {
            let pushed = pushes.chunk().await.expect("readable").expect("a chunk");
            assert!(String::from_utf8_lossy(&pushed).contains("data: changed"));
            let (status, after) = vic.page("/tenants").await;
            assert_eq!(status, 200);
            if acme_in_production_frankfurt(&after) == "2.15.0" {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), told).await.expect("a push after which the kept page shows the outcome");
}

crate::on_both_apps!(
    a_page_kept_for_one_person_is_never_sent_to_another,
    a_kept_page_is_not_sent_after_sign_out,
    a_kept_page_shows_a_job_outcome_once_pages_are_told,
);
