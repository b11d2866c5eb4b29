#!/usr/bin/env bash
# Load benchmark of the embedded default (SQLite) for the Shonen Training Tracker
# (see bench/README.md, "SQLite").
#
# One run:
#   1. measures the raw durable SQLite write rate on the same disk (bench/sqlite_raw.rs:
#      one connection, WAL, synchronous=FULL, BEGIN IMMEDIATE; INSERT; UPDATE; COMMIT);
#   2. starts the release `shonen serve` with no database URL (the default SQLite file in
#      a temporary data dir);
#   3. registers $PLAYERS players;
#   4. loads POST /api/v1/activities, then GET /api/v1/dashboard, with wrk;
#   5. prints req/s, p50/p99, non-2xx, POST ÷ raw ratio, peak RSS and PASS/MISS;
#   6. stops the server and removes the temporary files (trap), even on error.
#
# Tunables (environment):
#   SHONEN_BIN   release server (default $CARGO_TARGET_DIR/release/shonen)
#   RAW_BIN      release bench/sqlite_raw.rs (default $CARGO_TARGET_DIR/release/examples/sqlite_raw)
#   CARGO_TARGET_DIR (default $HOME/.cache/shonen-target)
#   DURATION (s, per phase, default 20)  CONNECTIONS (32)  PLAYERS (64)  WRK_THREADS (2)
#   REG_CONCURRENCY (2)  MAX_RUNTIME (s, default 180)
#   BENCH_STRICT=1  exit 1 when a target is missed
#   BENCH_TMPDIR    where the databases go (default: mktemp's; the raw loop and the
#                   server always share it, so they measure the same disk)

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGET="${CARGO_TARGET_DIR:-$HOME/.cache/shonen-target}"
SHONEN_BIN="${SHONEN_BIN:-$TARGET/release/shonen}"
RAW_BIN="${RAW_BIN:-$TARGET/release/examples/sqlite_raw}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
PLAYERS="${PLAYERS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
REG_CONCURRENCY="${REG_CONCURRENCY:-2}"
MAX_RUNTIME="${MAX_RUNTIME:-180}"
BENCH_STRICT="${BENCH_STRICT:-0}"
(( WRK_THREADS > CONNECTIONS )) && WRK_THREADS=$CONNECTIONS

TARGET_POST_RATIO="0.5"   # POST req/s >= 0.5 x raw durable SQLite tx/s
TARGET_POST_P99_MS="50"
TARGET_GET_RPS="10000"
TARGET_RSS_KB="146484"    # 150e6 bytes

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'sqlite.sh: error: %s\n' "$*" >&2; exit 1; }

for tool in wrk curl jq awk timeout sqlite3; do
  command -v "$tool" >/dev/null 2>&1 || die "required tool '$tool' not found (Debian: apt-get install -y $tool)"
done
build_hint="build them with: CARGO_TARGET_DIR=$TARGET cargo build --release -p shonen-server --bin shonen --example sqlite_raw"
[[ -x "$SHONEN_BIN" ]] || die "server binary not found at $SHONEN_BIN; $build_hint"
[[ -x "$RAW_BIN" ]] || die "raw SQLite loop not found at $RAW_BIN; $build_hint"

started_at=$(date +%s)
TMP="$(mktemp -d ${BENCH_TMPDIR:+-p "$BENCH_TMPDIR"} -t shonen-sqlite-bench.XXXXXX)"
SERVER_PID="" POLLER_PID="" WATCHDOG_PID=""

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  [[ -n "$WATCHDOG_PID" ]] && { kill "$WATCHDOG_PID" 2>/dev/null; wait "$WATCHDOG_PID" 2>/dev/null; }
  [[ -n "$POLLER_PID" ]] && { kill "$POLLER_PID" 2>/dev/null; wait "$POLLER_PID" 2>/dev/null; }
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [[ $rc -ne 0 && -s "$TMP/server.log" ]]; then
    echo "---- last 30 lines of the server log ----" >&2
    tail -n 30 "$TMP/server.log" >&2
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated (time limit ${MAX_RUNTIME}s or signal)"; exit 124' TERM
main_pid=$$
(
  trap 'kill "$sp" 2>/dev/null; exit 0' TERM
  sleep "$MAX_RUNTIME" & sp=$!
  wait "$sp" && kill -TERM "$main_pid" 2>/dev/null
) >/dev/null 2>&1 &
WATCHDOG_PID=$!

free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free TCP port found"
}
# "busy total" ticks of the whole machine, and utime+stime ticks of one pid.
cpu_machine() { awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; print b, b+$5+$6}' /proc/stat; }
cpu_pid() { awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)
# cores_used "BUSY0 TOT0 P0" "BUSY1 TOT1 P1" -> "machine_cores pid_cores"
cores_used() {
  awk -v n="$NCPU" -v tck="$CLK_TCK" '{ split($0, x, "|"); split(x[1], s, " "); split(x[2], e, " ");
    tot = e[2]-s[2]; if (tot <= 0) tot = 1; secs = tot / n / tck;
    printf "%.2f %.2f\n", (e[1]-s[1]) / tck / secs, (e[3]-s[3]) / tck / secs }' <<<"$1|$2"
}
wrk_val() { grep -o "WRK_RESULT.*" "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k{print $2}'; }
http_counts() {
  curl -fsS --max-time 10 "$BASE/metrics" | awk -v r="route=\"$1\"" -v m="method=\"$2\"" '
    /^shonen_http_requests_total\{/ && index($0, r) && index($0, m) {
      n = $NF + 0; total += n
      if (match($0, /status="[0-9]+"/)) { st = substr($0, RSTART+8, 3); if (st !~ /^2/) bad += n }
    }
    END { printf "%d %d\n", total, bad }' || echo "0 0"
}

# ---------------------------------------------------------------- 1. raw SQLite
log "raw SQLite: ${DURATION}s of BEGIN IMMEDIATE; INSERT; UPDATE; COMMIT (WAL, synchronous=FULL)"
r0="$(cpu_machine) 0"
timeout $(( DURATION + 30 )) "$RAW_BIN" "$TMP/raw.db" "$DURATION" >"$TMP/raw.out" 2>&1 \
  || { cat "$TMP/raw.out" >&2; die "sqlite_raw failed"; }
r1="$(cpu_machine) 0"
RAW_TPS=$(grep -o 'tps=[0-9.]*' "$TMP/raw.out" | cut -d= -f2)
RAW_AVG=$(grep -o 'avg_ms=[0-9.]*' "$TMP/raw.out" | cut -d= -f2)
[[ -n "$RAW_TPS" ]] || { cat "$TMP/raw.out" >&2; die "could not parse the raw rate"; }
read -r RAW_CORES _ <<<"$(cores_used "$r0" "$r1")"
log "raw SQLite: $RAW_TPS tx/s (avg ${RAW_AVG} ms), machine busy $RAW_CORES cores"
rm -f "$TMP"/raw.db*

# ---------------------------------------------------------------- 2. server
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
mkdir -p "$TMP/data"
log "starting $SHONEN_BIN serve on 127.0.0.1:$PORT (default SQLite database)"
env -u SHONEN_DATABASE_URL -u SHONEN_REDIS_URL \
  SHONEN_ADDR="127.0.0.1:$PORT" SHONEN_DATA_DIR="$TMP/data" \
  SHONEN_RATE_LIMIT_PER_MINUTE=100000000 SHONEN_REGISTRATIONS_PER_HOUR=1000000 SHONEN_LOG=warn \
  "$SHONEN_BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!
ready=0
for _ in $(seq 1 150); do
  kill -0 "$SERVER_PID" 2>/dev/null || die "server exited during start-up"
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/readyz" || true)" == 200 ]]; then
    ready=1; break
  fi
  sleep 0.2
done
[[ $ready == 1 ]] || die "server not ready after 30 s"
DBFILE="$TMP/data/shonen.db"
[[ -f "$DBFILE" ]] || die "the default database $DBFILE was not created"

echo 0 >"$TMP/rss_max"
(
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    rss=$(awk '/^VmRSS:/{print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
    cur=$(cat "$TMP/rss_max" 2>/dev/null || echo 0)
    if [[ -n "$rss" && "$rss" -gt "${cur:-0}" ]]; then echo "$rss" >"$TMP/rss_max.new" && mv "$TMP/rss_max.new" "$TMP/rss_max"; fi
    sleep 0.5
  done
) >/dev/null 2>&1 &
POLLER_PID=$!

# ---------------------------------------------------------------- 3. players
log "registering $PLAYERS players"
register_one() {
  local i="$1" name body code
  name=$(printf 'bench%03d' "$i")
  body=$(printf '{"username":"%s","email":"%s@example.com","password":"correct horse battery","timezone":"UTC","goals":{"strength":5,"agility":5,"intelligence":5}}' "$name" "$name")
  code=$(curl -sS --max-time 20 -o "$TMP/reg.$i.json" -w '%{http_code}' \
         -H 'Content-Type: application/json' -d "$body" "$BASE/api/v1/auth/register") || code=000
  if [[ "$code" != 201 ]]; then
    echo "register $name: HTTP $code $(head -c 300 "$TMP/reg.$i.json" 2>/dev/null)" >"$TMP/reg.$i.err"
    return 0
  fi
  jq -er '.token' "$TMP/reg.$i.json" >"$TMP/tok.$i" 2>/dev/null || echo "register $name: no token" >"$TMP/reg.$i.err"
}
reg_pids=()
for i in $(seq 1 "$PLAYERS"); do
  register_one "$i" &
  reg_pids+=("$!")
  if (( ${#reg_pids[@]} >= REG_CONCURRENCY )); then wait "${reg_pids[@]}"; reg_pids=(); fi
done
if (( ${#reg_pids[@]} > 0 )); then wait "${reg_pids[@]}"; fi
if compgen -G "$TMP/reg.*.err" >/dev/null; then cat "$TMP"/reg.*.err | head -5 >&2; die "player registration failed"; fi
cat "$TMP"/tok.* >"$TMP/tokens.txt"
[[ "$(wc -l <"$TMP/tokens.txt")" -eq "$PLAYERS" ]] || die "expected $PLAYERS tokens"

tok1=$(head -n1 "$TMP/tokens.txt")
code=$(curl -sS --max-time 10 -o "$TMP/smoke_post.json" -w '%{http_code}' -H "Authorization: Bearer $tok1" \
       -H 'Content-Type: application/json' -d '{"kind":"study","duration_min":30}' "$BASE/api/v1/activities") || code=000
[[ "$code" == 201 ]] || die "smoke POST returned HTTP $code: $(head -c 300 "$TMP/smoke_post.json")"
code=$(curl -sS --max-time 10 -o "$TMP/smoke_get.json" -w '%{http_code}' -H "Authorization: Bearer $tok1" \
       "$BASE/api/v1/dashboard") || code=000
[[ "$code" == 200 ]] || die "smoke GET returned HTTP $code: $(head -c 300 "$TMP/smoke_get.json")"

# ---------------------------------------------------------------- 4. load
count_activities() { sqlite3 -readonly "$DBFILE" 'PRAGMA busy_timeout=10000; SELECT count(*) FROM activities;' | tail -n1; }
run_wrk() { # NAME ROUTE METHOD PATH [BODY]
  local name="$1" route="$2" method="$3" path="$4" body="${5:-}" before after c0 c1 rss0
  before=$(http_counts "$route" "$method")
  rss0=$(cat "$TMP/rss_max")
  echo 0 >"$TMP/rss_max"
  c0="$(cpu_machine) $(cpu_pid "$SERVER_PID")"
  log "wrk $method $path: -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s"
  timeout $(( DURATION + 30 )) wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s \
    -s "$here/wrk_auth.lua" "$BASE" -- "$TMP/tokens.txt" "$method" "$path" "$body" \
    >"$TMP/wrk_$name.out" 2>&1 || { cat "$TMP/wrk_$name.out" >&2; die "wrk ($name) failed"; }
  c1="$(cpu_machine) $(cpu_pid "$SERVER_PID")"
  after=$(http_counts "$route" "$method")
  cat "$TMP/rss_max" >"$TMP/rss_$name"
  awk -v a="$rss0" -v b="$(cat "$TMP/rss_max")" 'BEGIN{print (a>b?a:b)}' >"$TMP/rss_max"
  grep -q WRK_RESULT "$TMP/wrk_$name.out" || { cat "$TMP/wrk_$name.out" >&2; die "no result from wrk ($name)"; }
  awk -v a="$before" -v b="$after" 'BEGIN{split(a,s," ");split(b,e," ");print e[1]-s[1], e[2]-s[2]}' >"$TMP/srv_$name"
  cores_used "$c0" "$c1" >"$TMP/cpu_$name"
  log "$name: $(grep -o 'WRK_RESULT.*' "$TMP/wrk_$name.out" | cut -c12-)"
}

acts_before=$(count_activities)
run_wrk post /api/v1/activities POST /api/v1/activities '{"kind":"study","duration_min":30}'
acts_after=$(count_activities)
run_wrk get /api/v1/dashboard GET /api/v1/dashboard

# ---------------------------------------------------------------- 5. report
HWM_KB=$(awk '/^VmHWM:/{print $2}' "/proc/$SERVER_PID/status")
POLL_KB=$(cat "$TMP/rss_max")
RSS_KB=$(( HWM_KB > POLL_KB ? HWM_KB : POLL_KB ))
P_RPS=$(wrk_val "$TMP/wrk_post.out" rps); P_P50=$(wrk_val "$TMP/wrk_post.out" p50_ms); P_P99=$(wrk_val "$TMP/wrk_post.out" p99_ms)
G_RPS=$(wrk_val "$TMP/wrk_get.out" rps);  G_P50=$(wrk_val "$TMP/wrk_get.out" p50_ms);  G_P99=$(wrk_val "$TMP/wrk_get.out" p99_ms)
wrk_errs() { echo $(( $(wrk_val "$1" status_ge400) + $(wrk_val "$1" err_connect) + $(wrk_val "$1" err_read) + $(wrk_val "$1" err_write) + $(wrk_val "$1" err_timeout) )); }
P_BAD=$(( $(wrk_errs "$TMP/wrk_post.out") > $(cut -d' ' -f2 "$TMP/srv_post") ? $(wrk_errs "$TMP/wrk_post.out") : $(cut -d' ' -f2 "$TMP/srv_post") ))
G_BAD=$(( $(wrk_errs "$TMP/wrk_get.out") > $(cut -d' ' -f2 "$TMP/srv_get") ? $(wrk_errs "$TMP/wrk_get.out") : $(cut -d' ' -f2 "$TMP/srv_get") ))
RATIO=$(awk -v p="$P_RPS" -v t="$RAW_TPS" 'BEGIN{printf "%.3f", (t > 0 ? p / t : 0)}')
verdict() { if awk "BEGIN{exit !($1)}"; then echo PASS; else echo MISS; fi; }
V_RATIO=$(verdict "$RATIO >= $TARGET_POST_RATIO")
V_P99=$(verdict "$P_P99 < $TARGET_POST_P99_MS")
V_GET=$(verdict "$G_RPS >= $TARGET_GET_RPS")
V_RSS=$(verdict "$RSS_KB < $TARGET_RSS_KB")
read -r P_ALL P_SRV <"$TMP/cpu_post"
read -r G_ALL G_SRV <"$TMP/cpu_get"

echo
echo "================ Shonen SQLite load benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ) ================"
echo "host: $NCPU CPUs, $(uname -sr); sqlite: $(sqlite3 --version | cut -d' ' -f1) (CLI); disk of $TMP: $(df -T "$TMP" | awk 'NR==2{print $2}')"
echo "server: $SHONEN_BIN; $CONNECTIONS connections, ${DURATION}s per phase, $PLAYERS players"
echo
printf '%-31s %9s %8s %8s %8s  %s\n' "workload" "req/s" "p50 ms" "p99 ms" "non-2xx" "cores busy: machine / server"
printf '%-31s %9.1f %8s %8s %8s  %s\n' "raw SQLite insert+update (tx/s)" "$RAW_TPS" "-" "-" "0" "$RAW_CORES / - (avg latency ${RAW_AVG} ms)"
printf '%-31s %9.1f %8.2f %8.2f %8d  %s\n' "POST /api/v1/activities" "$P_RPS" "$P_P50" "$P_P99" "$P_BAD" "$P_ALL / $P_SRV"
printf '%-31s %9.1f %8.2f %8.2f %8d  %s\n' "GET /api/v1/dashboard" "$G_RPS" "$G_P50" "$G_P99" "$G_BAD" "$G_ALL / $G_SRV"
echo "(machine cores include wrk and anything else running; on a shared machine the"
echo " absolute figures move, the POST ÷ raw ratio from one run much less)"
echo
echo "POST req/s / raw SQLite tx/s = $RATIO"
echo "activities rows written during POST phase: $(( acts_after - acts_before )) (wrk completed $(wrk_val "$TMP/wrk_post.out" requests))"
echo "server peak RSS: $(( RSS_KB / 1024 )) MiB (VmHWM ${HWM_KB} kB incl. registration; polled peak during POST $(cat "$TMP/rss_post") kB, during GET $(cat "$TMP/rss_get") kB)"
echo
printf '%-44s %-22s %s\n' "target" "measured" "result"
printf '%-44s %-22s %s\n' "POST req/s >= ${TARGET_POST_RATIO} x raw SQLite tx/s" "${RATIO}x" "$V_RATIO"
printf '%-44s %-22s %s\n' "POST p99 < ${TARGET_POST_P99_MS} ms" "${P_P99} ms" "$V_P99"
printf '%-44s %-22s %s\n' "GET /dashboard >= ${TARGET_GET_RPS} req/s" "${G_RPS} req/s" "$V_GET"
printf '%-44s %-22s %s\n' "server peak RSS < 150 MB" "$(awk -v k="$RSS_KB" 'BEGIN{printf "%.1f MB", k*1024/1e6}')" "$V_RSS"
echo "total runtime: $(( $(date +%s) - started_at ))s"

missed=0
for v in "$V_RATIO" "$V_P99" "$V_GET" "$V_RSS"; do [[ "$v" == PASS ]] || missed=1; done
if [[ "$missed" == 1 && "$BENCH_STRICT" == 1 ]]; then exit 1; fi
exit 0
