#!/usr/bin/env bash
# Compiles the Python home's interpreter to native code with its profile, into the user's cache
# (python-native/ under $WASMLET_CACHE_DIR, else $XDG_CACHE_HOME/wasmlet, else
# ~/.cache/wasmlet), and points the home's native/ there. The compile takes half an hour on two
# cores; kept in the build tree, every fresh checkout (CI's) paid it again. A library is named
# by everything it is built from (the interpreter's bytes, the profile's, the code generator),
# so a changed one is a new library, never a stale one reused. The newest four are kept.
#
# Usage: compile_native.sh HOME WASMLET PROFDATA
set -euo pipefail
home=$1 wasmlet=$2 profdata=$3
cache=${WASMLET_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/wasmlet}/python-native
mkdir -p "$cache"
# An earlier build's home kept its own directory here.
if [ -d "$home/native" ] && [ ! -L "$home/native" ]; then rm -rf "$home/native"; fi
ln -sfn "$cache" "$home/native"
WASMLET_CACHE_DIR=$cache "$wasmlet" compile --compile-time-limit 60m --profile-use "$profdata" \
  "$home/python.wasm"
# A library in use by a running server stays mapped when its file is removed.
find "$cache" -name '*.so' -printf '%T@ %p\n' | sort -rn | tail -n +5 | cut -d' ' -f2- |
  while read -r lib; do rm -f "$lib" "${lib%.so}.lock"; done
