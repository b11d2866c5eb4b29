-- A challenge or a registration sent with an Idempotency-Key keeps the key in its own
-- row, written in the same transaction (as activities do): a retry after a crash, or
-- after the answer could not be recorded, finds the duel or the player it created and
-- answers with it, even once other requests have changed what running it again would
-- give (the daily challenge limit reached, the duel fought, the registration limit).
ALTER TABLE duels ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX duels_idem_key ON duels (challenger_id, idem_key)
    WHERE idem_key IS NOT NULL;
ALTER TABLE players ADD COLUMN idem_key TEXT;
CREATE UNIQUE INDEX players_idem_key ON players (idem_key)
    WHERE idem_key IS NOT NULL;
