//! `ReleaseStore` for both databases, written once: `impl_gate_reads!`
//! expands per store. Writes go through a transaction (`gate_tx.rs`).

/// The newest releases a list shows at most.
pub const RELEASE_LIST_MAX: i64 = 200;
/// Audit entries read per query while verifying.
pub const AUDIT_WALK_PAGE: i64 = 1_000;

macro_rules! impl_gate_reads {
    ($store:ty, $db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::ReleaseStore for $store {
            async fn begin(&self) -> Result<Box<dyn $crate::store::StoreTx>, $crate::store::StoreError> {
                let (tx, turn) = self.begin_write().await?;
                Ok(Box::new($crate::store::gate_tx::GateTx(tx, self.audit_key.clone(), turn)))
            }

            async fn dossier(&self, id: i64) -> Result<Option<airlock_domain::gate::ReleaseDossier>, $crate::store::StoreError> {
                // A read-only transaction, so all the queries see one snapshot.
                let mut tx = $crate::store::gate_tx::GateTx(self.pool.begin().await?, None, None);
                $crate::store::StoreTx::dossier(&mut tx, id).await
            }

            async fn releases(
                &self,
                filter: &$crate::store::ReleaseFilter,
            ) -> Result<Vec<$crate::store::ReleaseSummary>, $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT r.id, r.service, v.version, r.environment, r.author, r.revision, r.state, \
                     (SELECT COUNT(*) FROM release_targets t WHERE t.release_id = r.id AND t.revision = r.revision), \
                     r.updated_at, EXISTS (SELECT 1 FROM break_glass b WHERE b.release_id = r.id) FROM releases r \
                     JOIN release_revisions v ON v.release_id = r.id AND v.revision = r.revision WHERE 1 = 1",
                );
                if let Some(environment) = &filter.environment {
                    query.push(" AND r.environment = ").push_bind(environment.clone());
                }
                if let Some(service) = &filter.service {
                    query.push(" AND r.service = ").push_bind(service.clone());
                }
                if let Some(state) = filter.state {
                    query.push(" AND r.state = ").push_bind(state.as_str());
                }
                if let Some(tenants) = &filter.within_tenants {
                    // No revision may target a tenant outside the list: the
                    // page shows the whole history, so every revision counts.
                    query.push(" AND NOT EXISTS (SELECT 1 FROM release_targets t WHERE t.release_id = r.id");
                    if !tenants.is_empty() {
                        query.push(" AND t.tenant NOT IN (");
                        let mut list = query.separated(", ");
                        for tenant in tenants {
                            list.push_bind(tenant.clone());
                        }
                        list.push_unseparated(")");
                    }
                    query.push(")");
                }
                query.push(" ORDER BY r.id DESC LIMIT ").push_bind($crate::store::gate_reads::RELEASE_LIST_MAX);
                type Row = (i64, String, String, String, String, i32, String, i64, chrono::DateTime<chrono::Utc>, bool);
                let rows: Vec<Row> = query.build_query_as().fetch_all(&self.pool).await?;
                rows.into_iter()
                    .map(|(id, service, version, environment, author, revision, state, targets, updated_at, break_glass)| {
                        let state = airlock_domain::gate::ReleaseState::parse(&state)
                            .ok_or_else(|| $crate::store::StoreError::Corrupt(format!("release {id} has state {state:?}")))?;
                        Ok($crate::store::ReleaseSummary {
                            id,
                            service,
                            version,
                            environment,
                            author,
                            state,
                            updated_at,
                            revision: u32::try_from(revision).unwrap_or_default(),
                            targets: u32::try_from(targets).unwrap_or_default(),
                            break_glass,
                        })
                    })
                    .collect()
            }

            async fn audit_entries(
                &self,
                filter: &$crate::store::AuditFilter,
            ) -> Result<Vec<airlock_domain::audit::AuditEntry>, $crate::store::StoreError> {
                let mut query = sqlx::QueryBuilder::<$db>::new(
                    "SELECT seq, at, actor, action, subject, before_state, after_state, prev_hash, hash FROM audit_log WHERE 1 = 1",
                );
                if let Some(actor) = &filter.actor {
                    query.push(" AND actor = ").push_bind(actor.clone());
                }
                if let Some(action) = &filter.action {
                    query.push(" AND action = ").push_bind(action.clone());
                }
                if let Some(subject) = &filter.subject {
                    query.push(" AND subject = ").push_bind(subject.clone());
                }
                if let Some(before) = filter.before_seq {
                    query.push(" AND seq < ").push_bind(before);
                }
                let limit = filter.limit.clamp(1, $crate::store::AUDIT_PAGE_MAX);
                query.push(" ORDER BY seq DESC LIMIT ").push_bind(i64::from(limit));
                let rows: Vec<$crate::store::gate_reads::AuditRow> = query.build_query_as().fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(Into::into).collect())
            }

            async fn unrecorded_rows(&self) -> Result<Vec<$crate::store::UnrecordedRow>, $crate::store::StoreError> {
                let rows: Vec<(String, String)> = sqlx::query_as(concat!(
                    "SELECT 'environment ' || e.name, 'its gate policy (protected, approvals needed)' FROM environments e WHERE NOT ",
                    $crate::store::recorded::policy_recorded!(),
                    " UNION ALL SELECT 'release ' || v.release_id, 'revision ' || v.revision || ' by ' || v.edited_by \
                     FROM release_revisions v WHERE NOT ",
                    $crate::store::recorded::revision_recorded!(),
                    " UNION ALL SELECT 'release ' || r.release_id, r.decision || ' of revision ' || r.revision || ' by ' || r.reviewer \
                     FROM reviews r WHERE NOT ",
                    $crate::store::recorded::review_recorded!(),
                    " UNION ALL SELECT 'release ' || i.release_id, 'check of item ' || i.position || ' by ' || i.checked_by FROM checklist_items i \
                     WHERE i.checked_by IS NOT NULL AND NOT ",
                    $crate::store::recorded::item_recorded!(),
                    " ORDER BY 1, 2",
                ))
                .fetch_all(&self.pool).await?;
                Ok(rows.into_iter().map(|(subject, what)| $crate::store::UnrecordedRow { subject, what }).collect())
            }

            fn audit_key(&self) -> Option<&airlock_domain::audit::AuditKey> {
                self.audit_key.as_ref()
            }

            async fn audit_walk(
                &self,
                from_seq: i64,
                visit: &mut (dyn for<'e> FnMut(&'e airlock_domain::audit::AuditEntry) -> bool + Send),
            ) -> Result<(i64, String), $crate::store::StoreError> {
                // One snapshot for the head and every page, so appends made
                // meanwhile can look neither like a truncated log nor like a
                // head that lags; pages keep memory flat however long the log.
                let mut tx = self.begin_snapshot().await?;
                let head: (i64, String) = sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(&mut *tx).await?;
                let mut after = from_seq - 1;
                loop {
                    let rows: Vec<$crate::store::gate_reads::AuditRow> = sqlx::query_as(
                        "SELECT seq, at, actor, action, subject, before_state, after_state, prev_hash, hash FROM audit_log \
                         WHERE seq > $1 ORDER BY seq LIMIT $2",
                    )
                    .bind(after)
                    .bind($crate::store::gate_reads::AUDIT_WALK_PAGE)
                    .fetch_all(&mut *tx)
                    .await?;
                    let Some(last) = rows.last().map(|r| r.seq) else { break };
                    let full_page = rows.len() as i64 == $crate::store::gate_reads::AUDIT_WALK_PAGE;
                    for row in rows {
                        if !visit(&row.into()) {
                            return Ok(head);
                        }
                    }
                    if !full_page {
                        break;
                    }
                    after = last;
                }
                Ok(head)
            }

            async fn token_by_hash(&self, token_hash: &str) -> Result<Option<$crate::store::StoredToken>, $crate::store::StoreError> {
                let row: Option<$crate::store::auth_sql::TokenRow> =
                    sqlx::query_as(concat!($crate::store::auth_sql::TOKEN_COLUMNS!(), " WHERE token_hash = $1"))
                        .bind(token_hash)
                        .fetch_optional(&self.pool)
                        .await?;
                row.map($crate::store::auth_sql::token).transpose()
            }

            async fn token_used(&self, name: &str, now: chrono::DateTime<chrono::Utc>) -> Result<(), $crate::store::StoreError> {
                let _turn = $crate::store::write_turns::turn_in($crate::store::dialect::Pooled::write_turns(self)).await?;
                sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE name = $1").bind(name).bind(now).execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

#[derive(sqlx::FromRow)]
pub(crate) struct AuditRow {
    pub(crate) seq: i64,
    at: chrono::DateTime<chrono::Utc>,
    actor: String,
    action: String,
    subject: String,
    before_state: Option<String>,
    after_state: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<AuditRow> for airlock_domain::audit::AuditEntry {
    fn from(row: AuditRow) -> Self {
        airlock_domain::audit::AuditEntry {
            seq: row.seq,
            at: row.at,
            actor: row.actor,
            action: row.action,
            subject: row.subject,
            before: row.before_state,
            after: row.after_state,
            prev_hash: row.prev_hash,
            hash: row.hash,
        }
    }
}
