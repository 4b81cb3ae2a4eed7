#!/usr/bin/env bash
# ./run bench tenants: what keys and quotas cost a call, and one tenant hammering the server
# against another's short calls, through `wasmlet serve`.
#  1. Overhead: the same echo on two servers started alike, one open (no keys) and one with
#     keys, where every call is authenticated (HMAC of the key) and admitted by the caller's
#     quotas. wrk at concurrency 1 (latency) and 10 (throughput), the two servers alternated.
#  2. Noisy neighbour: tenant alice calls echo (concurrency 10) alone, then while tenant bob
#     runs 64 connections flat out on his own echo, over his quotas (default: 1,000 calls a
#     second, 64 at once), so most of his calls get 429 (each answered after 200 ms).
#     Alice's p50 / p99 in both runs; her own quotas are set too high to matter.
# Args: BUILD_DIR. Environment: TENANT_BENCH_SECONDS (seconds per wrk run, default 5).
set -euo pipefail

BUILD=$(cd "${1:?usage: tenants.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WASMLET=$BUILD/src/cli/wasmlet
DURATION=${TENANT_BENCH_SECONDS:-5}
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmlet-tenant-bench.XXXXXX")
cd "$WORK"
# shellcheck source=bench/wrk_lib.sh
source "$ROOT/bench/wrk_lib.sh"
OPEN_PID=
KEYED_PID=
BOB_PID=
cleanup() {
  stop_pid "$BOB_PID"
  stop_pid "$OPEN_PID"
  stop_pid "$KEYED_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "compiling echo with 'wasmlet cc'"
"$WASMLET" cc "$ROOT/examples/functions/echo.c" -o echo.wasm

log "bootstrapping tenants alice, bob and root (admin) with 'wasmlet admin --data-dir'"
admin() { "$WASMLET" admin --data-dir "$WORK/keyed" "$@"; }
admin tenant add root --admin >/dev/null
admin tenant add alice >/dev/null
admin tenant add bob >/dev/null
ALICE=$(admin key create alice --label bench 2>/dev/null)
# Alice's quotas are set past what this machine can do: her calls measure the checks, never
# a refusal. Bob keeps the defaults.
admin tenant quota alice --set calls_per_second=1000000000 --set burst=1000000000 \
  --set max_concurrent_calls=100000 >/dev/null
BOB=$(admin key create bob --label bench 2>/dev/null)

start() {  # DATA_DIR PORT: starts a server, prints its pid
  "$WASMLET" serve --port "$2" --data-dir "$1" --log-level warn >"$1.log" 2>&1 &
  echo $!
}
OPEN_PORT=$(free_port)
OPEN_PID=$(start "$WORK/open" "$OPEN_PORT")
KEYED_PORT=$(free_port)
KEYED_PID=$(start "$WORK/keyed" "$KEYED_PORT")
OPEN=http://127.0.0.1:$OPEN_PORT
KEYED=http://127.0.0.1:$KEYED_PORT
wait_ready "$OPEN/healthz" "$OPEN_PID" "the open server"
wait_ready "$KEYED/healthz" "$KEYED_PID" "the keyed server"
curl -fsS -X PUT --data-binary @echo.wasm "$OPEN/v1/functions/alice/echo" >/dev/null
curl -fsS -X PUT -H "Authorization: Bearer $ALICE" --data-binary @echo.wasm \
  "$KEYED/v1/functions/alice/echo" >/dev/null
curl -fsS -X PUT -H "Authorization: Bearer $BOB" --data-binary @echo.wasm \
  "$KEYED/v1/functions/bob/echo" >/dev/null

body=$(head -c 64 /dev/zero | tr '\0' x)
printf 'wrk.method = "POST"\nwrk.body = "%s"\n' "$body" >open.lua
printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Authorization"] = "Bearer %s"\n' \
  "$body" "$ALICE" >alice.lua
printf 'wrk.method = "POST"\nwrk.body = "%s"\nwrk.headers["Authorization"] = "Bearer %s"\n' \
  "$body" "$BOB" >bob.lua
run_wrk "$OPEN/v1/functions/alice/echo:invoke" open.lua 10 2 >/dev/null  # warm-up
run_wrk "$KEYED/v1/functions/alice/echo:invoke" alice.lua 10 2 >/dev/null

# Alternated, twice each: the machine is shared and its load drifts.
declare -A rps p50 p99
for round in 1 2; do
  for conns in 1 10; do
    log "round $round, concurrency $conns: open, then keyed (${DURATION} s each)"
    read -r r5 m5 n5 _ < <(run_wrk "$OPEN/v1/functions/alice/echo:invoke" open.lua "$conns" "$DURATION")
    rps[open.$conns]+="$r5 "; p50[open.$conns]+="$m5 "; p99[open.$conns]+="$n5 "
    read -r r5 m5 n5 _ < <(run_wrk "$KEYED/v1/functions/alice/echo:invoke" alice.lua "$conns" "$DURATION")
    rps[keyed.$conns]+="$r5 "; p50[keyed.$conns]+="$m5 "; p99[keyed.$conns]+="$n5 "
  done
done
# The better of the two runs of each (the less disturbed by other load).
best_max() { tr ' ' '\n' <<<"$1" | grep . | sort -g | tail -n 1; }
best_min() { tr ' ' '\n' <<<"$1" | grep . | sort -g | head -n 1; }

log "noisy neighbour: alice alone (${DURATION} s)"
read -r alone_rps alone_p50 alone_p99 alone_err < <(run_wrk "$KEYED/v1/functions/alice/echo:invoke" alice.lua 10 "$DURATION")
log "noisy neighbour: alice while bob hammers with 64 connections"
wrk -t1 -c64 -d"$((DURATION + 2))s" --latency -s bob.lua "$KEYED/v1/functions/bob/echo:invoke" \
  >bob.txt 2>&1 &
BOB_PID=$!
sleep 1
read -r noisy_rps noisy_p50 noisy_p99 noisy_err < <(run_wrk "$KEYED/v1/functions/alice/echo:invoke" alice.lua 10 "$DURATION")
wait "$BOB_PID" || true
BOB_PID=
bob_rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' bob.txt)
bob_refused=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' bob.txt)
bob_total=$(awk '/requests in/ { print $1 }' bob.txt)

echo
echo "## Tenants: keys and quotas on every call"
echo
echo "64-byte echo through \`wasmlet serve\`, wrk on loopback, ${DURATION} s per run, best of two runs."
echo
echo "| concurrency | open: req/s, p50 / p99 | keys + quotas: req/s, p50 / p99 | added p50 |"
echo "|---:|---:|---:|---:|"
for conns in 1 10; do
  o_r=$(best_max "${rps[open.$conns]}"); k_r=$(best_max "${rps[keyed.$conns]}")
  o_5=$(best_min "${p50[open.$conns]}"); k_5=$(best_min "${p50[keyed.$conns]}")
  o_9=$(best_min "${p99[open.$conns]}"); k_9=$(best_min "${p99[keyed.$conns]}")
  added=$(awk -v a="$k_5" -v b="$o_5" 'BEGIN { printf "%.1f us", (a - b) * 1000 }')
  echo "| $conns | $o_r, $(fmt_ms "$o_5") / $(fmt_ms "$o_9") | $k_r, $(fmt_ms "$k_5") / $(fmt_ms "$k_9") | $added |"
done
echo
echo "| alice's echo (concurrency 10) | req/s | p50 | p99 | errors |"
echo "|---|---:|---:|---:|---:|"
echo "| alone | $alone_rps | $(fmt_ms "$alone_p50") | $(fmt_ms "$alone_p99") | $alone_err |"
echo "| while bob hammers (64 connections) | $noisy_rps | $(fmt_ms "$noisy_p50") | $(fmt_ms "$noisy_p99") | $noisy_err |"
echo
awk -v a="$alone_p99" -v b="$noisy_p99" -v c="$alone_p50" -v d="$noisy_p50" \
  'BEGIN { printf "alice with bob / alone: p50 %.2fx, p99 %.2fx\n", d / c, b / a }'
echo "bob: ${bob_rps} req/s answered, ${bob_refused:-0} of ${bob_total} refused (429, over his quotas)"
