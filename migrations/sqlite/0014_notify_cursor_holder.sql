-- One delivery worker at a time reads the audit log forward: the one that
-- holds the cursor until `held_until`. It sends what it read first and
-- writes each delivery once, with that attempt's outcome, as it moves the
-- cursor on; a second replica's worker waits, and takes the cursor over
-- when a holder that died lets its hold run out (sending again, with the
-- same delivery ids, what that one had not written yet).
ALTER TABLE notify_cursor ADD COLUMN holder TEXT;
ALTER TABLE notify_cursor ADD COLUMN held_until TEXT;
