//! Who is acting, and what they may do. One function, [`authorize`], decides
//! for pages, server functions, the `/api/v1` routes and (later) the live push
//! channel, so no transport can grant more than another.
//!
//! Identities come from different places (a service-account token today, the
//! OpenID Connect sign-in next), but they all end up as an [`Identity`].

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Creates releases, edits them and works through their checklists.
    ReleaseManager,
    /// Reviews releases: approves or rejects them.
    Approver,
    /// Sees the status of their own tenants only.
    TenantAdmin,
    /// Reads everything, including the audit log; changes nothing.
    Auditor,
    /// Manages the world (environments, regions, clusters, tenants, templates).
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::ReleaseManager, Role::Approver, Role::TenantAdmin, Role::Auditor, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ReleaseManager => "release_manager",
            Role::Approver => "approver",
            Role::TenantAdmin => "tenant_admin",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    /// How people read it in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::ReleaseManager => "release manager",
            Role::Approver => "approver",
            Role::TenantAdmin => "tenant admin",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Person,
    ServiceAccount,
}

/// Someone acting in Airlock. `name` is what the audit log records and what
/// the gate compares: two names are two people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub name: String,
    pub kind: IdentityKind,
    pub roles: Vec<Role>,
}

impl Identity {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

/// Everything that needs a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Status pages and release lists and details.
    Read,
    CreateRelease,
    EditRelease,
    CheckItem,
    Review,
    ReadAudit,
}

impl Action {
    /// The roles of which any one grants the action.
    fn granted_by(self) -> &'static [Role] {
        match self {
            Action::Read => &[],
            Action::CreateRelease | Action::EditRelease | Action::CheckItem => &[Role::ReleaseManager, Role::Admin],
            Action::Review => &[Role::Approver],
            Action::ReadAudit => &[Role::Auditor, Role::Admin],
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::CreateRelease => "create releases",
            Action::EditRelease => "edit releases",
            Action::CheckItem => "check checklist items",
            Action::Review => "review releases",
            Action::ReadAudit => "read the audit log",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Denied {
    #[error("You need to identify yourself to {action}.")]
    Unauthenticated { action: String },
    #[error("Only someone with the {roles} role may {action}.")]
    Forbidden { action: String, roles: String },
}

/// The one authorisation decision. Reading is open to everyone until sign-in
/// arrives (the next issue closes it and adds tenant scoping here); every
/// change needs an identity holding one of the roles the action names.
pub fn authorize(identity: Option<&Identity>, action: Action) -> Result<(), Denied> {
    let granted_by = action.granted_by();
    if granted_by.is_empty() {
        return Ok(());
    }
    let Some(identity) = identity else {
        return Err(Denied::Unauthenticated { action: action.describe().to_owned() });
    };
    if granted_by.iter().any(|role| identity.has(*role)) {
        Ok(())
    } else {
        let roles = granted_by.iter().map(|r| r.label()).collect::<Vec<_>>().join(" or ");
        Err(Denied::Forbidden { action: action.describe().to_owned(), roles })
    }
}

#[cfg(test)]
mod tests;
