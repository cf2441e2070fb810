//! Who is acting, and what they may do. One function, [`authorize`], decides
//! for pages, server functions, the `/api/v1` routes and (later) the live push
//! channel, so no transport can grant more than another.
//!
//! Identities come from different places (a person's OpenID Connect sign-in,
//! a service-account token), but they all end up as an [`Identity`], and what
//! it may see is one [`TenantScope`].

mod account;
mod person;
mod role_map;

pub use account::{AccountDecision, AccountState, HeldAccount, Resemblance};
pub use person::Person;
pub use role_map::{RoleMap, RoleMapError};

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Creates releases, edits them and works through their checklists.
    ReleaseManager,
    /// Reviews releases: approves or rejects them.
    Approver,
    /// Sees the status of their own tenants only (named in [`Identity::tenants`]).
    TenantAdmin,
    /// Reads everything, including the audit log; changes nothing.
    Auditor,
    /// Manages the world (environments, regions, clusters, tenants, templates)
    /// and sees who has signed in.
    Admin,
    /// Reads everything but the audit log; changes nothing.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 6] = [Role::ReleaseManager, Role::Approver, Role::TenantAdmin, Role::Auditor, Role::Admin, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::ReleaseManager => "release_manager",
            Role::Approver => "approver",
            Role::TenantAdmin => "tenant_admin",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
            Role::Viewer => "viewer",
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
            Role::Viewer => "viewer",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKind {
    Person,
    ServiceAccount,
}

/// Service accounts act under names in their own namespace (`token:ci`),
/// which no person's handle can take (handles hold no `:`), so a token can
/// never pass for a person in the audit log or at the gate.
pub const SERVICE_ACCOUNT_PREFIX: &str = "token:";

/// The name a service-account token acts under.
pub fn service_account_name(token_name: &str) -> String {
    format!("{SERVICE_ACCOUNT_PREFIX}{token_name}")
}

/// Whether `name` is a service account's: its approvals never count.
pub fn is_service_account(name: &str) -> bool {
    name.starts_with(SERVICE_ACCOUNT_PREFIX)
}

/// Someone acting in Airlock. `name` is what the audit log records and what
/// the gate compares: two names are two people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Identity {
    pub name: String,
    pub kind: IdentityKind,
    pub roles: Vec<Role>,
    /// The tenants a `tenant_admin` administers; meaningless without that role.
    #[serde(default)]
    pub tenants: Vec<String>,
}

/// Which tenants someone may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantScope<'a> {
    All,
    /// Only these (a tenant admin with no other role).
    Only(&'a [String]),
}

impl TenantScope<'_> {
    pub fn includes(&self, tenant: &str) -> bool {
        match self {
            TenantScope::All => true,
            TenantScope::Only(tenants) => tenants.iter().any(|t| t == tenant),
        }
    }

    /// Whether every one of `tenants` is visible: a release is visible to a
    /// tenant admin only when it touches none but their tenants, so that no
    /// page or answer shows them another tenant's name.
    pub fn includes_all<'t>(&self, mut tenants: impl Iterator<Item = &'t str>) -> bool {
        tenants.all(|tenant| self.includes(tenant))
    }
}

impl Identity {
    pub fn person(name: impl Into<String>, roles: &[Role]) -> Identity {
        Identity { name: name.into(), kind: IdentityKind::Person, roles: roles.to_vec(), tenants: Vec::new() }
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Every role but `tenant_admin` sees every tenant; `tenant_admin` alone
    /// sees its own.
    pub fn tenant_scope(&self) -> TenantScope<'_> {
        if self.roles.iter().any(|role| *role != Role::TenantAdmin) { TenantScope::All } else { TenantScope::Only(&self.tenants) }
    }
}

/// The tenants `identity` may see; nobody signed in sees none.
pub fn tenant_scope(identity: Option<&Identity>) -> TenantScope<'_> {
    identity.map_or(TenantScope::Only(&[]), Identity::tenant_scope)
}

/// Everything that needs a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Status pages and release lists and details (narrowed to the caller's
    /// [`TenantScope`] by the service that reads them).
    Read,
    CreateRelease,
    EditRelease,
    CheckItem,
    Review,
    ReadAudit,
    /// See who has signed in, and end their sessions.
    ManagePeople,
    /// Send a release whose gate is open to its clusters.
    Dispatch,
    /// Send rollback jobs restoring the previous version (no fresh approvals).
    Rollback,
    /// Add clusters and set job templates.
    ManageWorld,
    /// Let one release through its environment's freeze, with a written reason.
    BreakGlass,
    /// See every notification delivery and send one again.
    ManageDeliveries,
}

impl Action {
    /// The roles of which any one grants the action.
    fn granted_by(self) -> &'static [Role] {
        match self {
            Action::Read => &Role::ALL,
            Action::CreateRelease | Action::EditRelease | Action::CheckItem => &[Role::ReleaseManager, Role::Admin],
            Action::Review => &[Role::Approver],
            Action::ReadAudit => &[Role::Auditor, Role::Admin],
            Action::ManagePeople | Action::ManageWorld | Action::BreakGlass | Action::ManageDeliveries => &[Role::Admin],
            Action::Dispatch | Action::Rollback => &[Role::ReleaseManager],
        }
    }

    /// Whether the local operator (the CLI on the database's host) may take
    /// this action: what it offers — reading, the audit log, tokens, clusters
    /// and templates — and nothing that needs a person who signed in.
    pub fn open_to_the_local_operator(self) -> bool {
        matches!(self, Action::Read | Action::ReadAudit | Action::ManagePeople | Action::ManageWorld)
    }

    /// The action in words, as a refusal names it.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::CreateRelease => "create releases",
            Action::EditRelease => "edit releases",
            Action::CheckItem => "check checklist items",
            Action::Review => "review releases",
            Action::ReadAudit => "read the audit log",
            Action::ManagePeople => "manage people and sessions",
            Action::Dispatch => "dispatch releases",
            Action::Rollback => "roll releases back",
            Action::ManageWorld => "manage the world (environments, clusters, tenants, access)",
            Action::BreakGlass => "break the glass on a frozen release",
            Action::ManageDeliveries => "see and redeliver notifications",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Denied {
    #[error("You need to sign in to {action}.")]
    Unauthenticated { action: String },
    #[error("Only someone with the {roles} role may {action}.")]
    Forbidden { action: String, roles: String },
    #[error("You are signed in, but none of your groups grants an Airlock role.")]
    NoRole,
    #[error("The local operator may not {action}: that needs a person who signed in.")]
    NotForTheOperator { action: String },
}

/// The one authorisation decision: every action, reading included, needs a
/// signed-in identity holding one of the roles the action names. What a
/// reader then sees is narrowed by [`Identity::tenant_scope`].
pub fn authorize(identity: Option<&Identity>, action: Action) -> Result<(), Denied> {
    let granted_by = action.granted_by();
    let Some(identity) = identity else {
        return Err(Denied::Unauthenticated { action: action.describe().to_owned() });
    };
    if granted_by.iter().any(|role| identity.has(*role)) {
        Ok(())
    } else {
        if identity.roles.is_empty() {
            return Err(Denied::NoRole);
        }
        let roles = granted_by.iter().map(|r| r.label()).collect::<Vec<_>>().join(" or ");
        Err(Denied::Forbidden { action: action.describe().to_owned(), roles })
    }
}

#[cfg(test)]
mod tests;
