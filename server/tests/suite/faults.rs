//! Faults of the database, seen from outside: a busy SQLite file and a
//! PostgreSQL that drops the server's sessions answer 503 with
//! `Retry-After` (never 500), and the server recovers on its own.

use crate::support::{TestApp, spawn_app, spawn_app_on_postgres};
use airlock_domain::access::Role;
use serde_json::json;
use sqlx::Connection;

fn release() -> serde_json::Value {
    json!({"service": "api", "version": "3.0.0", "environment": "production", "targets": [{"tenant": "acme", "region": "frankfurt"}]})
}

#[tokio::test]
async fn a_write_to_a_sqlite_file_another_process_keeps_locked_answers_503_with_retry_after() {
    let app = spawn_app().await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    // Another process (an operator's sqlite3 shell, a backup) holds the write lock.
    let path = app.sqlite_path().expect("the embedded default");
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display())).await.expect("open");
    sqlx::raw_sql("BEGIN EXCLUSIVE").execute(&mut holder).await.expect("locked");
    let response = app.post_json("/api/v1/releases", Some(&rita), &release()).await;
    assert_eq!(response.status().as_u16(), 503, "busy past the busy timeout");
    assert_eq!(response.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert_eq!(body["code"], "unavailable");
    sqlx::raw_sql("ROLLBACK").execute(&mut holder).await.expect("released");
    assert_eq!(app.post_json("/api/v1/releases", Some(&rita), &release()).await.status().as_u16(), 201, "and recovers");
}

/// An administrator (or a failover) ends every session the server holds:
/// requests meanwhile get a page or a 503, never a 500, and then all is well.
#[tokio::test]
async fn postgresql_ending_the_servers_sessions_never_shows_as_a_500() {
    let app: TestApp = spawn_app_on_postgres().await;
    let rita = app.token("rita", &[Role::ReleaseManager]).await;
    let (admin_url, database) = app.postgres.clone().expect("PostgreSQL");
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("admin");
    let mut statuses = Vec::new();
    for round in 0..5 {
        let terminate =
            format!("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()");
        sqlx::raw_sql(&terminate).execute(&mut admin).await.expect("sessions ended");
        let response = app.post_json("/api/v1/releases", Some(&rita), &release()).await;
        let status = response.status().as_u16();
        if status == 503 {
            assert!(response.headers().contains_key("retry-after"), "round {round}");
        }
        statuses.push(status);
        statuses.push(app.get("/api/v1/releases").await.status().as_u16());
    }
    assert!(statuses.iter().all(|s| [200, 201, 503].contains(s)), "{statuses:?}");
    assert_eq!(app.post_json("/api/v1/releases", Some(&rita), &release()).await.status().as_u16(), 201, "recovered");
}

/// A client that sends its request headers a trickle at a time (slowloris)
/// loses the connection after the header-read deadline, and holds nothing.
#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.expect("connected");
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: airlock\r\nX-Slow: ").await.expect("a first trickle");
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(airlock_server::serve::HEADER_READ_TIMEOUT * 2, slow.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "still connected after twice the header-read deadline");
    assert!(started.elapsed() >= airlock_server::serve::HEADER_READ_TIMEOUT / 2, "cut off too early");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(app.get("/health").await.status().as_u16(), 200, "everyone else is served");
}
