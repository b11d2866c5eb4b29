# Shared helpers for the fault benchmarks (sourced, not run).
# Everything runs on loopback, in a temp dir, with private servers; nothing touches
# the shared PostgreSQL or Redis.

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# The server binary: $SHONEN_BIN, else the release build, else the debug build.
pick_bin() {
  local target="${CARGO_TARGET_DIR:-$HOME/.cache/shonen-target}"
  for b in "${SHONEN_BIN:-}" "$target/release/shonen" "$target/debug/shonen"; do
    [[ -n "$b" && -x "$b" ]] && { echo "$b"; return; }
  done
  die "no shonen binary; build it: cargo build --release -p shonen-server"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_ready() { # base_url seconds
  local deadline=$(( $(date +%s) + $2 ))
  until curl -fs -o /dev/null "$1/readyz"; do
    (( $(date +%s) < deadline )) || die "server at $1 did not become ready"
    sleep 0.1
  done
}

register() { # base name → token on stdout
  curl -fs -H 'Content-Type: application/json' \
    -d "{\"username\":\"$2\",\"email\":\"$2@example.com\",\"password\":\"correct horse battery\",\"goals\":{\"strength\":0,\"agility\":0,\"intelligence\":9}}" \
    "$1/api/v1/auth/register" | jq -er .token
}
