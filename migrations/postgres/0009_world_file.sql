-- The world as one reviewed file (`airlock apply`): what environments
-- decide besides their approvals, tenant admins per tenant, who holds which
-- role, the path each job template was read from, and break-glass.

-- An approval older than this stops counting (NULL: approvals never expire).
ALTER TABLE environments ADD COLUMN approval_ttl_seconds BIGINT CHECK (approval_ttl_seconds IS NULL OR approval_ttl_seconds > 0);
-- Freeze windows as JSON (`airlock_domain::freeze::Freeze`), recorded in `policy.set`.
ALTER TABLE environments ADD COLUMN freezes TEXT NOT NULL DEFAULT '[]';
-- Provider groups whose members administer the tenant, as a JSON list.
ALTER TABLE tenants ADD COLUMN admin_groups TEXT NOT NULL DEFAULT '[]';
ALTER TABLE job_templates ADD COLUMN path TEXT;

-- One row once a world file was applied: its `access` section (NULL: the
-- server's configured role map applies). Every apply updates the row
-- first, so two applies (two replicas, two pipelines) run one after the other.
CREATE TABLE world_settings (
    singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
    access     TEXT,
    applied_by TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL
);

-- Until now a protected environment without a checklist template got the
-- built-in production checklist. The checklist is the environment's own
-- now, so installs from before keep those items as theirs.
WITH item (position, text) AS (VALUES
    (1, 'All staging tests passing'),
    (2, 'Security scan clean (no critical or high findings)'),
    (3, 'Database migration tested on staging'),
    (4, 'Performance benchmarks within thresholds'),
    (5, 'Rollback procedure documented and tested'),
    (6, 'DNS records prepared'),
    (7, 'TLS certificates provisioned'),
    (8, 'Monitoring and alerting configured'),
    (9, 'On-call team notified')
)
INSERT INTO checklist_templates (environment, position, text)
SELECT e.name, item.position, item.text FROM environments e CROSS JOIN item
WHERE e.protected AND NOT EXISTS (SELECT 1 FROM checklist_templates t WHERE t.environment = e.name);

-- An admin's decision to let a release through a freeze, with the reason.
-- One per release; the author can never give it.
CREATE TABLE break_glass (
    release_id     BIGINT PRIMARY KEY REFERENCES releases (id),
    release_author TEXT NOT NULL,
    given_by       TEXT NOT NULL,
    reason         TEXT NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    given_at       TIMESTAMPTZ NOT NULL,
    audit_seq      BIGINT REFERENCES audit_log (seq),
    FOREIGN KEY (release_id, release_author) REFERENCES releases (id, author),
    CHECK (given_by <> release_author)
);

-- The newest record of each world row (`verify`, the audit page) is looked up by action.
CREATE INDEX audit_log_by_action ON audit_log (action, subject, seq);
