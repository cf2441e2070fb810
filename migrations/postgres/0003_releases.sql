-- Releases, their revisions, checklists and reviews; the audit log; API tokens.
-- The gate's key rules are enforced here as well as in the domain code, so a
-- bug above the database still cannot record a self-approval or count one
-- person twice.

CREATE TABLE checklist_templates (
    environment TEXT NOT NULL REFERENCES environments (name) ON DELETE CASCADE,
    position    INTEGER NOT NULL CHECK (position >= 1),
    text        TEXT NOT NULL CHECK (length(text) BETWEEN 1 AND 500),
    PRIMARY KEY (environment, position)
);

CREATE TABLE releases (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service     TEXT NOT NULL REFERENCES services (name),
    environment TEXT NOT NULL REFERENCES environments (name),
    author      TEXT NOT NULL CHECK (length(author) >= 1),
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    state       TEXT NOT NULL CHECK (state IN ('blocked', 'rejected', 'ready')),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL,
    -- Lets reviews name the author in a foreign key (see reviews).
    UNIQUE (id, author)
);
CREATE INDEX releases_by_environment ON releases (environment, id);
CREATE INDEX releases_by_service ON releases (service, id);

CREATE TABLE release_revisions (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    revision   INTEGER NOT NULL CHECK (revision >= 1),
    version    TEXT NOT NULL CHECK (length(version) BETWEEN 1 AND 64),
    image      TEXT NOT NULL CHECK (length(image) BETWEEN 1 AND 255),
    notes      TEXT NOT NULL CHECK (length(notes) <= 4000),
    digest     TEXT NOT NULL CHECK (length(digest) = 64),
    edited_by  TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (release_id, revision)
);

CREATE TABLE release_targets (
    release_id BIGINT NOT NULL,
    revision   INTEGER NOT NULL,
    tenant     TEXT NOT NULL REFERENCES tenants (slug),
    region     TEXT NOT NULL REFERENCES regions (name),
    PRIMARY KEY (release_id, revision, tenant, region),
    FOREIGN KEY (release_id, revision) REFERENCES release_revisions (release_id, revision)
);

CREATE TABLE checklist_items (
    release_id   BIGINT NOT NULL REFERENCES releases (id),
    position     INTEGER NOT NULL CHECK (position >= 1),
    text         TEXT NOT NULL,
    checked_by   TEXT,
    checked_at   TIMESTAMPTZ,
    evidence_url TEXT CHECK (length(evidence_url) <= 2000),
    note         TEXT CHECK (length(note) <= 2000),
    PRIMARY KEY (release_id, position),
    -- A check always names a person and a time.
    CHECK ((checked_by IS NULL) = (checked_at IS NULL))
);

CREATE TABLE reviews (
    id                   BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id           BIGINT NOT NULL,
    release_author       TEXT NOT NULL,
    revision             INTEGER NOT NULL,
    reviewer             TEXT NOT NULL CHECK (length(reviewer) >= 1),
    reviewer_is_approver BOOLEAN NOT NULL,
    decision             TEXT NOT NULL CHECK (decision IN ('approve', 'reject')),
    digest               TEXT NOT NULL CHECK (length(digest) = 64),
    comment              TEXT NOT NULL CHECK (length(comment) <= 2000),
    at                   TIMESTAMPTZ NOT NULL,
    -- One review per person per revision: approving twice counts once.
    UNIQUE (release_id, revision, reviewer),
    -- No self-review. The foreign key makes `release_author` the real author.
    CHECK (reviewer <> release_author),
    FOREIGN KEY (release_id, release_author) REFERENCES releases (id, author),
    FOREIGN KEY (release_id, revision) REFERENCES release_revisions (release_id, revision)
);

CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    before_state TEXT,
    after_state  TEXT,
    prev_hash    TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_by_subject ON audit_log (subject, seq);
CREATE INDEX audit_log_by_actor ON audit_log (actor, seq);

-- The latest append. Every append locks this one row, so entries are chained
-- strictly one after another, and deleting the newest entries is detectable.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never updates or deletes entries. (The hash
-- chain is what catches someone who drops these triggers first.)
CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_is_append_only
BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

CREATE TABLE api_tokens (
    name       TEXT PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
    -- SHA-256 of the token; the token itself is shown once and never stored.
    token_hash TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    roles      TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
