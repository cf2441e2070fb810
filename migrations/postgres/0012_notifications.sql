-- Telling the outside: the world file's webhooks (kept whole, as its
-- access map is), and one outbox row per event and receiver, written in the
-- transaction of the change it describes and delivered at least once by a
-- worker. The delivery id is the receiver's deduplication key: the same on
-- every attempt.

ALTER TABLE world_settings ADD COLUMN notifications TEXT;

-- A person who turned e-mail off gets none (`AIRLOCK_SMTP_URL`).
ALTER TABLE people ADD COLUMN mail_off BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE deliveries (
    seq             BIGSERIAL PRIMARY KEY,
    delivery_id     TEXT NOT NULL UNIQUE,
    -- `webhook:<name>` or `mail:<handle>`.
    receiver        TEXT NOT NULL,
    event           TEXT NOT NULL,
    release_id      BIGINT NOT NULL REFERENCES releases (id),
    -- The audit entry of the change (none for gate.opened: the verdict moved).
    audit_seq       BIGINT,
    payload         TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_status     BIGINT,
    last_error      TEXT,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    claimed_until   TIMESTAMPTZ,
    delivered_at    TIMESTAMPTZ
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
-- Per receiver and release, in order: a delivery waits for the ones before it.
CREATE INDEX deliveries_in_order ON deliveries (receiver, release_id, seq) WHERE state = 'pending';
