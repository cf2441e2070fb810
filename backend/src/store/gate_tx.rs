//! `StoreTx` for both databases, written once: `impl_gate_tx!` expands per
//! typed transaction. Every statement sticks to SQL both understand.

/// An open transaction on one of the typed pools, the key audit entries
/// appended in it are sealed with (`None`: plain SHA-256), and, on SQLite,
/// its writer's turn (given back after the transaction ends: fields drop in
/// order).
pub struct GateTx<DB: sqlx::Database>(
    pub(crate) sqlx::Transaction<'static, DB>,
    pub(crate) Option<airlock_domain::audit::AuditKey>,
    pub(crate) Option<super::write_turns::WriteTurn>,
);

macro_rules! impl_gate_tx {
    ($db:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::StoreTx for $crate::store::gate_tx::GateTx<$db> {
            async fn lock_release(&mut self, id: i64, now: chrono::DateTime<chrono::Utc>) -> Result<bool, $crate::store::StoreError> {
                // A write, not a read: PostgreSQL takes the row lock, SQLite the
                // write lock, and both hold it until commit.
                let done = sqlx::query("UPDATE releases SET updated_at = $2 WHERE id = $1")
                    .bind(id).bind(now).execute(&mut *self.0).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn dossier(&mut self, id: i64) -> Result<Option<airlock_domain::gate::ReleaseDossier>, $crate::store::StoreError> {
                use $crate::store::gate_rows::*;
                let release: Option<ReleaseRow> = sqlx::query_as(
                    concat!("SELECT r.id, r.service, r.environment, r.author, r.revision, r.created_at, r.updated_at, \
                     e.protected, e.required_approvals, ", $crate::store::recorded::policy_recorded!(), " AS policy_recorded, \
                     e.approval_ttl_seconds, e.freezes FROM releases r JOIN environments e ON e.name = r.environment WHERE r.id = $1"),
                )
                .bind(id).fetch_optional(&mut *self.0).await?;
                let Some(release) = release else { return Ok(None) };
                let revisions: Vec<RevisionRow> = sqlx::query_as(
                    concat!("SELECT v.revision, v.version, v.image, v.notes, v.digest, v.edited_by, v.created_at, ",
                        $crate::store::recorded::revision_recorded!(), " AS recorded FROM release_revisions v \
                     WHERE v.release_id = $1 ORDER BY v.revision"),
                )
                .bind(id).fetch_all(&mut *self.0).await?;
                let targets: Vec<(i32, String, String)> = sqlx::query_as(
                    "SELECT revision, tenant, region FROM release_targets WHERE release_id = $1 ORDER BY revision, tenant, region",
                )
                .bind(id).fetch_all(&mut *self.0).await?;
                let reviews = $crate::store::DossierPartsTx::reviews_of(self, id).await?;
                let checklist = $crate::store::DossierPartsTx::checklist_of(self, id).await?;
                let allowed: Vec<(String, String)> = sqlx::query_as(
                    "SELECT DISTINCT tr.tenant, tr.region FROM tenant_regions tr \
                     JOIN release_targets t ON t.tenant = tr.tenant WHERE t.release_id = $1 AND t.revision = $2 \
                     ORDER BY tr.tenant, tr.region",
                )
                .bind(id).bind(release.revision).fetch_all(&mut *self.0).await?;
                let served: Vec<(String,)> =
                    sqlx::query_as("SELECT DISTINCT region FROM clusters WHERE environment = $1 ORDER BY region")
                        .bind(&release.environment).fetch_all(&mut *self.0).await?;
                let break_glass: Option<BreakGlassRow> = sqlx::query_as(concat!(
                    "SELECT b.given_by, b.reason, b.given_at, ", $crate::store::recorded::break_glass_recorded!(),
                    " AS recorded FROM break_glass b WHERE b.release_id = $1"),
                )
                .bind(id).fetch_optional(&mut *self.0).await?;
                let rows = DossierRows {
                    release, revisions, targets, reviews, checklist, allowed, break_glass,
                    served_regions: served.into_iter().map(|(r,)| r).collect(),
                };
                rows.assemble().map(Some)
            }

            async fn checklist_template(&mut self, environment: &str) -> Result<Vec<String>, $crate::store::StoreError> {
                let rows: Vec<(String,)> =
                    sqlx::query_as("SELECT text FROM checklist_templates WHERE environment = $1 ORDER BY position")
                        .bind(environment).fetch_all(&mut *self.0).await?;
                Ok(rows.into_iter().map(|(t,)| t).collect())
            }

            async fn insert_release(
                &mut self,
                author: &str,
                content: &airlock_domain::gate::ReleaseContent,
                checklist: &[String],
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<i64, $crate::store::StoreError> {
                let (id,): (i64,) = sqlx::query_as(
                    "INSERT INTO releases (service, environment, author, revision, state, created_at, updated_at) \
                     VALUES ($1, $2, $3, 1, 'blocked', $4, $4) RETURNING id",
                )
                .bind(&content.service).bind(&content.environment).bind(author).bind(now)
                .fetch_one(&mut *self.0).await?;
                for (position, text) in checklist.iter().enumerate() {
                    sqlx::query("INSERT INTO checklist_items (release_id, position, text) VALUES ($1, $2, $3)")
                        .bind(id).bind(position as i32 + 1).bind(text).execute(&mut *self.0).await?;
                }
                self.insert_revision(id, 1, content, author, now).await?;
                Ok(id)
            }

            async fn insert_revision(
                &mut self,
                id: i64,
                revision: u32,
                content: &airlock_domain::gate::ReleaseContent,
                by: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                let revision = revision as i32;
                sqlx::query(
                    "INSERT INTO release_revisions (release_id, revision, version, image, notes, digest, edited_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(id).bind(revision).bind(&content.version).bind(&content.image).bind(&content.notes)
                .bind(content.digest().as_str()).bind(by).bind(now)
                .execute(&mut *self.0).await?;
                for target in &content.targets {
                    sqlx::query("INSERT INTO release_targets (release_id, revision, tenant, region) VALUES ($1, $2, $3, $4)")
                        .bind(id).bind(revision).bind(&target.tenant).bind(&target.region)
                        .execute(&mut *self.0).await?;
                }
                sqlx::query("UPDATE releases SET revision = $2, updated_at = $3 WHERE id = $1")
                    .bind(id).bind(revision).bind(now).execute(&mut *self.0).await?;
                Ok(())
            }

            async fn link_audit(&mut self, id: i64, recorded: &$crate::store::Recorded, seq: i64) -> Result<(), $crate::store::StoreError> {
                use $crate::store::Recorded;
                let query = match recorded {
                    Recorded::Revision(revision) => sqlx::query("UPDATE release_revisions SET audit_seq = $3 WHERE release_id = $1 AND revision = $2")
                        .bind(id).bind(*revision as i32),
                    Recorded::Item(position) => sqlx::query("UPDATE checklist_items SET audit_seq = $3 WHERE release_id = $1 AND position = $2")
                        .bind(id).bind(*position as i32),
                    Recorded::Review { revision, reviewer } => sqlx::query(
                        "UPDATE reviews SET audit_seq = $4 WHERE release_id = $1 AND revision = $2 AND reviewer = $3",
                    )
                    .bind(id).bind(*revision as i32).bind(reviewer.as_str()),
                };
                query.bind(seq).execute(&mut *self.0).await?;
                Ok(())
            }

            async fn set_item(&mut self, id: i64, position: u32, check: Option<&$crate::store::ItemCheck>) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE checklist_items SET checked_by = $3, checked_at = $4, evidence_url = $5, note = $6, audit_seq = NULL \
                     WHERE release_id = $1 AND position = $2",
                )
                .bind(id).bind(position as i32)
                .bind(check.map(|c| c.by.as_str())).bind(check.map(|c| c.at))
                .bind(check.and_then(|c| c.evidence_url.as_deref())).bind(check.and_then(|c| c.note.as_deref()))
                .execute(&mut *self.0).await?;
                Ok(done.rows_affected() == 1)
            }

            async fn put_review(&mut self, id: i64, author: &str, review: &airlock_domain::gate::Review) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO reviews (release_id, release_author, revision, reviewer, reviewer_is_approver, decision, digest, comment, at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (release_id, revision, reviewer) DO UPDATE SET \
                     reviewer_is_approver = excluded.reviewer_is_approver, decision = excluded.decision, \
                     digest = excluded.digest, comment = excluded.comment, at = excluded.at, \
                     dismissed_reason = NULL, dismissed_at = NULL",
                )
                .bind(id).bind(author).bind(review.revision as i32).bind(&review.reviewer).bind(review.reviewer_is_approver)
                .bind($crate::store::gate_rows::decision_column(review.decision)).bind(review.digest.as_str())
                .bind(&review.comment).bind(review.at)
                .execute(&mut *self.0).await?;
                Ok(())
            }

            async fn dismiss_review(
                &mut self,
                id: i64,
                revision: u32,
                reviewer: &str,
                reason: &str,
                at: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE reviews SET dismissed_reason = $4, dismissed_at = $5 \
                     WHERE release_id = $1 AND revision = $2 AND reviewer = $3",
                )
                .bind(id).bind(revision as i32).bind(reviewer).bind(reason).bind(at)
                .execute(&mut *self.0).await?;
                Ok(())
            }

            async fn set_state(&mut self, id: i64, state: airlock_domain::gate::ReleaseState) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE releases SET state = $2 WHERE id = $1")
                    .bind(id).bind(state.as_str()).execute(&mut *self.0).await?;
                Ok(())
            }

            async fn unrecorded_policies(&mut self, never_recorded: bool) -> Result<Vec<(String, String)>, $crate::store::StoreError> {
                let rows: Vec<(String, bool, i32, Option<i64>, String)> = sqlx::query_as(concat!(
                    "SELECT e.name, e.protected, e.required_approvals, e.approval_ttl_seconds, e.freezes FROM environments e WHERE NOT ",
                    $crate::store::recorded::policy_recorded!(),
                    " AND (NOT $1 OR NOT EXISTS (SELECT 1 FROM audit_log p WHERE p.subject = 'environment/' || e.name \
                     AND p.action = 'policy.set')) ORDER BY e.position",
                ))
                .bind(never_recorded).fetch_all(&mut *self.0).await?;
                Ok(rows.into_iter().map(|(name, protected, required_approvals, ttl, freezes)| {
                    let ttl = ttl.and_then(|s| u64::try_from(s).ok());
                    let approvals = u32::try_from(required_approvals).unwrap_or(0);
                    (name, airlock_domain::gate::policy_record(protected, approvals, ttl, &freezes))
                }).collect())
            }

            async fn append_audit(&mut self, draft: airlock_domain::audit::AuditDraft) -> Result<airlock_domain::audit::AuditEntry, $crate::store::StoreError> {
                use airlock_domain::audit::{truncate_to_micros, AuditEntry};
                // Taking the next number locks the head row: appends queue here
                // and each one links to the entry committed just before it.
                let (seq, prev_hash): (i64, String) =
                    sqlx::query_as("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash")
                        .fetch_one(&mut *self.0).await?;
                // Stamped while holding the head lock, so times rise with `seq`.
                let at = truncate_to_micros(draft.at.max(chrono::Utc::now()));
                let entry = AuditEntry::chained(airlock_domain::audit::AuditDraft { at, ..draft }, seq, prev_hash, self.1.as_ref());
                sqlx::query(
                    "INSERT INTO audit_log (seq, at, actor, action, subject, before_state, after_state, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(entry.seq).bind(entry.at).bind(&entry.actor).bind(&entry.action).bind(&entry.subject)
                .bind(entry.before.as_deref()).bind(entry.after.as_deref()).bind(&entry.prev_hash).bind(&entry.hash)
                .execute(&mut *self.0).await?;
                sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(&entry.hash).execute(&mut *self.0).await?;
                Ok(entry)
            }

            async fn insert_token(&mut self, token: &$crate::store::StoredToken, token_hash: &str) -> Result<(), $crate::store::StoreError> {
                let roles = token.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(" ");
                sqlx::query(
                    "INSERT INTO api_tokens (name, token_hash, roles, tenants, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                    .bind(&token.name).bind(token_hash).bind(roles).bind(token.tenants.join(" ")).bind(token.created_at)
                    .bind(token.expires_at)
                    .execute(&mut *self.0).await?;
                Ok(())
            }

            async fn commit(self: Box<Self>) -> Result<(), $crate::store::StoreError> {
                let $crate::store::gate_tx::GateTx(tx, _, turn) = *self;
                tx.commit().await?;
                // The next writer's turn begins once this commit let the lock go.
                drop(turn);
                Ok(())
            }
        }
    };
}
