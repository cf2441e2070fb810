//! The files around a backup: the temporary name it is written under, how
//! it becomes durable under its own, and what SQLite keeps beside a database.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// What SQLite may keep beside a database file while it is open.
const BESIDE: [&str; 3] = ["-wal", "-shm", "-journal"];

/// `dir/.name.partial-<random>`: beside `dest`, so the rename that finishes
/// the backup stays on one file system; hidden, so nothing takes it for a backup.
pub(super) fn partial_beside(dest: &Path) -> io::Result<PathBuf> {
    let name = dest.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "a backup needs a file name"))?;
    let random = crate::auth::random_hex(6).map_err(|_| io::Error::other("no random name for the temporary file"))?;
    Ok(dest.with_file_name(format!(".{}.partial-{random}", name.to_string_lossy())))
}

/// `path` with SQLite's `suffix` file beside it (`airlock.db-wal`).
pub(super) fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Removes a database file and whatever SQLite kept beside it.
pub(super) fn remove_database(path: &Path) {
    for file in std::iter::once(path.to_owned()).chain(BESIDE.iter().map(|s| beside(path, s))) {
        if let Err(error) = std::fs::remove_file(&file)
            && error.kind() != io::ErrorKind::NotFound
        {
            tracing::warn!(file = %file.display(), error = %error, "could not remove a temporary file");
        }
    }
}

/// Moves a closed database and whatever SQLite left beside it to `to`
/// (and `to-wal`…), so none of it is lost and none of it is applied to
/// another database that takes the name.
pub(super) fn move_database(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)?;
    for suffix in BESIDE {
        match std::fs::rename(beside(from, suffix), beside(to, suffix)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
    }
    Ok(())
}

/// Flushes `partial` to disk, renames it to `dest` (replacing what was
/// there at once, never half) and flushes the directory entry.
pub(super) fn make_durable(partial: &Path, dest: &Path) -> io::Result<()> {
    File::open(partial)?.sync_all()?;
    // What SQLite left beside an older file of that name belongs to it, not to this one.
    for suffix in BESIDE {
        match std::fs::remove_file(beside(dest, suffix)) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
            _ => {}
        }
    }
    std::fs::rename(partial, dest)?;
    sync_dir(dest)
}

/// Flushes the directory holding `path`, so a rename into it survives a crash.
pub(super) fn sync_dir(path: &Path) -> io::Result<()> {
    match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(dir) => File::open(dir)?.sync_all(),
        None => File::open(".")?.sync_all(),
    }
}

/// Why the file at `path` cannot be a whole SQLite database, read from its
/// header: the magic string, and a length of at least the page count the
/// header records times the page size (a truncated copy is shorter).
pub(super) fn not_whole_sqlite(path: &Path) -> io::Result<Option<String>> {
    use std::io::Read;
    let mut header = [0u8; 100];
    let length = std::fs::metadata(path)?.len();
    let mut file = File::open(path)?;
    if length < 100 || file.read_exact(&mut header).is_err() || &header[..16] != b"SQLite format 3\0" {
        return Ok(Some("it is not an SQLite database".to_owned()));
    }
    // The page size is stored big-endian; 1 means 65536.
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        size => u64::from(size),
    };
    // The page count in the header is valid when the two change counters agree.
    let counter_valid = header[24..28] == header[92..96];
    let pages = u64::from(u32::from_be_bytes([header[28], header[29], header[30], header[31]]));
    if counter_valid && pages > 0 && length < pages * page_size {
        return Ok(Some(format!("it is truncated: {length} bytes of the {} its header promises", pages * page_size)));
    }
    Ok(None)
}
