//! Backups of the embedded database, taken and restored as an operator does
//! (`airlock backup`, `airlock restore`, the server's own schedule), while
//! the portal serves.

use crate::support::gate::{approver, check_with, draft, rita, root};
use crate::support::{TestApp, spawn_app, spawn_app_on_postgres, spawn_app_with};
use airlock_backend::releases::{self, ReviewRequest};
use airlock_backend::{Backend, backup::RestoreError};
use airlock_domain::audit::Checkpoint;
use airlock_domain::gate::Decision;
use airlock_server::backup_commands::{backup, restore};
use airlock_server::config::Settings;
use airlock_server::startup::StartupError;
use chrono::Utc;
use std::path::Path;
use std::time::{Duration, Instant};

const WRITERS: usize = 20;
const WRITING_FOR: Duration = Duration::from_secs(10);
const BACKUP_AFTER: Duration = Duration::from_secs(4);

/// What a writer was told had happened, and when it was told.
enum Done {
    Created(i64),
    Checked(i64, u32),
    Approved(i64, String),
}

/// Creates, ticks and approves releases until `until`; every acknowledged change with when it was acknowledged.
async fn write_until(backend: Backend, lane: usize, until: Instant) -> Vec<(Instant, Done)> {
    let mut done = Vec::new();
    let approvers = [approver(&format!("approver-{lane}-a")), approver(&format!("approver-{lane}-b"))];
    while Instant::now() < until {
        // Only what was acknowledged counts: a write that timed out under the load is not.
        let created = releases::create(&backend, Some(&rita()), draft("production", &[("acme", "frankfurt")]), Utc::now()).await;
        let Ok(dossier) = created else { continue };
        let id = dossier.release.id;
        done.push((Instant::now(), Done::Created(id)));
        for item in &dossier.checklist {
            if check_with(&backend, id, item.id, Some("https://ci.example.com/runs/1")).await.is_ok() {
                done.push((Instant::now(), Done::Checked(id, item.id)));
            }
        }
        for who in &approvers {
            let request = ReviewRequest { decision: Decision::Approve, comment: String::new(), revision: dossier.release.revision };
            if releases::review(&backend, Some(who), id, request, Utc::now()).await.is_ok() {
                done.push((Instant::now(), Done::Approved(id, who.name.clone())));
            }
        }
    }
    done
}

/// Settings of a portal on a new, empty data directory.
fn elsewhere(dir: &tempfile::TempDir, like: &Settings) -> Settings {
    Settings { data_dir: dir.path().to_path_buf(), database_url: None, ..like.clone() }
}

/// The audit entries of `action`, newest first.
async fn entries_of(backend: &Backend, action: &str) -> Vec<airlock_domain::audit::AuditEntry> {
    let filter = airlock_backend::store::AuditFilter { action: Some(action.into()), limit: 500, ..Default::default() };
    airlock_backend::audit::entries(backend, Some(&root()), &filter).await.expect("entries")
}

async fn audit_head(settings: &Settings) -> Checkpoint {
    let (backend, operator) = airlock_server::startup::open_as_operator(settings).await.expect("opens");
    airlock_backend::audit::verify(&backend, &operator, None).await.expect("verifies").last.expect("a head")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_under_twenty_writers_restores_everything_acknowledged_before_it_began() {
    let app = spawn_app().await;
    let backend = app.backend().await;
    let started = Instant::now();
    let mut writers = tokio::task::JoinSet::new();
    for lane in 0..WRITERS {
        writers.spawn(write_until(backend.clone(), lane, started + WRITING_FOR));
    }
    tokio::time::sleep(BACKUP_AFTER).await;
    let kept = tempfile::tempdir().expect("dir");
    let file = kept.path().join("nightly.db");
    let began = Instant::now();
    backup(&app.same_settings(), &file).await.expect("backup written while twenty writers write");
    let done: Vec<(Instant, Done)> = writers.join_all().await.into_iter().flatten().collect();
    let before: Vec<&Done> = done.iter().filter(|(at, _)| *at < began).map(|(_, d)| d).collect();
    assert!(before.len() > 100, "the writers wrote before the backup: {}", before.len());
    assert!(done.len() > before.len(), "and went on writing while it was taken");
    assert!(!kept.path().read_dir().expect("dir").any(|e| e.expect("entry").file_name().to_string_lossy().contains("partial")));

    let restored_dir = tempfile::tempdir().expect("dir");
    let restored = elsewhere(&restored_dir, &app.same_settings());
    restore(&restored, &file, None).await.expect("the backup restores");
    assert!(airlock_server::commands::verify_audit(&restored, None).await.expect("verifies"), "the restored chain verifies");
    let (backend, _) = airlock_server::startup::open_as_operator(&restored).await.expect("opens");
    for change in before {
        match change {
            Done::Created(id) => {
                releases::get(&backend, Some(&root()), *id).await.expect("a release created before the backup is in it");
            }
            Done::Checked(id, item) => {
                let dossier = releases::get(&backend, Some(&root()), *id).await.expect("read");
                let item = dossier.checklist.iter().find(|i| i.id == *item).expect("item");
                assert!(item.checked.is_some(), "release {id} item {}: ticked before the backup, ticked in it", item.id);
            }
            Done::Approved(id, who) => {
                let dossier = releases::get(&backend, Some(&root()), *id).await.expect("read");
                assert!(dossier.reviews.iter().any(|r| &r.reviewer == who), "release {id}: {who}'s approval is in the backup");
            }
        }
    }
    let restores = entries_of(&backend, "backup.restored").await;
    assert!(restores.len() == 1 && restores[0].actor.starts_with("cli:"), "the restore is in the log, by the operator");
    let written = entries_of(&app.backend().await, "backup.written").await;
    assert!(written.iter().any(|e| e.subject == "backup/nightly.db" && e.actor.starts_with("cli:")), "the backup is in the live log");
}

/// A file that is not a whole Airlock database is refused, and the database it would replace stays as it was.
#[tokio::test]
async fn a_truncated_or_foreign_file_is_refused_and_nothing_is_replaced() {
    let app = spawn_app().await;
    let kept = tempfile::tempdir().expect("dir");
    let good = kept.path().join("good.db");
    backup(&app.same_settings(), &good).await.expect("backup");
    let target_dir = tempfile::tempdir().expect("dir");
    let target = elsewhere(&target_dir, &app.same_settings());
    restore(&target, &good, None).await.expect("a good backup restores");
    let head = audit_head(&target).await;

    let bytes = std::fs::read(&good).expect("read");
    let truncated = kept.path().join("truncated.db");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("write");
    let text = kept.path().join("notes.db");
    std::fs::write(&text, "these are not the droids you are looking for").expect("write");
    let foreign = kept.path().join("foreign.db");
    let mut other = sqlx_sqlite(&foreign).await;
    sqlx::query("CREATE TABLE recipes (name TEXT)").execute(&mut other).await.expect("another program's table");
    drop(other);

    for (file, says) in [(&truncated, "truncated"), (&text, "not an SQLite database"), (&foreign, "not Airlock's")] {
        let error = restore(&target, file, None).await.expect_err("refused");
        let message = error.to_string();
        assert!(message.contains(says) && message.contains("Nothing was replaced"), "{}: {message}", file.display());
        assert_eq!(audit_head(&target).await, head, "the database is untouched");
    }
    assert!(!target_dir.path().join("airlock.db.restoring").exists(), "no half-checked copy is left behind");
}

async fn sqlx_sqlite(path: &Path) -> sqlx::SqliteConnection {
    use sqlx::Connection;
    sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.expect("SQLite")
}

/// A checkpoint kept elsewhere refuses a backup older than it, and lets through one that holds it.
#[tokio::test]
async fn a_backup_older_than_a_kept_checkpoint_is_refused() {
    let app = spawn_app().await;
    let kept = tempfile::tempdir().expect("dir");
    let old = kept.path().join("old.db");
    backup(&app.same_settings(), &old).await.expect("backup");
    releases::create(&app.backend().await, Some(&rita()), draft("production", &[("acme", "frankfurt")]), Utc::now())
        .await
        .expect("created");
    let checkpoint = audit_head(&app.same_settings()).await;
    let new = kept.path().join("new.db");
    backup(&app.same_settings(), &new).await.expect("backup");

    let target_dir = tempfile::tempdir().expect("dir");
    let target = elsewhere(&target_dir, &app.same_settings());
    let error = restore(&target, &old, Some(checkpoint.clone())).await.expect_err("an older backup is refused");
    assert!(matches!(error, StartupError::Restore(RestoreError::OlderThanCheckpoint { .. })), "{error}");
    assert!(error.to_string().contains("erase the history"), "{error}");
    assert!(!target_dir.path().join("airlock.db").exists(), "nothing was put in place");

    let forged = Checkpoint { seq: checkpoint.seq, hash: "0".repeat(checkpoint.hash.len()) };
    let error = restore(&target, &new, Some(forged)).await.expect_err("a checkpoint with another hash is refused");
    assert!(matches!(error, StartupError::Restore(RestoreError::ChainBroken { .. })), "{error}");
    restore(&target, &new, Some(checkpoint)).await.expect("a backup holding the checkpoint restores");
}

#[tokio::test]
async fn a_restore_while_a_server_runs_on_the_database_is_refused() {
    let app = spawn_app().await;
    let kept = tempfile::tempdir().expect("dir");
    let file = kept.path().join("b.db");
    backup(&app.same_settings(), &file).await.expect("backup");
    let head = audit_head(&app.same_settings()).await;
    let error = restore(&app.same_settings(), &file, None).await.expect_err("refused while serving");
    assert!(error.to_string().contains("stop it before restoring"), "{error}");
    assert_eq!(audit_head(&app.same_settings()).await, head);
    assert_eq!(app.get("/health/ready").await.status().as_u16(), 200, "the server goes on serving");
}

#[tokio::test]
async fn on_postgresql_backup_points_to_pg_dump_with_the_checkpoint_and_restore_to_pg_restore() {
    let app = spawn_app_on_postgres().await;
    let head = audit_head(&app.same_settings()).await;
    let kept = tempfile::tempdir().expect("dir");
    let error = backup(&app.same_settings(), &kept.path().join("b.db")).await.expect_err("no file is written on PostgreSQL");
    let message = error.to_string();
    assert!(message.contains("pg_dump") && message.contains(&head.to_string()), "{message}");
    assert!(kept.path().read_dir().expect("dir").next().is_none(), "nothing was written");
    let error = restore(&app.same_settings(), &kept.path().join("b.db"), None).await.expect_err("refused");
    assert!(error.to_string().contains("pg_restore"), "{error}");
}

#[tokio::test]
async fn scheduled_backups_are_written_audited_rotated_and_measured() {
    let backups = tempfile::tempdir().expect("dir");
    let dir = backups.path().to_path_buf();
    let app: TestApp = spawn_app_with(|s| {
        s.backup_dir = Some(dir);
        s.backup_every = "1s".into();
        s.backup_keep = 2;
    })
    .await;
    let backend = app.backend().await;
    crate::support::dispatch::eventually("four scheduled backups", || async {
        entries_of(&backend, "backup.written").await.iter().filter(|e| e.actor == "airlock").count() >= 4
    })
    .await;
    let names: Vec<String> =
        backups.path().read_dir().expect("dir").map(|e| e.expect("entry").file_name().to_string_lossy().into_owned()).collect();
    let kept: Vec<&String> = names.iter().filter(|n| n.starts_with("airlock-") && n.ends_with(".db")).collect();
    assert!(kept.len() <= 3 && kept.len() >= 2, "the newest 2 are kept (a third may be being renamed): {names:?}");
    let metrics = app.get("/metrics").await.text().await.expect("body");
    let age = metrics.lines().find(|l| l.starts_with("airlock_backup_newest_age_seconds")).expect("the newest backup's age");
    let seconds: f64 = age.rsplit(' ').next().and_then(|v| v.parse().ok()).expect("a number");
    assert!(seconds < 15.0, "written every second, the newest is recent: {age}");
    assert!(metrics.contains("airlock_backup_failures_total 0"), "{metrics}");
}

#[tokio::test]
async fn a_schedule_that_cannot_work_stops_the_start() {
    for (every, keep, says) in [("hourly", 24, "AIRLOCK_BACKUP_EVERY"), ("1h", 0, "AIRLOCK_BACKUP_KEEP")] {
        let dir = tempfile::tempdir().expect("dir");
        let settings = Settings {
            addr: "127.0.0.1:0".parse().expect("addr"),
            data_dir: dir.path().to_path_buf(),
            backup_dir: Some(dir.path().join("backups")),
            backup_every: every.into(),
            backup_keep: keep,
            ..Settings::default()
        };
        let error = airlock_server::startup::Application::build(&settings).await.err().expect("refused");
        assert!(error.to_string().contains(says), "{error}");
    }
}
