-- Gate integrity: nobody who made any revision of a release may review it,
-- a service account's approval is refused outright, approvals can be
-- dismissed (with the reason) when the evidence they saw changes, and tokens
-- expire and record when they were last used, and no gate row counts unless
-- the audit log records it.

ALTER TABLE reviews ADD COLUMN dismissed_reason TEXT CHECK (length(dismissed_reason) <= 1000);
ALTER TABLE reviews ADD COLUMN dismissed_at TEXT;

-- The service refuses these first; the triggers keep a bug above the
-- database (or a hand-written INSERT) from recording them anyway.
CREATE TRIGGER reviews_refuse_contributors_insert BEFORE INSERT ON reviews
WHEN EXISTS (SELECT 1 FROM release_revisions WHERE release_id = NEW.release_id AND edited_by = NEW.reviewer)
BEGIN
    SELECT RAISE(ABORT, 'someone who made a revision of a release cannot review it');
END;
CREATE TRIGGER reviews_refuse_contributors_update BEFORE UPDATE OF reviewer, decision, revision ON reviews
WHEN EXISTS (SELECT 1 FROM release_revisions WHERE release_id = NEW.release_id AND edited_by = NEW.reviewer)
BEGIN
    SELECT RAISE(ABORT, 'someone who made a revision of a release cannot review it');
END;
CREATE TRIGGER reviews_refuse_service_account_approvals_insert BEFORE INSERT ON reviews
WHEN NEW.decision = 'approve' AND NEW.reviewer LIKE 'token:%'
BEGIN
    SELECT RAISE(ABORT, 'a service account cannot approve a release');
END;
CREATE TRIGGER reviews_refuse_service_account_approvals_update BEFORE UPDATE OF reviewer, decision ON reviews
WHEN NEW.decision = 'approve' AND NEW.reviewer LIKE 'token:%'
BEGIN
    SELECT RAISE(ABORT, 'a service account cannot approve a release');
END;

-- Every revision, review and checklist tick points at the audit entry that
-- records it; the gate counts a row only if that entry exists and agrees
-- (backend/src/store/recorded.rs), and `airlock audit verify` reports any
-- that does not. Rows made before this migration are linked to the entry
-- that recorded them.
ALTER TABLE release_revisions ADD COLUMN audit_seq INTEGER REFERENCES audit_log (seq);
ALTER TABLE reviews ADD COLUMN audit_seq INTEGER REFERENCES audit_log (seq);
ALTER TABLE checklist_items ADD COLUMN audit_seq INTEGER REFERENCES audit_log (seq);
-- One entry records one row: an entry cannot vouch for a second, forged one.
CREATE UNIQUE INDEX release_revisions_by_audit_seq ON release_revisions (audit_seq);
CREATE UNIQUE INDEX reviews_by_audit_seq ON reviews (audit_seq);
CREATE UNIQUE INDEX checklist_items_by_audit_seq ON checklist_items (audit_seq);

-- Revision N is the Nth release.created / release.edited entry of its release.
UPDATE release_revisions SET audit_seq = (
    SELECT a.seq FROM audit_log a
    WHERE a.subject = 'release/' || release_revisions.release_id
      AND a.action IN ('release.created', 'release.edited')
      AND (SELECT COUNT(*) FROM audit_log b
           WHERE b.subject = a.subject AND b.action IN ('release.created', 'release.edited') AND b.seq <= a.seq)
          = release_revisions.revision
);
-- A review (and a check) is recorded by the newest matching entry.
UPDATE reviews SET audit_seq = (
    SELECT MAX(a.seq) FROM audit_log a
    WHERE a.subject = 'release/' || reviews.release_id AND a.actor = reviews.reviewer
      AND a.action = CASE reviews.decision WHEN 'approve' THEN 'review.approved' ELSE 'review.rejected' END
      AND a.after_state LIKE '%"revision":' || reviews.revision || ',%'
);
UPDATE checklist_items SET audit_seq = (
    SELECT MAX(a.seq) FROM audit_log a
    WHERE a.subject = 'release/' || checklist_items.release_id || '/checklist/' || checklist_items.position
      AND a.action = 'checklist.checked' AND a.actor = checklist_items.checked_by
) WHERE checked_by IS NOT NULL;

-- Tokens made before expiry existed keep working until revoked (NULL).
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
