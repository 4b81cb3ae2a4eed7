#!/usr/bin/env bash
# Deploys the workflow examples to a running `wasmlet serve`:
#   examples/workflows/deploy.sh [SERVER] [USER] [EXAMPLE...]
# SERVER: host:port (default $WASMLET_SERVER, else localhost:8080); USER: the tenant the
# functions and workflows go to (default: workflows); EXAMPLE: finra, image_pipeline, health
# (default: all three). Builds the image pipeline's C functions with `wasmlet cc`, uploads every
# function (the Python ones as packages, one entry module each), then the definitions as
# workflows named after their example. The `wasmlet` used is $WASMLET, else the one on PATH,
# else the repository's build/src/cli/wasmlet. FUNCTIONS_ONLY=1 uploads the functions only.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
SERVER=${1:-${WASMLET_SERVER:-localhost:8080}}
USER_=${2:-workflows}
shift $(( $# < 2 ? $# : 2 ))
EXAMPLES=("$@")
[ ${#EXAMPLES[@]} -gt 0 ] || EXAMPLES=(finra image_pipeline health)

if [ -z "${WASMLET:-}" ]; then
  if command -v wasmlet >/dev/null; then WASMLET=wasmlet
  else WASMLET="$HERE/../../build/src/cli/wasmlet"; fi
fi
W=("$WASMLET")
OUT=$(mktemp -d "${TMPDIR:-/tmp}/wasmlet-workflows.XXXXXX")
trap 'rm -rf "$OUT"' EXIT

python_functions() {  # EXAMPLE MODULE...: one function per entry module, all of one package
  local example=$1; shift
  for module in "$@"; do
    "${W[@]}" upload "$USER_/$module" "$HERE/$example/functions" --entry "$module" \
      --server "$SERVER" >&2
  done
}

for example in "${EXAMPLES[@]}"; do
  case "$example" in
    finra) python_functions finra marketdata lastpx side trddate volume marginBalance ;;
    health) python_functions health identify anonymise analyse ;;
    image_pipeline)
      for fn in resize classify render; do
        "${W[@]}" cc "$HERE/image_pipeline/functions/$fn.c" -o "$OUT/$fn.wasm"
        "${W[@]}" upload "$USER_/$fn" "$OUT/$fn.wasm" --server "$SERVER" >&2
      done ;;
    *) echo "deploy.sh: unknown example '$example' (have: finra, image_pipeline, health)" >&2; exit 2 ;;
  esac
  [ "${FUNCTIONS_ONLY:-0}" = 1 ] ||
    "${W[@]}" workflow upload "$USER_/$example" "$HERE/$example/workflow.json" --server "$SERVER" >&2
done
echo "deployed to $SERVER as user $USER_: ${EXAMPLES[*]}" >&2
