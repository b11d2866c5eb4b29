-- Activity lists (history, the dashboard's recent ones) are newest first by when the
-- activity happened, `occurred_at` (an activity may be logged up to 48 hours late),
-- then by id. The (player_id, id) index served the old order by id only; this one
-- replaces it, so inserts keep the same number of indexes to write.
CREATE INDEX IF NOT EXISTS activities_player_time ON activities(player_id, occurred_at, id);
DROP INDEX IF EXISTS activities_player_id;
