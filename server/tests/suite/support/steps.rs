//! The usual moves on a release, through the API (rita's token) and through
//! the pages' server functions (a signed-in browser), shared by the tests.

use super::{Browser, TestApp};
use serde_json::{Value, json};

/// Calls a server function as the hydrated page does: status and JSON body.
pub async fn rpc(browser: &Browser, endpoint: &str, body: &str) -> (u16, Value) {
    let response = browser
        .client
        .post(format!("{}/rpc/{endpoint}", browser.address))
        .header("Origin", &browser.address)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub async fn api(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

pub fn kinds(detail: &Value) -> Vec<&str> {
    detail["blockers"].as_array().expect("blockers").iter().filter_map(|b| b["kind"].as_str()).collect()
}

/// rita's token creates a production release for acme in frankfurt.
pub async fn create(app: &TestApp, rita: &str) -> i64 {
    let release =
        json!({"service": "api", "version": "2.15.0", "environment": "production", "targets": [{"tenant": "acme", "region": "frankfurt"}]});
    let (status, detail) = api(app.post_json("/api/v1/releases", Some(rita), &release).await).await;
    assert_eq!(status, 201, "{detail}");
    detail["id"].as_i64().expect("id")
}

pub async fn check(app: &TestApp, rita: &str, id: i64, item: u32, evidence: &str) -> Value {
    let body = json!({"checked": true, "evidence_url": evidence});
    let (status, detail) = api(app.post_json(&format!("/api/v1/releases/{id}/checklist/{item}"), Some(rita), &body).await).await;
    assert_eq!(status, 200, "{detail}");
    detail
}

/// Every item of the production checklist, with the same evidence.
pub async fn check_all(app: &TestApp, rita: &str, id: i64) {
    for item in 1..=9 {
        check(app, rita, id, item, "https://ci.example.com/runs/1").await;
    }
}

pub async fn detail(app: &TestApp, id: i64) -> Value {
    api(app.get(&format!("/api/v1/releases/{id}")).await).await.1
}

pub async fn approve(browser: &Browser, id: i64, revision: u32) -> (u16, Value) {
    rpc(browser, "review_release", &format!("id={id}&revision={revision}&decision=approve&comment=")).await
}
