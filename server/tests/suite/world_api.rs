//! The world as code through the API and the command line: an admin token
//! exports, plans and applies the world and the portal shows it at once;
//! every other caller is refused; a refused file names its line; the demo
//! file passes the JSON Schema the API serves; `airlock apply` and
//! `airlock export` as an operator runs them; and a change of `access`
//! takes effect at the next sign-in through the provider, audited.

use crate::support::oidc::{Login, start_provider};
use crate::support::{TestApp, spawn_app_on_postgres_with, spawn_app_with, with_provider};
use airlock_domain::access::Role;
use serde_json::{Value, json};

crate::on_both_apps!(an_admin_token_plans_applies_and_exports_the_world_and_the_portal_shows_it_at_once, a_refused_world_names_its_line);

async fn send(app: &TestApp, method: reqwest::Method, path: &str, token: Option<&str>, body: Option<String>) -> (u16, Value) {
    let mut request = app.client.request(method, format!("{}{path}", app.address));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.header("content-type", "application/yaml").body(body);
    }
    let response = request.send().await.expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn newcomer(world: &Value) -> Value {
    let mut world = world.clone();
    let tenant = json!({"slug": "newco", "name": "NewCo", "primary_region": "lagos", "data_residency": "ng", "allowed_regions": ["lagos"]});
    world["tenants"].as_array_mut().expect("tenants").push(tenant);
    world
}

async fn an_admin_token_plans_applies_and_exports_the_world_and_the_portal_shows_it_at_once(app: TestApp) {
    let admin = app.token("platform-admin", &[Role::Admin]).await;
    let reader = app.token("world-reader", &[Role::Viewer]).await;
    let (status, world) = send(&app, reqwest::Method::GET, "/api/v1/world", Some(&admin), None).await;
    assert_eq!(status, 200, "{world}");
    assert_eq!(world["environments"][2]["job_template"], "jobs/production.yaml");
    let (status, unchanged) = send(&app, reqwest::Method::PUT, "/api/v1/world", Some(&admin), Some(world.to_string())).await;
    assert_eq!(
        (status, unchanged["applied"].clone(), unchanged["items"].clone()),
        (200, json!(false), json!([])),
        "export applies as a no-op"
    );

    let grown = newcomer(&world).to_string();
    for (token, expected) in
        [(Some(reader.as_str()), 403), (Some(app.token("rm", &[Role::ReleaseManager]).await.as_str()), 403), (None, 401)]
    {
        assert_eq!(send(&app, reqwest::Method::POST, "/api/v1/world/plan", token, Some(grown.clone())).await.0, expected);
        assert_eq!(send(&app, reqwest::Method::PUT, "/api/v1/world", token, Some(grown.clone())).await.0, expected);
        assert_eq!(send(&app, reqwest::Method::GET, "/api/v1/world", token, None).await.0, expected);
    }
    let (status, plan) = send(&app, reqwest::Method::POST, "/api/v1/world/plan", Some(&admin), Some(grown.clone())).await;
    assert_eq!(status, 200, "{plan}");
    assert_eq!((plan["added"].clone(), plan["changed"].clone(), plan["removed"].clone()), (json!(1), json!(0), json!(0)));
    assert_eq!((plan["items"][0]["kind"].as_str(), plan["items"][0]["name"].as_str()), (Some("tenant"), Some("newco")));
    let tenants =
        |body: Value| body.as_array().into_iter().flatten().filter_map(|t| t["slug"].as_str().map(str::to_owned)).collect::<Vec<_>>();
    let (_, before) = send(&app, reqwest::Method::GET, "/api/v1/tenants", Some(&reader), None).await;
    assert!(!tenants(before).contains(&"newco".to_owned()), "a plan writes nothing");

    let (status, applied) = send(&app, reqwest::Method::PUT, "/api/v1/world", Some(&admin), Some(grown)).await;
    assert_eq!((status, applied["applied"].clone()), (200, json!(true)), "{applied}");
    let (_, after) = send(&app, reqwest::Method::GET, "/api/v1/tenants", Some(&reader), None).await;
    assert!(tenants(after).contains(&"newco".to_owned()), "the portal shows an applied world at once");
    let (status, html) = app.browser("vic").await.page("/tenants/newco").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("NewCo"));

    // A service found by another label than its name: planned, applied, shown and exported.
    let (_, mut world) = send(&app, reqwest::Method::GET, "/api/v1/world", Some(&admin), None).await;
    world["services"][0]["workload_label"] = json!("app=payments-api");
    let (_, plan) = send(&app, reqwest::Method::POST, "/api/v1/world/plan", Some(&admin), Some(world.to_string())).await;
    assert_eq!((plan["changed"].clone(), plan["items"][0]["kind"].clone()), (json!(1), json!("service")), "{plan}");
    assert_eq!(send(&app, reqwest::Method::PUT, "/api/v1/world", Some(&admin), Some(world.to_string())).await.0, 200);
    let (_, services) = send(&app, reqwest::Method::GET, "/api/v1/services", Some(&reader), None).await;
    let labels: Vec<&str> = services.as_array().expect("services").iter().filter_map(|s| s["workload_label"].as_str()).collect();
    assert_eq!(labels[0], "app=payments-api");
    assert!(labels[1..].iter().all(|l| l.starts_with("app.kubernetes.io/name=")), "{labels:?}");
    let (_, exported) = send(&app, reqwest::Method::GET, "/api/v1/world", Some(&admin), None).await;
    assert_eq!(exported["services"][0]["workload_label"], "app=payments-api");
}

async fn a_refused_world_names_its_line(app: TestApp) {
    let admin = app.token("platform-admin", &[Role::Admin]).await;
    let text = airlock_backend::demo::DEMO_WORLD_FILE.replacen("    required_approvals: 2\n", "    required_approvals: 0\n", 1);
    let line = text.lines().position(|l| l.contains("required_approvals: 0")).map(|i| i + 1);
    let (status, refused) = send(&app, reqwest::Method::PUT, "/api/v1/world", Some(&admin), Some(text)).await;
    assert_eq!((status, refused["code"].as_str()), (422, Some("invalid_world")), "{refused}");
    assert_eq!(refused["problems"][0]["line"].as_u64(), line.map(|l| l as u64), "{refused}");
    assert_eq!(refused["problems"][0]["place"], "environments[2].required_approvals");
    let (status, world) = send(&app, reqwest::Method::GET, "/api/v1/world", Some(&admin), None).await;
    assert_eq!((status, world["environments"][2]["required_approvals"].clone()), (200, json!(2)), "nothing was applied");
    // Not text at all.
    let response = app.client.put(format!("{}/api/v1/world", app.address)).bearer_auth(&admin).body(vec![0xff, 0xfe, 0x00]).send().await;
    let refused: Value = response.expect("sent").json().await.expect("JSON");
    assert_eq!(refused["code"], "not_text");
}

#[tokio::test]
async fn the_demo_file_passes_the_json_schema_the_api_serves() {
    let app = crate::support::spawn_app().await;
    let reader = app.token("world-reader", &[Role::Viewer]).await;
    let response = app.get_as("/api/v1/world/schema.json", Some(&reader)).await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "application/schema+json");
    let schema: Value = response.json().await.expect("JSON");
    let in_repository: Value = serde_json::from_str(include_str!("../../../docs/world.schema.json")).expect("the kept schema is JSON");
    assert_eq!(schema, in_repository, "the API serves the schema kept in the repository");
    let validator = jsonschema::validator_for(&schema).expect("a valid JSON Schema");
    let demo: Value = serde_yaml::from_str(airlock_backend::demo::DEMO_WORLD_FILE).expect("the demo file is YAML");
    let errors: Vec<String> = validator.iter_errors(&demo).map(|e| format!("{}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let mut wrong = demo.clone();
    wrong["environments"][2]["required_approvals"] = json!(0);
    wrong["tenants"][0]["allowed_region"] = json!(["lagos"]);
    assert!(validator.iter_errors(&wrong).count() >= 2, "the schema catches what the server refuses");
}

#[tokio::test]
async fn a_change_of_access_takes_effect_at_the_next_sign_in_and_is_audited() {
    let provider = start_provider("127.0.0.1");
    let app = spawn_app_with(|s| *s = with_provider(s.clone(), &provider)).await;
    access_follows_the_world(&app).await;
    let app = spawn_app_on_postgres_with(|s| *s = with_provider(s.clone(), &provider)).await;
    access_follows_the_world(&app).await;
}

async fn access_follows_the_world(app: &TestApp) {
    let roles = |me: Option<Value>| me.map(|m| m["roles"].clone()).unwrap_or(Value::Null);
    let rita = Login::new(app);
    rita.sign_in("/", "rita", "pw-rita").await;
    assert_eq!(roles(rita.me().await), json!(["release_manager"]), "the configured map, while the world says nothing");

    let (backend, operator) = app.operator().await;
    let mut input = airlock_backend::demo::demo_input();
    input.text.push_str("access:\n  admin: [platform]\n  auditor: [sre-seniors]\n");
    input.text =
        input.text.replacen("    allowed_regions: [frankfurt]\n", "    allowed_regions: [frankfurt]\n    admin_groups: [interns]\n", 1);
    airlock_backend::world_file::apply(&backend, &operator, &input, chrono::Utc::now()).await.expect("access applied");
    assert_eq!(roles(rita.me().await), json!(["release_manager"]), "a session keeps the roles it signed in with");

    let again = Login::new(app);
    again.sign_in("/", "rita", "pw-rita").await;
    assert_eq!(roles(again.me().await), json!(["admin"]), "the next sign-in reads the world's access");
    let nina = Login::new(app);
    nina.sign_in("/", "nina", "pw-nina").await;
    let me = nina.me().await.expect("signed in");
    assert_eq!((me["roles"].clone(), me["tenants"].clone()), (json!(["tenant_admin"]), json!(["acme"])), "{me}");

    let filter = airlock_backend::AuditFilter { action: Some("access.set".into()), limit: 5, ..Default::default() };
    let entries = airlock_backend::audit::entries(&backend, &operator, &filter).await.expect("audit");
    assert_eq!(entries.len(), 1);
    assert!(entries[0].actor.starts_with("cli:") && entries[0].after.as_deref().is_some_and(|a| a.contains("platform")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_world_applied_through_one_replica_is_shown_by_the_other_at_once() {
    let first = crate::support::spawn_app_on_postgres().await;
    let second = first.replica().await;
    let admin = first.token("platform-admin", &[Role::Admin]).await;
    let reader = first.token("world-reader", &[Role::Viewer]).await;
    let (_, world) = send(&first, reqwest::Method::GET, "/api/v1/world", Some(&admin), None).await;
    let (status, applied) = send(&first, reqwest::Method::PUT, "/api/v1/world", Some(&admin), Some(newcomer(&world).to_string())).await;
    assert_eq!((status, applied["applied"].clone()), (200, json!(true)), "{applied}");
    let lists_newco = || async {
        let tenants: Value = reqwest::Client::new()
            .get(format!("{second}/api/v1/tenants"))
            .bearer_auth(&reader)
            .send()
            .await
            .expect("answers")
            .json()
            .await
            .expect("JSON");
        tenants.as_array().into_iter().flatten().any(|t| t["slug"] == "newco")
    };
    // The other replica hears it on the change feed, within moments.
    let mut seen = false;
    for _ in 0..50 {
        if lists_newco().await {
            seen = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(seen, "the second replica shows the tenant the first one's apply added");
}
