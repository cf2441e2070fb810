//! SQL written once for both databases as ordinary generic code: a store or
//! transaction over any [`Dialect`] whose driver can bind and read the
//! column types Airlock uses. (The older parts of the store expand a macro
//! per database instead; code that moves here loses the macro.)

use super::write_turns::WriteTurns;
use chrono::{DateTime, Utc};

/// A database Airlock's shared SQL runs on. The driver bounds a generic impl
/// needs (binding and reading its column types) are written on the impl:
/// Rust does not carry a trait's where clauses over to its users.
pub trait Dialect: sqlx::Database {
    /// What ends a claim's `SELECT` so that two replicas never claim one row:
    /// PostgreSQL skips rows another transaction holds; SQLite's write
    /// transaction already holds the whole database.
    const SKIP_LOCKED: &'static str;
    /// How many rows a statement changed (each driver's result has its own method).
    fn rows_affected(done: &Self::QueryResult) -> u64;
}

impl Dialect for sqlx::Sqlite {
    const SKIP_LOCKED: &'static str = "";
    fn rows_affected(done: &sqlx::sqlite::SqliteQueryResult) -> u64 {
        done.rows_affected()
    }
}

impl Dialect for sqlx::Postgres {
    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    fn rows_affected(done: &sqlx::postgres::PgQueryResult) -> u64 {
        done.rows_affected()
    }
}

/// A store that reads through a pool of dialect `D`.
pub trait Pooled: Send + Sync + 'static {
    type Db: Dialect;
    fn pool(&self) -> &sqlx::Pool<Self::Db>;
    /// The queue a statement that writes outside a transaction waits in
    /// (see `write_turns.rs`); `None` where writers need no turns.
    fn write_turns(&self) -> Option<&WriteTurns> {
        None
    }
}

impl Pooled for super::SqliteStore {
    type Db = sqlx::Sqlite;
    fn pool(&self) -> &sqlx::Pool<sqlx::Sqlite> {
        &self.pool
    }
    fn write_turns(&self) -> Option<&WriteTurns> {
        Some(&self.write_turns)
    }
}

impl Pooled for super::PostgresStore {
    type Db = sqlx::Postgres;
    fn pool(&self) -> &sqlx::Pool<sqlx::Postgres> {
        &self.pool
    }
}

/// Timestamps as both drivers store them.
pub(crate) type Time = DateTime<Utc>;
