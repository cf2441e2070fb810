-- Gate integrity: nobody who made any revision of a release may review it,
-- a service account's approval is refused outright, approvals can be
-- dismissed (with the reason) when the evidence they saw changes, and tokens
-- expire and record when they were last used.

ALTER TABLE reviews ADD COLUMN dismissed_reason TEXT CHECK (length(dismissed_reason) <= 1000);
ALTER TABLE reviews ADD COLUMN dismissed_at TIMESTAMPTZ;

-- The service refuses these first; the trigger keeps a bug above the
-- database (or a hand-written INSERT) from recording them anyway.
CREATE FUNCTION reviews_refuse_contributors_and_service_accounts() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM release_revisions WHERE release_id = NEW.release_id AND edited_by = NEW.reviewer) THEN
        RAISE EXCEPTION 'someone who made a revision of a release cannot review it' USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.decision = 'approve' AND NEW.reviewer LIKE 'token:%' THEN
        RAISE EXCEPTION 'a service account cannot approve a release' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER reviews_refuse_contributors_and_service_accounts
BEFORE INSERT OR UPDATE OF reviewer, decision, revision ON reviews
FOR EACH ROW EXECUTE FUNCTION reviews_refuse_contributors_and_service_accounts();

-- Tokens made before expiry existed keep working until revoked (NULL).
ALTER TABLE api_tokens ADD COLUMN expires_at TIMESTAMPTZ;
ALTER TABLE api_tokens ADD COLUMN last_used_at TIMESTAMPTZ;
