-- The world Airlock ships into. Natural keys (names, slugs) because they are
-- what people, URLs and Kubernetes namespaces use.

CREATE TABLE environments (
    name               TEXT PRIMARY KEY,
    position           INTEGER NOT NULL,
    protected          BOOLEAN NOT NULL DEFAULT FALSE,
    required_approvals INTEGER NOT NULL DEFAULT 0 CHECK (required_approvals >= 0),
    -- A protected environment without approvals would be protected in name only.
    CHECK (NOT protected OR required_approvals >= 1)
);

CREATE TABLE regions (
    name         TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    position     INTEGER NOT NULL
);

CREATE TABLE clusters (
    name               TEXT PRIMARY KEY,
    environment        TEXT NOT NULL REFERENCES environments (name),
    region             TEXT NOT NULL REFERENCES regions (name),
    api_url            TEXT NOT NULL,
    credentials_ref    TEXT NOT NULL,
    namespace_strategy TEXT NOT NULL CHECK (namespace_strategy IN ('per_tenant', 'shared')),
    shared_namespace   TEXT,
    CHECK ((namespace_strategy = 'shared') = (shared_namespace IS NOT NULL))
);
CREATE INDEX clusters_by_environment_region ON clusters (environment, region);

CREATE TABLE tenants (
    slug           TEXT PRIMARY KEY,
    name           TEXT NOT NULL,
    primary_region TEXT NOT NULL REFERENCES regions (name),
    data_residency TEXT NOT NULL
);

CREATE TABLE tenant_regions (
    tenant TEXT NOT NULL REFERENCES tenants (slug) ON DELETE CASCADE,
    region TEXT NOT NULL REFERENCES regions (name),
    PRIMARY KEY (tenant, region)
);

CREATE TABLE services (
    name             TEXT PRIMARY KEY,
    image_repository TEXT NOT NULL
);

CREATE TABLE deployments (
    tenant           TEXT NOT NULL,
    environment      TEXT NOT NULL REFERENCES environments (name),
    region           TEXT NOT NULL,
    service          TEXT NOT NULL REFERENCES services (name),
    version          TEXT NOT NULL,
    previous_version TEXT,
    health           TEXT NOT NULL CHECK (health IN ('healthy', 'unknown', 'degraded', 'failing')),
    changed_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant, environment, region, service),
    -- Nothing may ever run for a tenant outside its allowed regions.
    FOREIGN KEY (tenant, region) REFERENCES tenant_regions (tenant, region)
);
CREATE INDEX deployments_by_service ON deployments (service, tenant);
