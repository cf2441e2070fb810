//! From the identity provider's groups to Airlock roles. The mapping is the
//! operator's (`AIRLOCK_OIDC_ROLE_MAP`), written `group=role[:tenant],…`, e.g.
//! `platform=release_manager,sre-seniors=approver,acme-ops=tenant_admin:acme`.
//! Roles are recomputed from the groups at every sign-in, so removing someone
//! from a group at the provider takes effect at their next sign-in.

use super::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
struct Grant {
    group: String,
    role: Role,
    /// Set for `tenant_admin` only.
    tenant: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleMap {
    grants: Vec<Grant>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoleMapError {
    #[error("entry {entry:?} is not of the form group=role or group=tenant_admin:tenant")]
    Malformed { entry: String },
    #[error("entry {entry:?} names an unknown role (one of: {known})")]
    UnknownRole { entry: String, known: String },
    #[error("entry {entry:?}: tenant_admin needs a tenant, as in group=tenant_admin:acme")]
    TenantMissing { entry: String },
    #[error("entry {entry:?}: only tenant_admin takes a tenant")]
    TenantNotAllowed { entry: String },
}

impl RoleMap {
    pub fn parse(text: &str) -> Result<RoleMap, RoleMapError> {
        let mut grants = Vec::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let malformed = || RoleMapError::Malformed { entry: entry.to_owned() };
            let (group, granted) = entry.split_once('=').ok_or_else(malformed)?;
            let (role, tenant) = match granted.split_once(':') {
                Some((role, tenant)) => (role.trim(), Some(tenant.trim().to_owned())),
                None => (granted.trim(), None),
            };
            let group = group.trim();
            if group.is_empty() || role.is_empty() || tenant.as_deref() == Some("") {
                return Err(malformed());
            }
            let role = Role::parse(role).ok_or_else(|| RoleMapError::UnknownRole {
                entry: entry.to_owned(),
                known: Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            })?;
            match (role, &tenant) {
                (Role::TenantAdmin, None) => return Err(RoleMapError::TenantMissing { entry: entry.to_owned() }),
                (Role::TenantAdmin, Some(_)) | (_, None) => {}
                (_, Some(_)) => return Err(RoleMapError::TenantNotAllowed { entry: entry.to_owned() }),
            }
            grants.push(Grant { group: group.to_owned(), role, tenant });
        }
        Ok(RoleMap { grants })
    }

    /// The roles (sorted, without repeats) and the administered tenants that
    /// `groups` grant. Group names are compared exactly.
    pub fn resolve(&self, groups: &[String]) -> (Vec<Role>, Vec<String>) {
        let mut roles = Vec::new();
        let mut tenants = Vec::new();
        for grant in self.grants.iter().filter(|g| groups.contains(&g.group)) {
            roles.push(grant.role);
            tenants.extend(grant.tenant.clone());
        }
        roles.sort();
        roles.dedup();
        tenants.sort();
        tenants.dedup();
        (roles, tenants)
    }

    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// The map a world file's `access` section and its tenants'
    /// `admin_groups` make: what sign-in uses once the world says who is who.
    pub fn of_world(access: &crate::world_file::Access, tenants: &[crate::Tenant]) -> RoleMap {
        let mut grants: Vec<Grant> = access
            .grants()
            .flat_map(|(role, groups)| groups.iter().map(move |group| Grant { group: group.clone(), role, tenant: None }))
            .collect();
        for tenant in tenants {
            grants.extend(tenant.admin_groups.iter().map(|group| Grant {
                group: group.clone(),
                role: Role::TenantAdmin,
                tenant: Some(tenant.slug.clone()),
            }));
        }
        RoleMap { grants }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn groups_map_to_roles_and_tenant_admins_to_their_tenants() {
        let map =
            RoleMap::parse("platform=release_manager, sre-seniors=approver,acme-ops=tenant_admin:acme,globex-ops=tenant_admin:globex")
                .unwrap();
        assert_eq!(map.resolve(&groups(&["sre-seniors", "platform"])), (vec![Role::ReleaseManager, Role::Approver], vec![]));
        assert_eq!(map.resolve(&groups(&["acme-ops"])), (vec![Role::TenantAdmin], vec!["acme".to_owned()]));
        assert_eq!(map.resolve(&groups(&["acme-ops", "globex-ops"])).1, vec!["acme".to_owned(), "globex".to_owned()]);
        assert_eq!(map.resolve(&groups(&["Platform", "everyone"])), (vec![], vec![]));
    }

    #[test]
    fn mistakes_in_the_map_are_named() {
        assert!(matches!(RoleMap::parse("platform"), Err(RoleMapError::Malformed { .. })));
        assert!(matches!(RoleMap::parse("platform=superuser"), Err(RoleMapError::UnknownRole { .. })));
        assert!(matches!(RoleMap::parse("ops=tenant_admin"), Err(RoleMapError::TenantMissing { .. })));
        assert!(matches!(RoleMap::parse("ops=approver:acme"), Err(RoleMapError::TenantNotAllowed { .. })));
        assert!(matches!(RoleMap::parse("=approver"), Err(RoleMapError::Malformed { .. })));
        assert_eq!(RoleMap::parse(" , ").map(|m| m.is_empty()), Ok(true));
    }

    #[test]
    fn a_worlds_access_and_its_tenants_admin_groups_make_one_map() {
        let access = crate::world_file::Access { admin: groups(&["platform-admins"]), approver: groups(&["sre"]), ..Default::default() };
        let acme = crate::Tenant {
            slug: "acme".into(),
            name: "Acme".into(),
            primary_region: "frankfurt".into(),
            data_residency: "eu".into(),
            allowed_regions: vec!["frankfurt".into()],
            admin_groups: groups(&["acme-ops"]),
        };
        let map = RoleMap::of_world(&access, &[acme]);
        assert_eq!(map.resolve(&groups(&["sre", "acme-ops"])), (vec![Role::Approver, Role::TenantAdmin], vec!["acme".to_owned()]));
        assert_eq!(map.resolve(&groups(&["platform-admins"])).0, vec![Role::Admin]);
    }
}
