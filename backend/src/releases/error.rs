//! What can go wrong when someone works on a release, worded for them.
//! [`ReleaseError::status_and_code`] is the one mapping to an HTTP status:
//! the API's JSON errors and the pages' error panels both take it from here.

use crate::store::StoreError;
use airlock_domain::access::Denied;
use airlock_domain::gate::FieldError;

#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error("There is no release {0}.")]
    NotFound(i64),
    #[error("Release {release} has no checklist item {item}.")]
    NoSuchItem { release: i64, item: u32 },
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
    #[error("Nothing to roll back: {0}")]
    NothingToRollBack(String),
    #[error("The job template of {environment} is not valid: {message}")]
    Template { environment: String, message: String },
    #[error("Someone changed the same data at the same moment; reload and try again.")]
    Conflict(#[source] StoreError),
    #[error(transparent)]
    Store(StoreError),
}

fn blockers_sentence(blockers: &[airlock_domain::gate::Blocker]) -> String {
    blockers.iter().map(airlock_domain::gate::Blocker::message).collect::<Vec<_>>().join(" ")
}

fn summary(errors: &[FieldError]) -> String {
    errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join(" ")
}

impl From<StoreError> for ReleaseError {
    fn from(error: StoreError) -> ReleaseError {
        match error {
            StoreError::Conflict { .. } => ReleaseError::Conflict(error),
            other => ReleaseError::Store(other),
        }
    }
}

impl ReleaseError {
    /// The HTTP status and stable code of this refusal, for every transport.
    pub fn status_and_code(&self) -> (u16, &'static str) {
        match self {
            ReleaseError::Denied(Denied::Unauthenticated { .. }) => (401, "unauthenticated"),
            ReleaseError::Denied(Denied::Forbidden { .. }) => (403, "forbidden"),
            ReleaseError::Denied(Denied::NoRole) => (403, "no_role"),
            ReleaseError::NotFound(_) | ReleaseError::NoSuchItem { .. } => (404, "not_found"),
            ReleaseError::Invalid(_) => (422, "invalid"),
            ReleaseError::SelfReview { .. } => (403, "self_review"),
            ReleaseError::ServiceAccountApproval => (403, "service_account"),
            ReleaseError::StaleRevision { .. } => (409, "stale_revision"),
            ReleaseError::Conflict(_) => (409, "conflict"),
            ReleaseError::GateClosed(_) => (409, "gate_closed"),
            ReleaseError::AlreadyDispatched { .. } => (409, "already_dispatched"),
            ReleaseError::NotDispatched(_) => (409, "not_dispatched"),
            ReleaseError::NothingToRollBack(_) => (409, "nothing_to_roll_back"),
            ReleaseError::RollbackThroughTheGate { .. } => (403, "rollback_through_the_gate"),
            ReleaseError::NoCluster { .. } => (422, "no_cluster"),
            ReleaseError::ClusterUnreachable { .. } => (503, "cluster_unreachable"),
            ReleaseError::Template { .. } => (422, "invalid_template"),
            ReleaseError::Store(StoreError::Unavailable(_)) => (503, "unavailable"),
            ReleaseError::Store(_) => (500, "internal"),
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> ReleaseError {
        ReleaseError::Invalid(vec![FieldError::new(field, message)])
    }
}
