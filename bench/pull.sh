#!/bin/bash
# bench/pull.sh [BUILDDIR]: ctr-image pull from Debian's docker-registry on
# loopback (plain HTTP, listed insecure) of a generated multi-layer image of
# PULL_MB megabytes (default 1000; BENCH_QUICK=1: 100), pushed with skopeo,
# next to `skopeo copy` to an OCI archive followed by `ctr-image import`,
# `ctr-image import` of the same image from a local archive, and
# `podman pull` into an empty store when podman is installed (it is not a
# dependency); interleaved, best of RUNS (default 3; BENCH_QUICK=1: 1).
# Then the re-pull of the unchanged image, and the pull of a second image
# sharing its base with the stored one: the bytes the registry sent, from
# its access log.  Prints a markdown table.  Run as root from the
# repository root; uses a fresh root-owned scratch prefix
# /var/lib/ctr-launch-bench-pull.XXXXXX (removed at the end), a registry
# on 127.0.0.1 stopped by pid, and the system user ctr-pull (created as
# make install does if missing).
set -eu -o pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${1:-build}
if [ "${BENCH_QUICK:-0}" = 1 ]; then
	MB=${PULL_MB:-100}
	RUNS=${RUNS:-1}
else
	MB=${PULL_MB:-1000}
	RUNS=${RUNS:-3}
fi
case $MB in '' | *[!0-9]*) echo "bench/pull.sh: PULL_MB must be a number" >&2; exit 1 ;; esac
for c in bc skopeo docker-registry; do
	command -v $c >/dev/null || { echo "bench/pull.sh: $c missing (make deps)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "bench/pull.sh: run as root" >&2; exit 1; }
getent passwd ctr-pull >/dev/null ||
    adduser --system --no-create-home --group ctr-pull >/dev/null

ROOT=$(mktemp -d /var/lib/ctr-launch-bench-pull.XXXXXX)
B=$BUILDDIR/bench-pull.${ROOT##*.} # the paths are compiled in
RPID=
cleanup() {
	[ -z "$RPID" ] || kill "$RPID" 2>/dev/null || true
	rm -rf "$ROOT" "$B"
}
trap cleanup EXIT
bash tests/mkprefix.sh "$ROOT"
make -s BUILDDIR="$B" STATEDIR="$ROOT/var" SYSCONFDIR="$ROOT/etc" \
    RUNDIR="$ROOT/run" "$B/rel/ctr-image"
tool=$B/rel/ctr-image
store=$ROOT/var/ctr-launch
work=$ROOT/work
mkdir -p "$work/src"

# A base layer of 40 % and four layers of 15 % (random files from 1 KiB to
# 1 MiB), and, for the second image, one more layer of 5 % on the base.
python3 - "$work/src" "$MB" <<'PY'
import os, random, sys
random.seed(2)
mb = int(sys.argv[2])
for name, share in (("base", 40), ("l1", 15), ("l2", 15), ("l3", 15),
                    ("l4", 15), ("new", 5)):
    total = 0
    d = os.path.join(sys.argv[1], name)
    os.makedirs(d)
    while total < (mb << 20) * share // 100:
        sub = os.path.join(d, "d%d" % random.randrange(40))
        os.makedirs(sub, exist_ok=True)
        n = random.choice([1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20])
        with open(os.path.join(sub, "f%d" % total), "wb") as f:
            f.write(os.urandom(n))
        total += n
PY
s=$work/src
python3 tests/mkarchive.py --format oci --compress gzip --out "$work/image.tar" \
    "$s/base" "$s/l1" "$s/l2" "$s/l3" "$s/l4"
python3 tests/mkarchive.py --format oci --compress gzip --out "$work/image2.tar" \
    "$s/base" "$s/new"
rm -rf "$s"
size=$(stat -c %s "$work/image.tar")

read -r RPID RPORT < <(bash tests/integration/pull/registry.sh "$ROOT/reg")
R=127.0.0.1:$RPORT
printf '[registry "%s"]\ninsecure = yes\n' "$R" >"$ROOT/etc/ctr-launch/registries.conf"
chmod 0644 "$ROOT/etc/ctr-launch/registries.conf"
skopeo copy -q --dest-tls-verify=false "oci-archive:$work/image.tar" "docker://$R/bench/img:1"
skopeo copy -q --dest-tls-verify=false "oci-archive:$work/image2.tar" "docker://$R/bench/img2:1"

now() { date +%s.%N; }
best() { sort -g | head -n 1; }
timed() { # CMD...: its wall time in seconds, on stdout
	local t0 t1
	sync
	t0=$(now)
	"$@" >/dev/null 2>>"$work/err" || { tail -3 "$work/err" >&2; exit 1; }
	t1=$(now)
	echo "$t1 - $t0" | bc
}
fresh() { rm -rf "$store"; }

skopeo_import() {
	rm -f "$work/copy.tar"
	skopeo copy -q --src-tls-verify=false "docker://$R/bench/img:1" \
	    "oci-archive:$work/copy.tar:bench/img:1" &&
	    "$tool" import --quiet --name bench/img:1 "$work/copy.tar"
}

PODMAN=
if command -v podman >/dev/null; then
	PODMAN=$ROOT/podman
	printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$R" >"$work/podman-registries.conf"
fi
podman_pull() { # into an empty store: the loop removes it
	CONTAINERS_REGISTRIES_CONF=$work/podman-registries.conf \
	    podman --root "$PODMAN/root" --runroot "$PODMAN/run" \
	    --storage-driver overlay pull -q --tls-verify=false "$R/bench/img:1"
}

: >"$work/t.pull"
: >"$work/t.skopeo"
: >"$work/t.imp"
: >"$work/t.podman"
cat "$work/image.tar" >/dev/null # warm the page cache for everyone
for _ in $(seq "$RUNS"); do
	fresh
	timed "$tool" pull --quiet "$R/bench/img:1" >>"$work/t.pull"
	fresh
	timed skopeo_import >>"$work/t.skopeo"
	fresh
	timed "$tool" import --quiet --name bench/img:1 "$work/image.tar" >>"$work/t.imp"
	if [ -n "$PODMAN" ]; then
		rm -rf "$PODMAN"
		timed podman_pull >>"$work/t.podman"
		rm -rf "$PODMAN"
	fi
done
pull=$(best <"$work/t.pull")
skop=$(best <"$work/t.skopeo")
imp=$(best <"$work/t.imp")

# The re-pull of the unchanged image (the store holds it).
fresh
"$tool" pull --quiet "$R/bench/img:1" >/dev/null
: >"$work/t.re"
for _ in $(seq "$((RUNS < 3 ? 3 : RUNS))"); do
	timed "$tool" pull --quiet "$R/bench/img:1" >>"$work/t.re"
done
re=$(best <"$work/t.re")

# The second image: its base is stored; the bytes the registry sends for
# it, from the access log (combined format: status, then bytes).
n0=$(wc -l <"$ROOT/reg/log")
shared=$(timed "$tool" pull --quiet "$R/bench/img2:1")
sent=$(tail -n +"$((n0 + 1))" "$ROOT/reg/log" |
    awk '/"GET \/v2\/bench\/img2\/blobs\// { for (i = 1; i < NF; i++) if ($i ~ /^HTTP\/1\.[01]"$/) { s += $(i + 2); break } } END { print s + 0 }')
img2=$(stat -c %s "$work/image2.tar")
"$tool" list | grep -q '^127.0.0.1:[0-9]*/bench/img2:1 ' ||
    { echo "bench/pull.sh: the second pull failed" >&2; exit 1; }

mbs() { echo "scale=1; $1 / 1048576" | bc; }
row() { # LABEL SECONDS
	printf '| %s | %.2f | %.0f | %.2fx |\n' "$1" "$2" \
	    "$(echo "$size / 1048576 / $2" | bc -l)" "$(echo "$2 / $imp" | bc -l)"
}
echo
echo "Pull of a $(mbs "$size") MB image (5 gzip layers) from docker-registry on loopback, best of $RUNS, interleaved:"
echo
echo "| method | seconds | MB/s | vs import |"
echo "|---|---:|---:|---:|"
row "ctr-image import of the same image from a local archive" "$imp"
row "ctr-image pull (4 parallel layers, sha256 verified)" "$pull"
row "skopeo copy to an OCI archive + ctr-image import" "$skop"
if [ -n "$PODMAN" ]; then
	row "podman pull into an empty store (overlay)" "$(best <"$work/t.podman")"
else
	echo "| podman pull | not installed (not a dependency) | | |"
fi
echo
printf 'Re-pull of the unchanged image: %.2f s (best of %d; the manifest and config only).\n' \
    "$re" "$((RUNS < 3 ? 3 : RUNS))"
printf 'Pull of a %s MB image sharing its base with the stored one: %.2f s; the registry sent %s MB (its new layer and config; access log).\n' \
    "$(mbs "$img2")" "$shared" "$(mbs "$sent")"
