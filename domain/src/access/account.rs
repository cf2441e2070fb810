//! Provider accounts held for an admin's decision. A first sign-in whose
//! account resembles a person Airlock already knows (the same e-mail address,
//! or the username that person's handle came from) does not mint a second
//! handle: that would be a second person who could approve the first one's
//! releases. It waits until an admin merges it into that person, allows it
//! as a person of its own, or blocks it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Why an account was held: what it shares with a known person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resemblance {
    SameEmail,
    SameUsername,
}

impl Resemblance {
    pub fn as_str(self) -> &'static str {
        match self {
            Resemblance::SameEmail => "same_email",
            Resemblance::SameUsername => "same_username",
        }
    }

    pub fn parse(text: &str) -> Option<Resemblance> {
        [Resemblance::SameEmail, Resemblance::SameUsername].into_iter().find(|r| r.as_str() == text)
    }

    /// For the admin's list: "the same e-mail address as rita".
    pub fn describe(self, handle: &str) -> String {
        match self {
            Resemblance::SameEmail => format!("the same e-mail address as {handle}"),
            Resemblance::SameUsername => format!("the same username as {handle}"),
        }
    }
}

/// Where a held account stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountState {
    /// Waits for an admin; its sign-ins are refused meanwhile.
    Held,
    /// Refused at every sign-in, until an admin decides otherwise.
    Blocked,
    /// A person of its own: its next sign-in takes a handle of its own.
    Allowed,
    /// The same person as the one it resembles: it signs in as them.
    Merged,
}

impl AccountState {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Held => "held",
            AccountState::Blocked => "blocked",
            AccountState::Allowed => "allowed",
            AccountState::Merged => "merged",
        }
    }

    pub fn parse(text: &str) -> Option<AccountState> {
        [AccountState::Held, AccountState::Blocked, AccountState::Allowed, AccountState::Merged].into_iter().find(|s| s.as_str() == text)
    }

    /// Held and blocked accounts still wait for (another) decision; allowed
    /// and merged ones are people now, and stay what they became.
    pub fn is_open(self) -> bool {
        matches!(self, AccountState::Held | AccountState::Blocked)
    }
}

/// What an admin decides for a held account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountDecision {
    /// It is the person it resembles.
    Merge,
    /// It is someone else: a person of its own.
    Allow,
    /// It may not sign in.
    Block,
}

impl AccountDecision {
    pub const ALL: [AccountDecision; 3] = [AccountDecision::Merge, AccountDecision::Allow, AccountDecision::Block];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountDecision::Merge => "merge",
            AccountDecision::Allow => "allow",
            AccountDecision::Block => "block",
        }
    }

    pub fn parse(text: &str) -> Option<AccountDecision> {
        AccountDecision::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// The state the account is in after this decision.
    pub fn state(self) -> AccountState {
        match self {
            AccountDecision::Merge => AccountState::Merged,
            AccountDecision::Allow => AccountState::Allowed,
            AccountDecision::Block => AccountState::Blocked,
        }
    }
}

/// A held account as admins see it: who the provider says it is, and whom
/// it resembles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldAccount {
    pub issuer: String,
    pub subject: String,
    pub state: AccountState,
    /// The handle of the person it resembles.
    pub resembles: String,
    pub resemblance: Resemblance,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub username: Option<String>,
    pub first_seen_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// Who decided last, and when (none while it was only ever held).
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_decisions_say_where_the_account_ends_up() {
        for decision in AccountDecision::ALL {
            assert_eq!(AccountDecision::parse(decision.as_str()), Some(decision));
            assert_eq!(AccountState::parse(decision.state().as_str()), Some(decision.state()));
        }
        assert_eq!(AccountDecision::parse("approve"), None);
        assert!(AccountState::Held.is_open() && AccountState::Blocked.is_open());
        assert!(!AccountState::Merged.is_open() && !AccountState::Allowed.is_open());
        assert_eq!(Resemblance::parse("same_email"), Some(Resemblance::SameEmail));
        assert_eq!(Resemblance::SameUsername.describe("rita"), "the same username as rita");
    }
}
