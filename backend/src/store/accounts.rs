//! Held provider accounts (see `airlock_domain::access::account`): the
//! storage interface and its SQL, once for both databases.

use super::StoreError;
use super::dialect::{Dialect, Pooled, Time};
use super::gate_tx::GateTx;
use airlock_domain::access::{AccountState, HeldAccount, Resemblance};
use async_trait::async_trait;

/// The person a merged account signs in as: their handle and their own
/// provider account (the one their person row is bound to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedInto {
    pub handle: String,
    pub issuer: String,
    pub subject: String,
}

#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    /// Every account ever held: open ones (held, then blocked) first, newest first.
    async fn held_accounts(&self) -> Result<Vec<HeldAccount>, StoreError>;
}

#[async_trait]
pub trait AccountTx: Send {
    async fn held_account(&mut self, issuer: &str, subject: &str) -> Result<Option<HeldAccount>, StoreError>;
    /// The person an account was merged into, if an admin merged it.
    async fn merged_into(&mut self, issuer: &str, subject: &str) -> Result<Option<MergedInto>, StoreError>;
    /// A person this account resembles: one with its e-mail address (in any
    /// case), else one whose handle is the one it would take. People of
    /// `ignored_issuer` (the demo's) resemble nobody.
    async fn resembling_person(
        &mut self,
        email: Option<&str>,
        handle: &str,
        ignored_issuer: &str,
    ) -> Result<Option<(String, Resemblance)>, StoreError>;
    /// Records a newly held account; `false` when it was held already.
    async fn hold_account(&mut self, account: &HeldAccount) -> Result<bool, StoreError>;
    async fn touch_held_account(&mut self, issuer: &str, subject: &str, now: Time) -> Result<(), StoreError>;
    /// Moves an open (held or blocked) account to `state`, and returns it as
    /// it was before; `None` when there is no such open account.
    async fn decide_account(
        &mut self,
        issuer: &str,
        subject: &str,
        state: AccountState,
        by: &str,
        now: Time,
    ) -> Result<Option<HeldAccount>, StoreError>;
}

const COLUMNS: &str = "SELECT issuer, subject, state, resembles, resemblance, display_name, email, username, \
     first_seen_at, last_seen_at, decided_by, decided_at FROM held_accounts";

type Row =
    (String, String, String, String, String, Option<String>, Option<String>, Option<String>, Time, Time, Option<String>, Option<Time>);

fn account(row: Row) -> Result<HeldAccount, StoreError> {
    let (
        issuer,
        subject,
        state,
        resembles,
        resemblance,
        display_name,
        email,
        username,
        first_seen_at,
        last_seen_at,
        decided_by,
        decided_at,
    ) = row;
    let corrupt = |what: &str| StoreError::Corrupt(format!("held account {subject} has {what}"));
    Ok(HeldAccount {
        state: AccountState::parse(&state).ok_or_else(|| corrupt(&format!("state {state:?}")))?,
        resemblance: Resemblance::parse(&resemblance).ok_or_else(|| corrupt(&format!("resemblance {resemblance:?}")))?,
        issuer,
        subject,
        resembles,
        display_name,
        email,
        username,
        first_seen_at,
        last_seen_at,
        decided_by,
        decided_at,
    })
}

#[async_trait]
impl<S> AccountStore for S
where
    S: Pooled,
    for<'c> &'c sqlx::Pool<S::Db>: sqlx::Executor<'c, Database = S::Db>,
    for<'q> <S::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, S::Db>,
    for<'r> String: sqlx::Decode<'r, S::Db> + sqlx::Type<S::Db>,
    for<'r> Time: sqlx::Decode<'r, S::Db> + sqlx::Type<S::Db>,
    usize: sqlx::ColumnIndex<<S::Db as sqlx::Database>::Row>,
{
    async fn held_accounts(&self) -> Result<Vec<HeldAccount>, StoreError> {
        let sql = format!("{COLUMNS} ORDER BY CASE state WHEN 'held' THEN 0 WHEN 'blocked' THEN 1 ELSE 2 END, first_seen_at DESC");
        let rows: Vec<Row> = sqlx::query_as(&sql).fetch_all(self.pool()).await?;
        rows.into_iter().map(account).collect()
    }
}

#[async_trait]
impl<D> AccountTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Decode<'q, D> + sqlx::Type<D>,
    for<'r> String: sqlx::Decode<'r, D> + sqlx::Type<D>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    async fn held_account(&mut self, issuer: &str, subject: &str) -> Result<Option<HeldAccount>, StoreError> {
        let sql = format!("{COLUMNS} WHERE issuer = $1 AND subject = $2");
        let row: Option<Row> = sqlx::query_as(&sql).bind(issuer).bind(subject).fetch_optional(&mut *self.0).await?;
        row.map(account).transpose()
    }

    async fn merged_into(&mut self, issuer: &str, subject: &str) -> Result<Option<MergedInto>, StoreError> {
        let row: Option<(String, String, String)> = sqlx::query_as(
            "SELECT p.handle, p.issuer, p.subject FROM held_accounts a JOIN people p ON p.handle = a.resembles \
             WHERE a.issuer = $1 AND a.subject = $2 AND a.state = 'merged'",
        )
        .bind(issuer)
        .bind(subject)
        .fetch_optional(&mut *self.0)
        .await?;
        Ok(row.map(|(handle, issuer, subject)| MergedInto { handle, issuer, subject }))
    }

    async fn resembling_person(
        &mut self,
        email: Option<&str>,
        handle: &str,
        ignored_issuer: &str,
    ) -> Result<Option<(String, Resemblance)>, StoreError> {
        if let Some(email) = email.filter(|e| !e.trim().is_empty()) {
            let same_email: Option<String> = sqlx::query_scalar(
                "SELECT handle FROM people WHERE lower(email) = lower($1) AND issuer <> $2 ORDER BY first_seen_at LIMIT 1",
            )
            .bind(email)
            .bind(ignored_issuer)
            .fetch_optional(&mut *self.0)
            .await?;
            if let Some(person) = same_email {
                return Ok(Some((person, Resemblance::SameEmail)));
            }
        }
        let same_username: Option<String> = sqlx::query_scalar("SELECT handle FROM people WHERE handle = $1 AND issuer <> $2")
            .bind(handle)
            .bind(ignored_issuer)
            .fetch_optional(&mut *self.0)
            .await?;
        Ok(same_username.map(|person| (person, Resemblance::SameUsername)))
    }

    async fn hold_account(&mut self, a: &HeldAccount) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO held_accounts (issuer, subject, state, resembles, resemblance, display_name, email, username, \
             first_seen_at, last_seen_at) VALUES ($1, $2, 'held', $3, $4, $5, $6, $7, $8, $8) ON CONFLICT (issuer, subject) DO NOTHING",
        )
        .bind(a.issuer.as_str())
        .bind(a.subject.as_str())
        .bind(a.resembles.as_str())
        .bind(a.resemblance.as_str())
        .bind(a.display_name.as_deref())
        .bind(a.email.as_deref())
        .bind(a.username.as_deref())
        .bind(a.first_seen_at)
        .execute(&mut *self.0)
        .await?;
        Ok(D::rows_affected(&done) == 1)
    }

    async fn touch_held_account(&mut self, issuer: &str, subject: &str, now: Time) -> Result<(), StoreError> {
        sqlx::query("UPDATE held_accounts SET last_seen_at = $3 WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .bind(now)
            .execute(&mut *self.0)
            .await?;
        Ok(())
    }

    async fn decide_account(
        &mut self,
        issuer: &str,
        subject: &str,
        state: AccountState,
        by: &str,
        now: Time,
    ) -> Result<Option<HeldAccount>, StoreError> {
        let Some(before) = self.held_account(issuer, subject).await?.filter(|a| a.state.is_open()) else {
            return Ok(None);
        };
        // The state in the WHERE clause too: a decision made meanwhile by
        // another admin is not overwritten.
        let done = sqlx::query(
            "UPDATE held_accounts SET state = $3, decided_by = $4, decided_at = $5 \
             WHERE issuer = $1 AND subject = $2 AND state = $6",
        )
        .bind(issuer)
        .bind(subject)
        .bind(state.as_str())
        .bind(by)
        .bind(now)
        .bind(before.state.as_str())
        .execute(&mut *self.0)
        .await?;
        Ok((D::rows_affected(&done) == 1).then_some(before))
    }
}
