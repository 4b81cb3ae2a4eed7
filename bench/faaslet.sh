#!/usr/bin/env bash
# ./run bench faaslet: Faaslet start-up, throughput and memory against process start-up.
# Args: BUILD_DIR [ROUNDS]
set -euo pipefail
"$1/bench/faaslet_bench" "${@:2}"
