#!/usr/bin/env bash
# ./run bench http: synchronous invocations of the echo function through `wasmlet serve`, with
# wrk and keep-alive, against http_floor_server (a native Beast server with the same I/O model
# that echoes POST bodies itself: what this machine's HTTP stack allows at best). Also the time
# from uploading a never-seen module to its first invoke's response, cold and warm cache. Then
# the same invocations over HTTPS (`--tls-cert`, a certificate made here by openssl), next to the
# plain figures, when openssl is installed.
#
# Args: BUILD_DIR. Environment:
#   HTTP_BENCH_SECONDS     seconds per wrk run (default 10)
#   HTTP_BENCH_IO_THREADS  I/O threads of both servers (default 2, as `wasmlet serve` on 2 cores)
#   HTTP_BENCH_BODY_BYTES  request body size (default 64)
#   HTTP_BENCH_SERVE_ARGS  more `wasmlet serve` options, e.g. "--log-level warn"
set -euo pipefail

BUILD=$(cd "${1:?usage: http_bench.sh BUILD_DIR}" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WASMLET=$BUILD/src/cli/wasmlet
FLOOR=$BUILD/bench/http_floor_server
DURATION=${HTTP_BENCH_SECONDS:-10}
IO_THREADS=${HTTP_BENCH_IO_THREADS:-2}
BODY_BYTES=${HTTP_BENCH_BODY_BYTES:-64}
read -r -a SERVE_ARGS <<<"${HTTP_BENCH_SERVE_ARGS:-}"
PY=/usr/bin/python3
# shellcheck source=bench/wrk_lib.sh
source "$ROOT/bench/wrk_lib.sh"

for exe in "$WASMLET" "$FLOOR"; do
  [ -x "$exe" ] || { echo "http_bench: $exe is missing (build first)" >&2; exit 1; }
done
command -v wrk >/dev/null || { echo "http_bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/wasmlet-http-bench.XXXXXX")
cd "$WORK"  # nothing this script writes lands in the caller's directory
SERVER_PID=
FLOOR_PID=
TLS_PID=

cleanup() {
  stop_pid "$SERVER_PID"
  stop_pid "$FLOOR_PID"
  stop_pid "$TLS_PID"
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the function --------------------------------------------------------------------------
log "compiling examples/functions/echo.c with 'wasmlet cc'"
"$WASMLET" cc "$ROOT/examples/functions/echo.c" -o "$WORK/echo.wasm"

# ---- servers -------------------------------------------------------------------------------
PORT=$(free_port)
log "starting wasmlet serve on port $PORT (fresh data directory, $IO_THREADS I/O thread(s))"
"$WASMLET" serve --port "$PORT" --data-dir "$WORK/data" --io-threads "$IO_THREADS" \
  "${SERVE_ARGS[@]}" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
wait_ready "http://127.0.0.1:$PORT/healthz" "$SERVER_PID" "wasmlet serve" || {
  cat "$WORK/server.log" >&2
  exit 1
}

FLOOR_PORT=$(free_port)
"$FLOOR" --port "$FLOOR_PORT" --threads "$IO_THREADS" >"$WORK/floor.log" 2>&1 &
FLOOR_PID=$!
wait_ready "http://127.0.0.1:$FLOOR_PORT/" "$FLOOR_PID" "http_floor_server"

# ---- upload to first invoke ----------------------------------------------------------------
# One keep-alive connection: PUT the module, then POST the first invoke; times in ms.
upload_then_invoke() {
  "$PY" - "$PORT" "$WORK/echo.wasm" "$1" <<'EOF'
import http.client, sys, time
port, path, fn = int(sys.argv[1]), sys.argv[2], sys.argv[3]
wasm = open(path, "rb").read()
c = http.client.HTTPConnection("127.0.0.1", port)
t0 = time.perf_counter()
c.request("PUT", f"/v1/functions/{fn}", wasm)
r = c.getresponse(); body = r.read()
if r.status != 200: sys.exit(f"upload failed: {r.status} {body!r}")
t1 = time.perf_counter()
c.request("POST", f"/v1/functions/{fn}:invoke", b"first")
r = c.getresponse(); out = r.read()
if r.status != 200 or out != b"first": sys.exit(f"invoke failed: {r.status} {out!r}")
t2 = time.perf_counter()
print(f"{(t1 - t0) * 1e3:.1f} {(t2 - t1) * 1e3:.1f} {(t2 - t0) * 1e3:.1f} {len(wasm)}")
EOF
}
log "upload to first invoke: a never-seen module (compiles), then the same module again (cache)"
read -r COLD_PUT COLD_INV COLD_TOTAL WASM_BYTES < <(upload_then_invoke bench/echo)
read -r WARM_PUT WARM_INV WARM_TOTAL _ < <(upload_then_invoke bench/echo_again)

# ---- wrk runs -----------------------------------------------------------------------------
BODY=$(head -c "$BODY_BYTES" /dev/zero | tr '\0' x)
cat >"$WORK/v1.lua" <<EOF
wrk.method = "POST"
wrk.body = "$BODY"
wrk.headers["Content-Type"] = "application/octet-stream"
EOF
B64=$(printf '%s' "$BODY" | base64 -w0)
cat >"$WORK/faasm.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"user": "bench", "function": "echo", "input_data": "$B64"}'
wrk.headers["Content-Type"] = "application/json"
EOF

# Checks that both paths really echo before measuring them.
check_echo() {
  local got
  got=$(curl -fsS -X POST --data-binary "$BODY" "http://127.0.0.1:$PORT/v1/functions/bench/echo:invoke")
  [ "$got" = "$BODY" ] || { echo "http_bench: /v1 invoke answered '$got'" >&2; exit 1; }
  got=$(curl -fsS -X POST -H 'Content-Type: application/json' \
    --data-binary "{\"user\": \"bench\", \"function\": \"echo\", \"input_data\": \"$B64\"}" \
    "http://127.0.0.1:$PORT/")
  [ "$got" = "$BODY" ] || { echo "http_bench: Faasm POST / answered '$got'" >&2; exit 1; }
}
check_echo

log "warming up both servers"
run_wrk "http://127.0.0.1:$PORT/v1/functions/bench/echo:invoke" "$WORK/v1.lua" 10 2 >/dev/null
run_wrk "http://127.0.0.1:$FLOOR_PORT/v1/functions/bench/echo:invoke" "$WORK/v1.lua" 10 2 >/dev/null

V1=/v1/functions/bench/echo:invoke
ROWS=()
VERDICTS=()
declare -A PLAIN  # concurrency -> "req/s p99_ms" of wasmlet on POST $V1, for the HTTPS table

measure() {
  local label=$1 target=$2 script=$3 conns=$4 w f
  log "$label, concurrency $conns: wasmlet, then the floor (${DURATION} s each)"
  w=$(run_wrk "http://127.0.0.1:$PORT$target" "$script" "$conns" "$DURATION")
  f=$(run_wrk "http://127.0.0.1:$FLOOR_PORT$target" "$script" "$conns" "$DURATION")
  read -r w_rps w_p50 w_p99 w_err <<<"$w"
  read -r f_rps f_p50 f_p99 f_err <<<"$f"
  local ratio p99x errors=""
  # (Parentheses: a bare ">" after print/printf would redirect the output to a file.)
  ratio=$(awk -v a="$w_rps" -v b="$f_rps" 'BEGIN { printf("%.0f%%", (b > 0) ? 100 * a / b : 0) }')
  p99x=$(awk -v a="$w_p99" -v b="$f_p99" 'BEGIN { printf("%.2f", (b > 0) ? a / b : 0) }')
  [ "$w_err" -eq 0 ] && [ "$f_err" -eq 0 ] || errors=" (errors: wasmlet $w_err, floor $f_err)"
  [ "$target" != "$V1" ] || PLAIN[$conns]="$w_rps $w_p99"
  ROWS+=("| $label | $conns | $w_rps | $f_rps | $ratio$errors | $(fmt_ms "$w_p50") / $(fmt_ms "$w_p99") | $(fmt_ms "$f_p50") / $(fmt_ms "$f_p99") |")
  local pass_t pass_l
  pass_t=$(awk -v a="$w_rps" -v b="$f_rps" 'BEGIN { print((a >= 0.7 * b) ? "PASS" : "MISS") }')
  VERDICTS+=("throughput >= 70% of the floor, $label c=$conns: $pass_t ($ratio)")
  if [ "$conns" -eq 100 ]; then
    pass_l=$(awk -v x="$p99x" 'BEGIN { print((x <= 1.5) ? "PASS" : "MISS") }')
    VERDICTS+=("p99 within 1.5x of the floor's, $label c=$conns: $pass_l (${p99x}x)")
  fi
}

measure "POST $V1" "$V1" "$WORK/v1.lua" 1
measure "POST $V1" "$V1" "$WORK/v1.lua" 10
measure "POST $V1" "$V1" "$WORK/v1.lua" 100
measure "Faasm POST / (JSON)" "/" "$WORK/faasm.lua" 10

# The server must stop cleanly (SIGTERM: graceful shutdown) after all that.
kill -TERM "$SERVER_PID"
SERVER_EXIT=0
wait "$SERVER_PID" || SERVER_EXIT=$?
SERVER_PID=

# ---- HTTPS --------------------------------------------------------------------------------
# The same server and data directory (bench/echo stays uploaded) behind TLS. wrk keeps its
# connections, so this is TLS's cost per request (record encryption), not per handshake.
TLS_ROWS=()
if command -v openssl >/dev/null; then
  log "HTTPS: wasmlet serve --tls-cert (a self-signed P-256 certificate for 127.0.0.1)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -keyout "$WORK/tls.key" -out "$WORK/tls.pem" -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 2>/dev/null
  TLS_PORT=$(free_port)
  "$WASMLET" serve --port "$TLS_PORT" --data-dir "$WORK/data" --io-threads "$IO_THREADS" \
    --tls-cert "$WORK/tls.pem" --tls-key "$WORK/tls.key" "${SERVE_ARGS[@]}" \
    >"$WORK/server-tls.log" 2>&1 &
  TLS_PID=$!
  CURL_CA_BUNDLE="$WORK/tls.pem" wait_ready "https://127.0.0.1:$TLS_PORT/healthz" "$TLS_PID" \
    "wasmlet serve --tls-cert" || {
    cat "$WORK/server-tls.log" >&2
    exit 1
  }
  got=$(curl -fsS --cacert "$WORK/tls.pem" -X POST --data-binary "$BODY" \
    "https://127.0.0.1:$TLS_PORT$V1")
  [ "$got" = "$BODY" ] || { echo "http_bench: HTTPS invoke answered '$got'" >&2; exit 1; }
  run_wrk "https://127.0.0.1:$TLS_PORT$V1" "$WORK/v1.lua" 10 2 >/dev/null
  for conns in 10 100; do
    log "HTTPS POST $V1, concurrency $conns (${DURATION} s)"
    read -r t_rps _ t_p99 t_err <<<"$(run_wrk "https://127.0.0.1:$TLS_PORT$V1" "$WORK/v1.lua" \
      "$conns" "$DURATION")"
    read -r p_rps p_p99 <<<"${PLAIN[$conns]}"
    ratio=$(awk -v a="$t_rps" -v b="$p_rps" 'BEGIN { printf("%.0f%%", (b > 0) ? 100 * a / b : 0) }')
    [ "$t_err" -eq 0 ] || ratio="$ratio (errors: $t_err)"
    TLS_ROWS+=("| $conns | $p_rps | $(fmt_ms "$p_p99") | $t_rps | $(fmt_ms "$t_p99") | $ratio |")
  done
  stop_pid "$TLS_PID"
  TLS_PID=
fi

# ---- report -------------------------------------------------------------------------------
echo
echo "## HTTP invocation: wasmlet serve vs a native Beast floor server"
echo
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')); wrk" \
  "and both servers share them. wrk, keep-alive, ${BODY_BYTES}-byte POST bodies, ${DURATION} s" \
  "per run; $IO_THREADS I/O thread(s) in both servers, wasmlet with its default" \
  "executors${SERVE_ARGS[*]:+ and ${SERVE_ARGS[*]}}." \
  "The floor answers each POST with its body on the I/O thread."
echo
echo "| path | concurrency | wasmlet req/s | floor req/s | ratio | wasmlet p50 / p99 | floor p50 / p99 |"
echo "|---|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${ROWS[@]}"
echo
echo "Targets:"
printf -- '- %s\n' "${VERDICTS[@]}"
echo
echo "Upload to first invoke of echo ($WASM_BYTES bytes of wasm; PUT, then the first POST :invoke" \
  "on the same connection; the invoke includes taking the Proto-Faaslet snapshot):"
echo
echo "| compile cache | PUT (upload + compile) | first invoke | total |"
echo "|---|---:|---:|---:|"
echo "| cold (fresh data directory) | $COLD_PUT ms | $COLD_INV ms | $COLD_TOTAL ms |"
echo "| warm (same module, new name) | $WARM_PUT ms | $WARM_INV ms | $WARM_TOTAL ms |"
if [ ${#TLS_ROWS[@]} -gt 0 ]; then
  echo
  echo "HTTPS: POST $V1 through \`wasmlet serve --tls-cert\` (TLS 1.3, a P-256 certificate)," \
    "wrk keeping its connections, next to the plain figures of this run:"
  echo
  echo "| concurrency | plain req/s | plain p99 | HTTPS req/s | HTTPS p99 | HTTPS / plain |"
  echo "|---:|---:|---:|---:|---:|---:|"
  printf '%s\n' "${TLS_ROWS[@]}"
fi
echo
echo "wasmlet serve exited with status $SERVER_EXIT after SIGTERM."
[ "$SERVER_EXIT" -eq 0 ]
