use super::*;

fn person(roles: &[Role]) -> Identity {
    Identity { name: "ada".into(), kind: IdentityKind::Person, roles: roles.to_vec() }
}

#[test]
fn anyone_may_read_until_sign_in_exists() {
    assert_eq!(authorize(None, Action::Read), Ok(()));
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
    assert_eq!(
        denied.map_err(|d| d.to_string()),
        Err("Only someone with the approver role may review releases.".to_owned())
    );
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
