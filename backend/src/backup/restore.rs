//! Restoring a backup of the embedded database. Nothing is replaced until
//! the backup proved itself: a whole SQLite file, an Airlock database of a
//! schema this build knows (older ones are migrated), an audit chain that
//! verifies (with the key, when one is set) and that reaches a checkpoint
//! kept elsewhere, when one is given: an old copy cannot quietly erase the
//! history written since. The database it replaces is kept beside it.
//!
//! The caller makes sure no server runs on the database meanwhile (the
//! embedded database's server lock; see the server's `sole_server`).

use super::files;
use crate::acting::LocalOperator;
use crate::releases::{audit, json};
use crate::store::{self, DatabaseTarget, MaintenanceStore, Schema, SqliteStore, StoreError};
use crate::{Backend, Refusal};
use airlock_domain::audit::{AuditAction, AuditKey, Break, BrokenLink, Checkpoint};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Restored {
    /// The newest audit entry the backup held.
    pub checkpoint: Option<Checkpoint>,
    /// Where the database it replaced is kept (`None`: there was none).
    pub kept: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error("{file} cannot be restored: {why}. Nothing was replaced.")]
    NotWhole { file: String, why: String },
    #[error("{file} is damaged: SQLite's integrity check says \u{201c}{problem}\u{201d}. Nothing was replaced.")]
    Damaged { file: String, problem: String },
    #[error("{file} is an SQLite database, but not Airlock's. Nothing was replaced.")]
    Foreign { file: String },
    #[error(
        "{file} was written by a newer Airlock (it has migration {version}, which this one does not know): restore it with that version. Nothing was replaced."
    )]
    Newer { file: String, version: i64 },
    #[error("{file} has migration {version} with other content than this Airlock's, or half-applied. Nothing was replaced.")]
    Altered { file: String, version: i64 },
    #[error("{file}'s audit log does not verify: {why} Nothing was replaced.")]
    ChainBroken { file: String, why: String },
    #[error(
        "{file} has {entries} audit entries sealed with a key: set AIRLOCK_AUDIT_KEY (or AIRLOCK_AUDIT_KEY_FILE) so they can be checked. Nothing was replaced."
    )]
    KeyNeeded { file: String, entries: u64 },
    #[error(
        "{file} is older than the kept checkpoint {kept}: its audit log ends at #{ends}, so restoring it would erase the history written since. Nothing was replaced."
    )]
    OlderThanCheckpoint { file: String, kept: Checkpoint, ends: i64 },
    #[error("could not restore {path}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// Restores `from` as the database at `database` (nothing is replaced
/// unless every check passes), then records the restore in its audit log
/// as `operator`'s (who opened the files themselves: `cli:alice`).
#[tracing::instrument(skip_all, fields(from = %from.display(), database = %database.display()))]
pub async fn restore(
    operator: String,
    database: &Path,
    key: Option<AuditKey>,
    from: &Path,
    since: Option<Checkpoint>,
    now: DateTime<Utc>,
) -> Result<Restored, RestoreError> {
    let operator = &LocalOperator::new(operator);
    let file = from.display().to_string();
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| RestoreError::Io { path, source }
    };
    if let Some(why) = files::not_whole_sqlite(from).map_err(io(from))? {
        return Err(RestoreError::NotWhole { file, why });
    }
    // Checked and migrated as a copy beside the database: the backup itself is never written to.
    let copy = files::beside(database, ".restoring");
    files::remove_database(&copy);
    std::fs::copy(from, &copy).map_err(io(from))?;
    let checkpoint = match checked(operator, &copy, key.clone(), &file, since).await {
        Ok(checkpoint) => checkpoint,
        Err(error) => {
            files::remove_database(&copy);
            return Err(error);
        }
    };
    let replaced = async {
        std::fs::File::open(&copy)?.sync_all()?;
        let kept = keep_current(database, now).await?;
        std::fs::rename(&copy, database)?;
        files::sync_dir(database)?;
        Ok::<_, std::io::Error>(kept)
    };
    let kept = match replaced.await {
        Ok(kept) => kept,
        Err(source) => {
            files::remove_database(&copy);
            return Err(RestoreError::Io { path: database.display().to_string(), source });
        }
    };

    let restored = Backend::from_store(store::connect(&DatabaseTarget::SqliteFile(database.to_owned()), key).await?);
    let record = serde_json::json!({
        "from": file,
        "checkpoint": checkpoint.as_ref().map(ToString::to_string),
        "kept": kept.as_ref().map(|k| k.display().to_string()),
    });
    let mut tx = restored.store.begin().await?;
    tx.append_audit(audit(operator.name(), AuditAction::BackupRestored, "database", None, Some(json(&record)), now)).await?;
    tx.commit().await?;
    restored.store.close().await;
    Ok(Restored { checkpoint, kept })
}

/// Every check on the copy at `copy`, migrating it when it is older; its audit head.
async fn checked(
    operator: &LocalOperator,
    copy: &Path,
    key: Option<AuditKey>,
    file: &str,
    since: Option<Checkpoint>,
) -> Result<Option<Checkpoint>, RestoreError> {
    let backend =
        super::alone(copy, key).await.map_err(|error| RestoreError::Damaged { file: file.to_owned(), problem: sqlite_says(&error) })?;
    let verdict = verify_copy(&backend, operator, file, since).await;
    backend.store.close().await;
    verdict
}

async fn verify_copy(
    backend: &Backend,
    operator: &LocalOperator,
    file: &str,
    since: Option<Checkpoint>,
) -> Result<Option<Checkpoint>, RestoreError> {
    let file = file.to_owned();
    let damaged = |problem: String| RestoreError::Damaged { file: file.clone(), problem };
    match backend.store.integrity_problem().await {
        Ok(None) => {}
        Ok(Some(problem)) => return Err(damaged(problem)),
        Err(error) => return Err(damaged(sqlite_says(&error))),
    }
    match backend.store.schema().await.map_err(|error| damaged(sqlite_says(&error)))? {
        Schema::Foreign => return Err(RestoreError::Foreign { file }),
        Schema::Newer { version } => return Err(RestoreError::Newer { file, version }),
        Schema::Altered { version } => return Err(RestoreError::Altered { file, version }),
        Schema::Known { pending: 0, .. } => {}
        Schema::Known { .. } => backend.migrate(operator).await?,
    }
    let report = crate::audit::verify(backend, operator, since.clone()).await?;
    let ends = report.last.as_ref().map_or(0, |last| last.seq);
    match (&report.first_broken, since) {
        // The only break is that the log ends before the kept checkpoint: an older copy.
        (Some(BrokenLink { why: Break::CheckpointMissing, .. }), Some(kept)) if ends < kept.seq => {
            return Err(RestoreError::OlderThanCheckpoint { file, kept, ends });
        }
        (Some(broken), _) => return Err(RestoreError::ChainBroken { file, why: broken.message() }),
        (None, _) => {}
    }
    if let Some(row) = report.unrecorded.first() {
        return Err(RestoreError::ChainBroken { file, why: format!("{row} (written behind Airlock's back).") });
    }
    // Entries sealed with a key prove nothing to a check without it.
    if report.unverified_keyed > 0 {
        return Err(RestoreError::KeyNeeded { file, entries: report.unverified_keyed });
    }
    Ok(report.last)
}

/// The database's own words for why it could not read the file.
fn sqlite_says(error: &StoreError) -> String {
    match std::error::Error::source(error) {
        Some(source) => source.to_string(),
        None => error.to_string(),
    }
}

/// Moves the database being replaced, with whatever SQLite keeps beside
/// it, to `airlock.db.replaced-<time>`. It is first opened alone, which
/// writes its write-ahead log back into it; if it cannot be (it is damaged,
/// which may be why it is being replaced), it moves as it is, log and all.
async fn keep_current(database: &Path, now: DateTime<Utc>) -> std::io::Result<Option<PathBuf>> {
    if !database.exists() {
        // A log with no database belongs to none: it must not be applied to the restored one.
        files::remove_database(database);
        return Ok(None);
    }
    match SqliteStore::open_alone(database, None).await {
        Ok(current) => current.close().await,
        Err(error) => tracing::warn!(error = %error, "the replaced database could not be opened; it is kept as it is"),
    }
    let kept = files::beside(database, &format!(".replaced-{}", now.format("%Y%m%dT%H%M%S%.3fZ")));
    files::move_database(database, &kept)?;
    Ok(Some(kept))
}
