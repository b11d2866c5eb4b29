-- An activity logged with an Idempotency-Key keeps the key in its own row, written in
-- the same transaction: a retry after a crash (or after the response could not be
-- recorded) finds the activity and replays it instead of logging it twice. The
-- unique index also stops two runs of one key from both writing.
ALTER TABLE activities ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX activities_idem_key ON activities (player_id, idem_key)
    WHERE idem_key IS NOT NULL;
