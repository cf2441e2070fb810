//! Backups the server writes itself (`AIRLOCK_BACKUP_DIR`, `_EVERY`,
//! `_KEEP`): `airlock-<UTC time>.db` in the directory, each recorded in the
//! audit log, the newest `keep` kept. What `/metrics` shows of them comes
//! from [`BackupHealth`].

use super::{Occasion, files};
use crate::Backend;
use crate::acting::LocalOperator;
use chrono::{DateTime, NaiveDateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::watch;

const PREFIX: &str = "airlock-";
const SUFFIX: &str = ".db";
const TIME: &str = "%Y%m%dT%H%M%SZ";

#[derive(Debug, Clone)]
pub struct Schedule {
    pub dir: PathBuf,
    pub every: Duration,
    /// How many backups stay (the newest); older ones are deleted.
    pub keep: usize,
}

/// How the schedule fares, for `/metrics`.
#[derive(Debug, Default)]
pub struct BackupHealth {
    /// Unix seconds of the newest backup in the directory (0: none yet).
    newest: AtomicI64,
    failures: AtomicU64,
}

impl BackupHealth {
    /// Seconds since the newest backup was written; `None` before the first.
    pub fn newest_age_seconds(&self, now: DateTime<Utc>) -> Option<i64> {
        match self.newest.load(Ordering::Relaxed) {
            0 => None,
            at => Some((now.timestamp() - at).max(0)),
        }
    }

    /// Backups that failed since the server started.
    pub fn failures(&self) -> u64 {
        self.failures.load(Ordering::Relaxed)
    }
}

/// Starts the schedule. The server hands it its local operator: backing
/// the database up is the operator's work, done on their behalf (the log
/// records the server, `airlock`, as its actor). The first backup is due one
/// period after the newest in the directory, so restarts do not add backups.
pub fn spawn(backend: Backend, operator: LocalOperator, schedule: Schedule, mut stop: watch::Receiver<bool>) -> Arc<BackupHealth> {
    remove_partials(&schedule.dir);
    let health = Arc::new(BackupHealth::default());
    let newest = backups_in(&schedule.dir).first().map(|(at, _)| *at);
    if let Some(at) = newest {
        health.newest.store(at.timestamp(), Ordering::Relaxed);
    }
    let first_wait = newest.map_or(Duration::ZERO, |at| {
        let since = (Utc::now() - at).to_std().unwrap_or_default();
        schedule.every.saturating_sub(since)
    });
    let shared = health.clone();
    tokio::spawn(async move {
        let mut wait = first_wait;
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
            run_once(&backend, &operator, &schedule, &shared).await;
            wait = schedule.every;
        }
    });
    health
}

async fn run_once(backend: &Backend, operator: &LocalOperator, schedule: &Schedule, health: &BackupHealth) {
    let now = Utc::now();
    let dest = schedule.dir.join(format!("{PREFIX}{}{SUFFIX}", now.format(TIME)));
    match super::write(backend, operator, Occasion::Schedule, &dest, now).await {
        Ok(written) => {
            health.newest.store(now.timestamp(), Ordering::Relaxed);
            if let Some(broken) = &written.broken {
                tracing::error!(file = %dest.display(), broken = %broken, "the backup's audit log does not verify");
            }
            for (_, old) in backups_in(&schedule.dir).into_iter().skip(schedule.keep) {
                files::remove_database(&old);
                tracing::info!(file = %old.display(), "old backup removed");
            }
        }
        Err(error) => {
            health.failures.fetch_add(1, Ordering::Relaxed);
            tracing::error!(error = %error, cause = ?std::error::Error::source(&error), file = %dest.display(), "scheduled backup failed");
        }
    }
}

/// What a server stopped mid-backup left: hidden `.airlock-….partial-…` files.
fn remove_partials(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        if name.to_str().is_some_and(|n| n.starts_with(&format!(".{PREFIX}")) && n.contains(".partial-")) {
            files::remove_database(&entry.path());
        }
    }
}

/// The schedule's backups in `dir`, newest first, by the time in their
/// names (other files are left alone).
fn backups_in(dir: &Path) -> Vec<(DateTime<Utc>, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut found: Vec<(DateTime<Utc>, PathBuf)> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name();
            let time = name.to_str()?.strip_prefix(PREFIX)?.strip_suffix(SUFFIX)?.to_owned();
            let at = NaiveDateTime::parse_from_str(&time, TIME).ok()?.and_utc();
            Some((at, entry.path()))
        })
        .collect();
    found.sort_by_key(|(at, _)| std::cmp::Reverse(*at));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_schedules_own_files_count_newest_first() {
        let dir = tempfile::tempdir().expect("dir");
        for name in ["airlock-20261207T080000Z.db", "airlock-20261207T090000Z.db", "airlock.db", "airlock-yesterday.db", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").expect("file");
        }
        let names: Vec<String> =
            backups_in(dir.path()).into_iter().map(|(_, p)| p.file_name().unwrap_or_default().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["airlock-20261207T090000Z.db", "airlock-20261207T080000Z.db"]);
    }
}
