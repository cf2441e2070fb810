-- Provider accounts whose first sign-in resembled a person Airlock already
-- knows (the same e-mail address, or the username their handle came from).
-- Such an account gets no handle of its own until an admin decides: merged
-- into that person (it signs in as them), allowed (a person of its own) or
-- blocked. Without this, a second account at the provider would be a second
-- person, who could approve the first one's releases.
CREATE TABLE held_accounts (
    issuer        TEXT NOT NULL,
    subject       TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('held', 'blocked', 'allowed', 'merged')),
    -- The person it resembles; a merged account signs in as them.
    resembles     TEXT NOT NULL REFERENCES people (handle),
    resemblance   TEXT NOT NULL CHECK (resemblance IN ('same_email', 'same_username')),
    display_name  TEXT,
    email         TEXT,
    username      TEXT,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    decided_by    TEXT,
    decided_at    TIMESTAMPTZ,
    PRIMARY KEY (issuer, subject),
    -- Only an admin's decision moves an account out of "held".
    CHECK (state = 'held' OR (decided_by IS NOT NULL AND decided_at IS NOT NULL))
);
CREATE INDEX held_accounts_by_state ON held_accounts (state);

-- A first sign-in looks for a person with its e-mail address, whatever the case.
CREATE INDEX people_by_email ON people (lower(email));
