#!/usr/bin/env bash
# Build CPython 3.11 for wasm32-wasi, as a static library to embed, from Debian's own
# python3.11 source package (upstream orig tarball; Debian's patches are not applied, our own
# in patches/ are), with zlib (Debian's zlib source package, likewise) for the zlib module:
# gzip, zipfile's compression, and the libraries that need it (Werkzeug, itsdangerous, so Flask).
#
# Usage: toolchain/python/build.sh            (as root, or a user with sudo for apt-get)
#   Env: WASMLET_CACHE_DIR  cache root (default ~/.cache/wasmlet)
#        WASMLET_KEEP_BUILD=1  keep the temporary build tree (path is logged)
#        TMPDIR             where the temporary build tree goes (default /tmp)
#   The LAST line on stdout is the absolute install directory:
#     $WASMLET_CACHE_DIR/python/cpython-3.11-wasi-r<RECIPE_VERSION>-<hash of this folder>
#   holding include/python3.11/, lib/ (libpython3.11.a, libmpdec.a, ..., python3.11/ stdlib),
#   link-libs.txt, link-flags.txt, bin/python3.11.wasm, bin/embed-test.wasm,
#   builtin-modules.txt, unavailable-modules.txt, VERSION and the marker .complete.
#   Everything else (progress) goes to stderr; the verbose log is
#   $WASMLET_CACHE_DIR/python/logs/<key>.log.
# A completed key directory is reused as is (an instant re-run); editing anything in this
# folder (except host/) changes the key and so triggers a fresh build.
set -euo pipefail

RECIPE_VERSION=3
PY_SERIES=3.11
DEB_SRC_PKG=python${PY_SERIES}
LLVM=19
GUEST_PREFIX=/usr/local     # prefix compiled into the build (sys.prefix default, pyc paths)

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CACHE_ROOT=${WASMLET_CACHE_DIR:-$HOME/.cache/wasmlet}/python
[[ $CACHE_ROOT == /* ]] || CACHE_ROOT=$PWD/$CACHE_ROOT   # the printed path must be absolute
JOBS=$(nproc)

log() { printf '[python-wasi %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- cache key
# Hash every recipe file except host/ (written by others, not part of this build).
recipe_hash() {
    (cd "$HERE" && find . -path ./host -prune -o -type f ! -name '*.pyc' -print0 \
        | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-8
}
KEY="cpython-${PY_SERIES}-wasi-r${RECIPE_VERSION}-$(recipe_hash)"
DEST="$CACHE_ROOT/$KEY"
MARKER=.complete

if [[ -f "$DEST/$MARKER" ]]; then
    log "cached: $DEST"
    echo "$DEST"
    exit 0
fi

mkdir -p "$CACHE_ROOT/logs" "$CACHE_ROOT/src"

# One builder at a time; whoever waited finds the finished directory afterwards.
exec 9>"$CACHE_ROOT/.lock"
if ! flock -n 9; then
    log "another build holds $CACHE_ROOT/.lock; waiting"
    flock 9
fi
if [[ -f "$DEST/$MARKER" ]]; then
    log "cached (built by a concurrent run): $DEST"
    echo "$DEST"
    exit 0
fi
# Holding the lock, nothing else is building: leftovers of killed runs can go.
rm -rf "$DEST" "$CACHE_ROOT"/.stage.* "$CACHE_ROOT"/src/.dl.*

LOG="$CACHE_ROOT/logs/$KEY.log"
: >"$LOG"
BUILD=$(mktemp -d "${TMPDIR:-/tmp}/wasmlet-python-build.XXXXXX")
# The staging tree lives beside DEST (same file system) so the final mv is an atomic rename.
STAGE=$(mktemp -d "$CACHE_ROOT/.stage.XXXXXX")
START=$SECONDS

cleanup() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        log "FAILED (exit $rc); last lines of $LOG:"
        tail -n 60 "$LOG" >&2 || true
    fi
    rm -rf "$STAGE"
    if [[ "${WASMLET_KEEP_BUILD:-0}" == 1 ]]; then
        log "build tree kept: $BUILD"
    else
        rm -rf "$BUILD"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run DESCRIPTION CMD...: verbose output to the log, a progress line to stderr.
run() {
    local what=$1; shift
    log "$what"
    printf '\n===== %s\n$ %s\n' "$what" "$*" >>"$LOG"
    "$@" >>"$LOG" 2>&1
}

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif [[ -t 0 ]]; then sudo "$@"
    else sudo -n "$@"
    fi
}

APT_OPTS=(-q -y -o DPkg::Lock::Timeout=600)
apt_update() {
    # 'apt-get update' takes the lists lock, which DPkg::Lock::Timeout does not cover.
    local i
    for i in $(seq 1 60); do
        if as_root apt-get "${APT_OPTS[@]}" update >>"$LOG" 2>&1; then return 0; fi
        log "apt-get update failed (lock held by another process?); retry $i/60 in 10 s"
        sleep 10
    done
    return 1
}

# ---------------------------------------------------------------- 1. host packages
PKGS=(clang-$LLVM lld-$LLVM llvm-$LLVM wasi-libc libclang-rt-$LLVM-dev-wasm32
      build-essential xz-utils patch)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt_update
    run "apt-get install ${missing[*]}" as_root env DEBIAN_FRONTEND=noninteractive \
        apt-get "${APT_OPTS[@]}" install --no-install-recommends "${missing[@]}"
fi

# ---------------------------------------------------------------- 2. source
# The orig tarball is cached in src/ with a small metadata file; apt is consulted only
# when that is absent or fails its checksum. (Delete src/ to pick up a newer Debian version.)
SRC_CACHE="$CACHE_ROOT/src"
SRC_META="$SRC_CACHE/$DEB_SRC_PKG.meta"

meta_get() { sed -n "s/^$1=//p" "${2:-$SRC_META}"; }

verify_hash() {   # FILE ALGO:HEX  (the form apt prints)
    local file=$1 algo=${2%%:*} want=${2#*:} tool
    case "$algo" in
        SHA256) tool=sha256sum ;; SHA512) tool=sha512sum ;; SHA1) tool=sha1sum ;;
        MD5Sum|MD5) tool=md5sum ;;
        *) log "unknown checksum type $algo: not verified"; return 0 ;;
    esac
    [[ "$($tool "$file" | cut -d' ' -f1)" == "$want" ]]
}

have_deb_src() {
    grep -Eqs '^[[:space:]]*(deb-src[[:space:]]|Types:.*deb-src)' \
        /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}

add_deb_src() {
    # Mirror the existing 'deb' stanzas (URIs/Suites/Components/Signed-By) as deb-src.
    local src=/etc/apt/sources.list.d/debian.sources out
    [[ -f $src ]] || die "no deb-src entry and no $src to mirror; add a deb-src line by hand"
    out=$(awk 'BEGIN { RS = ""; ORS = "\n\n" }
               /(^|\n)Types:[^\n]*deb/ {
                   gsub(/(^|\n)#[^\n]*/, "")          # drop comment lines
                   sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$src")
    [[ -n $out ]] || die "found no deb stanza in $src"
    log "adding /etc/apt/sources.list.d/wasmlet-deb-src.sources (deb-src mirror of $src)"
    printf '%s\n' "$out" | as_root tee /etc/apt/sources.list.d/wasmlet-deb-src.sources >/dev/null
}

fetch_source() {   # [PACKAGE]: Debian source package (default python3.11)
    local DEB_SRC_PKG=${1:-$DEB_SRC_PKG}
    local SRC_META="$SRC_CACHE/$DEB_SRC_PKG.meta"
    if [[ -f $SRC_META ]]; then
        local f; f="$SRC_CACHE/$(meta_get orig_name "$SRC_META")"
        if [[ -f $f ]] && verify_hash "$f" "$(meta_get orig_hash "$SRC_META")"; then
            log "source: cached $(basename "$f") (Debian $(meta_get debian_version "$SRC_META"))"
            return 0
        fi
        log "cached source incomplete or corrupt; fetching again"
        rm -f "$SRC_META"
    fi
    if ! have_deb_src; then add_deb_src; apt_update; fi

    local dl uris
    dl=$(mktemp -d "$SRC_CACHE/.dl.XXXXXX")
    if ! uris=$(cd "$dl" && apt-get source --print-uris "$DEB_SRC_PKG" 2>>"$LOG"); then
        apt_update    # deb-src configured but its lists never fetched
        uris=$(cd "$dl" && apt-get source --print-uris "$DEB_SRC_PKG" 2>>"$LOG") \
            || die "apt-get source --print-uris $DEB_SRC_PKG failed"
    fi
    printf '%s\n' "$uris" >>"$LOG"
    # Lines look like: 'URI' NAME SIZE SHA256:HEX
    local dsc orig uri name hash debver
    dsc=$(grep -E "^'[^']+\.dsc' " <<<"$uris" | head -n1) || true
    orig=$(grep -E "^'[^']+\.orig\.tar\.(xz|gz|bz2)' " <<<"$uris" | head -n1) \
        || die "no orig tarball in apt-get source --print-uris output"
    read -r uri name _ hash <<<"$orig"
    uri=${uri//\'/}
    debver=$(sed -E "s/^'[^']*' ${DEB_SRC_PKG}_([^ ]+)\.dsc .*/\1/" <<<"$dsc")
    [[ -n $debver ]] || debver=unknown

    # apt-get source fails as a whole when the newest .dsc answers 404, but it still
    # fetches (and checks) whatever did download: the orig tarball is all we need.
    (cd "$dl" && apt-get source --download-only "$DEB_SRC_PKG" >>"$LOG" 2>&1) \
        || log "apt-get source --download-only failed (expected when the .dsc is gone)"
    if [[ ! -f "$dl/$name" ]]; then
        run "fetching $name directly from the pool" \
            /usr/lib/apt/apt-helper download-file "$uri" "$dl/$name" "$hash" || true
    fi
    # A security update's pool may lack the upstream tarball it shares with the release (same
    # name, same hash): any other version's copy of it will do.
    if [[ ! -f "$dl/$name" ]]; then
        local ver other
        for ver in $(apt-cache showsrc "$DEB_SRC_PKG" 2>>"$LOG" | sed -n 's/^Version: //p' | sort -u); do
            other=$(cd "$dl" && apt-get source --print-uris "$DEB_SRC_PKG=$ver" 2>>"$LOG" \
                        | grep -F "' $name " | grep -F "$hash" | head -n1) || continue
            other=$(cut -d' ' -f1 <<<"$other"); other=${other//\'/}
            [[ -n $other && $other != "$uri" ]] || continue
            run "fetching $name from the pool of $DEB_SRC_PKG $ver" \
                /usr/lib/apt/apt-helper download-file "$other" "$dl/$name" "$hash" && break
        done
    fi
    [[ -f "$dl/$name" ]] || die "could not download $name"
    verify_hash "$dl/$name" "$hash" || die "$name: checksum mismatch (want $hash)"
    mv -f "$dl/$name" "$SRC_CACHE/$name"
    rm -rf "$dl"
    printf 'orig_name=%s\norig_hash=%s\norig_uri=%s\ndebian_version=%s\n' \
        "$name" "$hash" "$uri" "$debver" >"$SRC_META"
    log "source: $name (Debian $debver), ${hash%%:*} verified"
}
fetch_source
fetch_source zlib
ZLIB_META="$SRC_CACHE/zlib.meta"

SRC="$BUILD/src"
mkdir -p "$SRC"
run "unpacking $(meta_get orig_name)" \
    tar -xf "$SRC_CACHE/$(meta_get orig_name)" -C "$SRC" --strip-components=1 --no-same-owner
PY_VERSION=$(sed -nE 's/^#define PY_VERSION[[:space:]]+"([^"]+)".*/\1/p' "$SRC/Include/patchlevel.h")
[[ $PY_VERSION == "$PY_SERIES".* ]] || die "unexpected CPython version '$PY_VERSION'"
# Wasmlet's own changes (patches/*.patch, each says why).
for p in "$HERE"/patches/*.patch; do
    run "patch: $(basename "$p")" patch -d "$SRC" -p1 --forward --input="$p"
done
log "CPython $PY_VERSION, build tree $BUILD"

# ---------------------------------------------------------------- 3. native build python
# Only a tool for the cross build (freeze/deepfreeze, sysconfig, compileall): -O1, no -g.
NATIVE="$BUILD/native"
mkdir -p "$NATIVE"
(cd "$NATIVE" && run "native: configure" env OPT="-DNDEBUG -fwrapv -O1" \
    "$SRC/configure" --prefix="$BUILD/native-unused" --disable-test-modules --without-ensurepip)
run "native: make -j$JOBS" make -C "$NATIVE" -j"$JOBS"
BUILD_PY="$NATIVE/python"
"$BUILD_PY" -E -c 'import sys; assert sys.version_info[:2] == (3, 11)' \
    || die "native build python does not run"

# ---------------------------------------------------------------- 4. WASI SDK look-alike
# CPython's WASI support expects a WASI SDK. Debian ships the pieces separately, so make a
# directory with the same shape: compiler wrappers that add the target and a private
# sysroot (two symlinks) so glibc's /usr/include can never leak into a WASI build.
SDK="$BUILD/wasi-sdk"
SYSROOT="$SDK/share/wasi-sysroot"
mkdir -p "$SDK/bin" "$SYSROOT/include" "$SYSROOT/lib"
ln -s /usr/include/wasm32-wasi "$SYSROOT/include/wasm32-wasi"
ln -s /usr/lib/wasm32-wasi "$SYSROOT/lib/wasm32-wasi"
wrap() {   # NAME COMMAND...
    printf '#!/bin/sh\nexec %s "$@"\n' "$2" >"$SDK/bin/$1"
    chmod +x "$SDK/bin/$1"
}
TGT="--target=wasm32-wasi --sysroot=$SYSROOT"
wrap clang     "/usr/bin/clang-$LLVM $TGT"
wrap clang++   "/usr/bin/clang++-$LLVM $TGT"
wrap clang-cpp "/usr/bin/clang-$LLVM $TGT -E"
for t in wasm-ld:wasm-ld-$LLVM llvm-ar:llvm-ar-$LLVM ranlib:llvm-ranlib-$LLVM \
         llvm-ranlib:llvm-ranlib-$LLVM llvm-nm:llvm-nm-$LLVM; do
    ln -s "$(command -v "${t#*:}")" "$SDK/bin/${t%%:*}"
done
echo 'int main(void){return 0;}' >"$BUILD/probe.c"
run "wasi-sdk: probe compile+link" "$SDK/bin/clang" -O2 "$BUILD/probe.c" -o "$BUILD/probe.wasm"

# zlib, static, for the zlib module (configure finds it through ZLIB_CFLAGS / ZLIB_LIBS).
ZSRC="$BUILD/zlib-src"
ZLIB="$BUILD/zlib"
mkdir -p "$ZSRC"
run "unpacking $(meta_get orig_name "$ZLIB_META")" \
    tar -xf "$SRC_CACHE/$(meta_get orig_name "$ZLIB_META")" -C "$ZSRC" --strip-components=1 --no-same-owner
(cd "$ZSRC" && run "zlib: configure" env CC="$SDK/bin/clang" AR="$SDK/bin/llvm-ar" \
    RANLIB="$SDK/bin/ranlib" CFLAGS="-O2 -DNDEBUG" ./configure --static --prefix="$ZLIB")
run "zlib: make" make -C "$ZSRC" -j"$JOBS" libz.a
run "zlib: install" make -C "$ZSRC" install

# ---------------------------------------------------------------- 5. cross build
# Same variables Tools/wasm/wasi-env would export, set explicitly (and without ccache).
WASI="$BUILD/wasi"
mkdir -p "$WASI"
CROSS_ENV=(
    CC="$SDK/bin/clang" CPP="$SDK/bin/clang-cpp" CXX="$SDK/bin/clang++"
    LDSHARED="$SDK/bin/wasm-ld" AR="$SDK/bin/llvm-ar" RANLIB="$SDK/bin/ranlib"
    PKG_CONFIG_PATH="" PKG_CONFIG_LIBDIR="$SYSROOT/lib/pkgconfig"
    PKG_CONFIG_SYSROOT_DIR="$SYSROOT"
    CONFIG_SITE="$SRC/Tools/wasm/config.site-wasm32-wasi"
    # -O2, no -g (the .a stays small); wasi-libc's clockid_t is a pointer, which makes
    # clang 19 reject an int<->pointer conversion in timemodule.c unless demoted.
    OPT="-DNDEBUG -fwrapv -O2 -Wall"
    CFLAGS="-Wno-error=int-conversion"
    ZLIB_CFLAGS="-I$ZLIB/include" ZLIB_LIBS="-L$ZLIB/lib -lz"
)
(cd "$WASI" && run "wasi: configure" env "${CROSS_ENV[@]}" "$SRC/configure" \
    --host=wasm32-unknown-wasi --build="$("$SRC/config.guess")" \
    --with-build-python="$BUILD_PY" --prefix="$GUEST_PREFIX" \
    --disable-test-modules --without-ensurepip)
run "wasi: make -j$JOBS (python.wasm)" make -C "$WASI" -j"$JOBS"
LIBPY="libpython${PY_SERIES}.a"
run "wasi: make $LIBPY" make -C "$WASI" -j"$JOBS" "$LIBPY"

# ---------------------------------------------------------------- 6. install tree
mkvar() {  # print a variable of the WASI Makefile, fully expanded
    make -s --no-print-directory -C "$WASI" -f Makefile -f - "print-$1" <<<'print-%: ; @echo $($*)'
}
mkdir -p "$STAGE/bin" "$STAGE/lib" "$STAGE/include"

# Headers: CPython's own install rule, into a scratch DESTDIR, then moved.
run "install headers" make -C "$WASI" inclinstall DESTDIR="$BUILD/destdir"
mv "$BUILD/destdir$GUEST_PREFIX/include/python$PY_SERIES" "$STAGE/include/"

# Libraries and link line. The WASI python.wasm is linked as
#   $(LINK_PYTHON_OBJS) $(LIBS) $(MODLIBS) $(SYSLIBS);
# an embedder uses libpython3.11.a in place of the objects and the same libraries after it.
cp "$WASI/$LIBPY" "$STAGE/lib/"
link=("$DEST/lib/$LIBPY")
for tok in $(mkvar LIBS) $(mkvar MODLIBS) $(mkvar SYSLIBS); do
    case "$tok" in
        -L*) continue ;;   # only zlib's, whose library is copied below
        -lz) cp "$ZLIB/lib/libz.a" "$STAGE/lib/"; tok="$DEST/lib/libz.a" ;;
        -l*) ;;
        *.a) [[ -f "$WASI/$tok" ]] || die "library $tok named by the Makefile not found"
             cp "$WASI/$tok" "$STAGE/lib/"; tok="$DEST/lib/$(basename "$tok")" ;;
        *)   die "unexpected link token '$tok' in LIBS/MODLIBS/SYSLIBS" ;;
    esac
    [[ " ${link[*]} " == *" $tok "* ]] || link+=("$tok")
done
echo "${link[*]}" >"$STAGE/link-libs.txt"
# Linker flags CPython itself links python.wasm with (a 512 KiB stack placed first: the
# wasm-ld default of 64 KiB is far too small for the interpreter, and an overflow would
# otherwise silently corrupt static data).
echo $(mkvar PY_CORE_LDFLAGS) $(mkvar LINKFORSHARED) >"$STAGE/link-flags.txt"
grep -q stack-size "$STAGE/link-flags.txt" || die "no stack-size in the Makefile's link flags"
cp "$WASI/python.wasm" "$STAGE/bin/python$PY_SERIES.wasm"

# Standard library: Lib/ minus pruned.txt, plus the generated sysconfig data.
STDLIB="$STAGE/lib/python$PY_SERIES"
cp -a "$SRC/Lib" "$STDLIB"
while read -r p; do
    [[ -z $p ]] && continue
    [[ -e "$STDLIB/$p" ]] || { log "pruned.txt: $p does not exist, skipped"; continue; }
    rm -rf "${STDLIB:?}/$p"
done < <(sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$HERE/pruned.txt")
find "$STDLIB" -name __pycache__ -prune -exec rm -rf {} +
PYBUILDDIR=$(cat "$WASI/pybuilddir.txt")
cp "$WASI/$PYBUILDDIR"/_sysconfigdata_*wasi*.py "$STDLIB/"
mkdir -p "$STDLIB/lib-dynload"   # exec_prefix landmark for getpath; empty (all static)
# Bytecode from the native build python (same version, same magic). unchecked-hash pycs
# are never re-validated against source mtimes, which suits a read-only tree; the .py
# files stay for tracebacks. -d makes code objects name the in-guest paths.
run "compileall stdlib" "$BUILD_PY" -E -s -m compileall -q -j0 \
    --invalidation-mode unchecked-hash -d "$GUEST_PREFIX/lib/python$PY_SERIES" "$STDLIB"

# ---------------------------------------------------------------- 7. inventories
INV=("$BUILD_PY" -E -s "$HERE/tools/inventory.py")
"${INV[@]}" builtins "$WASI/Modules/config.c" >"$STAGE/builtin-modules.txt"
"${INV[@]}" unavailable --makefile "$WASI/Makefile" --pyconfig "$WASI/pyconfig.h" \
    --builtins "$STAGE/builtin-modules.txt" --stdlib "$STDLIB" --frozen "$SRC/Python/frozen.c" \
    --setup-py "$SRC/setup.py" \
    >"$STAGE/unavailable-modules.txt"

# ---------------------------------------------------------------- 8. prove the embedding link
# A main() calling Py_InitializeFromConfig must link with nothing undefined: no
# --allow-undefined, and every import of the result must come from wasi_snapshot_preview1.
stage_link=$(sed "s|$DEST|$STAGE|g" "$STAGE/link-libs.txt")
# shellcheck disable=SC2046
run "link test: embed-test.c" "$SDK/bin/clang" -O2 -I"$STAGE/include/python$PY_SERIES" \
    "$HERE/embed-test.c" $stage_link $(cat "$STAGE/link-flags.txt") -Wl,--strip-debug \
    -o "$STAGE/bin/embed-test.wasm"
run "link test: imports are WASI only" \
    "${INV[@]}" wasm-imports "$STAGE/bin/embed-test.wasm" --only wasi_snapshot_preview1

# ---------------------------------------------------------------- 9. publish
{
    echo "cpython=$PY_VERSION"
    echo "debian_source=$DEB_SRC_PKG"
    echo "debian_version=$(meta_get debian_version)"
    echo "orig_tarball=$(meta_get orig_name)"
    echo "orig_checksum=$(meta_get orig_hash)"
    echo "zlib_orig_tarball=$(meta_get orig_name "$ZLIB_META")"
    echo "zlib_debian_version=$(meta_get debian_version "$ZLIB_META")"
    echo "debian_patches=not-applied"
    echo "recipe=$KEY"
    echo "clang=$(dpkg-query -W -f='${Version}' clang-$LLVM)"
    echo "wasi_libc=$(dpkg-query -W -f='${Version}' wasi-libc)"
    echo "guest_prefix=$GUEST_PREFIX"
} >"$STAGE/VERSION"
date -u +%Y-%m-%dT%H:%M:%SZ >"$STAGE/$MARKER"   # written last
chmod 755 "$STAGE"
mv -T "$STAGE" "$DEST"
log "done in $((SECONDS - START)) s: $DEST"
log "libpython: $(du -h "$DEST/lib/$LIBPY" | cut -f1), stdlib: $(du -sh "$DEST/lib/python$PY_SERIES" | cut -f1)"
echo "$DEST"
