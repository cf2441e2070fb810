use super::*;

fn person(roles: &[Role]) -> Identity {
    Identity::person("ada", roles)
}

#[test]
fn every_role_may_read_but_nobody_unsigned_or_without_a_role() {
    for role in Role::ALL {
        assert_eq!(authorize(Some(&person(&[role])), Action::Read), Ok(()), "{role}");
    }
    assert!(matches!(authorize(None, Action::Read), Err(Denied::Unauthenticated { .. })));
    assert_eq!(authorize(Some(&person(&[])), Action::Read), Err(Denied::NoRole));
}

#[test]
fn viewers_read_everything_but_the_audit_log_and_change_nothing() {
    let viewer = person(&[Role::Viewer]);
    assert_eq!(viewer.tenant_scope(), TenantScope::All);
    for action in [Action::CreateRelease, Action::EditRelease, Action::CheckItem, Action::Review, Action::ReadAudit, Action::ManagePeople] {
        assert!(authorize(Some(&viewer), action).is_err(), "{action:?}");
    }
}

#[test]
fn a_tenant_admin_sees_only_their_tenants_unless_another_role_grants_more() {
    let acme = Identity { tenants: vec!["acme".into()], ..person(&[Role::TenantAdmin]) };
    assert!(acme.tenant_scope().includes("acme"));
    assert!(!acme.tenant_scope().includes("globex"));
    assert!(acme.tenant_scope().includes_all(["acme", "acme"].into_iter()));
    assert!(!acme.tenant_scope().includes_all(["acme", "globex"].into_iter()));
    let also_viewer = Identity { roles: vec![Role::TenantAdmin, Role::Viewer], ..acme.clone() };
    assert_eq!(also_viewer.tenant_scope(), TenantScope::All);
    assert!(!tenant_scope(None).includes("acme"));
}

#[test]
fn only_admins_manage_people() {
    assert_eq!(authorize(Some(&person(&[Role::Admin])), Action::ManagePeople), Ok(()));
    for role in [Role::ReleaseManager, Role::Approver, Role::Auditor, Role::Viewer, Role::TenantAdmin] {
        assert!(authorize(Some(&person(&[role])), Action::ManagePeople).is_err());
    }
}

#[test]
fn changes_need_an_identity() {
    for action in [Action::CreateRelease, Action::EditRelease, Action::CheckItem, Action::Review, Action::ReadAudit] {
        assert!(matches!(authorize(None, action), Err(Denied::Unauthenticated { .. })), "{action:?}");
    }
}

#[test]
fn only_approvers_review() {
    assert_eq!(authorize(Some(&person(&[Role::Approver])), Action::Review), Ok(()));
    let denied = authorize(Some(&person(&[Role::ReleaseManager, Role::Admin])), Action::Review);
    assert_eq!(denied.map_err(|d| d.to_string()), Err("Only someone with the approver role may review releases.".to_owned()));
}

#[test]
fn release_managers_and_admins_create_and_edit_releases() {
    for role in [Role::ReleaseManager, Role::Admin] {
        for action in [Action::CreateRelease, Action::EditRelease, Action::CheckItem] {
            assert_eq!(authorize(Some(&person(&[role])), action), Ok(()));
        }
    }
    assert!(authorize(Some(&person(&[Role::Approver, Role::Auditor])), Action::CreateRelease).is_err());
}

#[test]
fn auditors_read_the_audit_log_but_change_nothing() {
    let auditor = person(&[Role::Auditor]);
    assert_eq!(authorize(Some(&auditor), Action::ReadAudit), Ok(()));
    for action in [Action::CreateRelease, Action::EditRelease, Action::CheckItem, Action::Review] {
        assert!(authorize(Some(&auditor), action).is_err());
    }
}

#[test]
fn roles_round_trip_through_their_names() {
    for role in Role::ALL {
        assert_eq!(Role::parse(role.as_str()), Some(role));
    }
    assert_eq!(Role::parse("superuser"), None);
}
