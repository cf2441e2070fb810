-- Gate integrity: nobody who made any revision of a release may review it,
-- a service account's approval is refused outright, approvals can be
-- dismissed (with the reason) when the evidence they saw changes, and tokens
-- expire and record when they were last used.

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

-- Tokens made before expiry existed keep working until revoked (NULL).
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
