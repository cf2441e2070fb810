//! The `airlock` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn airlock(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_airlock"));
    command.env("AIRLOCK_DATA_DIR", data_dir).env_remove("DATABASE_URL").env_remove("AIRLOCK_CONFIG").env("AIRLOCK_DEMO_SIGN_IN", "true");
    for variable in ["AIRLOCK_OIDC_ISSUER", "AIRLOCK_PUBLIC_URL", "AIRLOCK_ADDR"] {
        command.env_remove(variable);
    }
    command
}

#[test]
fn help_lists_the_subcommands() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = airlock(dir.path()).arg("--help").output().expect("runs");
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    for subcommand in ["serve", "migrate", "seed"] {
        assert!(help.contains(subcommand), "--help mentions {subcommand}");
    }
}

#[test]
fn seeding_the_demo_twice_succeeds_and_seed_without_a_source_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    for _ in 0..2 {
        let output = airlock(dir.path()).args(["seed", "--demo"]).output().expect("runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    assert!(dir.path().join("airlock.db").exists(), "the embedded database is created on first run");
    let refused = airlock(dir.path()).arg("seed").output().expect("runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--demo"));
}

#[test]
fn the_benchmarks_world_is_seeded_by_size_and_a_size_of_zero_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = airlock(dir.path()).args(["seed", "--synthetic", "3"]).output().expect("runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let refused = airlock(dir.path()).args(["seed", "--synthetic", "0"]).output().expect("runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--synthetic"), "{}", String::from_utf8_lossy(&refused.stderr));
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut server = airlock(dir.path())
        .arg("serve")
        .env("AIRLOCK_ADDR", "127.0.0.1:0")
        .env("AIRLOCK_LOG_FORMAT", "json")
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let stderr = server.stderr.take().expect("stderr piped");
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    let url = loop {
        assert!(Instant::now() < deadline, "server did not report its address");
        let line = lines.next().expect("server still running").expect("log line");
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        if event["message"] == "airlock is listening" {
            break event["url"].as_str().expect("url field").to_owned();
        }
    };
    let live = std::net::TcpStream::connect(url.trim_start_matches("http://"));
    assert!(live.is_ok(), "the server accepts connections at {url}");
    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().expect("kill runs");
    assert!(killed.success());
    let status = server.wait().expect("server exits");
    assert!(status.success(), "SIGTERM is a clean shutdown, got {status}");
}

fn run(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let output = airlock(dir).args(args).output().expect("runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn a_created_token_is_the_last_word_printed_and_names_must_be_unique() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, stdout, stderr) =
        run(dir.path(), &["token", "create", "--name", "ci-pipeline", "--role", "release_manager", "--role", "auditor"]);
    assert!(ok, "{stderr}");
    let token = stdout.split_whitespace().last().expect("a word");
    assert!(token.starts_with("airlock_") && token.len() == "airlock_".len() + 64, "{token}");
    let (again, _, stderr) = run(dir.path(), &["token", "create", "--name", "ci-pipeline", "--role", "viewer"]);
    assert!(!again, "a second token with the same name is refused");
    let said = stderr.lines().last().unwrap_or_default();
    assert_eq!(said, "airlock: A token named ci-pipeline already exists; choose another name.");
    let (bad_role, _, stderr) = run(dir.path(), &["token", "create", "--name", "x", "--role", "superuser"]);
    assert!(!bad_role && stderr.contains("unknown role"), "{stderr}");
}

#[test]
fn no_token_may_approve_and_every_token_expires_and_says_when_it_was_last_used() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ok, _, stderr) = run(dir.path(), &["token", "create", "--name", "ada", "--role", "approver"]);
    assert!(!ok && stderr.contains("cannot hold the approver role"), "{stderr}");
    let (ok, _, stderr) = run(dir.path(), &["token", "create", "--name", "forever", "--role", "viewer", "--expires", "5000d"]);
    assert!(!ok && stderr.contains("--expires"), "{stderr}");
    let (ok, stdout, stderr) = run(dir.path(), &["token", "create", "--name", "ci", "--role", "viewer", "--expires", "30d"]);
    assert!(ok && stdout.contains("valid until"), "{stderr}");
    assert!(run(dir.path(), &["token", "create", "--name", "nightly", "--role", "viewer"]).0);
    let (_, listed, _) = run(dir.path(), &["token", "list"]);
    let header = listed.lines().next().unwrap_or_default();
    assert!(["NAME", "ROLES", "CREATED", "LAST USED", "EXPIRES", "STATUS"].iter().all(|c| header.contains(c)), "{header}");
    let in_days = |days: i64| (chrono::Utc::now() + chrono::Duration::days(days)).format("%Y-%m-%d").to_string();
    let ci = listed.lines().find(|l| l.starts_with("ci ")).expect("ci listed");
    assert!(ci.contains("never") && ci.contains(&in_days(30)) && ci.ends_with("active"), "{ci}");
    let nightly = listed.lines().find(|l| l.starts_with("nightly")).expect("nightly listed");
    assert!(nightly.contains(&in_days(90)), "90 days by default: {nightly}");
}

#[tokio::test]
async fn audit_verify_passes_on_an_untouched_log_and_names_a_row_edited_by_hand() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["first-bot", "second-bot"] {
        assert!(run(dir.path(), &["token", "create", "--name", name, "--role", "viewer"]).0);
    }
    let (ok, stdout, _) = run(dir.path(), &["audit", "verify"]);
    assert!(ok && stdout.contains("intact: 2 entries"), "{stdout}");
    // An operator with a SQL prompt: drops the guard, then edits a row.
    let url = format!("sqlite://{}", dir.path().join("airlock.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.expect("open the database by hand");
    sqlx::raw_sql("DROP TRIGGER audit_log_is_append_only_update; UPDATE audit_log SET actor = 'mallory' WHERE seq = 1")
        .execute(&mut db)
        .await
        .expect("edited by hand");
    db.close().await.expect("closed");
    let (ok, stdout, _) = run(dir.path(), &["audit", "verify"]);
    assert!(!ok, "verify fails after tampering");
    assert!(stdout.contains("entry #1"), "{stdout}");
}

#[test]
fn tokens_are_listed_scoped_to_tenants_and_refused_once_revoked() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(run(dir.path(), &["seed", "--demo"]).0);
    let (ok, stdout, stderr) = run(dir.path(), &["token", "create", "--name", "acme-status", "--role", "tenant_admin", "--tenant", "acme"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("token:acme-status") && stdout.contains("for tenants acme"), "{stdout}");
    let (ok, _, stderr) = run(dir.path(), &["token", "create", "--name", "nowhere", "--role", "tenant_admin"]);
    assert!(!ok && stderr.contains("needs --tenant"), "{stderr}");
    let (ok, _, stderr) = run(dir.path(), &["token", "create", "--name", "ghost", "--role", "tenant_admin", "--tenant", "umbrella"]);
    assert!(!ok && stderr.contains("There is no tenant umbrella."), "{stderr}");
    let (ok, _, stderr) = run(dir.path(), &["token", "create", "--name", "wide", "--role", "viewer", "--tenant", "acme"]);
    assert!(!ok && stderr.contains("Only a tenant_admin token takes --tenant."), "{stderr}");
    assert!(run(dir.path(), &["token", "revoke", "acme-status"]).0);
    let (ok, stdout, _) = run(dir.path(), &["token", "list"]);
    assert!(ok);
    let line = stdout.lines().find(|l| l.starts_with("acme-status")).expect("listed");
    assert!(line.contains("tenant_admin") && line.contains("acme") && line.contains("revoked"), "{line}");
    let (ok, _, stderr) = run(dir.path(), &["token", "revoke", "acme-status"]);
    assert!(!ok && stderr.contains("no active token named acme-status"), "{stderr}");
    let (_, stdout, _) = run(dir.path(), &["audit", "verify"]);
    // The demo world's job template, three environment policies and 39 objects
    // (environments and their checklists, regions, clusters, services, tenants),
    // then the token created and revoked.
    assert!(stdout.contains("intact: 45 entries"), "created and revoked are audited: {stdout}");
}

#[test]
fn serving_is_refused_when_nobody_could_sign_in_or_the_demo_sign_in_is_exposed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output =
        airlock(dir.path()).env_remove("AIRLOCK_DEMO_SIGN_IN").env("AIRLOCK_ADDR", "127.0.0.1:0").args(["serve"]).output().expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("nobody could sign in"), "{}", String::from_utf8_lossy(&output.stderr));
    let output = airlock(dir.path()).env("AIRLOCK_ADDR", "0.0.0.0:0").args(["serve"]).output().expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("loopback address only"), "{}", String::from_utf8_lossy(&output.stderr));
}

#[test]
fn a_world_file_is_exported_planned_applied_and_refused_at_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(run(dir.path(), &["seed", "--demo"]).0);
    let file = dir.path().join("repo/world.yaml");
    let path = file.to_str().expect("a UTF-8 path");
    let (ok, stdout, stderr) = run(dir.path(), &["export", "-o", path]);
    assert!(ok && stdout.contains("1 job template"), "{stdout}{stderr}");
    assert!(dir.path().join("repo/jobs/production.yaml").exists(), "the job template is written beside the file");
    let (ok, stdout, _) = run(dir.path(), &["apply", "-f", path]);
    assert!(ok && stdout.starts_with("No changes"), "export then apply changes nothing: {stdout}");

    let text = std::fs::read_to_string(&file).expect("exported");
    std::fs::write(&file, text.replacen("required_approvals: 2", "required_approvals: 3", 1)).expect("edited");
    for _ in 0..2 {
        let (ok, stdout, _) = run(dir.path(), &["apply", "-f", path, "--dry-run"]);
        assert!(ok && stdout.contains("~ change environment production"), "{stdout}");
        assert!(stdout.contains("required_approvals: 2 \u{2192} 3") && stdout.contains("Dry run: nothing was applied."), "{stdout}");
    }
    let (ok, stdout, _) = run(dir.path(), &["apply", "-f", path]);
    assert!(ok && stdout.contains("Plan: 0 to add, 1 to change, 0 to remove.") && stdout.contains("Applied"), "{stdout}");
    assert!(run(dir.path(), &["apply", "-f", path]).1.starts_with("No changes"));

    let refused = text.replacen("required_approvals: 2", "required_approvals: 0", 1);
    let line = refused.lines().position(|l| l.contains("required_approvals: 0")).map_or(0, |i| i + 1);
    std::fs::write(&file, refused).expect("edited");
    let (ok, _, stderr) = run(dir.path(), &["apply", "-f", path]);
    assert!(!ok, "refused");
    assert!(stderr.contains(&format!("world.yaml:{line} (environments[2].required_approvals): ")), "{stderr}");
    assert!(stderr.contains("was not applied: nothing changed"), "{stderr}");
    let (_, audit, _) = run(dir.path(), &["audit", "verify"]);
    assert!(audit.contains("intact"), "{audit}");
}

#[test]
fn a_backup_prints_its_checkpoint_last_and_restores_elsewhere_only_past_that_checkpoint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (seeded, _, stderr) = run(dir.path(), &["seed", "--demo"]);
    assert!(seeded, "{stderr}");
    let file = dir.path().join("backups").join("first.db");
    let (ok, stdout, stderr) = run(dir.path(), &["backup", file.to_str().expect("path")]);
    assert!(ok, "{stderr}");
    let checkpoint = stdout.lines().last().expect("a last line").to_owned();
    assert!(checkpoint.split_once(':').is_some_and(|(seq, hash)| seq.parse::<i64>().is_ok() && hash.len() == 64), "{stdout}");

    let (ok, _, stderr) = run(dir.path(), &["backup", dir.path().join("airlock.db").to_str().expect("path")]);
    assert!(!ok && stderr.contains("the database itself"), "a backup over the database is refused: {stderr}");

    let elsewhere = tempfile::tempdir().expect("temp dir");
    let file = file.to_str().expect("path");
    let (ok, stdout, stderr) = run(elsewhere.path(), &["restore", file, "--since-checkpoint", &checkpoint]);
    assert!(ok && stdout.contains("its audit log verifies"), "{stdout}{stderr}");
    let (ok, stdout, _) = run(elsewhere.path(), &["audit", "verify"]);
    assert!(ok, "{stdout}");
    let later = format!("{}:{}", checkpoint.split_once(':').map_or(0, |(s, _)| s.parse::<i64>().unwrap_or(0)) + 100, "a".repeat(64));
    let (ok, _, stderr) = run(elsewhere.path(), &["restore", file, "--since-checkpoint", &later]);
    assert!(!ok && stderr.contains("older than the kept checkpoint"), "{stderr}");
}
