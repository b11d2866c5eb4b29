#!/usr/bin/env bash
# Graceful shutdown with stalled clients: starts the `shonen` binary with the default
# timeouts, opens CLIENTS (default 500) connections that stall — a third send half
# the request headers, a third headers and half a body, a third open a WebSocket and
# stay silent — then sends SIGTERM and measures how long the process takes to exit.
# Target: < 10 s. Prints SHUTDOWN_RESULT clients=… seconds=….
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/faults_common.sh"
CLIENTS="${CLIENTS:-500}"
for t in curl jq python3; do command -v $t >/dev/null || die "$t is required"; done
BIN="$(pick_bin)"
TMP="$(mktemp -d -t shonen-stop.XXXXXX)"
PID=""
cleanup() { [[ -n "$PID" ]] && kill -9 "$PID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
PORT="$(free_port)"; BASE="http://127.0.0.1:$PORT"
SHONEN_ADDR="127.0.0.1:$PORT" SHONEN_DATABASE_URL="${DATABASE_URL:-sqlite://$TMP/shonen.db?mode=rwc}" \
SHONEN_DATA_DIR="$TMP" SHONEN_RATE_LIMIT_PER_MINUTE=100000000 SHONEN_LOG=warn \
  "$BIN" serve >"$TMP/server.log" 2>&1 &
PID=$!
wait_ready "$BASE" 60
TOKEN="$(register "$BASE" "stall$$")"
python3 - "$PORT" "$CLIENTS" "$TOKEN" "$PID" <<'PY'
import os, signal, socket, sys, time
port, n, token, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
held = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    kind = i % 3
    if kind == 0:
        s.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bear")
    elif kind == 1:
        s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"username\":")
    else:
        s.sendall(("GET /api/v1/ws?token=%s HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n" % token).encode())
    held.append(s)
time.sleep(1.0)
started = time.monotonic()
os.kill(pid, signal.SIGTERM)
while True:
    try:
        os.kill(pid, 0)
        # A zombie (exited, not reaped by the shell yet) counts as exited.
        with open("/proc/%d/stat" % pid) as f:
            if f.read().split(")")[1].split()[0] == "Z":
                break
    except (ProcessLookupError, FileNotFoundError):
        break
    if time.monotonic() - started > 30:
        print("SHUTDOWN_RESULT clients=%d seconds=>30 (still running)" % n)
        sys.exit(1)
    time.sleep(0.02)
print("SHUTDOWN_RESULT clients=%d seconds=%.2f" % (n, time.monotonic() - started))
PY
wait "$PID" 2>/dev/null || true
PID=""
