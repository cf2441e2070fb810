//! The `airlock` binary as an operator runs it.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn airlock(data_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_airlock"));
    command.env("AIRLOCK_DATA_DIR", data_dir).env_remove("DATABASE_URL").env_remove("AIRLOCK_CONFIG");
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
