//! One server per embedded database. `airlock serve` on SQLite takes the
//! database's server lock at start and holds it while it runs; a second
//! server on the same file refuses to start. That makes true what the server
//! relies on there: every session is created and ended through this one
//! process, so it may keep them in memory (`sessions_of_sole_server`).
//! Several replicas need PostgreSQL, where every request reads its session
//! from the database. The CLI takes no lock: no command of it touches sessions.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SoleServerError {
    #[error(
        "another Airlock server is running on the embedded database {0}: run one server per SQLite database, or PostgreSQL (DATABASE_URL) for several replicas"
    )]
    Taken(String),
    #[error("could not take the server lock {path}")]
    Lock {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// The lock, held until this is dropped (or the process ends, however).
#[derive(Debug)]
pub struct SoleServer {
    _locked: File,
}

/// Takes the server lock of the SQLite database at `database`.
pub fn claim(database: &Path) -> Result<SoleServer, SoleServerError> {
    let path = lock_path(database);
    let failed = |source| SoleServerError::Lock { path: path.display().to_string(), source };
    // Taken before the database is opened (which would create its directory).
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let file = File::options().create(true).truncate(false).write(true).open(&path).map_err(failed)?;
    match file.try_lock() {
        Ok(()) => Ok(SoleServer { _locked: file }),
        Err(TryLockError::WouldBlock) => Err(SoleServerError::Taken(database.display().to_string())),
        Err(TryLockError::Error(source)) => Err(failed(source)),
    }
}

/// `airlock.db` → `airlock.db.server-lock`, beside it.
fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".server-lock");
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_on_one_database_is_refused_until_the_first_ends() {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = dir.path().join("airlock.db");
        let first = claim(&database).expect("the first server takes the lock");
        assert!(matches!(claim(&database), Err(SoleServerError::Taken(_))));
        assert!(claim(&dir.path().join("other.db")).is_ok(), "another database is another lock");
        drop(first);
        assert!(claim(&database).is_ok(), "free again once the first server is gone");
    }
}
