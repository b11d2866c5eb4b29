-- Per-day reads go to day_kinds since 0005; nothing reads activities by local date
-- any more, so the index only cost every insert.
DROP INDEX IF EXISTS activities_player_date;

-- The boards live in the cache (Redis sorted sets or in-process); the database
-- serves them only to rebuild the cache and while Redis is away, where a scan of
-- players is acceptable. An index on total_xp, on the other hand, turned every XP
-- award into a non-HOT update that wrote a new entry into each of the table's indexes.
DROP INDEX IF EXISTS players_total_xp;
DROP INDEX IF EXISTS players_class_total_xp;

-- Players are never deleted, and every row of these tables is written for a player
-- the same statement or transaction has just read or updated. The foreign keys'
-- checks (one query per inserted row, run after every activity statement) cost more
-- than the guarantee is worth on the hottest write path.
ALTER TABLE activities DROP CONSTRAINT IF EXISTS activities_player_id_fkey;
ALTER TABLE ledger DROP CONSTRAINT IF EXISTS ledger_player_id_fkey;
ALTER TABLE weekly_rollups DROP CONSTRAINT IF EXISTS weekly_rollups_player_id_fkey;
ALTER TABLE day_kinds DROP CONSTRAINT IF EXISTS day_kinds_player_id_fkey;
