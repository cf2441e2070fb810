//! A person as Airlock knows them after signing in, for the admin's list of
//! people (the server records them; the page shows them).

use super::Role;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The name Airlock knows them by, chosen at their first sign-in.
    pub handle: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    /// As their groups granted at their last sign-in.
    pub roles: Vec<Role>,
    pub tenants: Vec<String>,
    pub groups: Vec<String>,
    pub first_seen_at: DateTime<Utc>,
    pub last_sign_in_at: DateTime<Utc>,
    pub open_sessions: i64,
}
