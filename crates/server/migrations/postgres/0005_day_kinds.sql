-- Faster activity logging.
--
-- players.version: bumped by every transaction that locks or changes a player, so an
-- activity can be computed from rows read without a lock and written with one
-- statement that applies only if the player is still at the version it read.
--
-- day_kinds: per player, local date and kind, what the rules ask about a day (caps,
-- training days, the boss week) without scanning that day's activities. Kept in the
-- activity's own transaction; activities stay the source of truth.
ALTER TABLE players ADD COLUMN version BIGINT NOT NULL DEFAULT 0;

CREATE TABLE day_kinds (
    player_id BIGINT NOT NULL REFERENCES players(id),
    local_date TEXT NOT NULL,
    kind TEXT NOT NULL,
    training BIGINT NOT NULL,
    sessions BIGINT NOT NULL,
    distance_km DOUBLE PRECISION NOT NULL,
    duration_min DOUBLE PRECISION NOT NULL,
    -- The day's first activity of this kind (Full Cowl ranks kinds by it).
    first_id BIGINT NOT NULL,
    PRIMARY KEY (player_id, local_date, kind)
);

INSERT INTO day_kinds (player_id, local_date, kind, training, sessions, distance_km,
                       duration_min, first_id)
SELECT player_id, local_date, kind, MAX(training), COUNT(*), SUM(distance_km),
       SUM(duration_min), MIN(id)
FROM activities
GROUP BY player_id, local_date, kind;
