//! Row shapes of releases, revisions, reviews and checklist items, and how
//! they assemble into the domain's [`ReleaseDossier`]. A row the domain
//! cannot represent is reported as corrupt, never patched.

use super::StoreError;
use airlock_domain::freeze::{BreakGlass, Freeze};
use airlock_domain::gate::{
    ChecklistItem, ContentDigest, Decision, GatePolicy, Release, ReleaseContent, ReleaseDossier, Review, Revision, Target, TargetFacts,
};
use chrono::{DateTime, Utc};

#[derive(sqlx::FromRow)]
pub(crate) struct ReleaseRow {
    pub id: i64,
    pub service: String,
    pub environment: String,
    pub author: String,
    pub revision: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub protected: bool,
    pub required_approvals: i32,
    pub policy_recorded: bool,
    pub approval_ttl_seconds: Option<i64>,
    /// The environment's freeze windows (JSON).
    pub freezes: String,
}

#[derive(sqlx::FromRow)]
pub(crate) struct BreakGlassRow {
    pub given_by: String,
    pub reason: String,
    pub given_at: DateTime<Utc>,
    pub recorded: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RevisionRow {
    pub revision: i32,
    pub version: String,
    pub image: String,
    pub notes: String,
    pub digest: String,
    pub edited_by: String,
    pub created_at: DateTime<Utc>,
    pub recorded: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ReviewRow {
    pub reviewer: String,
    pub reviewer_is_approver: bool,
    pub decision: String,
    pub revision: i32,
    pub digest: String,
    pub comment: String,
    pub at: DateTime<Utc>,
    pub dismissed_reason: Option<String>,
    pub recorded: bool,
}

#[derive(sqlx::FromRow)]
pub(crate) struct ItemRow {
    pub position: i32,
    pub text: String,
    pub checked_by: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    pub evidence_url: Option<String>,
    pub note: Option<String>,
    pub recorded: bool,
}

/// Everything read for one release, before assembly.
pub(crate) struct DossierRows {
    pub release: ReleaseRow,
    pub revisions: Vec<RevisionRow>,
    /// `(revision, tenant, region)`.
    pub targets: Vec<(i32, String, String)>,
    pub reviews: Vec<Review>,
    pub checklist: Vec<ChecklistItem>,
    /// `(tenant, region)` for every tenant the current revision targets.
    pub allowed: Vec<(String, String)>,
    pub served_regions: Vec<String>,
    pub break_glass: Option<BreakGlassRow>,
}

fn unsigned(value: i32, what: &str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("{what} is negative ({value})")))
}

impl DossierRows {
    pub fn assemble(self) -> Result<ReleaseDossier, StoreError> {
        let release = self.release;
        let freezes: Vec<Freeze> = serde_json::from_str(&release.freezes)
            .map_err(|_| StoreError::Corrupt(format!("the freezes of {} are not readable", release.environment)))?;
        // Recorded: its entry records its digest, version and image (SQL), and
        // its digest is that of its content, targets and notes included.
        let current_row = self.revisions.iter().find(|r| r.revision == release.revision);
        let current_digest = current_row.filter(|r| r.recorded).map(|r| r.digest.clone());
        let mut revisions = Vec::with_capacity(self.revisions.len());
        for row in self.revisions {
            let targets = self
                .targets
                .iter()
                .filter(|(revision, _, _)| *revision == row.revision)
                .map(|(_, tenant, region)| Target { tenant: tenant.clone(), region: region.clone() })
                .collect();
            revisions.push(Revision {
                number: unsigned(row.revision, "a revision number")?,
                content: ReleaseContent {
                    service: release.service.clone(),
                    version: row.version,
                    image: row.image,
                    environment: release.environment.clone(),
                    targets,
                    notes: row.notes,
                },
                by: row.edited_by,
                at: row.created_at,
            });
        }
        let current = unsigned(release.revision, "the current revision")?;
        let content = revisions
            .iter()
            .find(|r| r.number == current)
            .map(|r| r.content.clone())
            .ok_or_else(|| StoreError::Corrupt(format!("release {} has no revision {current}", release.id)))?;
        let current_recorded = current_digest.is_some_and(|digest| content.digest().as_str() == digest);
        // The rows come ordered by tenant: each tenant's regions are one run
        // (a search per row made this quadratic: 250,000 comparisons at 500 targets).
        let mut allowed_regions: Vec<(String, Vec<String>)> = Vec::new();
        for (tenant, region) in self.allowed {
            match allowed_regions.last_mut() {
                Some((last, regions)) if *last == tenant => regions.push(region),
                _ => allowed_regions.push((tenant, vec![region])),
            }
        }
        Ok(ReleaseDossier {
            release: Release { id: release.id, revision: current, author: release.author, content, recorded: current_recorded },
            created_at: release.created_at,
            updated_at: release.updated_at,
            revisions,
            reviews: self.reviews,
            checklist: self.checklist,
            policy: GatePolicy {
                protected: release.protected,
                required_approvals: unsigned(release.required_approvals, "required approvals")?,
                approval_ttl: release.approval_ttl_seconds.map(chrono::Duration::seconds),
                recorded: release.policy_recorded,
                freeze: crate::freeze_clock::open_or_next(&freezes, Utc::now()),
                break_glass: self.break_glass.map(|b| BreakGlass {
                    by: b.given_by,
                    reason: b.reason,
                    at: b.given_at,
                    recorded: b.recorded,
                }),
            },
            facts: TargetFacts { allowed_regions, served_regions: self.served_regions },
        })
    }
}

pub(crate) fn checklist_item(row: ItemRow) -> Result<ChecklistItem, StoreError> {
    Ok(ChecklistItem {
        id: unsigned(row.position, "a checklist position")?,
        text: row.text,
        checked: row.checked_by.zip(row.checked_at),
        evidence_url: row.evidence_url,
        note: row.note,
        recorded: row.recorded,
    })
}

pub(crate) fn review(row: ReviewRow) -> Result<Review, StoreError> {
    let decision = match row.decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        other => return Err(StoreError::Corrupt(format!("review decision {other:?}"))),
    };
    let digest = ContentDigest::from_stored(&row.digest).ok_or_else(|| StoreError::Corrupt(format!("review digest {:?}", row.digest)))?;
    Ok(Review {
        reviewer: row.reviewer,
        reviewer_is_approver: row.reviewer_is_approver,
        decision,
        revision: unsigned(row.revision, "a review's revision")?,
        digest,
        comment: row.comment,
        at: row.at,
        dismissed: row.dismissed_reason,
        recorded: row.recorded,
    })
}

pub(crate) fn decision_column(decision: Decision) -> &'static str {
    match decision {
        Decision::Approve => "approve",
        Decision::Reject => "reject",
    }
}
