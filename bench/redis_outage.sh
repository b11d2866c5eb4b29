#!/usr/bin/env bash
# Throughput and latency while Redis is out, against normal: starts a private
# redis-server and the `shonen` binary (SQLite in a temp dir, or DATABASE_URL), then
# loads GET /api/v1/dashboard and POST /api/v1/activities with wrk in three phases:
#   normal  – Redis up;
#   frozen  – Redis SIGSTOPped (accepts connections, never answers);
#   down    – Redis killed (connections refused).
# Prints one FAULT_RESULT line per phase and path (req/s, p50, p99) and the ratio to
# normal. Targets: outage req/s >= 0.5 x normal and p99 < 100 ms.
#
#   bench/redis_outage.sh        DURATION=10 CONNECTIONS=16 PLAYERS=32
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/faults_common.sh"
DURATION="${DURATION:-10}"; CONNECTIONS="${CONNECTIONS:-16}"; PLAYERS="${PLAYERS:-32}"
for t in curl jq wrk redis-server redis-cli python3; do command -v $t >/dev/null || die "$t is required"; done
BIN="$(pick_bin)"
TMP="$(mktemp -d -t shonen-redis.XXXXXX)"
PID=""; RPID=""
cleanup() {
  [[ -n "$RPID" ]] && { kill -CONT "$RPID" 2>/dev/null; kill -9 "$RPID" 2>/dev/null; }
  [[ -n "$PID" ]] && kill -9 "$PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
RPORT="$(free_port)"
redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$TMP" >/dev/null 2>&1 &
RPID=$!
until redis-cli -p "$RPORT" ping >/dev/null 2>&1; do sleep 0.1; done
PORT="$(free_port)"; BASE="http://127.0.0.1:$PORT"
SHONEN_ADDR="127.0.0.1:$PORT" SHONEN_DATABASE_URL="${DATABASE_URL:-sqlite://$TMP/shonen.db?mode=rwc}" \
SHONEN_DATA_DIR="$TMP" SHONEN_REDIS_URL="redis://127.0.0.1:$RPORT" SHONEN_REDIS_PREFIX="bench$$:" \
SHONEN_RATE_LIMIT_PER_MINUTE=100000000 SHONEN_REGISTRATIONS_PER_HOUR=100000 SHONEN_LOG=error \
  "$BIN" serve >/dev/null 2>&1 &
PID=$!
wait_ready "$BASE" 60
log "binary $BIN; registering $PLAYERS players"
for ((i = 0; i < PLAYERS; i++)); do register "$BASE" "redisb$i" >>"$TMP/tokens.txt"; done
# Warm the caches.
while read -r t; do curl -fs -o /dev/null -H "Authorization: Bearer $t" "$BASE/api/v1/dashboard"; done <"$TMP/tokens.txt"

load() { # phase method path [body]
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s -s "$here/wrk_auth.lua" "$BASE" \
        -- "$TMP/tokens.txt" "$2" "$3" "${4:-}" | grep WRK_RESULT)
  local rps p50 p99 bad
  rps=$(sed -E 's/.* rps=([0-9.]+).*/\1/' <<<"$out")
  p50=$(sed -E 's/.* p50_ms=([0-9.]+).*/\1/' <<<"$out")
  p99=$(sed -E 's/.* p99_ms=([0-9.]+).*/\1/' <<<"$out")
  bad=$(sed -E 's/.* status_ge400=([0-9]+).*/\1/' <<<"$out")
  echo "$1 $2 $rps $p50 $p99 $bad"
}
phase() { # name
  load "$1" GET /api/v1/dashboard >>"$TMP/results"
  load "$1" POST /api/v1/activities '{"kind":"study","duration_min":15}' >>"$TMP/results"
}
log "phase normal"; phase normal
log "phase frozen (SIGSTOP)"; kill -STOP "$RPID"; sleep 2; phase frozen
log "phase down (killed)"; kill -CONT "$RPID"; kill -9 "$RPID"; RPID=""; sleep 2; phase down
declare -A normal
while read -r ph m rps p50 p99 bad; do
  [[ $ph == normal ]] && normal[$m]=$rps
  ratio=$(awk "BEGIN{printf \"%.2f\", $rps / ${normal[$m]}}")
  echo "FAULT_RESULT phase=$ph method=$m rps=$rps p50_ms=$p50 p99_ms=$p99 non2xx=$bad ratio_to_normal=$ratio"
done <"$TMP/results"
