//! The API does what its OpenAPI document says, and the document says all of
//! it: what the shared layers answer on every operation, the query parameters
//! an operation takes and no others, an optional body that may be left out,
//! and the field limits the services check. (scripts/test's contract stage runs
//! schemathesis against the same document; these pin the cases it found.)

use crate::support::TestApp;
use crate::support::spawn_app;
use crate::support::steps::{api, create};
use airlock_domain::access::Role;
use serde_json::{Value, json};

async fn refused(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    api(app.get_as(path, Some(token)).await).await
}

#[tokio::test]
async fn query_parameters_outside_the_document_are_refused_with_bad_query() {
    let app = spawn_app().await;
    let audrey = app.token("audrey", &[Role::Auditor]).await;
    for path in [
        "/api/v1/audit?acter=rita",
        "/api/v1/audit?limit=0",
        "/api/v1/audit?limit=501",
        "/api/v1/audit?limit=2147483648",
        "/api/v1/audit/verify?checkpoint=1",
        "/api/v1/audit/verify?since_checkpoint=1:abc",
        "/api/v1/releases?stat=ready",
        "/api/v1/releases?state=",
        "/api/v1/releases?state=%20ready",
    ] {
        let (status, error) = refused(&app, path, &audrey).await;
        assert_eq!((status, error["code"].as_str()), (400, Some("bad_query")), "{path}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{path}");
    }
    let (_, error) = refused(&app, "/api/v1/releases?stat=ready", &audrey).await;
    assert!(error["message"].as_str().is_some_and(|m| m.contains("stat") && m.contains("state")), "names both: {error}");
    for path in [
        "/api/v1/audit?limit=1",
        "/api/v1/audit?limit=500&actor=",
        "/api/v1/releases?state=ready&service=",
        "/api/v1/audit/verify?since_checkpoint=",
    ] {
        assert_eq!(app.get_as(path, Some(&audrey)).await.status().as_u16(), 200, "{path}");
    }
}

#[tokio::test]
async fn a_rollback_may_leave_its_body_out_but_any_body_is_a_json_object_sent_as_json() {
    let app = spawn_app().await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    let url = format!("{}/api/v1/releases/{id}/rollback", app.address);
    // No body and no Content-Type, or a JSON `null`: every target, so the service
    // answers (nothing was dispatched yet) instead of the body being refused.
    let bare = app.client.post(&url).bearer_auth(&rita).send().await.expect("sent");
    let null = app.client.post(&url).bearer_auth(&rita).header("content-type", "application/json").body("null").send().await.expect("sent");
    for response in [bare, null] {
        let (status, error) = api(response).await;
        assert_eq!((status, error["code"].as_str()), (409, Some("not_dispatched")), "{error}");
    }
    let untyped = app.client.post(&url).bearer_auth(&rita).body("{}").send().await.expect("sent");
    let (status, error) = api(untyped).await;
    assert_eq!((status, error["code"].as_str()), (415, Some("unsupported_media_type")), "{error}");
    // serde would read a struct from an array of its fields too; the document says object.
    for array in ["[]", "[null]"] {
        let response = app.client.post(&url).bearer_auth(&rita).header("content-type", "application/json").body(array);
        let (status, error) = api(response.send().await.expect("sent")).await;
        assert_eq!((status, error["code"].as_str()), (422, Some("invalid_json")), "{array}: {error}");
    }
    let release = json!(["api", "2.15.0", null, "production", [{"tenant": "acme", "region": "frankfurt"}]]);
    let (status, error) = api(app.post_json("/api/v1/releases", Some(&rita), &release).await).await;
    assert_eq!((status, error["code"].as_str()), (422, Some("invalid_json")), "{error}");
    let (_, jobs) = api(app.get(&format!("/api/v1/releases/{id}/jobs")).await).await;
    assert_eq!(jobs, json!([]), "nothing was recorded");
}

#[tokio::test]
async fn a_revision_written_as_a_whole_number_with_a_fraction_part_is_that_revision() {
    let app = spawn_app().await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    let path = format!("/api/v1/releases/{id}");
    for revision in [json!(1.5), json!(-1), json!(4_294_967_296_u64), json!("1")] {
        let (status, error) = api(app.patch_json(&path, Some(&rita), &json!({"notes": "x", "revision": revision})).await).await;
        assert_eq!((status, error["code"].as_str()), (422, Some("invalid_json")), "{revision}: {error}");
    }
    let (status, edited) = api(app.patch_json(&path, Some(&rita), &json!({"notes": "Adds export", "revision": 1.0})).await).await;
    assert_eq!((status, edited["revision"].as_u64(), edited["notes"].as_str()), (200, Some(2), Some("Adds export")), "{edited}");
}

#[tokio::test]
async fn an_evidence_link_is_limited_in_characters_as_its_message_says() {
    let app = spawn_app().await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    let path = format!("/api/v1/releases/{id}/checklist/1");
    // 1,520 characters, over 3,000 bytes in UTF-8: within the limit of 2,000 characters.
    let long = format!("https://ci.example.com/runs/{}", "é".repeat(1_492));
    let (status, checked) = api(app.post_json(&path, Some(&rita), &json!({"checked": true, "evidence_url": long})).await).await;
    assert_eq!(status, 200, "{checked}");
    let too_long = format!("https://ci.example.com/{}", "é".repeat(1_978));
    let (status, error) = api(app.post_json(&path, Some(&rita), &json!({"checked": true, "evidence_url": too_long})).await).await;
    assert_eq!((status, error["errors"][0]["field"].as_str()), (422, Some("evidence_url")), "{error}");
}

/// Every operation and the answers it documents.
fn operations(document: &Value) -> Vec<(String, &Value)> {
    let paths = document["paths"].as_object().expect("paths");
    paths
        .iter()
        .flat_map(|(path, item)| item.as_object().expect("path item").iter().map(move |(method, op)| (format!("{method} {path}"), op)))
        .collect()
}

#[tokio::test]
async fn the_document_lists_what_every_operation_can_answer_besides_its_own() {
    let app = spawn_app().await;
    let (status, document) = api(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(status, 200);
    for (name, operation) in operations(&document) {
        let answers = operation["responses"].as_object().expect("responses");
        for status in ["401", "500", "503"] {
            assert!(answers.contains_key(status), "{name} lacks {status}");
        }
        if operation["requestBody"].is_object() {
            for status in ["400", "413", "415", "422"] {
                assert!(answers.contains_key(status), "{name} takes a body but lacks {status}");
            }
        }
        let queried = operation["parameters"].as_array().is_some_and(|ps| ps.iter().any(|p| p["in"] == "query"));
        assert!(!queried || answers.contains_key("400"), "{name} takes a query but lacks 400");
    }
    let shared = &document["components"]["responses"];
    assert!(shared["Unauthenticated"]["headers"]["WWW-Authenticate"].is_object());
    assert!(shared["Unavailable"]["headers"]["Retry-After"].is_object());
    let rollback = &document["paths"]["/api/v1/releases/{id}/rollback"]["post"];
    assert_ne!(rollback["requestBody"]["required"], true, "a rollback's body may be left out");
    let links = &document["paths"]["/api/v1/releases"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["read"]["operationId"], "get_release", "links as OpenAPI spells them: {links}");
    let target = &document["components"]["schemas"]["Target"]["properties"]["tenant"];
    assert_eq!((target["pattern"].as_str(), target["maxLength"].as_u64()), (Some("^[a-z]([a-z0-9-]*[a-z0-9])?$"), Some(56)));
}
