-- Rival duels (§8). A duel is open while pending or queued; the partial unique index
-- makes "one open duel per pair" hold even under concurrent challenges (pair_lo <
-- pair_hi are the two player ids, whoever challenged). Snapshots are the fighters'
-- JSON taken at acceptance; result_json is the resolved battle (rounds, rewards).

CREATE TABLE duels (
    id BIGSERIAL PRIMARY KEY,
    challenger_id BIGINT NOT NULL REFERENCES players(id),
    opponent_id BIGINT NOT NULL REFERENCES players(id),
    pair_lo BIGINT NOT NULL,
    pair_hi BIGINT NOT NULL,
    status TEXT NOT NULL,
    challenger_date TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    accepted_at BIGINT,
    declined_at BIGINT,
    resolved_at BIGINT,
    challenger_json TEXT,
    opponent_json TEXT,
    winner_id BIGINT,
    upset BIGINT NOT NULL DEFAULT 0,
    result_json TEXT,
    replay_key TEXT
);
CREATE UNIQUE INDEX duels_open_pair ON duels(pair_lo, pair_hi) WHERE status IN ('pending', 'queued');
CREATE INDEX duels_challenger ON duels(challenger_id, challenger_date);
CREATE INDEX duels_opponent ON duels(opponent_id, id);
CREATE INDEX duels_challenger_id ON duels(challenger_id, id);
