//! Kubernetes names for jobs. The name is derived from what the job is for
//! (release, revision, target, kind), never from when or by whom it was sent:
//! a retry, a restarted worker or a second replica computes the same name and
//! finds the Job already there instead of creating another.

use super::JobKind;
use sha2::{Digest, Sha256};

/// A Job name must be a DNS label (RFC 1123): at most 63 characters.
pub const MAX_JOB_NAME_LEN: usize = 63;

/// `airlock-<release>-r<revision>-<deploy|rollback>-<tenant>-<region>`, or,
/// when that is too long, its first characters and a hash of the whole, so
/// two targets never share a name.
pub fn job_name(release_id: i64, revision: u32, kind: JobKind, tenant: &str, region: &str) -> String {
    let full = format!("airlock-{release_id}-r{revision}-{}-{tenant}-{region}", kind.as_str());
    let full: String = full.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' }).collect();
    if full.len() <= MAX_JOB_NAME_LEN {
        return full;
    }
    let hash = Sha256::digest(full.as_bytes());
    let suffix: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let keep = MAX_JOB_NAME_LEN - suffix.len() - 1;
    let head = full[..keep].trim_end_matches('-');
    format!("{head}-{suffix}")
}
