#!/usr/bin/env bash
# ./run bench tool: is `wasmlet bench`'s load generator the bottleneck? The same load (POST of
# a 64-byte body to the warm echo function, keep-alive, closed loop) from wrk and from `wasmlet
# bench`, at concurrency 10 and 50, each for the same time with the same number of client
# threads; then both against http_floor_server (a native Beast echo server, far faster than a
# function call) when it is built. wrk and the tool take turns, ROUNDS times, and each keeps
# its best round (a shared machine's noise hits both alike). Prints both throughputs, p50 and
# p99, the ratio, and each client's own CPU time per request (what it costs, whatever the
# noise).
#
# Args: BUILD_DIR. Environment:
#   BENCH_TOOL_SECONDS  seconds per run (default 10)
#   BENCH_TOOL_THREADS  client threads of wrk and of wasmlet bench (default 2)
#   BENCH_TOOL_ROUNDS   turns each (default 2)
set -euo pipefail

BUILD=$(cd "${1:?usage: bench_tool.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WASMLET=$BUILD/src/cli/wasmlet
FLOOR=$BUILD/bench/http_floor_server
DURATION=${BENCH_TOOL_SECONDS:-10}
THREADS=${BENCH_TOOL_THREADS:-2}
ROUNDS=${BENCH_TOOL_ROUNDS:-2}
PY=/usr/bin/python3
# shellcheck source=bench/wrk_lib.sh
source "$ROOT/bench/wrk_lib.sh"

[ -x "$WASMLET" ] || { echo "bench_tool: $WASMLET is missing (build first)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench_tool: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmlet-bench-tool.XXXXXX")
cd "$WORK"
SERVER_PID=
FLOOR_PID=
cleanup() {
  stop_pid "$SERVER_PID"
  stop_pid "$FLOOR_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "compiling examples/functions/echo.c with 'wasmlet cc'"
"$WASMLET" cc "$ROOT/examples/functions/echo.c" -o "$WORK/echo.wasm"

PORT=$(free_port)
log "starting wasmlet serve on port $PORT"
"$WASMLET" serve --port "$PORT" --data-dir "$WORK/data" --log-level warn >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_ready "http://127.0.0.1:$PORT/healthz" "$SERVER_PID" "wasmlet serve" || {
  cat "$WORK/server.log" >&2
  exit 1
}
curl -fsS -X PUT --data-binary @"$WORK/echo.wasm" "http://127.0.0.1:$PORT/v1/functions/bench/echo" >/dev/null

if [ -x "$FLOOR" ]; then
  FLOOR_PORT=$(free_port)
  "$FLOOR" --port "$FLOOR_PORT" --threads 2 >"$WORK/floor.log" 2>&1 &
  FLOOR_PID=$!
  wait_ready "http://127.0.0.1:$FLOOR_PORT/" "$FLOOR_PID" "http_floor_server"
fi

BODY=$(head -c 64 /dev/zero | tr '\0' x)
cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = "$BODY"
wrk.headers["Content-Type"] = "application/octet-stream"
EOF

# CPU seconds (user + system) of the last command run by `timed`.
cpu_seconds() { awk '{ print $1 + $2 }' "$WORK/time"; }
timed() { /usr/bin/time -o "$WORK/time" -f '%U %S' "$@"; }

# wrk with $THREADS threads; prints "req/s p50_ms p99_ms errors cpu_us_per_request".
wrk_run() {
  local url=$1 conns=$2 out
  out=$(timed wrk -t"$THREADS" -c"$conns" -d"${DURATION}s" --latency -s "$WORK/post.lua" "$url")
  echo "$out" >>"$WORK/wrk.log"
  echo "$out" | wrk_figures "$(cpu_seconds)"
}

# `wasmlet bench` on a plan with one cell (no warm-up of its own: wrk's warmed up the server,
# and all the process's CPU time then goes to measured requests, set-up aside); prints
# "req/s p50_ms p99_ms errors cpu_us_per_request".
tool_run() {
  local target=$1 conns=$2 out=$WORK/tool-$RANDOM
  cat >"$WORK/plan.json" <<EOF
{"title": "bench_tool", "duration_s": $DURATION, "warmup_s": 0, "client_threads": $THREADS,
 "targets": [$target], "matrix": {"concurrency": [$conns], "input_bytes": [64]}}
EOF
  timed "$WASMLET" bench "$WORK/plan.json" -o "$out" --server "127.0.0.1:$PORT" 2>>"$WORK/tool.log"
  "$PY" - "$out/results.json" "$(cpu_seconds)" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))["cells"][0]
l = c["latency_us"]
cpu_us = float(sys.argv[2]) * 1e6 / max(1, c["requests"])
print(f'{c["throughput_rps"]:.0f} {l["p50"] / 1e3:.3f} {l["p99"] / 1e3:.3f} {c["errors"]} {cpu_us:.2f}')
EOF
}

# Keeps the line ("req/s p50 p99 errors") with the most req/s.
best() { sort -n -r | head -1; }

compare() {
  local label=$1 url=$2 target=$3 conns=$4 wrk_lines="" tool_lines=""
  log "$label, $conns connections: wrk and wasmlet bench in turn, $ROUNDS rounds of ${DURATION} s"
  wrk_run "$url" 10 >/dev/null  # warm-up, as the tool's own
  for _ in $(seq "$ROUNDS"); do
    wrk_lines+="$(wrk_run "$url" "$conns")"$'\n'
    tool_lines+="$(tool_run "$target" "$conns")"$'\n'
  done
  read -r W_RPS W_P50 W_P99 W_ERR W_CPU < <(printf '%s' "$wrk_lines" | best)
  read -r T_RPS T_P50 T_P99 T_ERR T_CPU < <(printf '%s' "$tool_lines" | best)
  printf '%-20s %5s  %7s %8s %9s %4s %6s | %7s %8s %9s %4s %6s | %6s\n' "$label" "$conns" \
    "$W_RPS" "$(fmt_ms "$W_P50")" "$(fmt_ms "$W_P99")" "$W_ERR" "$W_CPU" \
    "$T_RPS" "$(fmt_ms "$T_P50")" "$(fmt_ms "$T_P99")" "$T_ERR" "$T_CPU" \
    "$(awk -v a="$T_RPS" -v b="$W_RPS" 'BEGIN { printf "%.0f%%", 100 * a / b }')" >>"$WORK/table"
}

V1="http://127.0.0.1:$PORT/v1/functions/bench/echo:invoke"
for c in 10 50; do
  compare "echo (wasmlet)" "$V1" '{"name": "echo", "function": "bench/echo"}' "$c"
done
if [ -n "$FLOOR_PID" ]; then
  F="http://127.0.0.1:$FLOOR_PORT/v1/functions/bench/echo:invoke"
  for c in 10 50; do
    compare "http_floor_server" "$F" "{\"name\": \"floor\", \"url\": \"$F\"}" "$c"
  done
fi

echo
echo "Same endpoint, same load: wrk and 'wasmlet bench' ($THREADS client threads, best of $ROUNDS x $DURATION s, $(nproc) cores)"
echo "(cpu: microseconds of the client's own CPU time, user + system, per request)"
printf '%-20s %5s  %7s %8s %9s %4s %6s | %7s %8s %9s %4s %6s | %6s\n' "endpoint" "conns" \
  "wrk rps" "p50" "p99" "err" "cpu" "tool" "p50" "p99" "err" "cpu" "tool/wrk"
cat "$WORK/table"
