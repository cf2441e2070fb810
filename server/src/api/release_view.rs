//! How releases look on the wire. These types are the API's contract (and
//! its OpenAPI schemas); they are built from the domain's types field by
//! field, so a change in the domain cannot silently change the API.

use super::vocabulary::{DecisionView, StateView, TargetView};

use airlock_backend::ReleaseSummary;
use airlock_domain::gate::{Blocker, ChecklistItem, ReleaseDossier, ReleaseState, Review, changes};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// One line of the releases list.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ReleaseSummary)]
pub struct ReleaseSummaryView {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    pub author: String,
    pub revision: u32,
    pub state: StateView,
    /// How many tenant × region targets it has.
    pub targets: u32,
    pub updated_at: DateTime<Utc>,
    /// Whether an admin broke the glass to let it through a freeze.
    pub break_glass: bool,
}

impl From<ReleaseSummary> for ReleaseSummaryView {
    fn from(s: ReleaseSummary) -> ReleaseSummaryView {
        let ReleaseSummary { id, service, version, environment, author, revision, state, targets, updated_at, break_glass } = s;
        ReleaseSummaryView { id, service, version, environment, author, revision, state: state.into(), targets, updated_at, break_glass }
    }
}

/// A release with everything its gate decides on, and the gate's verdict.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReleaseDetail {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub image: String,
    pub environment: String,
    pub targets: Vec<TargetView>,
    pub notes: String,
    pub author: String,
    /// Starts at 1; every edit makes a new one. Send it back as `revision`
    /// when editing or reviewing, so a change made meanwhile is not overwritten.
    pub revision: u32,
    /// SHA-256 of the current content: what approvals are pinned to.
    pub digest: String,
    pub state: StateView,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub required_approvals: u32,
    /// Approvals of the current revision that count towards `required_approvals`.
    pub approvals: u32,
    /// Why the release may not be dispatched; empty exactly when the gate is open.
    pub blockers: Vec<BlockerView>,
    pub checklist: Vec<ChecklistItemView>,
    /// The current revision's reviews, each reviewer's latest.
    pub reviews: Vec<ReviewView>,
    /// Oldest first.
    pub revisions: Vec<RevisionView>,
    /// The environment's freeze window open now (`open: true`), else the next one.
    pub freeze: Option<FreezeView>,
    /// An admin's written decision to let it through a freeze (one approval more).
    pub break_glass: Option<BreakGlassView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Freeze)]
pub struct FreezeView {
    pub name: String,
    pub reason: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub open: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = BreakGlass)]
pub struct BreakGlassView {
    pub by: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

/// One reason the gate is closed. Besides `kind` and `message` it carries the
/// kind's details (e.g. `have` and `need`, `reviewer`, `items`, `target`).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Blocker)]
pub struct BlockerView {
    /// Stable name: too_few_approvals, author_approved, not_an_approver,
    /// stale_approval, expired_approval, frozen, rejected, unchecked_items,
    /// unknown_tenant, target_not_allowed, target_without_cluster, no_targets.
    pub kind: &'static str,
    pub message: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub details: Map<String, Value>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ChecklistItem)]
pub struct ChecklistItemView {
    pub id: u32,
    pub text: String,
    pub checked: bool,
    /// Who checked it, while it is checked.
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    /// `false` when no audit entry records the check: written behind
    /// Airlock's back, it does not count (see the `unrecorded` blocker).
    pub recorded: bool,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Review)]
pub struct ReviewView {
    pub reviewer: String,
    pub decision: DecisionView,
    pub comment: String,
    pub at: DateTime<Utc>,
    pub revision: u32,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Revision)]
pub struct RevisionView {
    pub number: u32,
    pub by: String,
    pub at: DateTime<Utc>,
    /// What differs from the revision before (empty for revision 1).
    pub changes: Vec<ChangeView>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Change)]
pub struct ChangeView {
    pub field: String,
    pub before: String,
    pub after: String,
}

impl ReleaseDetail {
    pub fn of(dossier: &ReleaseDossier, now: DateTime<Utc>) -> ReleaseDetail {
        let release = &dossier.release;
        let content = &release.content;
        let verdict = dossier.verdict(now);
        ReleaseDetail {
            id: release.id,
            service: content.service.clone(),
            version: content.version.clone(),
            image: content.image.clone(),
            environment: content.environment.clone(),
            targets: content.targets.iter().cloned().map(TargetView::from).collect(),
            notes: content.notes.clone(),
            author: release.author.clone(),
            revision: release.revision,
            digest: content.digest().to_string(),
            state: ReleaseState::of(&verdict).into(),
            created_at: dossier.created_at,
            updated_at: dossier.updated_at,
            required_approvals: dossier.policy.required_approvals,
            approvals: u32::try_from(dossier.counted_approvers(now).len()).unwrap_or(u32::MAX),
            blockers: verdict.err().unwrap_or_default().iter().map(BlockerView::of).collect(),
            checklist: dossier.checklist.iter().map(ChecklistItemView::of).collect(),
            reviews: dossier.current_reviews().into_iter().map(ReviewView::of).collect(),
            revisions: revisions(dossier),
            freeze: dossier.policy.freeze.as_ref().map(|f| FreezeView {
                name: f.name.clone(),
                reason: f.reason.clone(),
                from: f.from,
                until: f.until,
                open: f.is_open_at(now),
            }),
            break_glass: dossier.policy.break_glass.as_ref().map(|g| BreakGlassView {
                by: g.by.clone(),
                reason: g.reason.clone(),
                at: g.at,
            }),
        }
    }
}

impl BlockerView {
    fn of(blocker: &Blocker) -> BlockerView {
        // The domain serialises a blocker as `{"kind": ..., <details>}`.
        let mut details = match serde_json::to_value(blocker) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        details.remove("kind");
        details.remove("message");
        BlockerView { kind: blocker.kind(), message: blocker.message(), details }
    }
}

impl ChecklistItemView {
    fn of(item: &ChecklistItem) -> ChecklistItemView {
        let ChecklistItem { id, text, checked, evidence_url, note, recorded } = item;
        ChecklistItemView {
            id: *id,
            text: text.clone(),
            checked: checked.is_some(),
            by: checked.as_ref().map(|(by, _)| by.clone()),
            at: checked.as_ref().map(|(_, at)| *at),
            evidence_url: evidence_url.clone(),
            note: note.clone(),
            recorded: *recorded,
        }
    }
}

impl ReviewView {
    fn of(review: &Review) -> ReviewView {
        ReviewView {
            reviewer: review.reviewer.clone(),
            decision: review.decision.into(),
            comment: review.comment.clone(),
            at: review.at,
            revision: review.revision,
        }
    }
}

fn revisions(dossier: &ReleaseDossier) -> Vec<RevisionView> {
    let mut previous = None;
    dossier
        .revisions
        .iter()
        .map(|revision| {
            let changed = previous.map(|before| changes(before, &revision.content)).unwrap_or_default();
            previous = Some(&revision.content);
            RevisionView {
                number: revision.number,
                by: revision.by.clone(),
                at: revision.at,
                changes: changed.into_iter().map(|c| ChangeView { field: c.field, before: c.before, after: c.after }).collect(),
            }
        })
        .collect()
}
