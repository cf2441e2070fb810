//! Backups of the embedded database: a consistent copy taken while the
//! portal serves and writes (SQLite's `VACUUM INTO`: one read snapshot,
//! never a file copy, which can tear against the write-ahead log), written
//! under a temporary name and renamed only once whole, its own audit chain
//! verified, and recorded in the log it copied from. PostgreSQL has
//! `pg_dump` for this; there Airlock only says so, with the checkpoint.

mod files;
mod priority;
mod restore;
pub mod schedule;

pub use restore::{RestoreError, Restored, restore};

use crate::acting::LocalOperator;
use crate::audit::SYSTEM_ACTOR;
use crate::releases::{audit, json};
use crate::store::{self, SqliteStore, StoreError};
use crate::{Backend, Refusal};
use airlock_domain::audit::{AuditAction, Checkpoint};
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A backup written and renamed into place.
#[derive(Debug, Clone)]
pub struct Written {
    pub path: PathBuf,
    pub bytes: u64,
    /// The newest audit entry the backup holds (`None`: its log is empty).
    pub checkpoint: Option<Checkpoint>,
    /// Why its chain does not verify, when it does not: the backup is kept
    /// all the same (it is the evidence), and the operator is told.
    pub broken: Option<String>,
}

/// Who asked for the backup, as the audit log records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// `airlock backup`: the local operator.
    Command,
    /// The server's own schedule (`AIRLOCK_BACKUP_EVERY`).
    Schedule,
}

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(
        "`airlock backup` copies the embedded SQLite database; on PostgreSQL, back up with pg_dump (e.g. `pg_dump --format=custom --file=airlock.dump \"$DATABASE_URL\"`). {}",
        match checkpoint { Some(c) => format!("The audit head now is {c}: a dump taken after this holds it."), None => "The audit log is empty.".to_owned() }
    )]
    UsePgDump { checkpoint: Option<Checkpoint> },
    #[error(
        "the database lacks {pending} of this version's migrations: take the backup with the version serving it (this one would migrate it first)"
    )]
    OlderSchema { pending: usize },
    #[error("there is no Airlock database here to back up (check AIRLOCK_DATA_DIR or DATABASE_URL)")]
    NothingToBackUp,
    #[error("could not write the backup {path}")]
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

/// Writes a consistent copy of the database to `dest` (replacing a file
/// there only once the copy is whole), verifies the copy's audit chain and
/// records the backup in the live log (after the copy: a backup never holds
/// its own entry).
#[tracing::instrument(skip_all, fields(dest = %dest.display(), actor = tracing::field::Empty))]
pub async fn write(
    backend: &Backend,
    operator: &LocalOperator,
    occasion: Occasion,
    dest: &Path,
    now: DateTime<Utc>,
) -> Result<Written, BackupError> {
    let io = |source| BackupError::Io { path: dest.display().to_string(), source };
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    // A backup is of the database as this version knows it: a newer binary
    // taking one before an upgrade must not migrate the live database under
    // the server that still runs the older one.
    match backend.store.schema().await? {
        store::Schema::Known { pending: pending @ 1.., .. } => return Err(BackupError::OlderSchema { pending }),
        store::Schema::Foreign => return Err(BackupError::NothingToBackUp),
        _ => {}
    }
    let partial = files::partial_beside(dest).map_err(io)?;
    // The copy and its check yield to the portal serving beside them.
    let copying = {
        let (backend, operator) = (backend.clone(), LocalOperator::new(operator.name().to_owned()));
        let (partial, dest) = (partial.clone(), dest.to_owned());
        priority::yielding(move || async move {
            match backend.store.copy_into(&partial).await {
                Ok(true) => finish_copy(&operator, &partial, &dest, backend.store.audit_key().cloned()).await.map(Some),
                Ok(false) => Ok(None),
                Err(error) => Err(error.into()),
            }
        })
    };
    let written = match copying.await.map_err(io)? {
        Ok(Some(written)) => written,
        Ok(None) => {
            let report = crate::audit::verify(backend, operator, None).await?;
            return Err(BackupError::UsePgDump { checkpoint: report.last });
        }
        Err(error) => {
            files::remove_database(&partial);
            return Err(error);
        }
    };
    let actor = match occasion {
        Occasion::Command => operator.name(),
        Occasion::Schedule => SYSTEM_ACTOR,
    };
    let subject = format!("backup/{}", written.path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default());
    let record = serde_json::json!({
        "file": written.path.display().to_string(),
        "bytes": written.bytes,
        "checkpoint": written.checkpoint.as_ref().map(ToString::to_string),
    });
    let mut tx = backend.store.begin().await?;
    tx.append_audit(audit(actor, AuditAction::BackupWritten, &subject, None, Some(json(&record)), now)).await?;
    tx.commit().await?;
    tracing::info!(bytes = written.bytes, checkpoint = ?written.checkpoint, "backup written");
    Ok(written)
}

/// A backend on the database file at `path` alone (see [`SqliteStore::open_alone`]).
pub(super) async fn alone(path: &Path, key: Option<airlock_domain::audit::AuditKey>) -> Result<Backend, StoreError> {
    Ok(Backend::from_store(Arc::new(SqliteStore::open_alone(path, key).await?)))
}

/// Verifies the copy at `partial`, then makes it `dest`.
async fn finish_copy(
    operator: &LocalOperator,
    partial: &Path,
    dest: &Path,
    key: Option<airlock_domain::audit::AuditKey>,
) -> Result<Written, BackupError> {
    let io = |source| BackupError::Io { path: dest.display().to_string(), source };
    let copy = alone(partial, key).await?;
    let report = crate::audit::verify(&copy, operator, None).await;
    copy.store.close().await;
    let report = report?;
    files::make_durable(partial, dest).map_err(io)?;
    let bytes = std::fs::metadata(dest).map_err(io)?.len();
    let broken = report.first_broken.as_ref().map(|b| b.message()).or_else(|| report.unrecorded.first().cloned());
    Ok(Written { path: dest.to_owned(), bytes, checkpoint: report.last, broken })
}
