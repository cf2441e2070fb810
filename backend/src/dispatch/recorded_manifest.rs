//! A queued job's manifest is what the worker sends to a cluster, and it sits
//! in a table anyone with database access can edit. So the audit entry of a
//! dispatch or rollback records, per job, the SHA-256 of the manifest it
//! queued (`manifest_digests`), and the worker sends a job only if its
//! manifest still has that digest: one edited behind Airlock's back fails
//! with the reason, and never reaches a cluster.

use sha2::{Digest as _, Sha256};
use std::collections::BTreeMap;

/// The key under which a dispatch's audit entry records its manifests' digests.
pub(super) const MANIFEST_DIGESTS: &str = "manifest_digests";

pub(super) fn manifest_digest(manifest: &str) -> String {
    Sha256::digest(manifest.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What the audit entry records: job name → manifest digest.
pub(super) fn digests<'a>(jobs: impl Iterator<Item = (&'a str, &'a str)>) -> BTreeMap<&'a str, String> {
    jobs.map(|(name, manifest)| (name, manifest_digest(manifest))).collect()
}

/// Whether job `name` with `manifest` is what the dispatch entry `entry` (its
/// JSON, `None` when no entry records the dispatch) queued; why not, if not.
pub(super) fn check(entry: Option<&str>, name: &str, manifest: &str) -> Result<(), String> {
    let entry: serde_json::Value = entry
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| "no audit entry records this job's dispatch, so it was not sent".to_owned())?;
    let listed = entry["jobs"].as_array().is_some_and(|jobs| jobs.iter().any(|job| job.as_str() == Some(name)));
    if !listed {
        return Err("the audit entry of its dispatch does not list this job (added behind Airlock's back), so it was not sent".into());
    }
    // Entries written before digests were recorded list the jobs only.
    match entry.get(MANIFEST_DIGESTS) {
        None => Ok(()),
        Some(recorded) if recorded[name].as_str() == Some(manifest_digest(manifest).as_str()) => Ok(()),
        Some(_) => Err("its manifest is not the one its dispatch recorded (changed behind Airlock's back), so it was not sent".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(manifest: &str) -> String {
        serde_json::json!({ "jobs": ["api-1"], MANIFEST_DIGESTS: digests([("api-1", manifest)].into_iter()) }).to_string()
    }

    #[test]
    fn only_the_manifest_the_dispatch_recorded_is_sent() {
        let recorded = entry(r#"{"image":"registry.example.com/api:2.0.0"}"#);
        assert_eq!(check(Some(&recorded), "api-1", r#"{"image":"registry.example.com/api:2.0.0"}"#), Ok(()));
        assert!(check(Some(&recorded), "api-1", r#"{"image":"evil.example/miner:1"}"#).is_err());
        assert!(check(Some(&recorded), "api-2", r#"{"image":"registry.example.com/api:2.0.0"}"#).is_err(), "a job it never listed");
        assert!(check(None, "api-1", "{}").is_err(), "no entry at all");
        let older = serde_json::json!({ "jobs": ["api-1"] }).to_string();
        assert_eq!(check(Some(&older), "api-1", "{}"), Ok(()), "an entry from before digests, listing the job");
    }
}
