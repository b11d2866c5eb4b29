#!/usr/bin/env bash
# Load benchmark for the Shonen Training Tracker (see bench/README.md).
#
# One run:
#   1. creates a fresh PostgreSQL database and measures the pgbench baseline
#      (two-statement insert+update transaction, bench/pgbench_tx.sql);
#   2. starts the release `shonen serve` against that database;
#   3. registers $PLAYERS players;
#   4. loads POST /api/v1/activities, then GET /api/v1/dashboard, with wrk;
#   5. prints req/s, p50/p99, non-2xx, POST÷pgbench ratio, peak RSS and PASS/MISS;
#   6. stops the server, drops the database and removes temp files (trap), even on error.
#
# Everything targets loopback only. Tunables (environment):
#   SHONEN_BIN   release binary   (default $HOME/.cache/shonen-target/release/shonen)
#   PG_HOST PG_PORT PG_USER PG_ADMIN_DB   (default 127.0.0.1 5432 postgres test)
#   DURATION (s, per phase, default 20)  CONNECTIONS (default 32)  PLAYERS (default 64)
#   WRK_THREADS (default 2)  PG_THREADS (pgbench -j, default 2)
#   REG_CONCURRENCY (parallel registrations, default 2)
#   MAX_RUNTIME (s, hard limit for the whole script, default 180)
#   BENCH_STRICT=1  exit 1 when any target is missed (default: exit 0 if the run completed)
#   KEEP_DB=1       do not drop the benchmark database (for post-mortems)

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

SHONEN_BIN="${SHONEN_BIN:-$HOME/.cache/shonen-target/release/shonen}"
PG_HOST="${PG_HOST:-127.0.0.1}"
PG_PORT="${PG_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
PG_ADMIN_DB="${PG_ADMIN_DB:-test}"
DURATION="${DURATION:-20}"
CONNECTIONS="${CONNECTIONS:-32}"
PLAYERS="${PLAYERS:-64}"
WRK_THREADS="${WRK_THREADS:-2}"
PG_THREADS="${PG_THREADS:-2}"
REG_CONCURRENCY="${REG_CONCURRENCY:-2}"
MAX_RUNTIME="${MAX_RUNTIME:-180}"
BENCH_STRICT="${BENCH_STRICT:-0}"
KEEP_DB="${KEEP_DB:-0}"
# wrk and pgbench refuse more threads than connections.
(( WRK_THREADS > CONNECTIONS )) && WRK_THREADS=$CONNECTIONS
(( PG_THREADS > CONNECTIONS )) && PG_THREADS=$CONNECTIONS

# Targets.
TARGET_POST_RATIO="0.5"      # POST req/s >= 0.5 x pgbench tps
TARGET_POST_P99_MS="50"      # POST p99 < 50 ms
TARGET_GET_RPS="5000"        # GET /dashboard >= 5000 req/s
TARGET_RSS_KB="146484"       # peak RSS < 150 MB (150e6 bytes = 146484 KiB)

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'load.sh: error: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- preflight
for tool in psql pgbench wrk curl jq awk timeout; do
  command -v "$tool" >/dev/null 2>&1 || {
    case "$tool" in
      wrk) hint="install it: apt-get update && apt-get install -y wrk" ;;
      psql|pgbench) hint="install the PostgreSQL client: apt-get install -y postgresql-client" ;;
      *) hint="install it with your package manager" ;;
    esac
    die "required tool '$tool' not found in PATH ($hint)"
  }
done
[[ -x "$SHONEN_BIN" ]] || die "server binary not found at $SHONEN_BIN; build it with:
  cd $(dirname "$here") && CARGO_TARGET_DIR=\$HOME/.cache/shonen-target cargo build --release -p shonen-server"
case "$PG_HOST" in 127.*|localhost|::1) ;; *) die "PG_HOST must be a loopback address, got $PG_HOST" ;; esac
[[ -r "$here/pgbench_tx.sql" && -r "$here/wrk_auth.lua" ]] || die "bench/pgbench_tx.sql or bench/wrk_auth.lua missing"

PSQL=(psql -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -X -q -At)
timeout 10 "${PSQL[@]}" -d "$PG_ADMIN_DB" -c 'SELECT 1' >/dev/null 2>&1 \
  || die "cannot connect to PostgreSQL at $PG_HOST:$PG_PORT as $PG_USER (db $PG_ADMIN_DB)"

# ---------------------------------------------------------------- state + cleanup
started_at=$(date +%s)
DB="shonen_bench_$(date +%Y%m%d_%H%M%S)_$$"
TMP="$(mktemp -d -t shonen-bench.XXXXXX)"
SERVER_PID=""
POLLER_PID=""
WATCHDOG_PID=""
DB_CREATED=0

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  if [[ -n "$WATCHDOG_PID" ]]; then kill "$WATCHDOG_PID" 2>/dev/null; wait "$WATCHDOG_PID" 2>/dev/null; fi
  if [[ -n "$POLLER_PID" ]]; then kill "$POLLER_PID" 2>/dev/null; wait "$POLLER_PID" 2>/dev/null; fi
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    log "stopping server (pid $SERVER_PID, SIGTERM)"
    kill -TERM "$SERVER_PID" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server did not exit within 10 s, sending SIGKILL"
      kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    wait "$SERVER_PID" 2>/dev/null
  fi
  if [[ $rc -ne 0 && -s "$TMP/server.log" ]]; then
    echo "---- last 30 lines of the server log ----" >&2
    tail -n 30 "$TMP/server.log" >&2
  fi
  if [[ "$DB_CREATED" == 1 ]]; then
    if [[ "$KEEP_DB" == 1 ]]; then
      log "KEEP_DB=1: leaving database $DB in place"
    else
      log "dropping database $DB"
      # DROP DATABASE forces a checkpoint, which can take tens of seconds after the load.
      timeout 60 "${PSQL[@]}" -d "$PG_ADMIN_DB" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" >/dev/null 2>&1 \
        || log "warning: could not drop database $DB"
    fi
  fi
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated (time limit ${MAX_RUNTIME}s or signal)"; exit 124' TERM

# Hard bound on the whole run: the watchdog SIGTERMs the script, whose trap cleans up.
# Every step below is individually bounded with `timeout`, so the trap runs promptly.
main_pid=$$
(
  trap 'kill "$sp" 2>/dev/null; exit 0' TERM
  sleep "$MAX_RUNTIME" & sp=$!
  wait "$sp" && kill -TERM "$main_pid" 2>/dev/null
) >/dev/null 2>&1 &
WATCHDOG_PID=$!

# ---------------------------------------------------------------- helpers
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then echo "$p"; return 0; fi
  done
  die "no free TCP port found"
}

# "busy_ticks total_ticks" for the whole machine (from /proc/stat).
cpu_machine() { awk '/^cpu /{b=$2+$3+$4+$7+$8+$9; t=b+$5+$6; print b, t}' /proc/stat; }
# utime+stime ticks of one pid.
cpu_pid() { [[ -n "$1" ]] && awk '{print $14+$15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# "pid:ticks,pid:ticks,..." for every visible process named postgres: utime+stime plus
# cutime+cstime, so CPU of backends that exited (reaped by the postmaster) is counted too.
cpu_postgres() {
  local out="" f line
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    [[ "$line" == *"(postgres)"* ]] || continue
    out+="$(awk '{printf "%s:%d,", $1, $14+$15+$16+$17}' <<<"$line")"
  done
  echo "${out:-none}"
}
# CPU seconds the main shell's finished children used so far (bash `times`, 2nd line).
# Must run in the main shell (not in $(...)), hence the file.
cpu_children() {
  times >"$TMP/times"
  awk 'NR==2{ for (i=1;i<=2;i++){ split($i,a,/[ms]/); t+=a[1]*60+a[2] } printf "%.2f\n", t }' "$TMP/times" >"$TMP/times.$1"
}
CLK_TCK=$(getconf CLK_TCK)
NCPU=$(nproc)

# CPU snapshot: "busy total server_ticks postgres_pid_list" (+ load generator seconds given
# separately). cpu_delta BEFORE AFTER LOADGEN_SECS prints, in cores used on average:
# "machine_busy_% server postgres loadgen foreign", where foreign = everything else on
# the machine (other users' builds etc.; should be ~0 for trustworthy figures).
cpu_snapshot() { echo "$(cpu_machine) $(cpu_pid "$SERVER_PID") $(cpu_postgres)"; }
cpu_delta() {
  awk -v tck="$CLK_TCK" -v n="$NCPU" -v lg="$3" '
    function pgsum(list, arr,   parts, i, kv, k) {
      k = split(list, parts, ","); for (i = 1; i <= k; i++) if (split(parts[i], kv, ":") == 2) arr[kv[1]] = kv[2]
    }
    {
      split($0, a, "|"); split(a[1], s, " "); split(a[2], e, " ");
      busy = e[1]-s[1]; tot = e[2]-s[2]; if (tot <= 0) tot = 1;
      secs = tot / n / tck;                      # wall seconds covered
      srv = (e[3]-s[3]) / tck / secs;
      pgsum(s[4], p0); pgsum(e[4], p1); pgt = 0
      for (pid in p1) pgt += p1[pid] - ((pid in p0) ? p0[pid] : 0)
      pg = pgt / tck / secs; lgc = lg / secs; all = busy / tck / secs;
      f = all - srv - pg - lgc; if (f < 0) f = 0
      printf "%.0f %.2f %.2f %.2f %.2f\n", 100*busy/tot, srv, pg, lgc, f }' <<<"$1|$2"
}
# Committed+rolled-back transactions in the bench database (every autocommit statement counts 1).
db_xacts() {
  timeout 10 "${PSQL[@]}" -d "$PG_ADMIN_DB" -c \
    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$DB'" 2>/dev/null || echo 0
}

# Counts of requests from the server's own Prometheus metrics for one route+method:
# prints "total non2xx".
http_counts() {
  local route="$1" method="$2"
  curl -fsS --max-time 10 "$BASE/metrics" | awk -v r="route=\"$route\"" -v m="method=\"$method\"" '
    /^shonen_http_requests_total\{/ && index($0, r) && index($0, m) {
      n = $NF + 0; total += n
      if (match($0, /status="[0-9]+"/)) { st = substr($0, RSTART+8, 3); if (st !~ /^2/) bad += n }
    }
    END { printf "%d %d\n", total, bad }' || echo "0 0"
}

# wrk_result FILE KEY -> value from the WRK_RESULT line.
wrk_val() { grep -o "WRK_RESULT.*" "$1" | tr ' ' '\n' | awk -F= -v k="$2" '$1==k{print $2}'; }

# ---------------------------------------------------------------- 1. pgbench baseline
log "creating database $DB"
timeout 30 "${PSQL[@]}" -d "$PG_ADMIN_DB" -c "CREATE DATABASE \"$DB\"" >/dev/null
DB_CREATED=1
timeout 60 "${PSQL[@]}" -d "$DB" >/dev/null <<'SQL'
CREATE TABLE bench_players (id integer PRIMARY KEY, total bigint NOT NULL DEFAULT 0);
CREATE TABLE bench_ledger (
  id bigserial PRIMARY KEY,
  player_id integer NOT NULL,
  amount integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO bench_players (id) SELECT g FROM generate_series(1, 1000) g;
VACUUM ANALYZE bench_players;
SQL

log "pgbench: -c $CONNECTIONS -j $PG_THREADS -T $DURATION (insert+update transaction)"
m0=$(cpu_snapshot); cpu_children 0; l0=$(cat "$TMP/times.0")
timeout $(( DURATION + 40 )) pgbench -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -n \
  -c "$CONNECTIONS" -j "$PG_THREADS" -T "$DURATION" -f "$here/pgbench_tx.sql" "$DB" \
  >"$TMP/pgbench.out" 2>&1 || { cat "$TMP/pgbench.out" >&2; die "pgbench failed"; }
cpu_children 1; l1=$(cat "$TMP/times.1"); m1=$(cpu_snapshot)
PG_TPS=$(awk '/^tps = /{print $3; exit}' "$TMP/pgbench.out")
PG_LAT=$(awk '/^latency average/{print $4; exit}' "$TMP/pgbench.out")
PG_FAILED=$(awk '/number of failed transactions/{print $5; exit}' "$TMP/pgbench.out")
[[ -n "$PG_TPS" ]] || { cat "$TMP/pgbench.out" >&2; die "could not parse pgbench tps"; }
read -r PG_BUSY _ PG_PG PG_LG PG_FOR <<<"$(cpu_delta "$m0" "$m1" "$(awk -v a="$l0" -v b="$l1" 'BEGIN{print b-a}')")"
log "pgbench: tps=$PG_TPS latency_avg=${PG_LAT}ms failed=${PG_FAILED:-0};" \
    "cpu busy ${PG_BUSY}%, cores postgres/pgbench/foreign = $PG_PG/$PG_LG/$PG_FOR"

# ---------------------------------------------------------------- 2. server
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
mkdir -p "$TMP/data"
log "starting $SHONEN_BIN serve on 127.0.0.1:$PORT"
SHONEN_DATABASE_URL="postgres://$PG_USER@$PG_HOST:$PG_PORT/$DB" \
SHONEN_ADDR="127.0.0.1:$PORT" \
SHONEN_DATA_DIR="$TMP/data" \
SHONEN_RATE_LIMIT_PER_MINUTE=100000000 SHONEN_REGISTRATIONS_PER_HOUR=1000000000 \
SHONEN_LOG=warn \
  "$SHONEN_BIN" serve >"$TMP/server.log" 2>&1 &
SERVER_PID=$!

ready=0
for _ in $(seq 1 150); do   # up to ~30 s (migrations on a fresh database)
  kill -0 "$SERVER_PID" 2>/dev/null || die "server exited during start-up"
  if [[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/readyz" || true)" == 200 ]]; then
    ready=1; break
  fi
  sleep 0.2
done
[[ $ready == 1 ]] || die "server not ready (GET /readyz != 200) after 30 s"
log "server ready (pid $SERVER_PID)"

# Peak RSS: poll VmRSS every 0.5 s, max kept in $TMP/rss_max (run_wrk resets it per phase
# to get a per-phase peak); VmHWM (the kernel's lifetime peak) is read at the end too.
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
  jq -er '.token' "$TMP/reg.$i.json" >"$TMP/tok.$i" 2>/dev/null || echo "register $name: no token in response" >"$TMP/reg.$i.err"
}
reg_start=$(date +%s.%N)
reg_pids=()
for i in $(seq 1 "$PLAYERS"); do
  register_one "$i" &
  reg_pids+=("$!")
  # $REG_CONCURRENCY in flight: argon2 hashing is CPU-bound (and each hash holds ~19 MiB),
  # so more than one per core buys nothing. Never a bare `wait`, which would also wait
  # for the RSS poller and the watchdog.
  if (( ${#reg_pids[@]} >= REG_CONCURRENCY )); then wait "${reg_pids[@]}"; reg_pids=(); fi
done
if (( ${#reg_pids[@]} > 0 )); then wait "${reg_pids[@]}"; fi
reg_secs=$(awk -v a="$reg_start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')
if compgen -G "$TMP/reg.*.err" >/dev/null; then
  cat "$TMP"/reg.*.err | head -5 >&2
  die "player registration failed"
fi
cat "$TMP"/tok.* >"$TMP/tokens.txt"
n_tokens=$(wc -l <"$TMP/tokens.txt")
[[ "$n_tokens" -eq "$PLAYERS" ]] || die "expected $PLAYERS tokens, got $n_tokens"
log "registered $n_tokens players in ${reg_secs}s"

# Smoke-check both endpoints once so a broken request shape fails loudly, not as 100% errors.
tok1=$(head -n1 "$TMP/tokens.txt")
code=$(curl -sS --max-time 10 -o "$TMP/smoke_post.json" -w '%{http_code}' -H "Authorization: Bearer $tok1" \
       -H 'Content-Type: application/json' -d '{"kind":"study","duration_min":30}' "$BASE/api/v1/activities") || code=000
[[ "$code" == 201 ]] || die "smoke POST /api/v1/activities returned HTTP $code: $(head -c 300 "$TMP/smoke_post.json")"
code=$(curl -sS --max-time 10 -o "$TMP/smoke_get.json" -w '%{http_code}' -H "Authorization: Bearer $tok1" \
       "$BASE/api/v1/dashboard") || code=000
[[ "$code" == 200 ]] || die "smoke GET /api/v1/dashboard returned HTTP $code: $(head -c 300 "$TMP/smoke_get.json")"

# ---------------------------------------------------------------- 4. load
run_wrk() { # NAME ROUTE METHOD PATH [BODY]
  local name="$1" route="$2" method="$3" path="$4" body="${5:-}" c0 c1 before after x0 x1 l0 l1 rss0
  before=$(http_counts "$route" "$method")
  x0=$(db_xacts)
  rss0=$(cat "$TMP/rss_max" 2>/dev/null || echo 0)
  echo 0 >"$TMP/rss_max"   # per-phase peak; the lifetime max is merged back afterwards
  c0=$(cpu_snapshot); cpu_children 0; l0=$(cat "$TMP/times.0")
  log "wrk $method $path: -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s"
  timeout $(( DURATION + 30 )) wrk -t "$WRK_THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --timeout 10s \
    -s "$here/wrk_auth.lua" "$BASE" -- "$TMP/tokens.txt" "$method" "$path" "$body" \
    >"$TMP/wrk_$name.out" 2>&1 || { cat "$TMP/wrk_$name.out" >&2; die "wrk ($name) failed"; }
  cpu_children 1; l1=$(cat "$TMP/times.1"); c1=$(cpu_snapshot)
  x1=$(db_xacts)
  after=$(http_counts "$route" "$method")
  cat "$TMP/rss_max" >"$TMP/rss_$name"
  awk -v a="$rss0" -v b="$(cat "$TMP/rss_max")" 'BEGIN{print (a>b?a:b)}' >"$TMP/rss_max"
  grep -q WRK_RESULT "$TMP/wrk_$name.out" || { cat "$TMP/wrk_$name.out" >&2; die "no result from wrk ($name)"; }
  # Server-side counts (exact, from /metrics) for this phase: "total non2xx".
  awk -v a="$before" -v b="$after" 'BEGIN{split(a,s," ");split(b,e," ");print e[1]-s[1], e[2]-s[2]}' \
    >"$TMP/srv_$name"
  cpu_delta "$c0" "$c1" "$(awk -v a="$l0" -v b="$l1" 'BEGIN{print b-a}')" >"$TMP/cpu_$name"
  awk -v x="$(( x1 - x0 ))" -v n="$(cut -d' ' -f1 "$TMP/srv_$name")" 'BEGIN{printf "%.1f\n", (n > 0 ? x / n : 0)}' >"$TMP/xpr_$name"
  log "$name: $(grep -o 'WRK_RESULT.*' "$TMP/wrk_$name.out" | cut -c12-)"
  log "$name: server counted $(cut -d' ' -f1 "$TMP/srv_$name") requests, $(cut -d' ' -f2 "$TMP/srv_$name") non-2xx;" \
      "$(cat "$TMP/xpr_$name") db transactions/request;" \
      "cpu busy% / cores server/postgres/wrk/foreign = $(cat "$TMP/cpu_$name")"
}

acts_before=$(timeout 10 "${PSQL[@]}" -d "$DB" -c 'SELECT count(*) FROM activities')
run_wrk post /api/v1/activities POST /api/v1/activities '{"kind":"study","duration_min":30}'
acts_after=$(timeout 10 "${PSQL[@]}" -d "$DB" -c 'SELECT count(*) FROM activities')
rss_after_post=$(awk '/^VmRSS:/{print $2}' "/proc/$SERVER_PID/status")

run_wrk get /api/v1/dashboard GET /api/v1/dashboard

# ---------------------------------------------------------------- 5. report
HWM_KB=$(awk '/^VmHWM:/{print $2}' "/proc/$SERVER_PID/status")
POLL_KB=$(cat "$TMP/rss_max" 2>/dev/null || echo 0)
RSS_KB=$(( HWM_KB > POLL_KB ? HWM_KB : POLL_KB ))

P_RPS=$(wrk_val "$TMP/wrk_post.out" rps);  P_P50=$(wrk_val "$TMP/wrk_post.out" p50_ms); P_P99=$(wrk_val "$TMP/wrk_post.out" p99_ms)
G_RPS=$(wrk_val "$TMP/wrk_get.out" rps);   G_P50=$(wrk_val "$TMP/wrk_get.out" p50_ms);  G_P99=$(wrk_val "$TMP/wrk_get.out" p99_ms)
wrk_errs() { # socket errors + status>=400 as seen by wrk
  local f="$1"
  echo $(( $(wrk_val "$f" status_ge400) + $(wrk_val "$f" err_connect) + $(wrk_val "$f" err_read) + $(wrk_val "$f" err_write) + $(wrk_val "$f" err_timeout) ))
}
P_BAD_WRK=$(wrk_errs "$TMP/wrk_post.out"); G_BAD_WRK=$(wrk_errs "$TMP/wrk_get.out")
P_BAD_SRV=$(cut -d' ' -f2 "$TMP/srv_post"); G_BAD_SRV=$(cut -d' ' -f2 "$TMP/srv_get")
P_NON2XX=$(( P_BAD_WRK > P_BAD_SRV ? P_BAD_WRK : P_BAD_SRV ))
G_NON2XX=$(( G_BAD_WRK > G_BAD_SRV ? G_BAD_WRK : G_BAD_SRV ))
RATIO=$(awk -v p="$P_RPS" -v t="$PG_TPS" 'BEGIN{printf "%.3f", (t > 0 ? p / t : 0)}')

verdict() { if awk "BEGIN{exit !($1)}"; then echo PASS; else echo MISS; fi; }
V_RATIO=$(verdict "$RATIO >= $TARGET_POST_RATIO")
V_P99=$(verdict "$P_P99 < $TARGET_POST_P99_MS")
V_GET=$(verdict "$G_RPS >= $TARGET_GET_RPS")
V_RSS=$(verdict "$RSS_KB < $TARGET_RSS_KB")

read -r P_BUSY P_SRV P_PG P_LG P_FOR <"$TMP/cpu_post"
read -r G_BUSY G_SRV G_PG G_LG G_FOR <"$TMP/cpu_get"

echo
echo "================ Shonen load benchmark — $(date -u +%Y-%m-%dT%H:%M:%SZ) ================"
echo "host: $NCPU CPUs, $(uname -sr); postgres: $("${PSQL[@]}" -d "$DB" -c 'SHOW server_version')"
echo "server: $SHONEN_BIN; $CONNECTIONS connections, ${DURATION}s per phase, $PLAYERS players"
echo
printf '%-31s %9s %8s %8s %8s %6s  %s\n' "workload" "req/s" "p50 ms" "p99 ms" "non-2xx" "tx/req" "cpu busy, cores: server/postgres/loadgen/foreign"
printf '%-31s %9.1f %8s %8s %8s %6s  %s\n' "pgbench insert+update (tps)" "$PG_TPS" "-" "-" "${PG_FAILED:-0}" "1" "${PG_BUSY}%: -/${PG_PG}/${PG_LG}/${PG_FOR} (avg latency ${PG_LAT} ms)"
printf '%-31s %9.1f %8.2f %8.2f %8d %6s  %s\n' "POST /api/v1/activities" "$P_RPS" "$P_P50" "$P_P99" "$P_NON2XX" "$(cat "$TMP/xpr_post")" "${P_BUSY}%: ${P_SRV}/${P_PG}/${P_LG}/${P_FOR}"
printf '%-31s %9.1f %8.2f %8.2f %8d %6s  %s\n' "GET /api/v1/dashboard" "$G_RPS" "$G_P50" "$G_P99" "$G_NON2XX" "$(cat "$TMP/xpr_get")" "${G_BUSY}%: ${G_SRV}/${G_PG}/${G_LG}/${G_FOR}"
echo "(non-2xx = max of wrk's socket errors + status>=400 and the server's own /metrics count;"
echo " tx/req = PostgreSQL transactions per request, each autocommit statement counts as one)"
if awk -v a="$PG_FOR" -v b="$P_FOR" -v c="$G_FOR" 'BEGIN{exit !(a > 0.2 || b > 0.2 || c > 0.2)}'; then
  echo "WARNING: other processes used >0.2 cores during a phase (\"foreign\" column): the machine"
  echo "         was not idle, so these figures understate what the server can do."
fi
echo
echo "POST req/s / pgbench tps = $RATIO"
echo "activities rows written during POST phase: $(( acts_after - acts_before )) (wrk completed $(wrk_val "$TMP/wrk_post.out" requests))"
echo "server peak RSS: $(( RSS_KB / 1024 )) MiB (VmHWM ${HWM_KB} kB incl. registration; polled peak during POST $(cat "$TMP/rss_post") kB, during GET $(cat "$TMP/rss_get") kB; after POST ${rss_after_post} kB)"
echo
printf '%-44s %-22s %s\n' "target" "measured" "result"
printf '%-44s %-22s %s\n' "POST req/s >= ${TARGET_POST_RATIO} x pgbench tps" "${RATIO}x" "$V_RATIO"
printf '%-44s %-22s %s\n' "POST p99 < ${TARGET_POST_P99_MS} ms" "${P_P99} ms" "$V_P99"
printf '%-44s %-22s %s\n' "GET /dashboard >= ${TARGET_GET_RPS} req/s" "${G_RPS} req/s" "$V_GET"
printf '%-44s %-22s %s\n' "server peak RSS < 150 MB" "$(awk -v k="$RSS_KB" 'BEGIN{printf "%.1f MB", k*1024/1e6}')" "$V_RSS"
echo "total runtime: $(( $(date +%s) - started_at ))s"

missed=0
for v in "$V_RATIO" "$V_P99" "$V_GET" "$V_RSS"; do [[ "$v" == PASS ]] || missed=1; done
if [[ "$missed" == 1 && "$BENCH_STRICT" == 1 ]]; then exit 1; fi
exit 0
