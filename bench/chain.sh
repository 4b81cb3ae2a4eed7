#!/usr/bin/env bash
# ./run bench chain: a chained no-op call (faasmChainNamed + faasmAwaitCall) against the same
# callee over loopback HTTP and against posix_spawn of a native program fed through a pipe.
# Args: BUILD_DIR [ROUNDS]
set -euo pipefail
"$1/bench/chain_state_bench" chain "${@:2}"
