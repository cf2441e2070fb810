//! The release HTTP API: creating releases, working their gate, the audit
//! log and the OpenAPI document, driven over HTTP with service-account
//! tokens. Approvals come from people only, so ada and grace review in their
//! browsers (the release page's server function) and the API reads the result.

use crate::support::{Browser, TestApp, spawn_app, spawn_app_on_postgres};
use airlock_domain::access::Role;
use serde_json::{Value, json};

/// The pipeline's tokens (acting as `token:rita`, `token:audrey`) and the
/// two approvers, signed in.
struct People {
    rita: String,
    ada: Browser,
    grace: Browser,
    audrey: String,
}

async fn people(app: &TestApp) -> People {
    People {
        rita: app.token("rita", &[Role::ReleaseManager]).await,
        ada: app.browser("ada").await,
        grace: app.browser("grace").await,
        audrey: app.token("audrey", &[Role::Auditor]).await,
    }
}

fn production_release() -> Value {
    json!({
        "service": "api",
        "version": "2.15.0",
        "environment": "production",
        "targets": [{"tenant": "acme", "region": "frankfurt"}, {"tenant": "initech", "region": "ashburn"}],
        "notes": "Adds invoice export",
    })
}

async fn body(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

/// Creates `release` as `token` and returns its id and detail.
async fn create(app: &TestApp, token: &str, release: &Value) -> (i64, Value) {
    let (status, detail) = body(app.post_json("/api/v1/releases", Some(token), release).await).await;
    assert_eq!(status, 201, "{detail}");
    (detail["id"].as_i64().expect("id"), detail)
}

/// `person` reviews the current revision on the release page; the status of
/// the server function's answer, and the release as the API shows it after.
async fn review(app: &TestApp, id: i64, person: &Browser, decision: &str, comment: &str) -> (u16, Value) {
    let revision = detail(app, id).await["revision"].as_u64().expect("revision");
    let form = format!("id={id}&revision={revision}&decision={decision}&comment={}", comment.replace(' ', "+"));
    let response = person
        .client
        .post(format!("{}/rpc/review_release", app.address))
        .header("Origin", &app.address)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .expect("sent");
    (response.status().as_u16(), detail(app, id).await)
}

async fn check(app: &TestApp, id: i64, token: &str, items: impl IntoIterator<Item = u32>) -> Value {
    let mut detail = Value::Null;
    for item in items {
        let check = json!({"checked": true, "evidence_url": "https://ci.example.com/runs/1"});
        let (status, after) = body(app.post_json(&format!("/api/v1/releases/{id}/checklist/{item}"), Some(token), &check).await).await;
        assert_eq!(status, 200, "{after}");
        detail = after;
    }
    detail
}

async fn detail(app: &TestApp, id: i64) -> Value {
    body(app.get(&format!("/api/v1/releases/{id}")).await).await.1
}

fn kinds(detail: &Value) -> Vec<&str> {
    detail["blockers"].as_array().expect("blockers").iter().filter_map(|b| b["kind"].as_str()).collect()
}

#[tokio::test]
async fn a_new_production_release_is_created_blocked_by_its_approvals_and_checklist() {
    let app = spawn_app().await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let response = app.post_json("/api/v1/releases", Some(&rita), &production_release()).await;
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    let (status, detail) = body(response).await;
    assert_eq!(status, 201, "{detail}");
    let id = detail["id"].as_i64().expect("id");
    assert_eq!(location.as_deref(), Some(format!("/api/v1/releases/{id}").as_str()));
    assert_eq!((detail["author"].as_str(), detail["revision"].as_u64()), (Some("token:rita"), Some(1)));
    assert_eq!(detail["image"], "registry.airlock.internal/api:2.15.0");
    assert_eq!(detail["state"], "blocked");
    let checklist = detail["checklist"].as_array().expect("checklist");
    assert_eq!(checklist.len(), 9);
    assert!(checklist.iter().all(|item| item["checked"] == false && item["by"].is_null()));
    assert_eq!(kinds(&detail), ["too_few_approvals", "unchecked_items"]);
    assert_eq!((detail["blockers"][0]["have"].as_u64(), detail["blockers"][0]["need"].as_u64()), (Some(0), Some(2)));
    assert!(detail["blockers"][0]["message"].as_str().is_some_and(|m| m.contains("2 approvals")));
    let listed: Vec<Value> = app.get("/api/v1/releases?environment=production&state=blocked").await.json().await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], id);
}

#[tokio::test]
async fn the_same_approver_approving_twice_counts_once() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let (id, _) = create(&app, &p.rita, &production_release()).await;
    review(&app, id, &p.ada, "approve", "").await;
    let (status, detail) = review(&app, id, &p.ada, "approve", "Still fine").await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["approvals"], 1);
    assert_eq!(detail["reviews"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        detail["blockers"][0],
        json!({"kind": "too_few_approvals", "have": 1, "need": 2, "message": "Needs 2 approvals from distinct approvers; has 1."})
    );
}

/// Two approvals and a complete checklist open the gate.
async fn a_release_walked_to_ready(app: &TestApp) {
    let p = people(app).await;
    let (id, _) = create(app, &p.rita, &production_release()).await;
    check(app, id, &p.rita, 1..=9).await;
    review(app, id, &p.ada, "approve", "").await;
    let (_, ready) = review(app, id, &p.grace, "approve", "LGTM").await;
    assert_eq!(ready["blockers"], json!([]), "{ready}");
    assert_eq!((ready["state"].as_str(), ready["approvals"].as_u64()), (Some("ready"), Some(2)));
    assert_eq!(ready["checklist"][0]["by"], "token:rita");
    let listed: Vec<Value> = app.get("/api/v1/releases?state=ready").await.json().await.expect("list");
    assert_eq!(listed.iter().map(|r| r["id"].as_i64()).collect::<Vec<_>>(), [Some(id)]);
    let (status, verified) = body(app.get_as("/api/v1/audit/verify", Some(&p.audrey)).await).await;
    assert_eq!(status, 200);
    assert_eq!(verified["ok"], true, "{verified}");
    assert_eq!(verified["first_broken"], Value::Null);
    // The demo's job template, its three policies and one entry per environment (and
    // its checklist), region, cluster, service and tenant, the test viewer's sign-in
    // and token, two tokens, two sign-ins, the release, nine checks, two reviews and
    // the gate's opening.
    let world = airlock_backend::demo::demo_world();
    let objects =
        1 + 2 * world.environments.len() + world.regions.len() + world.clusters.len() + world.services.len() + world.tenants.len();
    assert_eq!(verified["entries_checked"], 22 + objects);
}

#[tokio::test]
async fn two_approvals_and_every_item_checked_make_a_release_ready() {
    a_release_walked_to_ready(&spawn_app().await).await;
}

#[tokio::test]
async fn two_approvals_and_every_item_checked_make_a_release_ready_on_postgres() {
    a_release_walked_to_ready(&spawn_app_on_postgres().await).await;
}

/// An edit makes revision 2, and the approvals of revision 1 no longer count.
async fn an_edit_dismissing_approvals(app: &TestApp) {
    let p = people(app).await;
    let (id, _) = create(app, &p.rita, &production_release()).await;
    review(app, id, &p.ada, "approve", "").await;
    review(app, id, &p.grace, "approve", "").await;
    let path = format!("/api/v1/releases/{id}");
    let (status, edited) = body(app.patch_json(&path, Some(&p.rita), &json!({"version": "2.15.1", "revision": 1})).await).await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!((edited["revision"].as_u64(), edited["approvals"].as_u64()), (Some(2), Some(0)));
    assert_eq!(edited["image"], "registry.airlock.internal/api:2.15.1", "the image follows the version");
    assert_eq!(edited["notes"], "Adds invoice export", "fields left out are kept");
    assert_eq!(kinds(&edited), ["too_few_approvals", "stale_approval", "stale_approval", "unchecked_items"]);
    let changes = &edited["revisions"][1]["changes"];
    assert_eq!(changes[0], json!({"field": "version", "before": "2.15.0", "after": "2.15.1"}));
    assert_eq!(
        (edited["revisions"][1]["by"].as_str(), edited["revisions"][0]["changes"].as_array().map(Vec::len)),
        (Some("token:rita"), Some(0))
    );
    let (status, stale) = body(app.patch_json(&path, Some(&p.rita), &json!({"notes": "late", "revision": 1})).await).await;
    assert_eq!((status, stale["code"].as_str()), (409, Some("stale_revision")));
    assert_eq!(detail(app, id).await["revision"], 2);
}

#[tokio::test]
async fn an_edit_dismisses_approvals_and_makes_revision_2_with_its_changes() {
    an_edit_dismissing_approvals(&spawn_app().await).await;
}

#[tokio::test]
async fn an_edit_dismisses_approvals_and_makes_revision_2_with_its_changes_on_postgres() {
    an_edit_dismissing_approvals(&spawn_app_on_postgres().await).await;
}

#[tokio::test]
async fn a_rejection_blocks_until_an_edit_makes_a_new_revision() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let (id, _) = create(&app, &p.rita, &production_release()).await;
    let (status, unchanged) = review(&app, id, &p.grace, "reject", "  ").await;
    assert_eq!((status, unchanged["state"].as_str()), (422, Some("blocked")), "a rejection needs a reason");
    let (_, rejected) = review(&app, id, &p.grace, "reject", "Missing the migration notes").await;
    assert_eq!(rejected["state"], "rejected");
    assert!(kinds(&rejected).contains(&"rejected"));
    assert_eq!(rejected["blockers"][1]["comment"], "Missing the migration notes");
    let patch = json!({"notes": "Adds invoice export; migration 42 is backwards compatible", "revision": 1});
    let (_, edited) = body(app.patch_json(&format!("/api/v1/releases/{id}"), Some(&p.rita), &patch).await).await;
    assert_eq!(edited["state"], "blocked");
    assert_eq!(kinds(&edited), ["too_few_approvals", "unchecked_items"]);
    assert_eq!(edited["reviews"], json!([]), "the rejection was of revision 1");
}

#[tokio::test]
async fn one_unchecked_item_keeps_the_gate_closed() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let (id, _) = create(&app, &p.rita, &production_release()).await;
    check(&app, id, &p.rita, 1..=8).await;
    review(&app, id, &p.ada, "approve", "").await;
    let (_, blocked) = review(&app, id, &p.grace, "approve", "").await;
    assert_eq!(
        blocked["blockers"],
        json!([{"kind": "unchecked_items", "items": ["On-call team notified"], "message": "Checklist items not yet checked: On-call team notified."}])
    );
    let (status, error) =
        body(app.post_json(&format!("/api/v1/releases/{id}/checklist/10"), Some(&p.rita), &json!({"checked": true})).await).await;
    assert_eq!((status, error["code"].as_str()), (404, Some("not_found")));
}

#[tokio::test]
async fn a_tenant_outside_its_allowed_regions_is_accepted_but_blocks() {
    let app = spawn_app().await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let mut release = production_release();
    release["targets"] = json!([{"tenant": "acme", "region": "ashburn"}]);
    let (_, detail) = create(&app, &rita, &release).await;
    let blocker = detail["blockers"].as_array().and_then(|b| b.iter().find(|b| b["kind"] == "target_not_allowed")).expect("blocked");
    assert_eq!(blocker["target"], json!({"tenant": "acme", "region": "ashburn"}));
}

/// What is tried, method, path (`ID` is an existing release), token, body, and the status and code expected.
type Case<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, String, u16, &'a str);

#[tokio::test]
async fn bad_input_is_refused_with_its_own_status_and_code_and_changes_nothing() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let (id, _) = create(&app, &p.rita, &production_release()).await;
    let before: Value = app.get("/api/v1/releases").await.json().await.expect("list");
    let release = |change: fn(&mut Value)| {
        let mut release = production_release();
        change(&mut release);
        release.to_string()
    };
    let cases: Vec<Case> = vec![
        ("oversized notes", "POST", "/api/v1/releases", Some(&p.rita), release(|r| r["notes"] = json!("n".repeat(4001))), 422, "invalid"),
        ("invalid version", "POST", "/api/v1/releases", Some(&p.rita), release(|r| r["version"] = json!("latest")), 422, "invalid"),
        (
            "unknown tenant",
            "POST",
            "/api/v1/releases",
            Some(&p.rita),
            release(|r| r["targets"][0]["tenant"] = json!("nobody")),
            422,
            "invalid",
        ),
        ("wrong types", "POST", "/api/v1/releases", Some(&p.rita), release(|r| r["targets"] = json!("acme")), 422, "invalid_json"),
        ("unknown field", "POST", "/api/v1/releases", Some(&p.rita), release(|r| r["note"] = json!("typo")), 422, "invalid_json"),
        ("malformed JSON", "POST", "/api/v1/releases", Some(&p.rita), "{\"service\": ".into(), 400, "malformed_json"),
        ("too large", "POST", "/api/v1/releases", Some(&p.rita), release(|r| r["notes"] = json!("n".repeat(70_000))), 413, "too_large"),
        ("no token", "POST", "/api/v1/releases", None, release(|_| ()), 401, "unauthenticated"),
        ("invalid token", "POST", "/api/v1/releases", Some("airlock_0000"), release(|_| ()), 401, "invalid_token"),
        ("lacking the role", "POST", "/api/v1/releases", Some(&p.audrey), release(|_| ()), 403, "forbidden"),
        ("unknown release", "GET", "/api/v1/releases/999999", Some(&p.audrey), String::new(), 404, "not_found"),
        ("edit of unknown release", "PATCH", "/api/v1/releases/999999", Some(&p.rita), "{\"revision\":1}".into(), 404, "not_found"),
        ("non-numeric id", "GET", "/api/v1/releases/abc", Some(&p.audrey), String::new(), 404, "not_found"),
        (
            "review of non-numeric id",
            "POST",
            "/api/v1/releases/abc/reviews",
            Some(&p.rita),
            "{\"decision\":\"approve\",\"revision\":1}".into(),
            404,
            "not_found",
        ),
        ("unknown state", "GET", "/api/v1/releases?state=shipped", Some(&p.audrey), String::new(), 400, "bad_query"),
        (
            "changing the service",
            "PATCH",
            "/api/v1/releases/ID",
            Some(&p.rita),
            "{\"service\":\"web\",\"revision\":1}".into(),
            422,
            "invalid",
        ),
    ];
    for (case, method, path, token, payload, status, code) in cases {
        let url = format!("{}{}", app.address, path.replace("ID", &id.to_string()));
        let mut request = app.client.request(method.parse().expect("method"), url).header("content-type", "application/json");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !payload.is_empty() {
            request = request.body(payload);
        }
        let (got, error) = body(request.send().await.expect("sent")).await;
        assert_eq!((got, error["code"].as_str()), (status, Some(code)), "{case}: {error}");
        assert!(error["message"].as_str().is_some_and(|m| !m.is_empty()), "{case}");
    }
    let text = app.client.post(format!("{}/api/v1/releases", app.address)).bearer_auth(&p.rita).body(release(|_| ()));
    let (status, error) = body(text.header("content-type", "text/plain").send().await.expect("sent")).await;
    assert_eq!((status, error["code"].as_str()), (415, Some("unsupported_media_type")));
    let after: Value = app.get("/api/v1/releases").await.json().await.expect("list");
    assert_eq!(after, before);
    assert_eq!(detail(&app, id).await["revision"], 1);
}

#[tokio::test]
async fn only_auditors_and_admins_read_the_audit_log() {
    let app = spawn_app().await;
    let p = people(&app).await;
    let (id, _) = create(&app, &p.rita, &production_release()).await;
    review(&app, id, &p.ada, "approve", "").await;
    for (token, status, code) in [(Some(p.rita.as_str()), 403, "forbidden"), (None, 401, "unauthenticated")] {
        let (got, error) = body(app.get_as("/api/v1/audit", token).await).await;
        assert_eq!((got, error["code"].as_str()), (status, Some(code)));
    }
    let (status, page) = body(app.get_as(&format!("/api/v1/audit?subject=release/{id}&limit=1"), Some(&p.audrey)).await).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["entries"][0]["action"], "review.approved");
    assert_eq!(page["entries"][0]["actor"], "ada");
    let older = page["next_before_seq"].as_i64().expect("more behind");
    let (_, rest) = body(app.get_as(&format!("/api/v1/audit?subject=release/{id}&before_seq={older}"), Some(&p.audrey)).await).await;
    assert_eq!(rest["entries"][0]["action"], "release.created");
    assert_eq!(rest["next_before_seq"], Value::Null);
}

#[tokio::test]
async fn a_token_that_is_not_ours_is_refused_even_for_reads() {
    let app = spawn_app().await;
    for header in ["Bearer airlock_not-a-token", "Basic cml0YTpzZWNyZXQ="] {
        let response =
            app.client.get(format!("{}/api/v1/releases", app.address)).header("authorization", header).send().await.expect("sent");
        assert_eq!(response.headers().get("www-authenticate").and_then(|h| h.to_str().ok()), Some("Bearer"));
        let (status, error) = body(response).await;
        assert_eq!((status, error["code"].as_str()), (401, Some("invalid_token")), "{header}");
    }
}

#[tokio::test]
async fn the_openapi_document_describes_every_route_with_schemas_and_bearer_auth() {
    let app = spawn_app().await;
    let (status, document) = body(app.get("/api/v1/openapi.json").await).await;
    assert_eq!(status, 200);
    assert!(document["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    let paths = document["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/environments",
        "/api/v1/regions",
        "/api/v1/clusters",
        "/api/v1/services",
        "/api/v1/tenants",
        "/api/v1/tenants/{slug}/status",
        "/api/v1/releases",
        "/api/v1/releases/{id}",
        "/api/v1/releases/{id}/checklist/{item}",
        "/api/v1/releases/{id}/reviews",
        "/api/v1/audit",
        "/api/v1/audit/verify",
        "/api/v1/releases/{id}/dispatch",
        "/api/v1/releases/{id}/rollback",
        "/api/v1/releases/{id}/jobs",
        "/api/v1/openapi.json",
    ] {
        assert!(paths.contains_key(path), "{path} missing from {:?}", paths.keys());
    }
    let release = &paths["/api/v1/releases/{id}"];
    assert!(release["get"].is_object() && release["patch"].is_object());
    assert_eq!(release["patch"]["requestBody"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/ReleaseChanges");
    let schemas = &document["components"]["schemas"];
    assert!(schemas["ReleaseDetail"]["properties"]["blockers"].is_object());
    assert!(schemas["Tenant"]["properties"]["allowed_regions"].is_object());
    assert_eq!(document["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}
