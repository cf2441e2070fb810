use crate::support::{spawn_app, spawn_app_on_postgres};
use sqlx::Connection;

#[tokio::test]
async fn liveness_answers_while_the_process_runs() {
    let app = spawn_app().await;
    assert_eq!(app.get("/health/live").await.status().as_u16(), 200);
}

#[tokio::test]
async fn the_plain_health_check_answers_without_signing_in() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/health", app.address)).send().await.expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!((body["status"].as_str(), body["database"].as_str()), (Some("ready"), Some("sqlite")));
}

#[tokio::test]
async fn readiness_names_the_database_in_use() {
    let app = spawn_app().await;
    let response = app.get("/health/ready").await;
    assert_eq!(response.status().as_u16(), 200);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["database"], "sqlite");
}

#[tokio::test]
async fn readiness_answers_503_once_the_database_is_gone() {
    let app = spawn_app_on_postgres().await;
    assert_eq!(app.get("/health/ready").await.status().as_u16(), 200);
    let (admin_url, name) = app.postgres.clone().expect("runs on postgres");
    let mut admin = sqlx::PgConnection::connect(&admin_url).await.expect("admin connection");
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&mut admin).await.expect("drop database");
    let response = app.get("/health/ready").await;
    assert_eq!(response.status().as_u16(), 503);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["status"], "unavailable");
}
