-- Per-day reads go to day_kinds since 0005; nothing reads activities by local date
-- any more, so the index only cost every insert.
DROP INDEX IF EXISTS activities_player_date;
