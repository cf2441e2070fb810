-- Sign-in: the people who have signed in through the identity provider, their
-- sessions (tower-sessions records, kept in the same database), and tenant
-- scoping and revocation for service-account tokens.

CREATE TABLE people (
    -- The name Airlock knows them by: audit entries, reviews and the gate
    -- compare it. Chosen at first sign-in and never reused for anyone else.
    handle          TEXT PRIMARY KEY CHECK (length(handle) BETWEEN 1 AND 64),
    issuer          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    display_name    TEXT,
    email           TEXT,
    -- As of the last sign-in: roles (space-separated), administered tenants
    -- and the provider's groups they came from.
    roles           TEXT NOT NULL,
    tenants         TEXT NOT NULL,
    groups          TEXT NOT NULL,
    first_seen_at   TIMESTAMPTZ NOT NULL,
    last_sign_in_at TIMESTAMPTZ NOT NULL,
    UNIQUE (issuer, subject)
);

CREATE TABLE sessions (
    id         TEXT PRIMARY KEY,
    -- Whose session it is, once signed in; lets an admin end them all.
    person     TEXT,
    data       TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_by_person ON sessions (person);
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

ALTER TABLE api_tokens ADD COLUMN tenants TEXT NOT NULL DEFAULT '';
ALTER TABLE api_tokens ADD COLUMN revoked_at TIMESTAMPTZ;
