#!/usr/bin/env bash
# Fills a Python home's site-packages (guest path /usr/local/lib/site-packages) with the pure
# Python libraries Python functions may import: Flask and what it needs, from Debian's own
# packages. Native extension modules are left out (CPython for WASI cannot load them; MarkupSafe
# falls back to its pure Python implementation), and every module is compiled to .pyc here,
# because the guest's file system is read-only and would otherwise compile at every import.
set -euo pipefail
dest=$1
src=/usr/lib/python3/dist-packages
packages=(flask werkzeug jinja2 markupsafe itsdangerous click blinker)
tmp="$dest.tmp"
rm -rf "$tmp"
mkdir -p "$tmp"
for p in "${packages[@]}"; do
  [ -d "$src/$p" ] || { echo "site_packages.sh: $src/$p is missing (install python3-$p)" >&2; exit 1; }
  cp -r --preserve=timestamps "$src/$p" "$tmp/"
done
find "$tmp" \( -name '*.so' -o -name '__pycache__' \) -prune -exec rm -rf {} +
python3 -m compileall -q -j 0 "$tmp" >/dev/null
rm -rf "$dest"
mv "$tmp" "$dest"
