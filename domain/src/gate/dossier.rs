//! Everything known about one release: its current content, every revision,
//! the reviews, the checklist and the facts the gate needs. The server builds
//! it inside a transaction; the browser receives the same value and calls the
//! same [`ReleaseDossier::verdict`], so both always agree on why it is blocked.

use super::{ApprovedRelease, Blocker, ChecklistItem, GatePolicy, Release, ReleaseContent, Review, TargetFacts, evaluate};
use crate::gate::Target;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Where a release stands, as lists and filters show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReleaseState {
    /// The gate is closed for reasons other than a rejection.
    Blocked,
    /// Someone rejected the current revision.
    Rejected,
    /// The gate is open: it may be dispatched.
    Ready,
}

impl ReleaseState {
    pub const ALL: [ReleaseState; 3] = [ReleaseState::Blocked, ReleaseState::Rejected, ReleaseState::Ready];

    pub fn as_str(self) -> &'static str {
        match self {
            ReleaseState::Blocked => "blocked",
            ReleaseState::Rejected => "rejected",
            ReleaseState::Ready => "ready",
        }
    }

    pub fn parse(text: &str) -> Option<ReleaseState> {
        ReleaseState::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn of(verdict: &Result<ApprovedRelease, Vec<Blocker>>) -> ReleaseState {
        match verdict {
            Ok(_) => ReleaseState::Ready,
            Err(blockers) if blockers.iter().any(|b| matches!(b, Blocker::Rejected { .. })) => ReleaseState::Rejected,
            Err(_) => ReleaseState::Blocked,
        }
    }
}

/// One line of the releases list: what pages and the API show without the
/// whole dossier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseSummary {
    pub id: i64,
    pub service: String,
    pub version: String,
    pub environment: String,
    pub author: String,
    pub revision: u32,
    pub state: ReleaseState,
    /// How many tenant × region targets the current revision has.
    pub targets: u32,
    /// Whether an admin broke the glass to let it through a freeze.
    #[serde(default)]
    pub break_glass: bool,
    pub updated_at: DateTime<Utc>,
}

/// One revision as it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revision {
    pub number: u32,
    pub content: ReleaseContent,
    /// Who made it: the author for revision 1, the editor after that.
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One field that differs between two revisions, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// What changed from `before` to `after`, field by field; targets are listed
/// as the ones added and the ones removed.
pub fn changes(before: &ReleaseContent, after: &ReleaseContent) -> Vec<Change> {
    let mut out = Vec::new();
    let mut compare = |field: &str, a: &str, b: &str| {
        if a != b {
            out.push(Change { field: field.into(), before: a.into(), after: b.into() });
        }
    };
    compare("service", &before.service, &after.service);
    compare("version", &before.version, &after.version);
    compare("image", &before.image, &after.image);
    compare("environment", &before.environment, &after.environment);
    compare("notes", &before.notes, &after.notes);
    let list = |ts: Vec<&Target>| ts.iter().map(|t| format!("{}/{}", t.tenant, t.region)).collect::<Vec<_>>().join(", ");
    let removed: Vec<&Target> = before.targets.iter().filter(|t| !after.targets.contains(t)).collect();
    let added: Vec<&Target> = after.targets.iter().filter(|t| !before.targets.contains(t)).collect();
    if !removed.is_empty() || !added.is_empty() {
        out.push(Change { field: "targets".into(), before: list(removed), after: list(added) });
    }
    if !before.deploys_the_same_as(after) {
        out.push(Change { field: "checklist".into(), before: String::new(), after: UNCHECKED_BY_EDIT.into() });
    }
    out
}

/// Why an edit unchecked the checklist, as the revision history and the audit log say it.
pub const UNCHECKED_BY_EDIT: &str = "every item unchecked: what would be deployed changed, so its evidence must be given again";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseDossier {
    pub release: Release,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Oldest first; the last one is the current content.
    pub revisions: Vec<Revision>,
    /// Every review ever given, of any revision, oldest first.
    pub reviews: Vec<Review>,
    pub checklist: Vec<ChecklistItem>,
    pub policy: GatePolicy,
    pub facts: TargetFacts,
}

impl ReleaseDossier {
    pub fn verdict(&self, now: DateTime<Utc>) -> Result<ApprovedRelease, Vec<Blocker>> {
        evaluate(&self.release, &self.contributors(), &self.reviews, &self.checklist, &self.policy, &self.facts, now)
    }

    /// Everyone who made a revision: the author and every editor, in order.
    pub fn contributors(&self) -> Vec<String> {
        let mut names = vec![self.release.author.clone()];
        for revision in &self.revisions {
            if !names.contains(&revision.by) {
                names.push(revision.by.clone());
            }
        }
        names
    }

    /// The approvers whose approval counts now, as the gate counts them.
    pub fn counted_approvers(&self, now: DateTime<Utc>) -> Vec<String> {
        let digest = self.release.content.digest();
        super::review_blockers(&self.release, &self.contributors(), &digest, &self.reviews, &self.policy, now).0.into_iter().collect()
    }

    pub fn state(&self, now: DateTime<Utc>) -> ReleaseState {
        ReleaseState::of(&self.verdict(now))
    }

    /// Who approved the current revision while checklist item `item` held
    /// the evidence it holds now: the approvals that replacing or removing
    /// that evidence must dismiss. Approvals given before the item was
    /// checked never saw it, and are not affected.
    pub fn approvals_resting_on(&self, item: u32) -> Vec<String> {
        let Some((_, checked_at)) = self.checklist.iter().find(|i| i.id == item).and_then(|i| i.checked.as_ref()) else {
            return Vec::new();
        };
        self.current_reviews()
            .into_iter()
            .filter(|r| r.decision == super::Decision::Approve && r.dismissed.is_none() && r.at >= *checked_at)
            .map(|r| r.reviewer.clone())
            .collect()
    }

    /// The reviews of the current revision, each reviewer's latest only.
    pub fn current_reviews(&self) -> Vec<&Review> {
        let digest = self.release.content.digest();
        let mut latest: Vec<&Review> = Vec::new();
        for review in self.reviews.iter().filter(|r| r.revision == self.release.revision && r.digest == digest) {
            match latest.iter_mut().find(|r| r.reviewer == review.reviewer) {
                Some(kept) => *kept = review,
                None => latest.push(review),
            }
        }
        latest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> ReleaseContent {
        ReleaseContent {
            service: "api".into(),
            version: "2.15.0".into(),
            image: "r/api:2.15.0".into(),
            environment: "production".into(),
            targets: vec![Target { tenant: "acme".into(), region: "frankfurt".into() }],
            notes: String::new(),
        }
    }

    #[test]
    fn changes_name_each_edited_field_and_the_targets_added_and_removed() {
        let mut after = content();
        after.version = "2.15.1".into();
        after.image = "r/api:2.15.1".into();
        after.targets = vec![Target { tenant: "initech".into(), region: "ashburn".into() }];
        let fields: Vec<(String, String, String)> = changes(&content(), &after).into_iter().map(|c| (c.field, c.before, c.after)).collect();
        assert_eq!(
            fields,
            [
                ("version".into(), "2.15.0".into(), "2.15.1".into()),
                ("image".into(), "r/api:2.15.0".into(), "r/api:2.15.1".into()),
                ("targets".into(), "acme/frankfurt".into(), "initech/ashburn".into()),
                ("checklist".into(), String::new(), UNCHECKED_BY_EDIT.into()),
            ]
        );
    }

    #[test]
    fn identical_content_has_no_changes() {
        assert!(changes(&content(), &content()).is_empty());
    }

    #[test]
    fn a_notes_only_edit_keeps_the_checklist_and_any_other_edit_unchecks_it() {
        let notes = ReleaseContent { notes: "Adds invoice export".into(), ..content() };
        assert_eq!(changes(&content(), &notes).iter().map(|c| c.field.as_str()).collect::<Vec<_>>(), ["notes"]);
        let mut reordered = content();
        reordered.targets.push(Target { tenant: "initech".into(), region: "ashburn".into() });
        let mut reversed = reordered.clone();
        reversed.targets.reverse();
        assert!(reordered.deploys_the_same_as(&reversed), "targets are a set");
        let image = ReleaseContent { image: "r/api:2.15.0-hotfix".into(), ..content() };
        assert!(changes(&content(), &image).iter().any(|c| c.field == "checklist"));
    }

    #[test]
    fn states_round_trip_through_their_names() {
        for state in ReleaseState::ALL {
            assert_eq!(ReleaseState::parse(state.as_str()), Some(state));
        }
    }
}
