//! Which gate rows the audit log records. Every revision, review and
//! checklist tick points at the audit entry appended in its transaction
//! (`audit_seq`); a row counts at the gate only if that entry exists and
//! says the same thing (who, which release or item, what, and for a review
//! the revision and content digest). A row written behind Airlock's back —
//! a hand-made `INSERT INTO reviews` — has no such entry: the gate ignores
//! it and `airlock audit verify` reports it.
//!
//! The conditions are SQL both databases understand (`||` concatenates and
//! binds tighter than `=` and `LIKE` in both), as macros so queries can
//! `concat!` them.

/// For a `reviews` row aliased `r`. The entry's JSON is the review as
/// serialised, fields in declaration order, so `"revision":N,` is exact.
macro_rules! review_recorded {
    () => {
        "EXISTS (SELECT 1 FROM audit_log a WHERE a.seq = r.audit_seq AND a.actor = r.reviewer \
         AND a.subject = 'release/' || r.release_id \
         AND a.action = CASE r.decision WHEN 'approve' THEN 'review.approved' ELSE 'review.rejected' END \
         AND a.after_state LIKE '%\"revision\":' || r.revision || ',%' \
         AND a.after_state LIKE '%\"digest\":\"' || r.digest || '\"%')"
    };
}

/// For a checked `checklist_items` row aliased `i`.
macro_rules! item_recorded {
    () => {
        "EXISTS (SELECT 1 FROM audit_log a WHERE a.seq = i.audit_seq AND a.actor = i.checked_by \
         AND a.subject = 'release/' || i.release_id || '/checklist/' || i.position AND a.action = 'checklist.checked')"
    };
}

/// For a `release_revisions` row aliased `v`: its digest, version and image
/// are what the entry records. The entry begins with them
/// (`crate::releases::RevisionEntry`), so one anchored `LIKE` compares a
/// prefix and stops, instead of scanning the JSON of every target (about
/// 25 KB for 500). Entries written before that order list them anywhere.
macro_rules! revision_recorded {
    () => {
        "EXISTS (SELECT 1 FROM audit_log a WHERE a.seq = v.audit_seq AND a.actor = v.edited_by \
         AND a.subject = 'release/' || v.release_id AND a.action IN ('release.created', 'release.edited') \
         AND (a.after_state LIKE '{\"digest\":\"' || v.digest || '\",\"version\":\"' || v.version \
              || '\",\"image\":\"' || v.image || '\",%' \
           OR (a.after_state NOT LIKE '{\"digest\":%' \
              AND a.after_state LIKE '%\"version\":\"' || v.version || '\"%' \
              AND a.after_state LIKE '%\"image\":\"' || v.image || '\"%')))"
    };
}

/// For an `environments` row aliased `e`: the newest `policy.set` entry of the
/// environment says exactly what the row says (`airlock_domain::gate::policy_record`).
macro_rules! policy_recorded {
    () => {
        "EXISTS (SELECT 1 FROM audit_log a WHERE a.seq = (SELECT MAX(p.seq) FROM audit_log p \
         WHERE p.subject = 'environment/' || e.name AND p.action = 'policy.set') \
         AND a.after_state = '{\"protected\":' || CASE WHEN e.protected THEN 'true' ELSE 'false' END \
         || ',\"required_approvals\":' || e.required_approvals \
         || CASE WHEN e.approval_ttl_seconds IS NULL THEN '' ELSE ',\"approval_ttl_seconds\":' || e.approval_ttl_seconds END \
         || CASE WHEN e.freezes = '[]' THEN '' ELSE ',\"freezes\":' || e.freezes END || '}')"
    };
}

/// For a `break_glass` row aliased `b`.
macro_rules! break_glass_recorded {
    () => {
        "EXISTS (SELECT 1 FROM audit_log a WHERE a.seq = b.audit_seq AND a.actor = b.given_by \
         AND a.subject = 'release/' || b.release_id AND a.action = 'release.break_glass')"
    };
}

pub(crate) use {break_glass_recorded, item_recorded, policy_recorded, review_recorded, revision_recorded};

/// A change that the audit entry being appended records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    Revision(u32),
    Review { revision: u32, reviewer: String },
    Item(u32),
}

/// A gate row no audit entry records, as `airlock audit verify` reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct UnrecordedRow {
    /// `release 12` or `environment production`.
    pub subject: String,
    /// `revision N`, `review of revision N by X`, `check of item N by X`, `its gate policy`.
    pub what: String,
}
