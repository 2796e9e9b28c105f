#!/bin/bash
# bench/import.sh [BUILDDIR]: import time of a docker save archive of
# IMPORT_MB megabytes (default 100)
# (4 layers of random files) with ctr-image, next to GNU tar -x of the same
# layer tarballs.  Prints a markdown table.  Run as root from the
# repository root; uses a fresh root-owned scratch prefix
# /var/lib/ctr-launch-bench-import.XXXXXX (removed at the end), so that
# runs in parallel never share one.
set -eu -o pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${1:-build}
RUNS=${RUNS:-3}
MB=${IMPORT_MB:-100}
case $MB in '' | *[!0-9]*) echo "bench/import.sh: IMPORT_MB must be a number" >&2; exit 1 ;; esac
command -v bc >/dev/null || { echo "bench/import.sh: bc missing (apt-get install bc)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench/import.sh: run as root" >&2; exit 1; }

ROOT=$(mktemp -d /var/lib/ctr-launch-bench-import.XXXXXX)
B=$BUILDDIR/bench-import.${ROOT##*.} # the paths are compiled in
trap 'rm -rf "$ROOT" "$B"' EXIT
bash tests/mkprefix.sh "$ROOT"
make -s BUILDDIR="$B" STATEDIR="$ROOT/var" SYSCONFDIR="$ROOT/etc" \
    RUNDIR="$ROOT/run" "$B/rel/ctr-image"
tool=$B/rel/ctr-image
store=$ROOT/var/ctr-launch
work=$ROOT/work
mkdir -p "$work/src" "$work/layers"

# Four layers of MB/4 each: files from 1 KiB to 1 MiB, random content.
python3 - "$work/src" "$MB" <<'PY'
import os, random, sys
random.seed(1)
for l in range(4):
    total = 0
    d = os.path.join(sys.argv[1], "l%d" % l)
    while total < (int(sys.argv[2]) << 20) // 4:
        sub = os.path.join(d, "d%d" % random.randrange(40))
        os.makedirs(sub, exist_ok=True)
        n = random.choice([1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20])
        with open(os.path.join(sub, "f%d" % total), "wb") as f:
            f.write(os.urandom(n))
        total += n
PY
python3 tests/mkarchive.py --format docker --out "$work/image.tar" \
    --tag bench/import:1 "$work"/src/l0 "$work"/src/l1 "$work"/src/l2 "$work"/src/l3
tar -C "$work/layers" -xf "$work/image.tar" --wildcards '*/layer.tar'
size=$(stat -c %s "$work/image.tar")

now() { date +%s.%N; }
best() { sort -g | head -n 1; }

run_import() {
	rm -rf "$store"
	local t0 t1
	sync
	t0=$(now)
	"$tool" import --quiet "$work/image.tar" || exit 1
	t1=$(now)
	echo "$t1 - $t0" | bc
}

run_tar() { # [sync]
	rm -rf "$work/x"
	mkdir -p "$work/x"
	local t0 t1 i=0
	sync
	t0=$(now)
	for l in "$work"/layers/*/layer.tar; do
		mkdir -p "$work/x/$i"
		tar -C "$work/x/$i" --same-owner -xpf "$l" || exit 1
		i=$((i + 1))
	done
	[ "${1:-}" = sync ] && sync
	t1=$(now)
	echo "$t1 - $t0" | bc
}

cat "$work/image.tar" >/dev/null # warm the page cache for everyone
: >"$work/t.imp"
: >"$work/t.tar"
: >"$work/t.tars"
for _ in $(seq "$RUNS"); do
	run_import >>"$work/t.imp"
	run_tar >>"$work/t.tar"
	run_tar sync >>"$work/t.tars"
done
"$tool" list | grep -q '^bench/import:1 ' || { echo "bench/import.sh: import failed" >&2; exit 1; }
[ "$(find "$work/x" -type f | wc -l)" = "$(find "$work/src" -type f | wc -l)" ] ||
    { echo "bench/import.sh: tar -x failed" >&2; exit 1; }
imp=$(best <"$work/t.imp")
tarx=$(best <"$work/t.tar")
tars=$(best <"$work/t.tars")

mb=$(echo "scale=1; $size / 1048576" | bc)
row() { # LABEL SECONDS
	printf '| %s | %.2f | %.0f | %.2fx |\n' "$1" "$2" \
	    "$(echo "$size / 1048576 / $2" | bc -l)" "$(echo "$2 / $tarx" | bc -l)"
}
echo
echo "Import of a $mb MB docker save archive (4 layers, $(find "$work/src" -type f | wc -l) files), best of $RUNS, interleaved:"
echo
echo "| method | seconds | MB/s | vs tar -x |"
echo "|---|---:|---:|---:|"
row "tar -x of the 4 layer tarballs" "$tarx"
row "tar -x, then sync" "$tars"
row "ctr-image import (sha256 verified, syncfs)" "$imp"
