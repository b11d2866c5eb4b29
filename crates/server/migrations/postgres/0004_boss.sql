-- Weekly boss battles. `villains` holds each ISO week's villain, written once so every
-- player and every instance meets the same one (a generated name stays put even if
-- the text generator answers differently later). `boss_battles` is one player's fight
-- against one week's villain: objectives snapshotted at the level the player had when
-- their local week began, the last computed HP, and how it ended. `badges` are the
-- rare rewards, one per villain name.

CREATE TABLE villains (
    week TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    epithet TEXT NOT NULL,
    taunt TEXT NOT NULL,
    weakness TEXT NOT NULL,
    objective_kinds TEXT NOT NULL,
    badge TEXT NOT NULL,
    cutscene TEXT NOT NULL,
    source TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE boss_battles (
    player_id BIGINT NOT NULL REFERENCES players(id),
    week TEXT NOT NULL,
    week_start TEXT NOT NULL,
    level BIGINT NOT NULL,
    objectives_json TEXT NOT NULL,
    progress_json TEXT NOT NULL,
    hp BIGINT NOT NULL,
    hp_max BIGINT NOT NULL,
    status TEXT NOT NULL,
    penalty BIGINT NOT NULL DEFAULT 0,
    cutscene TEXT,
    cutscene_seen BIGINT NOT NULL DEFAULT 0,
    resolved_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (player_id, week)
);
CREATE INDEX boss_battles_status ON boss_battles(player_id, status, week_start);

CREATE TABLE badges (
    player_id BIGINT NOT NULL REFERENCES players(id),
    name TEXT NOT NULL,
    week TEXT NOT NULL,
    earned_at BIGINT NOT NULL,
    PRIMARY KEY (player_id, name)
);
