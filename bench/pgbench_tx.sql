-- Baseline for bench/load.sh: the raw cost of a two-statement write transaction
-- (append a ledger row, bump the player's running total) on the same PostgreSQL.
-- Tables bench_players (ids 1..1000) and bench_ledger are created by load.sh.
\set pid random(1, 1000)
BEGIN;
INSERT INTO bench_ledger(player_id, amount) VALUES (:pid, 10);
UPDATE bench_players SET total = total + 10 WHERE id = :pid;
END;
