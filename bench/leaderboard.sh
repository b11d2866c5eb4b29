#!/usr/bin/env bash
# Leaderboard throughput: GET /api/v1/leaderboard (top 50 + own rank) with 100k
# players seeded directly in PostgreSQL (no argon2 registrations), served by a
# release build with Redis, loaded by wrk at 32 connections over loopback.
#
#   bench/leaderboard.sh            # Redis (SHONEN_REDIS_URL, default the local one)
#   MODE=memory bench/leaderboard.sh  # the in-process cache, for comparison
#
# Env: PLAYERS (100000), DURATION (15s), CONNECTIONS (32), THREADS (2), PORT (18480),
# PG_ADMIN (postgres://postgres@127.0.0.1:5432/postgres), REDIS (redis://127.0.0.1:6379).
# Everything it creates (a database, a key prefix in Redis) is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shonen-target}"
PLAYERS="${PLAYERS:-100000}"
DURATION="${DURATION:-15s}"
CONNECTIONS="${CONNECTIONS:-32}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18480}"
MODE="${MODE:-redis}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${REDIS:-redis://127.0.0.1:6379}"
DB="shonen_bench_lb_$$"
PREFIX="bench_lb_$$:"
DB_URL="${PG_ADMIN%/*}/$DB"

command -v wrk >/dev/null || { echo "wrk not found (apt-get install -y wrk)"; exit 1; }
cargo build --release -q -p shonen-server --bin shonen
BIN="$CARGO_TARGET_DIR/release/shonen"

SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true
  if [ "$MODE" = redis ]; then
    redis-cli -u "$REDIS" --scan --pattern "${PREFIX}*" | xargs -r -n 500 redis-cli -u "$REDIS" DEL >/dev/null || true
  fi
  rm -rf "${DATA_DIR:-}"
}
trap cleanup EXIT

psql -q "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
SHONEN_DATABASE_URL="$DB_URL" "$BIN" migrate >/dev/null
echo "seeding $PLAYERS players"
psql -q "$DB_URL" <<SQL
INSERT INTO players (username, email, password_hash, class, goal_strength, goal_agility,
  goal_intelligence, classified_at, timezone, training_days, weekly_goal, wake_target,
  created_at, registered_on, total_xp, fatigue_at, chain_json)
SELECT 'bench' || g, 'bench' || g || '@example.com', 'x',
  (ARRAY['brawler','speedster','strategist','balanced'])[1 + g % 4], 5, 5, 5, 0, 'UTC',
  'mon,tue,thu,fri', 4, '06:30', 0, '2026-01-01', (g * 7919) % 250000, 0, '{}'
FROM generate_series(1, $PLAYERS) AS g;
ANALYZE players;
SQL

DATA_DIR="$(mktemp -d)"
export SHONEN_ADDR="127.0.0.1:$PORT" SHONEN_DATABASE_URL="$DB_URL" SHONEN_DATA_DIR="$DATA_DIR" \
  SHONEN_SECRET="bench-secret-bench-secret-bench-secret" SHONEN_WORKERS=1 \
  SHONEN_RATE_LIMIT_PER_MINUTE=1000000000 SHONEN_REGISTRATIONS_PER_HOUR=1000000000 SHONEN_REDIS_PREFIX="$PREFIX" RUST_LOG=warn
if [ "$MODE" = redis ]; then export SHONEN_REDIS_URL="$REDIS"; else unset SHONEN_REDIS_URL; fi
"$BIN" serve >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/register" -H 'content-type: application/json' \
  -d '{"username":"benchme","email":"benchme@example.com","password":"correct horse battery","goals":{"strength":9,"agility":0,"intelligence":0}}' |
  sed -E 's/.*"token":"([0-9a-f]+)".*/\1/')
URL="http://127.0.0.1:$PORT/api/v1/leaderboard?scope=global&limit=50"
start=$(date +%s%N)
curl -fs -H "Authorization: Bearer $TOKEN" "$URL" >/dev/null
echo "first request (builds the board from the database): $(( ($(date +%s%N) - start) / 1000000 )) ms"
curl -fs -H "Authorization: Bearer $TOKEN" "$URL" | head -c 300; echo
echo "mode=$MODE players=$PLAYERS connections=$CONNECTIONS threads=$THREADS duration=$DURATION"
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Authorization: Bearer $TOKEN" "$URL"
echo "server RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$SERVER_PID/status)"
