#!/usr/bin/env bash
# WebSocket fan-out: 10,000 connected clients (100 players × 100 connections) on a
# release server with Redis pub/sub; reports p50/p99 delivery latency from the
# event's commit-time stamp to arrival, and the server's RSS. Loopback only.
#
# Env: PLAYERS (100), CONNS_PER_PLAYER (100), ROUNDS (3), PORT (18481),
# PG_ADMIN (postgres://postgres@127.0.0.1:5432/postgres), REDIS (redis://127.0.0.1:6379),
# MODE=memory for the in-process bus.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shonen-target}"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"  # server and client each need > 10,000
PORT="${PORT:-18481}"
MODE="${MODE:-redis}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/postgres}"
REDIS="${REDIS:-redis://127.0.0.1:6379}"
DB="shonen_bench_ws_$$"
PREFIX="bench_ws_$$:"
DB_URL="${PG_ADMIN%/*}/$DB"

cargo build --release -q -p shonen-server --bin shonen --example ws_fanout
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
DATA_DIR="$(mktemp -d)"
export SHONEN_ADDR="127.0.0.1:$PORT" SHONEN_DATABASE_URL="$DB_URL" SHONEN_DATA_DIR="$DATA_DIR" \
  SHONEN_SECRET="bench-secret-bench-secret-bench-secret" SHONEN_WORKERS=1 \
  SHONEN_RATE_LIMIT_PER_MINUTE=1000000000 SHONEN_REGISTRATIONS_PER_HOUR=1000000000 SHONEN_REDIS_PREFIX="$PREFIX" RUST_LOG=warn
if [ "$MODE" = redis ]; then export SHONEN_REDIS_URL="$REDIS"; else unset SHONEN_REDIS_URL; fi
"$BIN" serve >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "mode=$MODE"
BASE="http://127.0.0.1:$PORT" SERVER_PID="$SERVER_PID" timeout 300 "$CARGO_TARGET_DIR/release/examples/ws_fanout"
