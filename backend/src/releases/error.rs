//! What can go wrong when someone works on a release, worded for them. The
//! HTTP API and the pages each map these to their own responses.

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
    #[error("You reviewed revision {seen}, but the release is now at revision {current}. Read the current revision and review again.")]
    StaleRevision { seen: u32, current: u32 },
    #[error("Someone changed the same data at the same moment; reload and try again.")]
    Conflict(#[source] StoreError),
    #[error(transparent)]
    Store(StoreError),
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
    pub fn invalid(field: &str, message: impl Into<String>) -> ReleaseError {
        ReleaseError::Invalid(vec![FieldError::new(field, message)])
    }
}
