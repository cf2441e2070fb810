//! `AuthStore` and `AuthTx` for both databases, written once: the macros
//! expand per store and per typed transaction, as in `gate_reads.rs`.

/// Roles and tenants are stored space-separated (role names and slugs hold
/// no spaces).
pub(crate) fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(str::to_owned).collect()
}

/// Groups are the provider's words and may hold spaces: one per line.
pub(crate) fn lines(text: &str) -> Vec<String> {
    text.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

pub(crate) fn roles(owner: &str, text: &str) -> Result<Vec<airlock_domain::access::Role>, super::StoreError> {
    text.split_whitespace()
        .map(|r| airlock_domain::access::Role::parse(r).ok_or_else(|| super::StoreError::Corrupt(format!("{owner} has role {r:?}"))))
        .collect()
}

pub(crate) type PersonRow =
    (String, Option<String>, Option<String>, String, String, String, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>, i64);
/// The `SELECT … FROM api_tokens` that [`TokenRow`] reads.
macro_rules! token_columns {
    () => {
        "SELECT name, roles, tenants, created_at, expires_at, last_used_at, revoked_at FROM api_tokens"
    };
}
pub(crate) use token_columns as TOKEN_COLUMNS;

type Time = chrono::DateTime<chrono::Utc>;
pub(crate) type TokenRow = (String, String, String, Time, Option<Time>, Option<Time>, Option<Time>);

pub(crate) fn token(row: TokenRow) -> Result<super::StoredToken, super::StoreError> {
    let (name, role_text, tenants, created_at, expires_at, last_used_at, revoked_at) = row;
    let roles = roles(&format!("token {name}"), &role_text)?;
    Ok(super::StoredToken { name, roles, tenants: words(&tenants), created_at, expires_at, last_used_at, revoked_at })
}

macro_rules! impl_auth_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AuthStore for $store {
            async fn people(&self) -> Result<Vec<$crate::store::Person>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::auth_sql::PersonRow> = sqlx::query_as(
                    "SELECT p.handle, p.display_name, p.email, p.roles, p.tenants, p.groups, p.first_seen_at, p.last_sign_in_at, \
                     (SELECT COUNT(*) FROM sessions s WHERE s.person = p.handle) FROM people p ORDER BY p.handle",
                )
                .fetch_all(&self.pool).await?;
                rows.into_iter()
                    .map(|(handle, display_name, email, roles, tenants, groups, first_seen_at, last_sign_in_at, open_sessions)| {
                        Ok($crate::store::Person {
                            roles: $crate::store::auth_sql::roles(&handle, &roles)?,
                            tenants: $crate::store::auth_sql::words(&tenants),
                            groups: $crate::store::auth_sql::lines(&groups),
                            handle, display_name, email, first_seen_at, last_sign_in_at, open_sessions,
                        })
                    })
                    .collect()
            }

            async fn session(&self, id: &str) -> Result<Option<$crate::store::SessionRow>, $crate::store::StoreError> {
                let row: Option<(String, Option<String>, String, chrono::DateTime<chrono::Utc>)> =
                    sqlx::query_as("SELECT id, person, data, expires_at FROM sessions WHERE id = $1")
                        .bind(id).fetch_optional(&self.pool).await?;
                Ok(row.map(|(id, person, data, expires_at)| $crate::store::SessionRow { id, person, data, expires_at }))
            }

            async fn insert_session(&self, row: &$crate::store::SessionRow) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO sessions (id, person, data, expires_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&row.id).bind(&row.person).bind(&row.data).bind(row.expires_at)
                .execute(&self.pool).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn save_session(&self, row: &$crate::store::SessionRow) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (id, person, data, expires_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (id) DO UPDATE SET person = excluded.person, data = excluded.data, expires_at = excluded.expires_at",
                )
                .bind(&row.id).bind(&row.person).bind(&row.data).bind(row.expires_at)
                .execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_session(&self, id: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM sessions WHERE id = $1").bind(id).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_expired_sessions(&self, now: chrono::DateTime<chrono::Utc>) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(&self.pool).await?;
                Ok(done.rows_affected())
            }

            async fn tokens(&self) -> Result<Vec<$crate::store::StoredToken>, $crate::store::StoreError> {
                let rows: Vec<$crate::store::auth_sql::TokenRow> =
                    sqlx::query_as(concat!($crate::store::auth_sql::TOKEN_COLUMNS!(), " ORDER BY name"))
                        .fetch_all(&self.pool).await?;
                rows.into_iter().map($crate::store::auth_sql::token).collect()
            }
        }
    };
}

macro_rules! impl_auth_tx {
    ($db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AuthTx for $crate::store::gate_tx::GateTx<$db> {
            async fn person_handle(&mut self, issuer: &str, subject: &str) -> Result<Option<String>, $crate::store::StoreError> {
                Ok(sqlx::query_scalar("SELECT handle FROM people WHERE issuer = $1 AND subject = $2")
                    .bind(issuer).bind(subject).fetch_optional(&mut *self.0).await?)
            }

            async fn handle_taken(&mut self, handle: &str) -> Result<bool, $crate::store::StoreError> {
                let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM people WHERE handle = $1")
                    .bind(handle).fetch_optional(&mut *self.0).await?;
                Ok(found.is_some())
            }

            async fn record_sign_in(&mut self, p: &$crate::store::PersonRecord, now: chrono::DateTime<chrono::Utc>) -> Result<bool, $crate::store::StoreError> {
                let roles = p.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" ");
                let written = sqlx::query(
                    "INSERT INTO people (handle, issuer, subject, display_name, email, roles, tenants, groups, first_seen_at, last_sign_in_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
                     ON CONFLICT (handle) DO UPDATE SET display_name = excluded.display_name, email = excluded.email, \
                     roles = excluded.roles, tenants = excluded.tenants, groups = excluded.groups, last_sign_in_at = excluded.last_sign_in_at \
                     WHERE people.issuer = excluded.issuer AND people.subject = excluded.subject",
                )
                .bind(&p.handle).bind(&p.issuer).bind(&p.subject).bind(&p.display_name).bind(&p.email)
                .bind(roles).bind(p.tenants.join(" ")).bind(p.groups.join("\n")).bind(now)
                .execute(&mut *self.0).await?;
                // The conflict clause updates only the account's own row: no row
                // means another account holds the handle.
                Ok(written.rows_affected() == 1)
            }

            async fn end_sessions_of(&mut self, handle: &str) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM sessions WHERE person = $1").bind(handle).execute(&mut *self.0).await?;
                Ok(done.rows_affected())
            }

            async fn revoke_token(&mut self, name: &str, now: chrono::DateTime<chrono::Utc>) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query("UPDATE api_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL")
                    .bind(name).bind(now).execute(&mut *self.0).await?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}
