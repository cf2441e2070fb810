//! tower-sessions' store over Airlock's own database (SQLite or PostgreSQL),
//! so sessions need nothing besides what Airlock already runs, and each row
//! names its person: an admin can end all of someone's sessions at once.

use super::session_memory::SessionMemory;
use super::{SignedInUser, USER_KEY};
use crate::store::{SessionRow, Store, StoreError};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

#[derive(Clone)]
pub struct DatabaseSessions {
    store: Arc<dyn Store>,
    /// Set only where this process is the database's one server.
    memory: Option<Arc<SessionMemory>>,
}

impl std::fmt::Debug for DatabaseSessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSessions").field("database", &self.store.kind()).finish()
    }
}

impl crate::Backend {
    /// The session store: every read goes to the database.
    pub fn sessions(&self) -> DatabaseSessions {
        DatabaseSessions { store: self.store.clone(), memory: None }
    }

    /// The session store for a server that is its database's only one (it
    /// holds the embedded database's lock): sessions are also kept in memory
    /// (`session_memory`), and a request reads the database only for a
    /// session this process has not seen yet.
    pub fn sessions_of_sole_server(&self) -> DatabaseSessions {
        DatabaseSessions { store: self.store.clone(), memory: Some(self.session_memory.clone()) }
    }
}

impl DatabaseSessions {
    /// Where memory's count of ended sessions stands (when this store keeps any).
    fn endings(&self) -> Option<u64> {
        self.memory.as_ref().map(|m| m.endings())
    }

    /// Keeps `record` in memory (when this store keeps any), as the database
    /// now has it, unless a session ended since `endings`.
    fn keep(&self, endings: Option<u64>, record: &Record) {
        if let (Some(memory), Some(endings)) = (&self.memory, endings) {
            memory.keep(endings, record);
        }
    }

    /// Removes expired sessions; the server calls it now and then.
    pub async fn delete_expired(&self) -> Result<u64, StoreError> {
        self.store.delete_expired_sessions(Utc::now()).await
    }
}

fn backend_error(error: impl std::fmt::Display) -> session_store::Error {
    // The cause is logged by the caller's layer; the message names no secret.
    session_store::Error::Backend(error.to_string())
}

fn row(record: &Record) -> Result<SessionRow, session_store::Error> {
    let person = record
        .data
        .get(USER_KEY)
        .and_then(|value| serde_json::from_value::<SignedInUser>(value.clone()).ok())
        .map(|user| user.identity.name);
    let data = serde_json::to_string(&record.data).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    let expires_at = DateTime::from_timestamp(record.expiry_date.unix_timestamp(), 0).unwrap_or_else(Utc::now);
    Ok(SessionRow { id: record.id.to_string(), person, data, expires_at })
}

#[async_trait::async_trait]
impl SessionStore for DatabaseSessions {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // Ids are 128 random bits; a clash is astronomically rare, but a
        // session must never be written over someone else's.
        let endings = self.endings();
        loop {
            if self.store.insert_session(&row(record)?).await.map_err(backend_error)? {
                self.keep(endings, record);
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let endings = self.endings();
        self.store.save_session(&row(record)?).await.map_err(backend_error)?;
        self.keep(endings, record);
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        if let Some(record) = self.memory.as_ref().and_then(|m| m.get(id, Utc::now().timestamp())) {
            return Ok(Some(record));
        }
        let endings = self.endings();
        let Some(stored) = self.store.session(&id.to_string()).await.map_err(backend_error)? else {
            return Ok(None);
        };
        if stored.expires_at <= Utc::now() {
            return Ok(None);
        }
        let data: HashMap<String, serde_json::Value> =
            serde_json::from_str(&stored.data).map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let expiry_date = time::OffsetDateTime::from_unix_timestamp(stored.expires_at.timestamp())
            .map_err(|e| session_store::Error::Decode(e.to_string()))?;
        let record = Record { id: *id, data, expiry_date };
        self.keep(endings, &record);
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        // Forgotten before and after: a read that overlaps the delete, and
        // so may have seen the row, is never kept.
        let forget = || self.memory.iter().for_each(|memory| memory.forget(id));
        forget();
        let deleted = self.store.delete_session(&id.to_string()).await.map_err(backend_error);
        forget();
        deleted
    }
}
