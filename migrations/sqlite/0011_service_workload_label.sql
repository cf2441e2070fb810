-- The label that finds a service's Deployments (`key=value`), where it is
-- not `app.kubernetes.io/name=<service>`.
ALTER TABLE services ADD COLUMN workload_label TEXT;
