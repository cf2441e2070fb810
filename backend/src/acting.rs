//! Who a service acts for, and the proof that they may.
//!
//! Every service takes the acting party as one [`Actor`] — nobody, a person
//! or a service-account token (an [`Identity`], whose kind tells them apart),
//! or the local operator — and asks [`authorize`] before it reads or changes
//! anything. What `authorize` returns, [`Authorized`], is the only way to the
//! acting name the audit log records, so a service cannot write an entry for
//! someone it did not authorise.
//!
//! The local operator is whoever opened the database themselves (the CLI, on
//! the database's host). [`LocalOperator`] has no public constructor:
//! [`crate::Backend::open_as_operator`] alone makes one, so no transport that
//! is handed a [`crate::Backend`] can claim to be the operator.

use airlock_domain::access::{Action, Denied, Identity, IdentityKind, Role, TenantScope};

/// Proof of having opened the database directly; see the module docs. Code
/// that was handed a `Backend` cannot forge one:
///
/// ```compile_fail
/// let forged = airlock_backend::LocalOperator { name: "cli:root".to_owned() };
/// ```
#[derive(Debug)]
pub struct LocalOperator {
    /// What the audit log records, e.g. `cli:alice` (the OS user).
    name: String,
}

impl LocalOperator {
    pub(crate) fn new(name: String) -> LocalOperator {
        LocalOperator { name }
    }

    /// What the audit log records for them.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// An operator for the conformance suites, which build their stores
    /// themselves instead of opening a configured database.
    #[cfg(feature = "test-support")]
    pub fn for_tests(name: &str) -> LocalOperator {
        LocalOperator::new(name.to_owned())
    }
}

/// Whoever a request or command acts for.
#[derive(Debug, Clone, Copy)]
pub enum Actor<'a> {
    Anonymous,
    /// A person who signed in, or a service-account token.
    Identified(&'a Identity),
    Operator(&'a LocalOperator),
}

impl<'a> From<Option<&'a Identity>> for Actor<'a> {
    fn from(identity: Option<&'a Identity>) -> Actor<'a> {
        identity.map_or(Actor::Anonymous, Actor::Identified)
    }
}

impl<'a> From<&'a LocalOperator> for Actor<'a> {
    fn from(operator: &'a LocalOperator) -> Actor<'a> {
        Actor::Operator(operator)
    }
}

impl<'a> Actor<'a> {
    /// The acting name for log lines, before anything was authorised.
    pub(crate) fn name(&self) -> &'a str {
        match self {
            Actor::Anonymous => "nobody",
            Actor::Identified(identity) => &identity.name,
            Actor::Operator(operator) => &operator.name,
        }
    }

    /// The tenants this party may see: the operator, like every role but
    /// `tenant_admin`, sees them all; nobody signed in sees none.
    pub(crate) fn tenant_scope(&self) -> TenantScope<'a> {
        match self {
            Actor::Anonymous => TenantScope::Only(&[]),
            Actor::Identified(identity) => identity.tenant_scope(),
            Actor::Operator(_) => TenantScope::All,
        }
    }
}

/// The acting party of a service call, named in its span's `actor` field.
pub(crate) fn acting<'a>(actor: impl Into<Actor<'a>>) -> Actor<'a> {
    let actor = actor.into();
    tracing::Span::current().record("actor", actor.name());
    actor
}

/// What [`authorize`] hands back when it allows an action.
#[derive(Debug, Clone, Copy)]
pub struct Authorized<'a> {
    party: Party<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Party<'a> {
    Identified(&'a Identity),
    Operator(&'a LocalOperator),
}

impl<'a> Authorized<'a> {
    /// The name the audit log records for this party.
    pub(crate) fn name(&self) -> &'a str {
        match self.party {
            Party::Identified(identity) => &identity.name,
            Party::Operator(operator) => &operator.name,
        }
    }

    pub(crate) fn has(&self, role: Role) -> bool {
        matches!(self.party, Party::Identified(identity) if identity.has(role))
    }

    pub(crate) fn is_service_account(&self) -> bool {
        matches!(self.party, Party::Identified(identity) if identity.kind == IdentityKind::ServiceAccount)
    }
}

/// The one decision, for every service: people and tokens as the domain's
/// [`airlock_domain::access::authorize`] rules (the same the pages show);
/// the local operator for what the CLI offers and nothing that needs a
/// person ([`Action::open_to_the_local_operator`]).
pub fn authorize(actor: Actor<'_>, action: Action) -> Result<Authorized<'_>, Denied> {
    match actor {
        // Every action needs someone: the domain's rule for a missing identity.
        Actor::Anonymous => Err(Denied::Unauthenticated { action: action.describe().to_owned() }),
        Actor::Identified(identity) => {
            airlock_domain::access::authorize(Some(identity), action).map(|()| Authorized { party: Party::Identified(identity) })
        }
        Actor::Operator(operator) if action.open_to_the_local_operator() => Ok(Authorized { party: Party::Operator(operator) }),
        Actor::Operator(_) => Err(Denied::NotForTheOperator { action: action.describe().to_owned() }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_operator_may_do_what_the_cli_offers_and_nothing_that_needs_a_person() {
        let operator = LocalOperator::new("cli:ops".into());
        for action in [Action::Read, Action::ReadAudit, Action::ManagePeople, Action::ManageWorld] {
            let allowed = authorize(Actor::Operator(&operator), action).expect("the CLI's own actions");
            assert_eq!(allowed.name(), "cli:ops", "the audit log records the OS user");
            assert!(!allowed.has(Role::Approver) && !allowed.is_service_account());
        }
        for action in [Action::CreateRelease, Action::EditRelease, Action::CheckItem, Action::Review, Action::Dispatch, Action::Rollback] {
            assert!(
                matches!(authorize(Actor::Operator(&operator), action), Err(Denied::NotForTheOperator { .. })),
                "{action:?} needs a person who signed in"
            );
        }
    }

    #[test]
    fn people_and_tokens_are_authorised_by_the_domains_rules() {
        let ada = Identity::person("ada", &[Role::Approver]);
        assert_eq!(authorize(Actor::Identified(&ada), Action::Review).expect("an approver reviews").name(), "ada");
        assert!(matches!(authorize(Actor::Identified(&ada), Action::ManageWorld), Err(Denied::Forbidden { .. })));
        assert!(matches!(authorize(Actor::Anonymous, Action::Read), Err(Denied::Unauthenticated { .. })));
        assert!(matches!(authorize(None.into(), Action::Read), Err(Denied::Unauthenticated { .. })));
    }
}
