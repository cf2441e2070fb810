-- Dispatch: an outbox of jobs written in the gate's transaction, a worker that
-- sends them, watchers that record what the clusters report. The key rules
-- hold here as well as in the services: a revision is deployed at most once,
-- a job never targets a region outside its tenant's, a Kubernetes name is
-- never used twice in one namespace, and a deploy needs a release whose gate
-- is open.

-- How an environment rolls a release out, whether Airlock may create tenant
-- namespaces in its clusters, and who may roll back.
ALTER TABLE environments ADD COLUMN rollout TEXT NOT NULL DEFAULT 'all_at_once'
    CHECK (rollout IN ('all_at_once', 'by_region'));
ALTER TABLE environments ADD COLUMN creates_namespaces BOOLEAN NOT NULL DEFAULT FALSE;
-- Who may roll back without fresh approvals (always audited): release managers,
-- or nobody (an earlier version goes back through the gate as a new release).
ALTER TABLE environments ADD COLUMN rollback TEXT NOT NULL DEFAULT 'release_managers'
    CHECK (rollback IN ('release_managers', 'through_the_gate'));

-- The Job template of an environment (YAML, validated before it is stored).
CREATE TABLE job_templates (
    environment TEXT PRIMARY KEY REFERENCES environments (name) ON DELETE CASCADE,
    template    TEXT NOT NULL CHECK (length(template) BETWEEN 1 AND 65536),
    updated_by  TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- What the last connection check of each cluster found (any replica may have made it).
CREATE TABLE cluster_status (
    cluster    TEXT PRIMARY KEY REFERENCES clusters (name) ON DELETE CASCADE,
    reachable  BOOLEAN NOT NULL,
    version    TEXT,
    error      TEXT,
    checked_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE dispatches (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    release_id   BIGINT NOT NULL REFERENCES releases (id),
    revision     INTEGER NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
    requested_by TEXT NOT NULL,
    requested_at TIMESTAMPTZ NOT NULL,
    audit_seq    BIGINT NOT NULL UNIQUE REFERENCES audit_log (seq),
    FOREIGN KEY (release_id, revision) REFERENCES release_revisions (release_id, revision)
);
-- A revision is deployed at most once, whatever races to dispatch it.
CREATE UNIQUE INDEX dispatches_one_deploy_per_revision ON dispatches (release_id, revision) WHERE kind = 'deploy';

-- A deploy needs the gate open on the revision it names. The service decides
-- with the domain's gate first; this refuses a bug above the database.
CREATE FUNCTION dispatches_need_open_gate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.kind = 'deploy' AND NOT EXISTS (
        SELECT 1 FROM releases WHERE id = NEW.release_id AND revision = NEW.revision AND state = 'ready'
    ) THEN
        RAISE EXCEPTION 'a release can be deployed only when its gate is open' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER dispatches_need_open_gate BEFORE INSERT ON dispatches
FOR EACH ROW EXECUTE FUNCTION dispatches_need_open_gate();

CREATE TABLE jobs (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dispatch_id     BIGINT NOT NULL REFERENCES dispatches (id),
    release_id      BIGINT NOT NULL REFERENCES releases (id),
    revision        INTEGER NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('deploy', 'rollback')),
    environment     TEXT NOT NULL REFERENCES environments (name),
    service         TEXT NOT NULL REFERENCES services (name),
    tenant          TEXT NOT NULL,
    region          TEXT NOT NULL,
    cluster         TEXT NOT NULL REFERENCES clusters (name),
    namespace       TEXT NOT NULL,
    name            TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 63),
    version         TEXT NOT NULL,
    image           TEXT NOT NULL,
    wave            INTEGER NOT NULL CHECK (wave >= 1),
    -- The Job exactly as it is sent, rendered in the dispatch's transaction.
    manifest        TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('queued', 'created', 'running', 'succeeded', 'failed', 'skipped')),
    reason          TEXT CHECK (length(reason) <= 2000),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    -- A worker holds a queued job until then; a crashed worker's claim lapses.
    claimed_until   TIMESTAMPTZ,
    queued_at       TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ,
    started_at      TIMESTAMPTZ,
    finished_at     TIMESTAMPTZ,
    UNIQUE (release_id, revision, kind, tenant, region),
    UNIQUE (cluster, namespace, name),
    -- Nothing may ever be sent for a tenant outside its allowed regions.
    FOREIGN KEY (tenant, region) REFERENCES tenant_regions (tenant, region)
);
CREATE INDEX jobs_to_send ON jobs (state, next_attempt_at);
CREATE INDEX jobs_by_release ON jobs (release_id, id);
CREATE INDEX jobs_by_cluster ON jobs (cluster, state);
