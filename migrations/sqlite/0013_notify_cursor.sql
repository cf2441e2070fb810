-- Events are read from the audit log, which every change already writes in
-- its own transaction: the delivery worker reads it forward from this
-- cursor and, in one transaction, moves the cursor on and writes the
-- deliveries of what it read. A change writes nothing for its receivers, so
-- webhooks cost it nothing; and what was committed is told at least once.
CREATE TABLE notify_cursor (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    -- The last audit entry whose deliveries are written.
    seq INTEGER NOT NULL
);
-- Until now each change wrote its own deliveries: they start after the head.
INSERT INTO notify_cursor (id, seq) SELECT 1, seq FROM audit_head WHERE id = 1;

-- One delivery per audit entry and receiver, whichever worker wrote it.
CREATE UNIQUE INDEX deliveries_once ON deliveries (audit_seq, receiver);
