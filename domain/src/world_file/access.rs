//! The world file's `access` section: which provider groups hold which
//! role. Tenant admins are named per tenant (`admin_groups`), not here.

use crate::access::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Access {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub admin: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub release_manager: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approver: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auditor: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub viewer: Vec<String>,
}

impl Access {
    /// Each role with the groups that hold it, in the file's order of keys.
    pub fn grants(&self) -> impl Iterator<Item = (Role, &Vec<String>)> {
        [
            (Role::Admin, &self.admin),
            (Role::ReleaseManager, &self.release_manager),
            (Role::Approver, &self.approver),
            (Role::Auditor, &self.auditor),
            (Role::Viewer, &self.viewer),
        ]
        .into_iter()
    }
}
