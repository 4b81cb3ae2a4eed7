#!/usr/bin/env bash
# ./run bench python: classic Python benchmark programs (bench/python/programs) run natively by
# /usr/bin/python3 and as Wasmlet Python functions over HTTP, alternated; per-program ratios
# and their geometric mean; then a no-op function's per-call cost against `python3 -c pass`
# and a warm native call.
# Args: BUILD_DIR [python_bench.py options: --rounds N, --only a,b, --noop-calls N, --json FILE]
set -euo pipefail
build=${1:?usage: python.sh BUILD_DIR [options]}
/usr/bin/python3 "$(dirname "$0")/python/python_bench.py" --wasmlet "$build/src/cli/wasmlet" \
  --python-home "$build/python" "${@:2}"
