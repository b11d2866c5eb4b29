-- An activity's minutes and distance are NULL where its kind has none: minutes for a
-- wake-up, a distance for everything but runs. They used to be stored as 0, because
-- the database layer could not bind a NULL float on both backends. SQLite cannot
-- drop a NOT NULL in place: the table is rebuilt with its rows, ids and indexes.
CREATE TABLE activities_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    player_id BIGINT NOT NULL REFERENCES players(id),
    kind TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    training BIGINT NOT NULL,
    duration_min REAL,
    distance_km REAL,
    sets_json TEXT,
    style TEXT,
    woke_at TEXT,
    note TEXT,
    fatigue_before BIGINT NOT NULL,
    sessions_last_7d BIGINT NOT NULL,
    edited BIGINT NOT NULL DEFAULT 0,
    xp BIGINT NOT NULL,
    stat TEXT NOT NULL,
    award_json TEXT NOT NULL,
    photos_json TEXT NOT NULL DEFAULT '[]',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    idem_key TEXT
);
INSERT INTO activities_rebuilt (id, player_id, kind, occurred_at, local_date, training,
    duration_min, distance_km, sets_json, style, woke_at, note, fatigue_before,
    sessions_last_7d, edited, xp, stat, award_json, photos_json, created_at, updated_at,
    idem_key)
SELECT id, player_id, kind, occurred_at, local_date, training,
    CASE WHEN kind = 'wake_up' THEN NULL ELSE duration_min END,
    CASE WHEN kind = 'run' THEN distance_km ELSE NULL END,
    sets_json, style, woke_at, note, fatigue_before, sessions_last_7d, edited, xp, stat,
    award_json, photos_json, created_at, updated_at, idem_key
FROM activities;
DROP TABLE activities;
ALTER TABLE activities_rebuilt RENAME TO activities;
CREATE INDEX activities_player_id ON activities(player_id, id);
CREATE INDEX activities_player_occurred ON activities(player_id, kind, occurred_at);
CREATE UNIQUE INDEX activities_idem_key ON activities (player_id, idem_key)
    WHERE idem_key IS NOT NULL;
-- The day totals (day_kinds) sum what is stored: nothing where the kind has none.
UPDATE day_kinds SET duration_min = 0 WHERE kind = 'wake_up';
UPDATE day_kinds SET distance_km = 0 WHERE kind <> 'run';
