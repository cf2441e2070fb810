//! Status views are served from each process's in-memory read model. With
//! two replicas on one PostgreSQL database, a change made by a third process
//! (the operator's CLI) is in both replicas' status views by the time each
//! tells its open pages to refetch.

use crate::support::{Browser, spawn_app, spawn_app_on_postgres};
use airlock_domain::access::Role;
use airlock_server::sole_server::SoleServerError;
use airlock_server::startup::{Application, StartupError};
use std::time::Duration;

/// `GET path` on the server at `address`, with `token`.
async fn get(address: &str, path: &str, token: &str) -> reqwest::Response {
    reqwest::Client::new().get(format!("{address}{path}")).bearer_auth(token).send().await.expect("answers")
}

async fn next_push(events: &mut reqwest::Response) {
    let chunk = tokio::time::timeout(Duration::from_secs(15), events.chunk()).await.expect("a push").expect("readable").expect("a chunk");
    assert!(String::from_utf8_lossy(&chunk).contains("data: changed"), "{chunk:?}");
}

async fn lists_lagos_cluster(address: &str, token: &str) -> bool {
    let clusters: serde_json::Value = get(address, "/api/v1/clusters", token).await.json().await.expect("JSON");
    clusters.as_array().expect("a list").iter().any(|c| c["name"] == "dev-los-1")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_added_by_the_cli_is_in_both_replicas_views_when_they_push() {
    let first = spawn_app_on_postgres().await;
    let second = first.replica().await;
    let token = first.token("viewer", &[Role::Viewer]).await;
    for replica in [&first.address, &second] {
        assert!(!lists_lagos_cluster(replica, &token).await, "no development cluster in lagos yet ({replica})");
    }
    // One signed-in browser for both: sessions live in the shared database,
    // and cookies do not tell ports apart.
    let on_first = first.browser("vic").await;
    let on_second = Browser { address: second.clone(), client: on_first.client.clone() };
    let mut pushes = [on_first.get("/live/status").await, on_second.get("/live/status").await];
    tokio::time::sleep(Duration::from_millis(300)).await; // both streams subscribed

    let dir = tempfile::tempdir().expect("temp dir");
    let added = std::process::Command::new(env!("CARGO_BIN_EXE_airlock"))
        .env("AIRLOCK_DATA_DIR", dir.path())
        .env("DATABASE_URL", first.database_url().expect("on PostgreSQL"))
        .env_remove("AIRLOCK_CONFIG")
        .args(["clusters", "add", "--environment", "development", "--region", "lagos", "--name", "dev-los-1", "--simulated"])
        .output()
        .expect("the CLI runs");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));

    for (browser, events) in [&on_first, &on_second].into_iter().zip(&mut pushes) {
        let replica = &browser.address;
        next_push(events).await;
        assert!(lists_lagos_cluster(replica, &token).await, "{replica} lists the new cluster once it pushed");
        let (status, region) = browser.page("/regions/lagos").await;
        assert_eq!(status, 200);
        assert!(region.contains("dev-los-1"), "{replica}'s region page shows it");
    }
}

/// Replicas need PostgreSQL: on the embedded database, where the one server
/// keeps sessions in memory, a second server would not see the first one's
/// sign-outs. It is refused at start.
#[tokio::test]
async fn a_second_server_on_the_embedded_database_refuses_to_start() {
    let first = spawn_app().await;
    let Err(error) = Application::build(&first.same_settings()).await else {
        panic!("a second server started on the first one's SQLite database");
    };
    assert!(matches!(error, StartupError::SoleServer(SoleServerError::Taken(_))), "{error}");
    assert_eq!(first.page("/").await.0, 200, "the first server serves on");
}
