#!/usr/bin/env bash
# Duel latency: accept → duel_resolved (p50/p99) with many duels accepted at once on
# PostgreSQL and the in-process executor. Results and method: bench/DUELS.md.
#
#   bench/duels.sh            # debug build (what the tests use)
#   bench/duels.sh --release  # optimized build
#
# Env: SHONEN_BENCH_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test),
#      SHONEN_BENCH_DUELS (1000), SHONEN_BENCH_WORKERS (8, the service default).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/shonen-target}"
exec cargo run -q -p shonen-server --example duels_bench "$@"
