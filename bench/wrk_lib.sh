# Shared by the HTTP benchmark scripts (sourced): process control, readiness, and wrk runs.
# Callers set WORK (a scratch directory) and PY (a python3) first.

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# SIGTERM, then SIGKILL if it has not exited after 10 s.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
free_port() {
  "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until GET URL answers 200 (the server may still be starting).
wait_ready() {
  local url=$1 pid=$2 name=$3
  for _ in $(seq 300); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { echo "$(basename "$0"): $name exited" >&2; return 1; }
    sleep 0.1
  done
  echo "$(basename "$0"): $name did not answer $url" >&2
  return 1
}

# Reads wrk's --latency output; prints "req/s p50_ms p99_ms errors", and with CPU_SECONDS (the
# client's CPU time) a fifth figure: microseconds of it per request.
wrk_figures() {
  awk -v cpu="${1:-}" '
    function ms(v) {
      if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
      if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
      if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
      return v + 0
    }
    /^ +50%/ { p50 = ms($2) }
    /^ +99%/ { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    / requests in / { requests = $1 }
    /Non-2xx or 3xx responses:/ { errors += $NF }
    /Socket errors:/ { for (i = 3; i <= NF; i += 2) errors += $(i + 1) + 0 }
    END {
      printf "%.0f %.3f %.3f %d", rps, p50, p99, errors
      if (cpu != "") printf " %.2f", cpu * 1e6 / requests
      printf "\n"
    }'
}

# Runs wrk; prints "req/s p50_ms p99_ms errors".
run_wrk() {
  local url=$1 script=$2 conns=$3 seconds=$4 threads out
  threads=$((conns < 2 ? conns : 2))
  out=$(wrk -t"$threads" -c"$conns" -d"${seconds}s" --latency -s "$script" "$url")
  echo "$out" >>"$WORK/wrk.log"
  echo "$out" | wrk_figures
}

fmt_ms() { awk -v v="$1" 'BEGIN { if (v < 1) printf("%.0f us", v * 1000); else printf("%.2f ms", v) }'; }
