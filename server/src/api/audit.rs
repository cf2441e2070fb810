//! Reading and verifying the audit log (auditors and admins only).

use super::extract::{ApiQuery, non_empty};
use super::identity::Caller;
use super::{ApiError, ErrorBody};
use crate::state::AppState;
use airlock_backend::audit;
use airlock_backend::{AUDIT_PAGE_MAX, AuditFilter};
use airlock_domain::audit::{AuditEntry, Break, BrokenLink, Checkpoint, VerifyReport};
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// How many entries a page has unless `limit` says otherwise.
const DEFAULT_PAGE: u32 = 100;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    actor: Option<String>,
    /// E.g. `review.approved`.
    action: Option<String>,
    /// Exact subject, e.g. `release/12`.
    subject: Option<String>,
    /// Only entries older than this one: pass the previous page's `next_before_seq`.
    before_seq: Option<i64>,
    /// 1 to 500; 100 when left out.
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
        (status = 400, description = "A query parameter does not parse (`bad_query`).", body = ErrorBody), (status = 401, description = "No token (`unauthenticated`) or an unknown one (`invalid_token`).", body = ErrorBody), (status = 403, description = "The token's roles do not allow it (`forbidden`).", body = ErrorBody),
    ))]
pub async fn entries(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<AuditPage>, ApiError> {
    let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, AUDIT_PAGE_MAX);
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
    /// Whether the whole chain is intact and records every gate row.
    pub ok: bool,
    pub entries_checked: u64,
    pub first_broken: Option<BrokenLinkView>,
    /// Revisions, reviews and checks no entry records (the gate ignores them).
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
pub struct VerifyQuery {
    /// A checkpoint kept elsewhere (`SEQ:HASH`, from `airlock audit head`):
    /// the walk must pass through it with the same hash.
    since_checkpoint: Option<String>,
}

/// Walks the whole hash chain and reports the first broken link, if any, and
/// the gate's rows no entry records.
#[utoipa::path(get, path = "/audit/verify", operation_id = "verify_audit_log", tag = "audit", params(VerifyQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The result of walking the whole hash chain.", body = VerifyView),
        (status = 400, description = "A checkpoint that does not read `SEQ:HASH` (`bad_query`).", body = ErrorBody),
        (status = 401, description = "No token (`unauthenticated`) or an unknown one (`invalid_token`).", body = ErrorBody), (status = 403, description = "The token's roles do not allow it (`forbidden`).", body = ErrorBody),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    Caller(caller): Caller,
    ApiQuery(query): ApiQuery<VerifyQuery>,
) -> Result<Json<VerifyView>, ApiError> {
    let checkpoint = match non_empty(query.since_checkpoint) {
        Some(text) => Some(text.parse::<Checkpoint>().map_err(|why| ApiError::BadQuery(format!("since_checkpoint: {why}.")))?),
        None => None,
    };
    let report = audit::verify(&state.backend, caller.as_ref(), checkpoint).await?;
    Ok(Json(VerifyView::from(report)))
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
