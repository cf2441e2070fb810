//! `airlock backup` and `airlock restore`: what they print, and the embedded
//! database's server lock that keeps a restore from pulling the database out
//! from under a running server.

use crate::config::Settings;
use crate::startup::{StartupError, audit_key, database_target, open_as_operator, operator_name};
use airlock_backend::DatabaseTarget;
use airlock_backend::backup::{self, Occasion};
use airlock_domain::audit::Checkpoint;
use std::path::Path;

/// Writes the backup and prints the checkpoint it holds last, alone, for scripts.
pub async fn backup(settings: &Settings, file: &Path) -> Result<(), StartupError> {
    if let DatabaseTarget::SqliteFile(database) = database_target(settings)
        && same_file(&database, file)
    {
        return Err(StartupError::Usage(format!("{} is the database itself: write the backup elsewhere", file.display())));
    }
    // Not migrated: a backup copies the database as the server using it left it.
    let (backend, operator) = open_as_operator(settings).await?;
    let written = backup::write(&backend, &operator, Occasion::Command, file, chrono::Utc::now()).await?;
    println!("Backup written to {} ({} bytes).", written.path.display(), written.bytes);
    if let Some(broken) = &written.broken {
        println!("WARNING: its audit log does not verify: {broken} (the backup is kept: it is the evidence).");
    }
    match &written.checkpoint {
        Some(checkpoint) => println!(
            "Its audit log ends at this checkpoint; keep it apart from the backup, and pass it to `airlock restore --since-checkpoint` to refuse anything older:\n{checkpoint}"
        ),
        None => println!("Its audit log is empty."),
    }
    Ok(())
}

/// Restores `file` over the embedded database, holding the database's
/// server lock throughout: refused while a server runs on it, and no server
/// starts on it until the restore is over.
pub async fn restore(settings: &Settings, file: &Path, since: Option<Checkpoint>) -> Result<(), StartupError> {
    let DatabaseTarget::SqliteFile(database) = database_target(settings) else {
        return Err(StartupError::Usage(
            "`airlock restore` restores the embedded SQLite database; on PostgreSQL, restore a pg_dump with pg_restore, then run `airlock audit verify --since-checkpoint`".into(),
        ));
    };
    let _serving = crate::sole_server::claim(&database).map_err(|error| match error {
        crate::sole_server::SoleServerError::Taken(path) => {
            StartupError::Usage(format!("a server is running on {path}: stop it before restoring (nothing was replaced)"))
        }
        other => other.into(),
    })?;
    let restored = backup::restore(operator_name(), &database, audit_key(settings)?, file, since, chrono::Utc::now()).await?;
    println!("Restored {} as {}: its audit log verifies.", file.display(), database.display());
    if let Some(kept) = &restored.kept {
        println!("The database it replaced is kept at {}.", kept.display());
    }
    if let Some(checkpoint) = &restored.checkpoint {
        println!("The backup's audit log ended at:\n{checkpoint}");
    }
    Ok(())
}

/// Whether `a` and `b` name one file (it need not exist yet).
fn same_file(a: &Path, b: &Path) -> bool {
    let whole = |p: &Path| std::path::absolute(p).ok();
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => whole(a).is_some() && whole(a) == whole(b),
    }
}
