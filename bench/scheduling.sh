#!/usr/bin/env bash
# ./run bench scheduling: head-of-line blocking and fairness through `wasmlet serve`.
#  1. Mixed load: tenant "meek" calls echo (wrk, concurrency 10) alone, then while tenant "hog"
#     keeps 8 calls in flight (more than the executors) that spin to their 2 s time limit.
#     Each tenant's throughput and p50 / p99.
#  2. Cold-start storm: the same warm echo alone, then while 4 new functions whose zygote
#     spins for 1 s get their first calls (each builds its Proto-Faaslet).
# Args: BUILD_DIR. Environment: SCHED_BENCH_SECONDS (seconds per wrk run, default 10).
set -euo pipefail

BUILD=$(cd "${1:?usage: scheduling.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WASMLET=$BUILD/src/cli/wasmlet
DURATION=${SCHED_BENCH_SECONDS:-10}
PY=/usr/bin/python3
WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmlet-sched-bench.XXXXXX")
cd "$WORK"
# shellcheck source=bench/wrk_lib.sh
source "$ROOT/bench/wrk_lib.sh"
SERVER_PID=
HOG_PID=
cleanup() {
  stop_pid "$HOG_PID"
  stop_pid "$SERVER_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "compiling echo, spin and slow_zygote with 'wasmlet cc'"
"$WASMLET" cc "$ROOT/examples/functions/echo.c" -o echo.wasm
"$WASMLET" cc "$ROOT/examples/functions/spin.c" -o spin.wasm
"$WASMLET" cc "$ROOT/tests/guest/slow_zygote.c" -o slow.wasm

PORT=$(free_port)
URL=http://127.0.0.1:$PORT
log "starting wasmlet serve on port $PORT (2 executors, 2 s time limit)"
"$WASMLET" serve --port "$PORT" --data-dir "$WORK/data" --executor-threads 2 --timeout 2s \
  --log-level warn >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_ready "$URL/healthz" "$SERVER_PID" "wasmlet serve"
curl -fsS -X PUT --data-binary @echo.wasm "$URL/v1/functions/meek/echo" >/dev/null
curl -fsS -X PUT --data-binary @spin.wasm "$URL/v1/functions/hog/spin" >/dev/null
for i in 1 2 3 4; do
  curl -fsS -X PUT --data-binary @slow.wasm "$URL/v1/functions/storm/cold$i" >/dev/null
done
printf 'wrk.method = "POST"\nwrk.body = "%s"\n' "$(head -c 64 /dev/zero | tr '\0' x)" >post.lua
ECHO=$URL/v1/functions/meek/echo:invoke
run_wrk "$ECHO" post.lua 10 2 >/dev/null  # warm-up

log "meek alone (${DURATION} s)"
read -r alone_rps alone_p50 alone_p99 _ < <(run_wrk "$ECHO" post.lua 10 "$DURATION")

log "meek while hog keeps 8 spinning calls in flight (${DURATION} s)"
wrk -t1 -c8 -d"$((DURATION + 2))s" --timeout 30s --latency -s post.lua "$URL/v1/functions/hog/spin:invoke" \
  >hog.txt 2>&1 &
HOG_PID=$!
sleep 1
read -r mixed_rps mixed_p50 mixed_p99 mixed_err < <(run_wrk "$ECHO" post.lua 10 "$DURATION")
wait "$HOG_PID" || true
HOG_PID=
hog_calls=$(awk '/requests in/ { print $1 }' hog.txt)
hog_p50=$(awk '/^ +50%/ { print $2 }' hog.txt)

log "the warm echo while 4 new functions get their first calls (1 s zygote each)"
(
  sleep 1
  for i in 1 2 3 4; do
    curl -fsS -o /dev/null -w "%{time_total}\n" -X POST "$URL/v1/functions/storm/cold$i:invoke" &
  done
  wait
) >storm.txt &
STORM=$!
read -r storm_rps storm_p50 storm_p99 storm_err < <(run_wrk "$ECHO" post.lua 10 "$DURATION")
wait "$STORM"
storm_first=$(sort -n storm.txt | awk '{ a[NR] = $1 } END { printf "%.2f s / %.2f s", a[1], a[NR] }')

echo
echo "## Scheduling: one tenant's load against another's short calls"
echo
echo "$(nproc) CPUs, shared by wrk and the server; \`wasmlet serve --executor-threads 2" \
  "--timeout 2s\`, wrk keep-alive, concurrency 10 for meek's echo, ${DURATION} s per run."
echo
echo "| meek's echo | req/s | p50 | p99 |"
echo "|---|---:|---:|---:|"
echo "| alone | $alone_rps | $(fmt_ms "$alone_p50") | $(fmt_ms "$alone_p99") |"
echo "| while hog keeps 8 calls of 2 s in flight | $mixed_rps | $(fmt_ms "$mixed_p50") | $(fmt_ms "$mixed_p99") |"
echo "| while 4 cold functions build their Proto-Faaslets (1 s zygotes) | $storm_rps | $(fmt_ms "$storm_p50") | $(fmt_ms "$storm_p99") |"
echo
echo "Hog meanwhile: $hog_calls calls in $((DURATION + 2)) s (p50 $hog_p50; each ends at its time" \
  "limit). The storm's first calls took $storm_first (fastest / slowest). Errors on meek's" \
  "calls: $mixed_err while hog ran, $storm_err during the storm."
