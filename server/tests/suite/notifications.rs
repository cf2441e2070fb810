//! Webhooks, told through a real HTTP receiver on both databases: every
//! event a release goes through arrives once per webhook, signed, in the
//! order it happened, with a delivery id of its own; a receiver that fails
//! gets the same id again until it accepts; one that hangs delays no
//! approval; a portal restarted while a delivery waits for its retry sends
//! it on, once; admins see and redeliver, nobody else does. A Job that
//! fails in a real kube-apiserver is told with its reason.

use crate::support::receiver::{Answer, Received, Receiver};
use crate::support::steps::{api, approve, check_all, create, detail, rpc};
use crate::support::{TestApp, spawn_stoppable_app};
use airlock_domain::access::Role;
use airlock_server::config::Settings;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SECRET: &str = "a-webhook-secret-only-the-receiver-knows";

crate::on_both_apps!(
    every_event_of_a_release_reaches_its_webhooks_signed_and_in_order,
    a_failing_receiver_gets_one_delivery_id_until_it_accepts_and_a_hanging_one_delays_no_approval,
);

/// Applies the demo world with `hooks` (name, format, events) pointing at
/// `receiver`, their secret in a file; the admin token that applied it.
async fn with_webhooks(app: &TestApp, receiver: &Receiver, hooks: &[(&str, &str, &[&str])]) -> (String, tempfile::TempDir) {
    let admin = app.token("platform-admin", &[Role::Admin]).await;
    let dir = tempfile::tempdir().expect("secret dir");
    let secret_file = dir.path().join("hook-secret");
    std::fs::write(&secret_file, format!("{SECRET}\n")).expect("secret written");
    let (status, mut world) = api(app.get_as("/api/v1/world", Some(&admin)).await).await;
    assert_eq!(status, 200, "{world}");
    let webhooks: Vec<Value> = hooks
        .iter()
        .map(|(name, format, events)| {
            json!({"name": name, "url": format!("{}/{name}", receiver.base), "secret_file": secret_file, "format": format, "events": events})
        })
        .collect();
    world["notifications"] = json!({ "webhooks": webhooks });
    let response = app
        .client
        .put(format!("{}/api/v1/world", app.address))
        .bearer_auth(&admin)
        .header("content-type", "application/yaml")
        .body(world.to_string())
        .send()
        .await
        .expect("sent");
    let (status, plan) = api(response).await;
    assert_eq!((status, plan["items"][0]["kind"].as_str()), (200, Some("notifications")), "{plan}");
    (admin, dir)
}

fn events_of(received: &[Received], id: i64) -> Vec<String> {
    received.iter().filter(|r| r.json()["release"]["id"] == id).map(|r| r.event.clone()).collect()
}

async fn every_event_of_a_release_reaches_its_webhooks_signed_and_in_order(app: TestApp) {
    let receiver = Receiver::start().await;
    let all = [
        "release.created",
        "review.approved",
        "review.rejected",
        "gate.opened",
        "release.dispatched",
        "job.succeeded",
        "job.failed",
        "rollback.requested",
    ];
    let (admin, _secret) = with_webhooks(&app, &receiver, &[("all", "json", &all), ("chat", "slack", &["gate.opened"])]).await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;

    let id = create(&app, &rita).await;
    check_all(&app, &rita, id).await;
    for person in ["ada", "grace"] {
        assert_eq!(approve(&app.browser(person).await, id, 1).await.0, 200, "{person} approves");
    }
    let (status, body) = api(app.post_json(&format!("/api/v1/releases/{id}/dispatch"), Some(&rita), &json!({})).await).await;
    assert_eq!(status, 202, "{body}");
    receiver.wait("all", "the deploy's success", |r| events_of(r, id).contains(&"job.succeeded".to_owned())).await;
    let targets = json!({"targets": [{"tenant": "acme", "region": "frankfurt"}]});
    let (status, body) = api(app.post_json(&format!("/api/v1/releases/{id}/rollback"), Some(&rita), &targets).await).await;
    assert_eq!(status, 202, "{body}");
    let rejected = create(&app, &rita).await;
    let (status, body) =
        rpc(&app.browser("ada").await, "review_release", &format!("id={rejected}&revision=1&decision=reject&comment=No+migration+plan"))
            .await;
    assert_eq!(status, 200, "{body}");

    let received =
        receiver.wait("all", "the rollback's success", |r| events_of(r, id).len() == 8 && events_of(r, rejected).len() == 2).await;
    let expected = [
        "release.created",
        "review.approved",
        "review.approved",
        "gate.opened",
        "release.dispatched",
        "job.succeeded",
        "rollback.requested",
        "job.succeeded",
    ];
    assert_eq!(events_of(&received, id), expected, "in the order they happened");
    assert_eq!(events_of(&received, rejected), ["release.created", "review.rejected"]);
    let mut ids: Vec<&str> = received.iter().map(|r| r.delivery.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), received.len(), "one delivery id per event and webhook, each sent once");
    for r in &received {
        assert!(r.signed_with(SECRET), "{} is signed with the webhook's secret", r.event);
        assert!(!r.signed_with("another secret"), "a signature proves the secret");
        let body = r.json();
        assert_eq!(body["event"], r.event.as_str(), "the body names the header's event");
        assert_eq!(body["release"]["url"], format!("{}/releases/{}", app.address, body["release"]["id"]));
    }
    let approvals: Vec<Value> =
        received.iter().filter(|r| r.event == "review.approved").map(|r| r.json()["change"]["actor"].clone()).collect();
    assert_eq!(approvals, [json!("ada"), json!("grace")], "each approval says who gave it");
    let failed_job = received.iter().filter(|r| r.event == "job.succeeded").map(Received::json).next().expect("a job");
    assert_eq!(
        (failed_job["change"]["after"]["tenant"].as_str(), failed_job["change"]["actor"].as_str()),
        (Some("acme"), Some("system:dispatch"))
    );

    let chat = receiver.wait("chat", "the gate opening", |r| !r.is_empty()).await;
    assert_eq!(chat.len(), 1, "the chat webhook wants gate.opened only");
    let message = chat[0].json();
    assert!(
        message["text"].as_str().is_some_and(|t| t.contains(&format!("Release #{id}")) && t.contains("may be dispatched")),
        "{message}"
    );
    let link = format!("<{}/releases/{id}|", app.address);
    assert!(message["blocks"][0]["text"]["text"].as_str().is_some_and(|t| t.contains(&link)), "a Slack link to the release: {message}");

    // The receiver may hold the last POST a moment before the worker records its answer.
    crate::support::dispatch::eventually("every delivery recorded as delivered", || async {
        let (_, deliveries) = api(app.get_as("/api/v1/deliveries?state=delivered", Some(&admin)).await).await;
        deliveries.as_array().is_some_and(|d| d.len() == 11)
    })
    .await;
    let (status, deliveries) = api(app.get_as("/api/v1/deliveries", Some(&admin)).await).await;
    assert_eq!(status, 200, "{deliveries}");
    let deliveries = deliveries.as_array().expect("deliveries");
    assert_eq!(deliveries.len(), 11, "every event for every webhook that wants it");
    assert!(deliveries.iter().all(|d| d["state"] == "delivered" && d["attempts"] == 1 && d["last_status"] == 200), "{deliveries:?}");
    let viewer = app.token("viewer", &[Role::Viewer]).await;
    assert_eq!(app.get_as("/api/v1/deliveries", Some(&viewer)).await.status(), 403, "only admins see deliveries");
    assert_eq!(app.get_as("/api/v1/deliveries", None).await.status(), 401);
    assert_eq!(app.get_as("/api/v1/deliveries?state=lost", Some(&admin)).await.status(), 400);
    let (status, failed) = api(app.get_as("/api/v1/deliveries?state=failed", Some(&admin)).await).await;
    assert_eq!((status, failed), (200, json!([])), "none given up");
}

async fn a_failing_receiver_gets_one_delivery_id_until_it_accepts_and_a_hanging_one_delays_no_approval(app: TestApp) {
    let receiver = Receiver::start().await;
    receiver.answer("flaky", Answer::FailFirst(2));
    receiver.answer("stuck", Answer::Hang);
    let hooks: [(&str, &str, &[&str]); 2] =
        [("flaky", "json", &["release.created"]), ("stuck", "json", &["release.created", "review.approved"])];
    let (admin, _secret) = with_webhooks(&app, &receiver, &hooks).await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;

    let tries = receiver.wait("flaky", "a third try", |r| r.len() >= 3).await;
    assert_eq!(tries.iter().map(|r| r.status).collect::<Vec<_>>(), [500, 500, 200]);
    assert!(tries.iter().all(|r| r.delivery == tries[0].delivery && r.body == tries[0].body), "the same delivery, byte for byte");
    receiver.wait("stuck", "the created event", |r| !r.is_empty()).await;

    // The stuck receiver holds a delivery in flight: approvals go on regardless.
    let started = Instant::now();
    for person in ["ada", "grace"] {
        assert_eq!(approve(&app.browser(person).await, id, 1).await.0, 200, "{person} approves");
    }
    assert!(started.elapsed() < Duration::from_secs(5), "two approvals took {:?} while a receiver hangs", started.elapsed());
    assert_eq!(detail(&app, id).await["reviews"].as_array().map(Vec::len), Some(2));

    crate::support::dispatch::eventually("the third try recorded", || async {
        let (_, delivered) = api(app.get_as("/api/v1/deliveries?state=delivered", Some(&admin)).await).await;
        delivered.as_array().is_some_and(|d| d.iter().any(|d| d["receiver"] == "webhook:flaky"))
    })
    .await;
    let (_, deliveries) = api(app.get_as("/api/v1/deliveries", Some(&admin)).await).await;
    let flaky = deliveries.as_array().expect("list").iter().find(|d| d["receiver"] == "webhook:flaky").expect("flaky's delivery").clone();
    assert_eq!(
        (flaky["state"].as_str(), flaky["attempts"].as_u64(), flaky["delivery_id"].as_str()),
        (Some("delivered"), Some(3), Some(tries[0].delivery.as_str()))
    );

    let stuck = receiver.received("stuck")[0].delivery.clone();
    let (status, busy) = api(app.post_json(&format!("/api/v1/deliveries/{stuck}/redeliver"), Some(&admin), &json!({})).await).await;
    assert_eq!((status, busy["code"].as_str()), (409, Some("being_delivered")), "never twice at once: {busy}");
    let redeliver = format!("/api/v1/deliveries/{}/redeliver", tries[0].delivery);
    let viewer = app.token("viewer", &[Role::Viewer]).await;
    assert_eq!(app.post_json(&redeliver, Some(&viewer), &json!({})).await.status(), 403);
    assert_eq!(app.post_json("/api/v1/deliveries/no-such-delivery/redeliver", Some(&admin), &json!({})).await.status(), 404);
    assert_eq!(app.post_json(&redeliver, Some(&admin), &json!({})).await.status(), 202);
    let again = receiver.wait("flaky", "the redelivery", |r| r.len() == 4).await;
    assert_eq!((again[3].delivery.as_str(), again[3].status), (tries[0].delivery.as_str(), 200), "redelivered with its id");
    let (_, audit) = api(app.get_as("/api/v1/audit?action=delivery.redelivered", Some(&admin)).await).await;
    assert_eq!(audit["entries"][0]["subject"], format!("delivery/{}", tries[0].delivery));
}

#[tokio::test]
async fn a_portal_restarted_while_a_delivery_waits_for_its_retry_sends_it_once_on_sqlite() {
    restarted_mid_retry(false).await;
}

#[tokio::test]
async fn a_portal_restarted_while_a_delivery_waits_for_its_retry_sends_it_once_on_postgres() {
    restarted_mid_retry(true).await;
}

async fn restarted_mid_retry(postgres: bool) {
    let (app, stop) = spawn_stoppable_app(postgres).await;
    let receiver = Receiver::start().await;
    receiver.answer("ops", Answer::Fail);
    let (admin, _secret) = with_webhooks(&app, &receiver, &[("ops", "json", &["release.created"])]).await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let id = create(&app, &rita).await;
    receiver.wait("ops", "a failed try", |r| !r.is_empty()).await;

    stop.send(()).expect("the portal stops");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let failed = receiver.received("ops").len();
    receiver.answer("ops", Answer::Accept);
    // Started again as an install is (the demo seed would put the demo's world back).
    let restarted = crate::support::run(&Settings { seed_demo: false, ..app.same_settings() }).await;
    let received = receiver.wait("ops", "the retry through the restarted portal", |r| r.iter().any(|x| x.status == 200)).await;
    assert!(received.len() > failed, "the restarted portal sent it");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(receiver.received("ops").len(), received.len(), "nothing is sent after it was accepted");
    assert_eq!(received.iter().filter(|r| r.status == 200).count(), 1, "accepted once");
    assert!(received.iter().all(|r| r.delivery == received[0].delivery && r.json()["release"]["id"] == id), "one delivery, one id");
    let (_, deliveries) =
        api(app.client.get(format!("{restarted}/api/v1/deliveries")).bearer_auth(&admin).send().await.expect("sent")).await;
    assert_eq!(deliveries[0]["attempts"].as_u64(), Some(received.len() as u64), "every attempt recorded: {deliveries}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_failing_in_a_real_cluster_is_told_with_its_reason_on_sqlite() {
    failed_job(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_job_failing_in_a_real_cluster_is_told_with_its_reason_on_postgres() {
    failed_job(true).await;
}

async fn failed_job(postgres: bool) {
    use crate::support::dispatch::{open_release, prefix, run, targets, wait_jobs, wait_reachable, world};
    use crate::support::kube::{KubeApi, finish_job};
    use airlock_domain::dispatch::{JobKind, JobState, Rollout, job_name};
    use airlock_domain::world_file::Notifications;

    let dir = tempfile::tempdir().expect("data dir");
    let target = if postgres {
        airlock_backend::DatabaseTarget::Postgres(crate::support::fresh_postgres_url().await)
    } else {
        airlock_backend::DatabaseTarget::SqliteFile(dir.path().join("airlock.db"))
    };
    let store = airlock_backend::connect(&target, None).await.expect("database");
    store.migrate().await.expect("migrated");
    let receiver = Receiver::start().await;
    let hook = receiver.webhook("ops", dir.path(), SECRET, &["job.failed"]);
    let api = KubeApi::shared();
    let prefix = prefix();
    let world =
        airlock_domain::World { notifications: Some(Notifications { webhooks: vec![hook] }), ..world(api, &prefix, 1, Rollout::AllAtOnce) };
    store.import_world(&world).await.expect("world");
    let backend = airlock_backend::Backend::new(store.clone());
    let _dispatching = run(&backend);
    let (_stop, stopping) = tokio::sync::watch::channel(false);
    airlock_backend::notify::worker::spawn(backend.clone(), stopping, "https://airlock.example.com".into());
    wait_reachable(&backend).await;

    let id = open_release(&backend, &targets(&prefix, 1)).await;
    airlock_backend::dispatch::dispatch(&backend, Some(&crate::support::gate::rita()), id, None, chrono::Utc::now())
        .await
        .expect("dispatched");
    let tenant = format!("{prefix}-1");
    let client = api.client().await;
    wait_jobs(&backend, id, &[JobState::Created]).await;
    let namespace = format!("tenant-{tenant}");
    finish_job(
        &client,
        &namespace,
        &job_name(id, 1, JobKind::Deploy, &tenant, "frankfurt"),
        false,
        "ImagePullBackOff: api:2.0.0 not found",
    )
    .await;
    finish_job(&client, &namespace, &job_name(id, 1, JobKind::Deploy, &tenant, "ashburn"), true, "").await;

    let received = receiver.wait("ops", "the failed job", |r| !r.is_empty()).await;
    assert_eq!(received.len(), 1, "only job.failed is wanted: {:?}", received.iter().map(|r| &r.event).collect::<Vec<_>>());
    let told = received[0].json();
    assert!(received[0].signed_with(SECRET));
    assert_eq!(
        (told["event"].as_str(), told["release"]["url"].as_str()),
        (Some("job.failed"), Some(&*format!("https://airlock.example.com/releases/{id}")))
    );
    let after = &told["change"]["after"];
    assert_eq!((after["tenant"].as_str(), after["region"].as_str()), (Some(tenant.as_str()), Some("frankfurt")), "{told}");
    assert!(after["reason"].as_str().is_some_and(|r| r.contains("ImagePullBackOff")), "the reason travels: {told}");
}
