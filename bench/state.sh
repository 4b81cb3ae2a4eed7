#!/usr/bin/env bash
# ./run bench state: state reads in a guest (mapped pointer, copy, pull from Redis) against a
# hiredis GET of the same size from a real redis-server the benchmark starts.
# Args: BUILD_DIR [ROUNDS]
set -euo pipefail
"$1/bench/chain_state_bench" state "${@:2}"
