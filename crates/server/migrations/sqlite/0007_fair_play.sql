-- Fair play (game rules §10).
--
-- players.calendar_json: the player's calendar, the eras of settings with the moment
-- each takes effect (shonen_rules::Calendar). Eras after now are the pending settings;
-- past ones say which timezone dated each moment and which schedule judged each date.
-- NULL until the first settings change: one era built from the columns.
ALTER TABLE players ADD COLUMN calendar_json TEXT;

-- Friendly duels (§8): the UTC ISO week a duel was resolved in (one paid duel per
-- pair a week), the winner's local date when it paid (three paid wins a day) and,
-- for a duel that paid nothing, why.
ALTER TABLE duels ADD COLUMN pair_week TEXT;
ALTER TABLE duels ADD COLUMN paid_date TEXT;
ALTER TABLE duels ADD COLUMN friendly TEXT;
CREATE INDEX duels_pair_week ON duels(pair_lo, pair_hi, pair_week);
CREATE INDEX duels_paid_wins ON duels(winner_id, paid_date);

-- Accepted registrations per client address, for the hourly limit (kept an hour).
CREATE TABLE registrations (
    address TEXT NOT NULL,
    at BIGINT NOT NULL,
    player_id BIGINT NOT NULL
);
CREATE INDEX registrations_address ON registrations(address, at);

-- One row per address being counted: registering locks it, so concurrent
-- registrations from one address (on any instance) are counted one after the other.
CREATE TABLE registration_gates (
    address TEXT PRIMARY KEY,
    last_at BIGINT NOT NULL
);

-- Attempt budgets in fixed windows (login attempts per account): one upsert counts.
CREATE TABLE budgets (
    name TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    used BIGINT NOT NULL,
    PRIMARY KEY (name, window_start)
);
