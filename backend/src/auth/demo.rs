//! The demo sign-in, for trying Airlock alone (`./scripts/demo`): instead of
//! an identity provider, a page offers a fixed set of demo people, each
//! signed in through the same path as a real sign-in (a session, a person
//! record, an audit entry). The server allows it only when explicitly turned
//! on and bound to a loopback address, and shows a banner on every page.

use super::people::ProviderAccount;
use airlock_domain::access::{Role, RoleMap};

/// The issuer recorded for demo people, so they can never be confused with
/// an account at the real provider.
pub const DEMO_ISSUER: &str = "airlock-demo";

/// A demo person: handle, what they do, and the provider groups they "have".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DemoPerson {
    pub handle: String,
    pub description: String,
    pub groups: Vec<String>,
}

/// Release manager, two approvers (the gate needs two), a senior engineer
/// who both edits and approves (to see that nobody approves a release they
/// changed), a tenant admin of one tenant, an auditor, an admin, a viewer and
/// someone whose groups grant nothing.
pub fn demo_people() -> Vec<DemoPerson> {
    let person = |handle: &str, description: &str, groups: &[&str]| DemoPerson {
        handle: handle.into(),
        description: description.into(),
        groups: groups.iter().map(|g| g.to_string()).collect(),
    };
    vec![
        person("rita", "release manager", &["platform"]),
        person("ada", "approver", &["sre-seniors"]),
        person("grace", "approver", &["sre-seniors"]),
        person("sam", "release manager and approver", &["platform", "sre-seniors"]),
        person("tom", "tenant admin of acme", &["acme-ops"]),
        person("audrey", "auditor", &["audit"]),
        person("root", "admin", &["airlock-admins"]),
        person("vic", "viewer", &["staff"]),
        person("nobody", "no role (groups map to nothing)", &["interns"]),
    ]
}

/// The role map the demo people's groups go through.
pub fn demo_role_map() -> RoleMap {
    let text = [
        ("platform", Role::ReleaseManager.as_str()),
        ("sre-seniors", Role::Approver.as_str()),
        ("acme-ops", "tenant_admin:acme"),
        ("audit", Role::Auditor.as_str()),
        ("airlock-admins", Role::Admin.as_str()),
        ("staff", Role::Viewer.as_str()),
    ]
    .iter()
    .map(|(group, role)| format!("{group}={role}"))
    .collect::<Vec<_>>()
    .join(",");
    // The map above is fixed and valid; an empty map would grant nothing.
    RoleMap::parse(&text).unwrap_or_default()
}

pub fn demo_account(handle: &str) -> Option<ProviderAccount> {
    demo_people().into_iter().find(|p| p.handle == handle).map(|p| ProviderAccount {
        issuer: DEMO_ISSUER.into(),
        subject: p.handle.clone(),
        email: Some(format!("{}@demo.airlock.invalid", p.handle)),
        display_name: None,
        preferred_username: Some(p.handle),
        groups: p.groups,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_demo_person_gets_the_role_their_description_says() {
        let map = demo_role_map();
        for person in demo_people() {
            let (roles, tenants) = map.resolve(&person.groups);
            let labels: Vec<&str> = roles.iter().map(|r| r.label()).collect();
            match person.handle.as_str() {
                "nobody" => assert!(roles.is_empty()),
                "tom" => assert_eq!((labels, tenants), (vec!["tenant admin"], vec!["acme".to_owned()])),
                _ => assert!(person.description.starts_with(labels[0]), "{}: {labels:?}", person.handle),
            }
        }
        assert!(demo_account("mallory").is_none());
    }
}
