//! The storage interface for sign-in: people, sessions and token lists.
//! Changes that must be audited (a sign-in, ending sessions, revoking a
//! token) happen inside a [`StoreTx`](super::StoreTx) through [`AuthTx`].

use super::StoreError;
pub use airlock_domain::access::Person;
use airlock_domain::access::Role;
use async_trait::async_trait;
use chrono::{DateTime, Utc};

/// A person as the identity provider described them at sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub handle: String,
    pub issuer: String,
    pub subject: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    pub tenants: Vec<String>,
    pub groups: Vec<String>,
}

/// A stored session: tower-sessions' record as JSON, plus whose it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub person: Option<String>,
    pub data: String,
    pub expires_at: DateTime<Utc>,
}

#[async_trait]
pub trait AuthStore: Send + Sync + 'static {
    /// Everyone who has signed in, by handle.
    async fn people(&self) -> Result<Vec<Person>, StoreError>;
    async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError>;
    /// Stores a new session; `false` (nothing written) when the id is taken.
    async fn insert_session(&self, row: &SessionRow) -> Result<bool, StoreError>;
    /// Creates or replaces a session.
    async fn save_session(&self, row: &SessionRow) -> Result<(), StoreError>;
    async fn delete_session(&self, id: &str) -> Result<(), StoreError>;
    async fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64, StoreError>;
    /// Every service-account token, revoked ones included, by name.
    async fn tokens(&self) -> Result<Vec<super::StoredToken>, StoreError>;
}

#[async_trait]
pub trait AuthTx: Send {
    /// The handle already bound to this provider account, if any.
    async fn person_handle(&mut self, issuer: &str, subject: &str) -> Result<Option<String>, StoreError>;
    async fn handle_taken(&mut self, handle: &str) -> Result<bool, StoreError>;
    /// Inserts the person, or updates what the provider said of them (the
    /// handle and the account binding never change). `false` when the handle
    /// belongs to another account (taken by a sign-in that committed first):
    /// nothing was written, and the caller must choose another handle.
    async fn record_sign_in(&mut self, person: &PersonRecord, now: DateTime<Utc>) -> Result<bool, StoreError>;
    /// Deletes every session of `handle`; how many there were.
    async fn end_sessions_of(&mut self, handle: &str) -> Result<u64, StoreError>;
    /// `false` when there is no such token or it was revoked already.
    async fn revoke_token(&mut self, name: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;
}
