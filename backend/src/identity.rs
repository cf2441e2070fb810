//! Where acting identities come from until OpenID Connect sign-in arrives:
//! service-account tokens (see `crate::tokens`) and, in development only, a
//! switch between a fixed set of demo people. The switch is off unless the
//! operator turns it on (`AIRLOCK_DEV_IDENTITIES=true`); `scripts/demo` and the
//! end-to-end tests do, so the gate can be tried with several people.

use airlock_domain::access::{Identity, IdentityKind, Role};

/// The cookie the development switch sets.
pub const DEV_IDENTITY_COOKIE: &str = "airlock_dev_identity";

/// The demo people: one release manager, three approvers (two are needed),
/// an auditor and an admin.
pub fn dev_people() -> Vec<Identity> {
    let person = |name: &str, roles: &[Role]| Identity { name: name.into(), kind: IdentityKind::Person, roles: roles.to_vec() };
    vec![
        person("rita", &[Role::ReleaseManager]),
        person("ada", &[Role::Approver]),
        person("grace", &[Role::Approver]),
        person("linus", &[Role::Approver, Role::ReleaseManager]),
        person("audrey", &[Role::Auditor]),
        person("root", &[Role::Admin]),
    ]
}

/// The demo person a cookie value names, when the switch is on.
pub fn dev_person(enabled: bool, name: &str) -> Option<Identity> {
    enabled.then(|| dev_people().into_iter().find(|p| p.name == name)).flatten()
}

/// The value of one cookie in a `Cookie` header.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').filter_map(|pair| pair.trim().split_once('=')).find(|(k, _)| *k == name).map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_grants_nothing_while_it_is_off() {
        assert_eq!(dev_person(false, "ada"), None);
        assert_eq!(dev_person(true, "ada").map(|p| p.roles), Some(vec![Role::Approver]));
        assert_eq!(dev_person(true, "mallory"), None);
    }

    #[test]
    fn a_cookie_is_found_among_others() {
        assert_eq!(cookie_value("a=1; airlock_dev_identity=grace; b=2", DEV_IDENTITY_COOKIE), Some("grace"));
        assert_eq!(cookie_value("airlock_dev_identity_x=1", DEV_IDENTITY_COOKIE), None);
    }
}
