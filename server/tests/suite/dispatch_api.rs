//! Dispatch and rollback through the API and the pages' server functions,
//! on SQLite and PostgreSQL, against the demo world's simulated clusters
//! (the real API server is the backend suite's): who may, what is refused,
//! and that the release and the tenant's status follow the jobs.

use crate::support::TestApp;
use crate::support::steps::{api, approve, check_all, create, rpc};
use airlock_domain::access::Role;
use serde_json::{Value, json};
use std::time::Duration;

/// A production release for acme in frankfurt with its gate open; its id.
async fn open_release(app: &TestApp, rita: &str) -> i64 {
    let id = create(app, rita).await;
    check_all(app, rita, id).await;
    for person in ["ada", "grace"] {
        let (status, body) = approve(&app.browser(person).await, id, 1).await;
        assert_eq!(status, 200, "{person}: {body}");
    }
    id
}

async fn jobs(app: &TestApp, id: i64) -> Vec<Value> {
    let (status, jobs) = api(app.get(&format!("/api/v1/releases/{id}/jobs")).await).await;
    assert_eq!(status, 200, "{jobs}");
    jobs.as_array().expect("jobs").clone()
}

async fn wait_for(app: &TestApp, id: i64, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    for _ in 0..200 {
        let jobs = jobs(app, id).await;
        if done(&jobs) {
            return jobs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}: {:?}", jobs(app, id).await);
}

/// Acme's api in production, frankfurt, as its status shows it.
async fn frankfurt(app: &TestApp) -> Value {
    let (_, status) = api(app.get("/api/v1/tenants/acme/status").await).await;
    let workloads = status["workloads"].as_array().expect("workloads");
    let cell = workloads
        .iter()
        .find(|w| w["environment"] == "production" && w["region"] == "frankfurt" && w["service"] == "api")
        .expect("acme runs api in production, frankfurt");
    cell.clone()
}

/// What Airlock released for acme's api in production, frankfurt.
async fn frankfurt_version(app: &TestApp) -> String {
    frankfurt(app).await["version"].as_str().unwrap_or_default().to_owned()
}

/// Waits until the simulated cluster reports acme's frankfurt api running `version`.
async fn observed_in_frankfurt(app: &TestApp, version: &str) -> Value {
    for _ in 0..50 {
        let cell = frankfurt(app).await;
        if cell["actual_version"] == version {
            return cell;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the cluster never reported {version}: {}", frankfurt(app).await);
}

/// Waits until the tenant's status shows `wanted` (or, with `shown == false`,
/// shows something else). The job's row commits first; the status read model
/// takes the outcome in right after, before pages are told (`/live/status`).
async fn until_frankfurt(app: &TestApp, wanted: &str, shown: bool) -> String {
    for _ in 0..50 {
        let version = frankfurt_version(app).await;
        if (version == wanted) == shown {
            return version;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    frankfurt_version(app).await
}

async fn a_release_manager_dispatches_once_and_rolls_back_through_the_api(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let viewer = app.token("watcher", &[Role::Viewer]).await;
    let id = open_release(&app, &rita).await;
    let path = format!("/api/v1/releases/{id}/dispatch");

    let (status, error) = api(app.post_json(&path, Some(&viewer), &json!({})).await).await;
    assert_eq!((status, error["code"].as_str()), (403, Some("forbidden")), "{error}");
    assert!(jobs(&app, id).await.is_empty());

    let (status, dispatched) = api(app.post_json(&path, Some(&rita), &json!({})).await).await;
    assert_eq!(status, 202, "{dispatched}");
    let job = &dispatched["jobs"][0];
    assert_eq!((job["tenant"].as_str(), job["region"].as_str(), job["state"].as_str()), (Some("acme"), Some("frankfurt"), Some("queued")));
    assert_eq!(job["simulated"], true);
    let (status, again) = api(app.post_json(&path, Some(&rita), &json!({})).await).await;
    assert_eq!((status, again["code"].as_str()), (409, Some("already_dispatched")), "a second call is refused and says so: {again}");

    let done = wait_for(&app, id, "the deploy to succeed", |jobs| jobs.iter().all(|j| j["state"] == "succeeded")).await;
    assert_eq!(done.len(), 1, "one job, however many calls");
    assert_eq!(until_frankfurt(&app, "2.15.0", true).await, "2.15.0", "acme in frankfurt now runs the release");
    let observed = observed_in_frankfurt(&app, "2.15.0").await;
    assert_eq!((observed["intended_version"].as_str(), observed["health"].as_str()), (Some("2.15.0"), Some("healthy")), "{observed}");
    assert_eq!((observed["drift"].as_bool(), observed["replicas"]["ready"].as_u64()), (Some(false), Some(2)), "{observed}");
    assert!(observed["observed_at"].is_string(), "{observed}");

    let rollback = format!("/api/v1/releases/{id}/rollback");
    let targets = json!({"targets": [{"tenant": "acme", "region": "frankfurt"}]});
    let (status, rolled) = api(app.post_json(&rollback, Some(&rita), &targets).await).await;
    assert_eq!(status, 202, "{rolled}");
    assert_eq!(rolled["jobs"][0]["kind"], "rollback");
    wait_for(&app, id, "the rollback to succeed", |jobs| jobs.iter().any(|j| j["kind"] == "rollback" && j["state"] == "succeeded")).await;
    let restored = until_frankfurt(&app, "2.15.0", false).await;
    assert_ne!(restored, "2.15.0", "rolled back to what ran before");
    assert_eq!(observed_in_frankfurt(&app, &restored).await["drift"], false, "the cluster runs the restored version");
    let (status, again) = api(app.post_json(&rollback, Some(&rita), &targets).await).await;
    assert_eq!((status, again["code"].as_str()), (409, Some("nothing_to_roll_back")), "{again}");

    let (_, audit) =
        api(app.get_as(&format!("/api/v1/audit?subject=release/{id}"), Some(&app.token("audrey", &[Role::Auditor]).await)).await).await;
    let actions: Vec<&str> = audit["entries"].as_array().expect("entries").iter().filter_map(|e| e["action"].as_str()).collect();
    for action in ["release.dispatched", "job.succeeded", "release.rollback_requested"] {
        assert!(actions.contains(&action), "{action} missing from {actions:?}");
    }
}

async fn the_page_refuses_a_closed_gate_a_stale_revision_and_an_approver(app: TestApp) {
    let rita_token = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita_token).await;
    let rita = app.browser("rita").await;
    let (status, error) = rpc(&rita, "dispatch_release", &format!("id={id}&revision=1")).await;
    assert_eq!(status, 409, "closed gate: {error}");
    assert!(error.to_string().contains("gate is closed"), "the blockers are named: {error}");

    check_all(&app, &rita_token, id).await;
    for person in ["ada", "grace"] {
        approve(&app.browser(person).await, id, 1).await;
    }
    let (status, error) = rpc(&rita, "dispatch_release", &format!("id={id}&revision=0")).await;
    assert_eq!(status, 409, "a revision the release manager never saw: {error}");
    let (status, _) = rpc(&rita, "dispatch_release", &format!("id={id}")).await;
    assert_eq!(status, 422, "the form must say which revision");
    let (status, _) = rpc(&app.browser("ada").await, "dispatch_release", &format!("id={id}&revision=1")).await;
    assert_eq!(status, 403, "approvers do not dispatch");
    assert!(jobs(&app, id).await.is_empty(), "no refusal recorded a job");

    let (status, body) = rpc(&rita, "dispatch_release", &format!("id={id}&revision=1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(jobs(&app, id).await.len(), 1);
}

async fn clusters_are_listed_with_their_connection_and_no_credentials(app: TestApp) {
    let (status, clusters) = api(app.get("/api/v1/clusters").await).await;
    assert_eq!(status, 200);
    for _ in 0..100 {
        let (_, listed) = api(app.get("/api/v1/clusters").await).await;
        if listed.as_array().expect("clusters").iter().all(|c| c["connection"]["reachable"] == true) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let first = &clusters[0];
    assert_eq!((first["credentials"].as_str(), first["simulated"].as_bool()), (Some("simulated"), Some(true)));
    assert!(first.get("credentials_ref").is_none(), "where credentials live is not published: {first}");
}

async fn open_status_pages_are_told_when_a_job_moves_a_cell(app: TestApp) {
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = open_release(&app, &rita).await;
    let mut events = app.get("/live/status").await;
    assert_eq!(events.status().as_u16(), 200);
    let (status, _) = api(app.post_json(&format!("/api/v1/releases/{id}/dispatch"), Some(&rita), &json!({})).await).await;
    assert_eq!(status, 202);
    // The cell moves twice (the cluster reports the rollout, then the job
    // succeeds): after some push, a refetch shows the new version.
    let told = async {
        loop {
            let chunk = events.chunk().await.expect("readable").expect("a chunk");
            assert!(String::from_utf8_lossy(&chunk).contains("data: changed"));
            if frankfurt_version(&app).await == "2.15.0" {
                return;
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(15), told).await.expect("a push after which the refetch shows the new version");
    let (status, html) = app.page("/tenants/acme").await;
    assert_eq!(status, 200);
    let recent = html.split("data-testid=\"tenant-jobs\"").nth(1).expect("the tenant page lists its recent jobs");
    assert!(recent.contains(&format!("#{id}")) && recent.contains("succeeded"), "{recent}");
}

crate::on_both_apps!(
    open_status_pages_are_told_when_a_job_moves_a_cell,
    a_release_manager_dispatches_once_and_rolls_back_through_the_api,
    the_page_refuses_a_closed_gate_a_stale_revision_and_an_approver,
    clusters_are_listed_with_their_connection_and_no_credentials,
);
