//! Reading and verifying the audit log (auditors and admins only).

use super::extract::{ApiQuery, non_empty};
use super::identity::Caller;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::audit;
use airlock_backend::{AUDIT_PAGE_MAX, AuditFilter};
use airlock_domain::audit::{AuditEntry, Break, BrokenLink, Checkpoint, KEYED_PREFIX, VerifyReport};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// How many entries a page has unless `limit` says otherwise.
const DEFAULT_PAGE: u32 = 100;

/// Blank filters match everything, as an untouched form field does.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Exact actor, e.g. `ada` or `token:ci-pipeline`; blank: any.
    actor: Option<String>,
    /// Exact action, e.g. `review.approved`; blank: any.
    action: Option<String>,
    /// Exact subject, e.g. `release/12`; blank: any.
    subject: Option<String>,
    /// Only entries older than this one: pass the previous page's `next_before_seq`.
    before_seq: Option<i64>,
    /// Entries per page; 100 when left out.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// One entry exactly as stored and hashed. `before` and `after` stay JSON
/// text, byte for byte, so anyone can recompute the hash chain.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuditEntry)]
pub struct AuditEntryView {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    /// Newest first.
    pub entries: Vec<AuditEntryView>,
    /// Pass as `before_seq` for the next (older) page; `null` on the last page.
    pub next_before_seq: Option<i64>,
}

/// Reads the audit log, newest first, a page at a time.
#[utoipa::path(get, path = "/audit", operation_id = "list_audit_entries", tag = "audit", params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of entries.", body = AuditPage),
        (status = 403, description = "Only auditors and admins read the audit log (`forbidden`).", body = ErrorBody),
    ))]
pub async fn entries(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=AUDIT_PAGE_MAX).contains(&limit) {
        return Err(ApiError::BadQuery(format!("limit: a page holds 1 to {AUDIT_PAGE_MAX} entries, not {limit}.")));
    }
    let filter = AuditFilter {
        actor: non_empty(query.actor),
        action: non_empty(query.action),
        subject: non_empty(query.subject),
        before_seq: query.before_seq,
        limit,
    };
    let entries = audit::entries(&state.backend, caller.as_ref(), &filter).await?;
    // A full page may have more behind it; a short one is the last.
    let full = entries.len() >= usize::try_from(limit).unwrap_or(usize::MAX);
    let next_before_seq = if full { entries.last().map(|e| e.seq) } else { None };
    Ok(Json(AuditPage { entries: entries.into_iter().map(AuditEntryView::from).collect(), next_before_seq }))
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = AuditVerification)]
pub struct VerifyView {
    /// Whether the whole chain is intact and records every gate and world row.
    pub ok: bool,
    pub entries_checked: u64,
    pub first_broken: Option<BrokenLinkView>,
    /// Rows no entry records as they are: the gate's (revisions, reviews, checks,
    /// policies), which it does not count, and the world's (environments, regions,
    /// clusters, services, tenants).
    pub unrecorded: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = BrokenLink)]
pub struct BrokenLinkView {
    pub seq: i64,
    /// content_changed, link_broken, gap, tail_missing, head_behind, not_keyed,
    /// checkpoint_mismatch or checkpoint_missing.
    pub reason: &'static str,
    pub message: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VerifyQuery {
    /// A checkpoint kept elsewhere (`SEQ:HASH`, from `airlock audit head`):
    /// the walk must pass through it with the same hash. Blank: none.
    #[param(pattern = r"^([1-9][0-9]{0,17}:(hmac-sha256:)?[0-9a-f]{64})?$")]
    since_checkpoint: Option<String>,
}

/// Walks the whole hash chain and reports the first broken link, if any, and
/// the gate's rows no entry records.
#[utoipa::path(get, path = "/audit/verify", operation_id = "verify_audit_log", tag = "audit", params(VerifyQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The result of walking the whole hash chain.", body = VerifyView),
        (status = 403, description = "Only auditors and admins verify the audit log (`forbidden`).", body = ErrorBody),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<VerifyQuery>,
) -> Result<Json<VerifyView>, ApiError> {
    let checkpoint = match query.since_checkpoint.filter(|text| !text.is_empty()) {
        Some(text) => Some(checkpoint(&text)?),
        None => None,
    };
    let report = audit::verify(&state.backend, caller.as_ref(), checkpoint).await?;
    Ok(Json(VerifyView::from(report)))
}

/// A checkpoint as `airlock audit head` prints it: the sequence number, a
/// colon and the entry's hash (SHA-256 in hex, `hmac-sha256:` before it when
/// keyed). Anything else could never match an entry, so it is refused.
fn checkpoint(text: &str) -> Result<Checkpoint, ApiError> {
    let refuse =
        || ApiError::BadQuery(format!("since_checkpoint: \u{201c}{text}\u{201d} is not SEQ:HASH as `airlock audit head` prints it."));
    let (seq, hash) = text.split_once(':').ok_or_else(refuse)?;
    let hex = hash.strip_prefix(KEYED_PREFIX).unwrap_or(hash);
    let seq_ok = (1..=18).contains(&seq.len()) && !seq.starts_with('0') && seq.bytes().all(|b| b.is_ascii_digit());
    let hash_ok = hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    if !(seq_ok && hash_ok) {
        return Err(refuse());
    }
    text.parse::<Checkpoint>().map_err(|_| refuse())
}

impl From<AuditEntry> for AuditEntryView {
    fn from(entry: AuditEntry) -> AuditEntryView {
        let AuditEntry { seq, at, actor, action, subject, before, after, prev_hash, hash } = entry;
        AuditEntryView { seq, at, actor, action, subject, before, after, prev_hash, hash }
    }
}

impl From<VerifyReport> for VerifyView {
    fn from(report: VerifyReport) -> VerifyView {
        let ok = report.intact();
        let first_broken = report.first_broken.map(|link| BrokenLinkView { seq: link.seq, reason: reason(&link), message: link.message() });
        VerifyView { ok, entries_checked: report.entries_checked, first_broken, unrecorded: report.unrecorded }
    }
}

fn reason(link: &BrokenLink) -> &'static str {
    match link.why {
        Break::ContentChanged => "content_changed",
        Break::LinkBroken { .. } => "link_broken",
        Break::Gap { .. } => "gap",
        Break::TailMissing { .. } => "tail_missing",
        Break::HeadBehind { .. } => "head_behind",
        Break::NotKeyed => "not_keyed",
        Break::CheckpointMismatch { .. } => "checkpoint_mismatch",
        Break::CheckpointMissing => "checkpoint_missing",
    }
}
