-- An activity's minutes and distance are NULL where its kind has none: minutes for a
-- wake-up, a distance for everything but runs. They used to be stored as 0, because
-- the database layer could not bind a NULL float on both backends.
ALTER TABLE activities ALTER COLUMN duration_min DROP NOT NULL;
ALTER TABLE activities ALTER COLUMN distance_km DROP NOT NULL;
UPDATE activities SET duration_min = NULL WHERE kind = 'wake_up';
UPDATE activities SET distance_km = NULL WHERE kind <> 'run';
-- The day totals (day_kinds) sum what is stored: nothing where the kind has none.
UPDATE day_kinds SET duration_min = 0 WHERE kind = 'wake_up';
UPDATE day_kinds SET distance_km = 0 WHERE kind <> 'run';
