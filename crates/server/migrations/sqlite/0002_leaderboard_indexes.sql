-- Leaderboard queries: rebuilding the cached boards and serving them from the
-- database while Redis is away (XP descending, ties by id descending).
CREATE INDEX players_total_xp ON players(total_xp, id);
CREATE INDEX players_class_total_xp ON players(class, total_xp, id);
CREATE INDEX weekly_rollups_week ON weekly_rollups(week_start, player_id);
