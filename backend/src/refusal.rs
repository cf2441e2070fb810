//! The one refusal every backend service answers with, worded for the person
//! or caller who asked. [`Refusal::status`] and [`Refusal::code`] are the one
//! mapping to HTTP: the API's JSON errors, the pages' error panels, the
//! server functions and the live streams all take them from here, so a
//! refusal answers the same status whichever way it was asked.

use crate::store::StoreError;
use airlock_domain::access::Denied;
use airlock_domain::gate::FieldError;
use std::fmt;

/// What a [`Refusal::NotFound`] could not find, named for the reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    Release(i64),
    ChecklistItem {
        release: i64,
        item: u32,
    },
    Tenant(String),
    Environment(String),
    Region(String),
    /// A path the API has no resource at (e.g. `/releases/abc`).
    Resource(String),
    /// A held provider account waiting for a decision (see `auth::accounts`).
    HeldAccount {
        issuer: String,
        subject: String,
    },
    /// A notification delivery (`notify`).
    Delivery(String),
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Missing::Release(id) => write!(f, "release {id}"),
            Missing::ChecklistItem { release, item } => write!(f, "checklist item {item} on release {release}"),
            Missing::Tenant(slug) => write!(f, "tenant \"{slug}\""),
            Missing::Environment(name) => write!(f, "environment \"{name}\""),
            Missing::Region(name) => write!(f, "region \"{name}\""),
            Missing::Resource(path) => write!(f, "resource at {path}"),
            Missing::HeldAccount { issuer, subject } => write!(f, "account {subject} of {issuer} waiting for a decision"),
            Missing::Delivery(id) => write!(f, "delivery {id}"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("There is no {0}.")]
    NotFound(Missing),
    /// Every problem with the input, field by field.
    #[error("{}", summary(.0))]
    Invalid(Vec<FieldError>),
    #[error("You wrote {what}; someone else must review it.")]
    SelfReview { what: &'static str },
    #[error("A service account cannot approve a release: approvals that open a gate must come from people who signed in.")]
    ServiceAccountApproval,
    #[error("You reviewed revision {seen}, but the release is now at revision {current}. Read the current revision and review again.")]
    StaleRevision { seen: u32, current: u32 },
    #[error("The gate is closed: {}", blockers_sentence(.0))]
    GateClosed(Vec<airlock_domain::gate::Blocker>),
    #[error("Revision {revision} of release {release} was already dispatched; nothing more was sent.")]
    AlreadyDispatched { release: i64, revision: u32 },
    #[error("Release {0} has not been dispatched yet; there is nothing to roll back.")]
    NotDispatched(i64),
    #[error("No cluster of {environment} serves {region}.")]
    NoCluster { environment: String, region: String },
    #[error(
        "Cluster {cluster} cannot be reached ({reason}); nothing was sent. Try again once `airlock clusters check` shows it reachable."
    )]
    ClusterUnreachable { cluster: String, reason: String },
    #[error("In {environment}, nobody rolls back without fresh approvals: release the earlier version through the gate instead.")]
    RollbackThroughTheGate { environment: String },
    #[error("{0}")]
    BreakGlassRefused(&'static str),
    #[error("{environment} is not frozen now: there is no glass to break.")]
    NotFrozen { environment: String },
    #[error("The glass was already broken for release {0}.")]
    GlassAlreadyBroken(i64),
    #[error("Delivery {0} is being sent right now; redeliver it once this attempt is over.")]
    BeingDelivered(String),
    #[error("Nothing to roll back: {0}")]
    NothingToRollBack(String),
    #[error("The job template of {environment} is not valid: {message}")]
    Template { environment: String, message: String },
    /// Named nowhere: the account is told it resembles someone, not whom.
    #[error(
        "This account resembles someone who already signs in to Airlock (the same e-mail address or username). \
         An administrator must confirm whether it is theirs or someone new before it can sign in."
    )]
    AccountHeld,
    #[error("An administrator blocked this account from signing in to Airlock.")]
    AccountBlocked,
    /// Every problem with a world file, each at its line; nothing was applied.
    #[error("The world file was not applied: {}", world_problems(.0))]
    World(Vec<crate::world_file::WorldProblem>),
    #[error("Someone changed the same data at the same moment; reload and try again.")]
    Conflict(#[source] StoreError),
    /// The cause stays in the log: the sentence is the same for every store
    /// failure of its kind, so no transport can show a database's words.
    #[error("{}", store_sentence(.0))]
    Store(#[source] StoreError),
}

fn blockers_sentence(blockers: &[airlock_domain::gate::Blocker]) -> String {
    blockers.iter().map(airlock_domain::gate::Blocker::message).collect::<Vec<_>>().join(" ")
}

fn world_problems(problems: &[crate::world_file::WorldProblem]) -> String {
    problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

fn store_sentence(error: &StoreError) -> &'static str {
    match error {
        StoreError::Unavailable(_) => "Airlock cannot reach its database right now; try again in a moment.",
        _ => "Something went wrong on the server.",
    }
}

fn summary(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ")
}

impl From<StoreError> for Refusal {
    fn from(error: StoreError) -> Refusal {
        match error {
            StoreError::Conflict { .. } => Refusal::Conflict(error),
            other => Refusal::Store(other),
        }
    }
}

impl Refusal {
    /// The HTTP status of this refusal, on every transport.
    pub fn status(&self) -> u16 {
        self.status_and_code().0
    }

    /// The stable snake_case code of this refusal, for callers to branch on.
    pub fn code(&self) -> &'static str {
        self.status_and_code().1
    }

    fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            Refusal::Denied(Denied::Unauthenticated { .. }) => (401, "unauthenticated"),
            Refusal::Denied(Denied::Forbidden { .. }) => (403, "forbidden"),
            Refusal::Denied(Denied::NoRole) => (403, "no_role"),
            Refusal::Denied(Denied::NotForTheOperator { .. }) => (403, "not_for_the_operator"),
            Refusal::NotFound(_) => (404, "not_found"),
            Refusal::Invalid(_) => (422, "invalid"),
            Refusal::SelfReview { .. } => (403, "self_review"),
            Refusal::ServiceAccountApproval => (403, "service_account"),
            Refusal::StaleRevision { .. } => (409, "stale_revision"),
            Refusal::Conflict(_) => (409, "conflict"),
            Refusal::GateClosed(_) => (409, "gate_closed"),
            Refusal::AlreadyDispatched { .. } => (409, "already_dispatched"),
            Refusal::NotDispatched(_) => (409, "not_dispatched"),
            Refusal::NothingToRollBack(_) => (409, "nothing_to_roll_back"),
            Refusal::BreakGlassRefused(_) => (403, "break_glass_refused"),
            Refusal::NotFrozen { .. } => (409, "not_frozen"),
            Refusal::GlassAlreadyBroken(_) => (409, "glass_already_broken"),
            Refusal::BeingDelivered(_) => (409, "being_delivered"),
            Refusal::RollbackThroughTheGate { .. } => (403, "rollback_through_the_gate"),
            Refusal::NoCluster { .. } => (422, "no_cluster"),
            Refusal::ClusterUnreachable { .. } => (503, "cluster_unreachable"),
            Refusal::Template { .. } => (422, "invalid_template"),
            Refusal::World(_) => (422, "invalid_world"),
            Refusal::AccountHeld => (403, "account_held"),
            Refusal::AccountBlocked => (403, "account_blocked"),
            Refusal::Store(StoreError::Unavailable(_)) => (503, "unavailable"),
            Refusal::Store(_) => (500, "internal"),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Refusal {
        Refusal::Invalid(vec![FieldError::new(field, message)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use airlock_domain::gate::Blocker;

    /// Every refusal with the status and code each transport answers with:
    /// the API, the pages and the live streams all read this one table.
    #[test]
    fn every_refusal_carries_one_status_and_code() {
        let corrupt = || StoreError::Corrupt("row 7".into());
        let table: Vec<(Refusal, u16, &str)> = vec![
            (Refusal::Denied(Denied::Unauthenticated { action: "read".into() }), 401, "unauthenticated"),
            (Refusal::Denied(Denied::Forbidden { action: "review".into(), roles: "approver".into() }), 403, "forbidden"),
            (Refusal::Denied(Denied::NoRole), 403, "no_role"),
            (Refusal::Denied(Denied::NotForTheOperator { action: "review".into() }), 403, "not_for_the_operator"),
            (Refusal::NotFound(Missing::Release(4)), 404, "not_found"),
            (Refusal::NotFound(Missing::Tenant("acme".into())), 404, "not_found"),
            (Refusal::invalid("version", "A version is required."), 422, "invalid"),
            (Refusal::SelfReview { what: "this release" }, 403, "self_review"),
            (Refusal::ServiceAccountApproval, 403, "service_account"),
            (Refusal::StaleRevision { seen: 1, current: 2 }, 409, "stale_revision"),
            (Refusal::GateClosed(vec![Blocker::TooFewApprovals { have: 0, need: 2 }]), 409, "gate_closed"),
            (Refusal::AlreadyDispatched { release: 4, revision: 1 }, 409, "already_dispatched"),
            (Refusal::NotDispatched(4), 409, "not_dispatched"),
            (Refusal::NothingToRollBack("no earlier version".into()), 409, "nothing_to_roll_back"),
            (Refusal::RollbackThroughTheGate { environment: "production".into() }, 403, "rollback_through_the_gate"),
            (Refusal::NoCluster { environment: "production".into(), region: "lagos".into() }, 422, "no_cluster"),
            (Refusal::ClusterUnreachable { cluster: "prod-fra".into(), reason: "timed out".into() }, 503, "cluster_unreachable"),
            (Refusal::Template { environment: "production".into(), message: "line 3".into() }, 422, "invalid_template"),
            (Refusal::World(Vec::new()), 422, "invalid_world"),
            (Refusal::BreakGlassRefused("only a person"), 403, "break_glass_refused"),
            (Refusal::NotFrozen { environment: "production".into() }, 409, "not_frozen"),
            (Refusal::GlassAlreadyBroken(4), 409, "glass_already_broken"),
            (Refusal::AccountHeld, 403, "account_held"),
            (Refusal::AccountBlocked, 403, "account_blocked"),
            (Refusal::NotFound(Missing::HeldAccount { issuer: "https://id".into(), subject: "s".into() }), 404, "not_found"),
            (Refusal::Conflict(corrupt()), 409, "conflict"),
            (Refusal::Store(StoreError::Unavailable(sqlx::Error::PoolTimedOut)), 503, "unavailable"),
            (Refusal::Store(corrupt()), 500, "internal"),
        ];
        for (refusal, status, code) in table {
            assert_eq!((refusal.status(), refusal.code()), (status, code), "{refusal:?}");
        }
    }

    #[test]
    fn a_store_failure_says_a_fixed_sentence_and_keeps_its_cause_for_the_log() {
        let refusal = Refusal::Store(StoreError::Corrupt("secret column text".into()));
        assert_eq!(refusal.to_string(), "Something went wrong on the server.");
        let cause = std::error::Error::source(&refusal).map(ToString::to_string).unwrap_or_default();
        assert!(cause.contains("secret column text"), "{cause}");
    }
}
