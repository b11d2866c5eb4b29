-- Players, their sessions, the XP ledger, activities, weekly rollups, the job table
-- and idempotency records. Times are Unix microseconds (UTC) in BIGINT columns so
-- the same queries run on SQLite; local dates are ISO 'YYYY-MM-DD' text.

CREATE TABLE players (
    id BIGSERIAL PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    class TEXT NOT NULL,
    goal_strength BIGINT NOT NULL,
    goal_agility BIGINT NOT NULL,
    goal_intelligence BIGINT NOT NULL,
    classified_at BIGINT NOT NULL,
    timezone TEXT NOT NULL,
    training_days TEXT NOT NULL,
    weekly_goal BIGINT NOT NULL,
    wake_target TEXT NOT NULL,
    avatar_key TEXT,
    created_at BIGINT NOT NULL,
    registered_on TEXT NOT NULL,
    total_xp BIGINT NOT NULL DEFAULT 0,
    xp_strength BIGINT NOT NULL DEFAULT 0,
    xp_agility BIGINT NOT NULL DEFAULT 0,
    xp_intelligence BIGINT NOT NULL DEFAULT 0,
    xp_fighting BIGINT NOT NULL DEFAULT 0,
    xp_discipline BIGINT NOT NULL DEFAULT 0,
    fatigue BIGINT NOT NULL DEFAULT 0,
    fatigue_at BIGINT NOT NULL,
    chain_json TEXT NOT NULL,
    buff_expires_at BIGINT
);

CREATE TABLE auth_tokens (
    token_hash TEXT PRIMARY KEY,
    player_id BIGINT NOT NULL REFERENCES players(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX auth_tokens_player ON auth_tokens(player_id);

CREATE TABLE activities (
    id BIGSERIAL PRIMARY KEY,
    player_id BIGINT NOT NULL REFERENCES players(id),
    kind TEXT NOT NULL,
    occurred_at BIGINT NOT NULL,
    local_date TEXT NOT NULL,
    training BIGINT NOT NULL,
    duration_min DOUBLE PRECISION NOT NULL,
    distance_km DOUBLE PRECISION NOT NULL,
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
    updated_at BIGINT NOT NULL
);
CREATE INDEX activities_player_id ON activities(player_id, id);
CREATE INDEX activities_player_date ON activities(player_id, local_date);
CREATE INDEX activities_player_occurred ON activities(player_id, kind, occurred_at);

CREATE TABLE ledger (
    id BIGSERIAL PRIMARY KEY,
    player_id BIGINT NOT NULL REFERENCES players(id),
    at BIGINT NOT NULL,
    stat TEXT,
    amount BIGINT NOT NULL,
    reason TEXT NOT NULL,
    activity_id BIGINT,
    rule_key TEXT
);
CREATE INDEX ledger_player_id ON ledger(player_id, id);
CREATE UNIQUE INDEX ledger_rule_key ON ledger(player_id, rule_key) WHERE rule_key IS NOT NULL;

CREATE TABLE weekly_rollups (
    player_id BIGINT NOT NULL REFERENCES players(id),
    week_start TEXT NOT NULL,
    stat TEXT NOT NULL,
    xp BIGINT NOT NULL,
    PRIMARY KEY (player_id, week_start, stat)
);

CREATE TABLE jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    dedup_key TEXT UNIQUE,
    payload TEXT NOT NULL,
    run_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX jobs_due ON jobs(status, run_at);

CREATE TABLE idempotency (
    player_key TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (player_key, idem_key)
);

-- Small named values the service keeps across restarts (e.g. the dev clock offset).
CREATE TABLE service_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
