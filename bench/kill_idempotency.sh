#!/usr/bin/env bash
# Idempotency through crashes: SIGKILLs the real `shonen` binary KILLS times (default
# 20) in the middle of a burst of POST /api/v1/activities, each with its own
# Idempotency-Key, then restarts it and retries every key ever sent:
#   stuck   = keys still answering 409 request_in_progress after the lease (must be 0)
#   moved   = acknowledged keys whose replay names another activity (must be 0)
#   dupes   = activities beyond one per key (must be 0)
#   ledger  = players whose total XP differs from their ledger (must be 0)
# Backend: SQLite in a temp dir (default) or DATABASE_URL=postgres://… (a database
# the script may fill; it is not dropped).
#
#   bench/kill_idempotency.sh            KILLS=20 WRITERS=6 BURST_MS=1500
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/faults_common.sh"
KILLS="${KILLS:-20}"; WRITERS="${WRITERS:-6}"; BURST_MS="${BURST_MS:-1500}"
for t in curl jq python3; do command -v $t >/dev/null || die "$t is required"; done
BIN="$(pick_bin)"
TMP="$(mktemp -d -t shonen-kill.XXXXXX)"
PID=""
cleanup() { [[ -n "$PID" ]] && kill -9 "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
URL="${DATABASE_URL:-sqlite://$TMP/shonen.db?mode=rwc}"
PORT="$(free_port)"; BASE="http://127.0.0.1:$PORT"
start() {
  SHONEN_ADDR="127.0.0.1:$PORT" SHONEN_DATABASE_URL="$URL" SHONEN_DATA_DIR="$TMP" \
  SHONEN_RATE_LIMIT_PER_MINUTE=1000000 SHONEN_REGISTRATIONS_PER_HOUR=1000 \
  SHONEN_IDEMPOTENCY_LEASE_MS=1000 SHONEN_LOG=error "$BIN" serve >/dev/null 2>&1 &
  PID=$!
  wait_ready "$BASE" 60
}
log "binary $BIN, database ${URL%%\?*}"
start
for ((w = 0; w < WRITERS; w++)); do
  register "$BASE" "kill$w$$" >"$TMP/token.$w" || die "register failed"
done
writer() { # w round
  local w=$1 r=$2 n=0 tok code
  tok=$(cat "$TMP/token.$w")
  while :; do
    local key="w$w-r$r-$n"
    echo "$key" >>"$TMP/sent.$w"
    code=$(curl -s -m 10 -o "$TMP/out.$w" -w '%{http_code}' -H "Authorization: Bearer $tok" \
      -H "Idempotency-Key: $key" -H 'Content-Type: application/json' \
      -d '{"kind":"study","duration_min":15}' "$BASE/api/v1/activities") || return 0
    [[ "$code" == 201 ]] || return 0
    id=$(jq -er .activity.id "$TMP/out.$w" 2>/dev/null) || return 0
    echo "$key $id" >>"$TMP/acked.$w"
    n=$((n + 1))
  done
}
for ((k = 1; k <= KILLS; k++)); do
  pids=()
  for ((w = 0; w < WRITERS; w++)); do writer "$w" "$k" & pids+=($!); done
  sleep "$(awk "BEGIN{print ($BURST_MS + int(rand()*500))/1000}")"
  kill -9 "$PID"; wait "$PID" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
  log "kill $k/$KILLS: $(cat "$TMP"/acked.* 2>/dev/null | wc -l) acknowledged, $(cat "$TMP"/sent.* | wc -l) sent"
  start
done
sleep 1.2   # past the lease
stuck=0; moved=0; answered=0
declare -A ids
for ((w = 0; w < WRITERS; w++)); do
  tok=$(cat "$TMP/token.$w")
  declare -A acked=()
  [[ -f "$TMP/acked.$w" ]] && while read -r key id; do acked[$key]=$id; done <"$TMP/acked.$w"
  while read -r key; do
    got=""
    for attempt in 1 2 3; do
      code=$(curl -s -m 10 -o "$TMP/re" -w '%{http_code}' -H "Authorization: Bearer $tok" \
        -H "Idempotency-Key: $key" -H 'Content-Type: application/json' \
        -d '{"kind":"study","duration_min":15}' "$BASE/api/v1/activities")
      if [[ "$code" == 201 ]]; then got=$(jq -r .activity.id "$TMP/re"); break; fi
      sleep 1.1
    done
    if [[ -z "$got" ]]; then stuck=$((stuck + 1)); continue; fi
    answered=$((answered + 1))
    ids[$got]=1
    if [[ -n "${acked[$key]:-}" && "${acked[$key]}" != "$got" ]]; then moved=$((moved + 1)); fi
  done < <(sort -u "$TMP/sent.$w")
  unset acked
done
# Activities and ledger per player, through the API.
dupes=0; ledger_bad=0
for ((w = 0; w < WRITERS; w++)); do
  tok=$(cat "$TMP/token.$w")
  n=$(sort -u "$TMP/sent.$w" | wc -l)
  count=0; before=""
  while :; do
    page=$(curl -fs -H "Authorization: Bearer $tok" "$BASE/api/v1/activities?limit=100${before:+&before=$before}")
    count=$((count + $(jq '.items | length' <<<"$page")))
    before=$(jq -r '.next_before // empty' <<<"$page"); [[ -n "$before" ]] || break
  done
  (( count > n )) && dupes=$((dupes + count - n))
  total=$(curl -fs -H "Authorization: Bearer $tok" "$BASE/api/v1/me" | jq '.total_xp // .player.total_xp // 0')
  sum=0; before=""
  while :; do
    page=$(curl -fs -H "Authorization: Bearer $tok" "$BASE/api/v1/ledger?limit=100${before:+&before=$before}")
    sum=$((sum + $(jq '[.items[].amount] | add // 0' <<<"$page")))
    before=$(jq -r '.next_before // empty' <<<"$page"); [[ -n "$before" ]] || break
  done
  [[ "$sum" == "$total" ]] || { ledger_bad=$((ledger_bad + 1)); log "player $w: total $total, ledger $sum"; }
done
acked_total=$(cat "$TMP"/acked.* 2>/dev/null | wc -l)
sent_total=$(cat "$TMP"/sent.* | sort -u | wc -l)
echo "KILL_RESULT kills=$KILLS sent=$sent_total acknowledged=$acked_total answered=$answered stuck=$stuck moved=$moved dupes=$dupes ledger_mismatch=$ledger_bad"
[[ $stuck -eq 0 && $moved -eq 0 && $dupes -eq 0 && $ledger_bad -eq 0 ]]
