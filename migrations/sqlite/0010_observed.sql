-- What the clusters report runs, kept apart from `deployments` (what
-- Airlock released): one row per tenant × environment × region × service
-- as last observed, and every change of its version or health.

CREATE TABLE observed_workloads (
    tenant       TEXT NOT NULL REFERENCES tenants (slug) ON DELETE CASCADE,
    environment  TEXT NOT NULL,
    region       TEXT NOT NULL,
    service      TEXT NOT NULL,
    cluster      TEXT NOT NULL REFERENCES clusters (name) ON DELETE CASCADE,
    version      TEXT,
    health       TEXT NOT NULL CHECK (health IN ('healthy', 'progressing', 'unknown', 'degraded', 'missing')),
    reason       TEXT,
    desired      INTEGER NOT NULL CHECK (desired >= 0),
    updated      INTEGER NOT NULL CHECK (updated >= 0),
    ready        INTEGER NOT NULL CHECK (ready >= 0),
    available    INTEGER NOT NULL CHECK (available >= 0),
    changed_at   TEXT NOT NULL,
    observed_at  TEXT NOT NULL,
    PRIMARY KEY (tenant, environment, region, service)
);
CREATE INDEX observed_workloads_by_cluster ON observed_workloads (cluster);

CREATE TABLE observed_transitions (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant           TEXT NOT NULL REFERENCES tenants (slug) ON DELETE CASCADE,
    environment      TEXT NOT NULL,
    region           TEXT NOT NULL,
    service          TEXT NOT NULL,
    at               TEXT NOT NULL,
    version          TEXT,
    health           TEXT NOT NULL CHECK (health IN ('healthy', 'progressing', 'unknown', 'degraded', 'missing')),
    reason           TEXT,
    intended_version TEXT
);
CREATE INDEX observed_transitions_by_tenant ON observed_transitions (tenant, id);

-- Verifying after deploy: how long a target's observed health is watched
-- after its Job succeeded before the next wave starts, and whether turning
-- degraded (or missing) meanwhile rolls it back on its own.
ALTER TABLE environments ADD COLUMN bake_seconds BIGINT CHECK (bake_seconds IS NULL OR bake_seconds > 0);
ALTER TABLE environments ADD COLUMN rollback_on TEXT CHECK (rollback_on IS NULL OR (rollback_on = 'degraded' AND bake_seconds IS NOT NULL));
-- Each succeeded deploy's bake: until when, when it ended and how. A bake
-- ends once (the verifier only ends one that has not ended).
ALTER TABLE jobs ADD COLUMN bake_until TEXT;
ALTER TABLE jobs ADD COLUMN baked_at TEXT;
ALTER TABLE jobs ADD COLUMN bake_outcome TEXT;
CREATE INDEX jobs_baking ON jobs (bake_until) WHERE baked_at IS NULL AND bake_until IS NOT NULL;

-- A failed Job's Pod events and the end of its log, as read from the
-- cluster when it failed (capped in size): kept with the job's record only.
ALTER TABLE jobs ADD COLUMN failure_detail TEXT;
