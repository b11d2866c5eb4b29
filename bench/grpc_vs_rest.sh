#!/usr/bin/env bash
# gRPC next to REST in one run: LogActivity and GetDashboard over each protocol
# against one release server (PostgreSQL by default, MODE=sqlite for SQLite),
# same players, same concurrency, one connection per worker. Loopback only.
#
# Env: PLAYERS (64), CONCURRENCY (32), SECONDS per phase (15), PORT (18482),
# PG_ADMIN (postgres://postgres@127.0.0.1:5432/test), MODE (postgres | sqlite),
# CHANNELS (gRPC connections shared by the workers; default one per worker),
# ROUNDS (the phases n times over, with the ratio per round; default 1),
# ONLY (run just the phases whose name contains it, e.g. "GetDashboard gRPC"),
# SKIP_BUILD (1: run the release binaries already built),
# CLIENTS (stock: reqwest and a tonic Channel | hyper: hyper-util's client for both),
# GRPC_WRITES (one: the tonic Channel sends each call in one write, as grpcio does |
# split: HEADERS and DATA written apart, as hyper's HTTP/2 client does by itself),
# TOKENS (own: each worker calls as its own players | any: a random player per call).
# DETAIL (1: the server's and the client's user and system CPU and context switches per
# call, and PostgreSQL's CPU),
# SHONEN_BIN (the server binary; default: the release build of this checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shonen-target}"
PORT="${PORT:-18482}"
MODE="${MODE:-postgres}"
PG_ADMIN="${PG_ADMIN:-postgres://postgres@127.0.0.1:5432/test}"
DB="shonen_bench_grpc_$$"

# SKIP_BUILD=1 runs the binaries already built (e.g. to measure a build kept aside).
[ "${SKIP_BUILD:-}" = 1 ] || cargo build --release -q -p shonen-server --bin shonen --example grpc_vs_rest
BIN="${SHONEN_BIN:-$CARGO_TARGET_DIR/release/shonen}"

SERVER_PID=""
DATA_DIR="$(mktemp -d)"
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  if [ "$MODE" = postgres ]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB" >/dev/null 2>&1 || true; fi
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT

if [ "$MODE" = postgres ]; then
  psql -q "$PG_ADMIN" -c "CREATE DATABASE $DB" >/dev/null
  export SHONEN_DATABASE_URL="${PG_ADMIN%/*}/$DB"
else
  unset SHONEN_DATABASE_URL
fi
export SHONEN_ADDR="127.0.0.1:$PORT" SHONEN_DATA_DIR="$DATA_DIR" \
  SHONEN_SECRET="bench-secret-bench-secret-bench-secret" SHONEN_WORKERS=1 \
  SHONEN_RATE_LIMIT_PER_MINUTE=1000000000 SHONEN_REGISTRATIONS_PER_HOUR=1000000 SHONEN_LOG=warn
unset SHONEN_REDIS_URL
"$BIN" serve >"$DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.1; done
echo "mode=$MODE"
SERVER_PID="$SERVER_PID" BASE="http://127.0.0.1:$PORT" timeout 300 "$CARGO_TARGET_DIR/release/examples/grpc_vs_rest"
