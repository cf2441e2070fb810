-- The exact image a deploy's target ran before it (from the job that put it
-- there, or the service's repository at the version the world recorded):
-- what a rollback of that deploy sends back, never an image rebuilt by
-- editing the release's own reference. NULL for rollback jobs and for deploys
-- recorded before this column existed.
ALTER TABLE jobs ADD COLUMN previous_image TEXT;
