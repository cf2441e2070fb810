//! `AuthStore` and `AuthTx` for both databases, written once as generic
//! impls over a [`Dialect`] (see `dialect.rs`).

use super::dialect::{Dialect, Pooled, Time};
use super::gate_tx::GateTx;
use super::write_turns::turn_in;
use super::{AuthStore, AuthTx, Person, PersonRecord, SessionRow, StoreError, StoredToken};
use async_trait::async_trait;

/// Roles and tenants are stored space-separated (role names and slugs hold
/// no spaces).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// Groups are the provider's words and may hold spaces: one per line.
pub(crate) fn lines(text: &str) -> Vec<String> {
    text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

pub(crate) fn roles(owner: &str, text: &str) -> Result<Vec<airlock_domain::access::Role>, StoreError> {
    text.split_whitespace()
        .map(|r| airlock_domain::access::Role::parse(r).ok_or_else(|| StoreError::Corrupt(format!("{owner} has role {r:?}"))))
        .collect()
}

pub(crate) type PersonRow = (String, Option<String>, Option<String>, String, String, String, Time, Time, i64);

/// The `SELECT … FROM api_tokens` that [`TokenRow`] reads.
macro_rules! token_columns {
    () => {
        "SELECT name, roles, tenants, created_at, expires_at, last_used_at, revoked_at FROM api_tokens"
    };
}
pub(crate) use token_columns as TOKEN_COLUMNS;

pub(crate) type TokenRow = (String, String, String, Time, Option<Time>, Option<Time>, Option<Time>);

pub(crate) fn token(row: TokenRow) -> Result<StoredToken, StoreError> {
    let (name, role_text, tenants, created_at, expires_at, last_used_at, revoked_at) = row;
    let roles = roles(&format!("token {name}"), &role_text)?;
    Ok(StoredToken { name, roles, tenants: words(&tenants), created_at, expires_at, last_used_at, revoked_at })
}

#[async_trait]
impl<S> AuthStore for S
where
    S: Pooled,
    for<'c> &'c sqlx::Pool<S::Db>: sqlx::Executor<'c, Database = S::Db>,
    for<'q> <S::Db as sqlx::Database>::Arguments<'q>: sqlx::IntoArguments<'q, S::Db>,
    for<'q> &'q str: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'q> Time: sqlx::Encode<'q, S::Db> + sqlx::Decode<'q, S::Db> + sqlx::Type<S::Db>,
    for<'r> String: sqlx::Decode<'r, S::Db> + sqlx::Type<S::Db>,
    for<'r> i64: sqlx::Decode<'r, S::Db> + sqlx::Type<S::Db>,
    usize: sqlx::ColumnIndex<<S::Db as sqlx::Database>::Row>,
{
    async fn people(&self) -> Result<Vec<Person>, StoreError> {
        let rows: Vec<PersonRow> = sqlx::query_as(
            "SELECT p.handle, p.display_name, p.email, p.roles, p.tenants, p.groups, p.first_seen_at, p.last_sign_in_at, \
             (SELECT COUNT(*) FROM sessions s WHERE s.person = p.handle) FROM people p ORDER BY p.handle",
        )
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(handle, display_name, email, role_text, tenants, groups, first_seen_at, last_sign_in_at, open_sessions)| {
                Ok(Person {
                    roles: roles(&handle, &role_text)?,
                    tenants: words(&tenants),
                    groups: lines(&groups),
                    handle,
                    display_name,
                    email,
                    first_seen_at,
                    last_sign_in_at,
                    open_sessions,
                })
            })
            .collect()
    }

    async fn session(&self, id: &str) -> Result<Option<SessionRow>, StoreError> {
        let row: Option<(String, Option<String>, String, Time)> =
            sqlx::query_as("SELECT id, person, data, expires_at FROM sessions WHERE id = $1").bind(id).fetch_optional(self.pool()).await?;
        Ok(row.map(|(id, person, data, expires_at)| SessionRow { id, person, data, expires_at }))
    }

    async fn insert_session(&self, row: &SessionRow) -> Result<bool, StoreError> {
        let _turn = turn_in(self.write_turns()).await?;
        let done = sqlx::query("INSERT INTO sessions (id, person, data, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING")
            .bind(row.id.as_str())
            .bind(row.person.as_deref())
            .bind(row.data.as_str())
            .bind(row.expires_at)
            .execute(self.pool())
            .await?;
        Ok(S::Db::rows_affected(&done) == 1)
    }

    async fn save_session(&self, row: &SessionRow) -> Result<(), StoreError> {
        let _turn = turn_in(self.write_turns()).await?;
        sqlx::query(
            "INSERT INTO sessions (id, person, data, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (id) DO UPDATE SET person = excluded.person, data = excluded.data, expires_at = excluded.expires_at",
        )
        .bind(row.id.as_str())
        .bind(row.person.as_deref())
        .bind(row.data.as_str())
        .bind(row.expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    async fn delete_session(&self, id: &str) -> Result<(), StoreError> {
        let _turn = turn_in(self.write_turns()).await?;
        sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(self.pool()).await?;
        Ok(())
    }

    async fn delete_expired_sessions(&self, now: Time) -> Result<u64, StoreError> {
        let _turn = turn_in(self.write_turns()).await?;
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(self.pool()).await?;
        Ok(S::Db::rows_affected(&done))
    }

    async fn tokens(&self) -> Result<Vec<StoredToken>, StoreError> {
        let rows: Vec<TokenRow> = sqlx::query_as(concat!(token_columns!(), " ORDER BY name")).fetch_all(self.pool()).await?;
        rows.into_iter().map(token).collect()
    }
}

#[async_trait]
impl<D> AuthTx for GateTx<D>
where
    D: Dialect,
    for<'c> &'c mut D::Connection: sqlx::Executor<'c, Database = D>,
    for<'q> D::Arguments<'q>: sqlx::IntoArguments<'q, D>,
    for<'q> &'q str: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Option<&'q str>: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'q> Time: sqlx::Encode<'q, D> + sqlx::Type<D>,
    for<'r> String: sqlx::Decode<'r, D> + sqlx::Type<D>,
    for<'r> i32: sqlx::Decode<'r, D> + sqlx::Type<D>,
    usize: sqlx::ColumnIndex<D::Row>,
{
    async fn person_handle(&mut self, issuer: &str, subject: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT handle FROM people WHERE issuer = $1 AND subject = $2")
            .bind(issuer)
            .bind(subject)
            .fetch_optional(&mut *self.0)
            .await?)
    }

    async fn handle_taken(&mut self, handle: &str) -> Result<bool, StoreError> {
        let found: Option<i32> =
            sqlx::query_scalar("SELECT 1 FROM people WHERE handle = $1").bind(handle).fetch_optional(&mut *self.0).await?;
        Ok(found.is_some())
    }

    async fn record_sign_in(&mut self, p: &PersonRecord, now: Time) -> Result<bool, StoreError> {
        let roles = p.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" ");
        let (tenants, groups) = (p.tenants.join(" "), p.groups.join("\n"));
        let written = sqlx::query(
            "INSERT INTO people (handle, issuer, subject, display_name, email, roles, tenants, groups, first_seen_at, last_sign_in_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (handle) DO UPDATE SET display_name = excluded.display_name, email = excluded.email, \
             roles = excluded.roles, tenants = excluded.tenants, groups = excluded.groups, last_sign_in_at = excluded.last_sign_in_at \
             WHERE people.issuer = excluded.issuer AND people.subject = excluded.subject",
        )
        .bind(p.handle.as_str())
        .bind(p.issuer.as_str())
        .bind(p.subject.as_str())
        .bind(p.display_name.as_deref())
        .bind(p.email.as_deref())
        .bind(roles.as_str())
        .bind(tenants.as_str())
        .bind(groups.as_str())
        .bind(now)
        .execute(&mut *self.0)
        .await?;
        // The conflict clause updates only the account's own row: no row
        // means another account holds the handle.
        Ok(D::rows_affected(&written) == 1)
    }

    async fn end_sessions_of(&mut self, handle: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE person = $1").bind(handle).execute(&mut *self.0).await?;
        Ok(D::rows_affected(&done))
    }

    async fn revoke_token(&mut self, name: &str, now: Time) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL")
            .bind(name)
            .bind(now)
            .execute(&mut *self.0)
            .await?;
        Ok(D::rows_affected(&done) == 1)
    }
}
