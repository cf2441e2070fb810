//! The `/api/v1` read endpoints and the metrics they produce.

use crate::support::spawn_app;
use serde_json::Value;

#[tokio::test]
async fn tenants_are_listed_with_stable_field_names() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/tenants").await;
    assert_eq!(response.status().as_u16(), 200);
    let tenants: Vec<Value> = response.json().await.expect("json array");
    assert_eq!(tenants.len(), 14);
    let acme = tenants.iter().find(|t| t["slug"] == "acme").expect("acme listed");
    assert_eq!(acme["name"], "Acme Corp");
    assert_eq!(acme["primary_region"], "frankfurt");
    assert_eq!(acme["data_residency"], "eu");
    assert_eq!(acme["allowed_regions"], serde_json::json!(["frankfurt"]));
}

#[tokio::test]
async fn environments_come_in_promotion_order_with_their_gate() {
    let app = spawn_app().await;
    let environments: Vec<Value> = app.get("/api/v1/environments").await.json().await.expect("json");
    let names: Vec<&str> = environments.iter().filter_map(|e| e["name"].as_str()).collect();
    assert_eq!(names, ["development", "staging", "production"]);
    assert_eq!(environments[2]["protected"], true);
    assert_eq!(environments[2]["required_approvals"], 2);
    let regions: Vec<Value> = app.get("/api/v1/regions").await.json().await.expect("json");
    assert_eq!(regions.len(), 5);
}

#[tokio::test]
async fn a_tenants_status_lists_each_workload_with_its_cluster_and_namespace() {
    let app = spawn_app().await;
    let status: Value = app.get("/api/v1/tenants/dunmore-health/status").await.json().await.expect("json");
    assert_eq!(status["slug"], "dunmore-health");
    assert_eq!(status["health"], "degraded");
    let workloads = status["workloads"].as_array().expect("workloads");
    let api = workloads.iter().find(|w| w["environment"] == "production" && w["service"] == "api").expect("production api");
    assert_eq!(api["version"], "2.14.3");
    assert_eq!(api["cluster"], "prod-iad-1");
    assert_eq!(api["namespace"], "tenant-dunmore-health");
}

#[tokio::test]
async fn unknown_tenants_and_endpoints_are_json_404s() {
    let app = spawn_app().await;
    for (path, code) in [("/api/v1/tenants/nobody/status", "not_found"), ("/api/v1/no-such-thing", "no_such_endpoint")] {
        let response = app.get(path).await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
        let body: Value = response.json().await.expect("json error");
        assert_eq!(body["code"], code);
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_not_raw_path() {
    let app = spawn_app().await;
    app.get("/tenants/acme").await;
    app.get("/api/v1/tenants/acme/status").await;
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains(r#"route="/tenants/{slug}""#), "{metrics}");
    assert!(metrics.contains(r#"route="/api/v1/tenants/{slug}/status""#));
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
    assert!(!metrics.contains("/tenants/acme\""), "raw paths must not become labels");
}

#[tokio::test]
async fn every_answer_carries_a_request_id_the_callers_own_when_it_is_sane() {
    let app = spawn_app().await;
    let fresh = app.client.get(format!("{}/health/live", app.address)).send().await.expect("sent");
    let id = fresh.headers()["x-request-id"].to_str().expect("ascii").to_owned();
    assert_eq!(id.len(), 24, "a fresh random id: {id}");
    let again = app.client.get(format!("{}/health/live", app.address)).send().await.expect("sent");
    assert_ne!(again.headers()["x-request-id"], id.as_str(), "one per request");
    let echoed =
        app.client.get(format!("{}/api/v1/tenants", app.address)).header("X-Request-Id", "ci-4711.step-3").send().await.expect("sent");
    assert_eq!(
        (echoed.status().as_u16(), echoed.headers()["x-request-id"].to_str().ok()),
        (401, Some("ci-4711.step-3")),
        "refusals carry it too"
    );
    let forged = app.client.get(format!("{}/health/live", app.address)).header("X-Request-Id", "x\"} forged").send().await.expect("sent");
    assert_ne!(forged.headers()["x-request-id"], "x\"} forged");
}
