-- The matrix reads one service's deployments in (tenant, environment, region)
-- order; this index serves both the filter and the order without a sort.
DROP INDEX deployments_by_service;
CREATE INDEX deployments_by_service ON deployments (service, tenant, environment, region);
