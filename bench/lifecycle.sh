#!/bin/bash
# bench/lifecycle.sh [BUILDDIR]: the detached-container rows of `make bench`
# (also `make bench-lifecycle`): exec of /bin/true into a running container
# with ctr-launch (and its exec -d), crun and runc (median, p95, ratios),
# ps with 50 running containers, run -d to the printed name next to a
# foreground run of
# /bin/true, and the keeper's peak RSS per detached container, each against
# its goal.  Prints a markdown table and writes it to
# BUILDDIR/bench/results-lifecycle.md.  Run as root from the repository
# root; uses a fresh root-owned prefix /var/lib/ctr-launch-bench-life.XXXXXX
# and a throwaway user, both removed at the end.  It measures; it asserts
# nothing.
#
# The three execs run in one interleaved harness (bench/measure.c seq -o):
# one round is one exec of each, in an order that rotates from round to
# round, after a warm-up.  The three containers run the same busybox root
# (tests/mkrootfs.sh) with the bench policy's limits (bench/mkpolicy.sh:
# 1 CPU, 2G memory, 256 pids) and their own network namespace; crun's and
# runc's specs are bench/run.sh's (bench/ocispec.py).  crun refuses the
# hybrid cgroup layout, so it runs, as in bench/run.sh, in a private mount
# namespace without the controller-less cgroup2 mount.
#
# Environment: RUNS (exec rounds, default 50), WARMUP (default 5).
set -eu -o pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${1:-build}
RUNS=${RUNS:-50}
WARMUP=${WARMUP:-5}
export LC_ALL=C
say() { echo "bench/lifecycle.sh: $*" >&2; }
[ "$(id -u)" = 0 ] || { say "run as root"; exit 1; }
case $BUILDDIR in
/*) OUT=$BUILDDIR/bench ;;
*) OUT=$PWD/$BUILDDIR/bench ;;
esac
mkdir -p "$OUT"
RES=$OUT/results-lifecycle.md
rm -f "$RES"

# The launchers compared (Debian packages, only when missing).
PKGS="crun runc"
missing=
for p in $PKGS; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' ||
	    missing="$missing $p"
done
if [ -n "$missing" ]; then
	say "installing$missing"
	{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install \
	    -y -qq --no-install-recommends $missing </dev/null; } >&2 ||
	    say "apt-get failed; rows of missing launchers will say so"
fi
have() { command -v "$1" >/dev/null 2>&1; }

ROOT=$(mktemp -d /var/lib/ctr-launch-bench-life.XXXXXX)
U=ctlbl$$
B=$BUILDDIR/bench-life.${ROOT##*.}
BIN=$ROOT/usr/bin/ctr-launch
OCIRUN=$ROOT/oci-run
as() { (cd / && setpriv --reuid="$U" --regid="$(id -g "$U")" --init-groups -- "$@"); }
cleanup() {
	local r c n
	for r in crun runc; do
		[ -d "$OCIRUN/$r" ] || continue
		for c in $($r --root "$OCIRUN/$r" list -q 2>/dev/null); do
			if [ $r = crun ] && [ -e "$ROOT/ns/crun" ]; then
				nsenter --mount="$ROOT/ns/crun" crun --root \
				    "$OCIRUN/crun" delete -f "$c" >/dev/null 2>&1
			else
				$r --root "$OCIRUN/$r" delete -f "$c" >/dev/null 2>&1
			fi
		done
	done
	for c in "$ROOT/ns/crun" "$ROOT/ns"; do
		mountpoint -q "$c" 2>/dev/null && umount -l "$c"
	done
	if id "$U" >/dev/null 2>&1; then
		for n in $(as "$BIN" ps -a -q 2>/dev/null); do
			as "$BIN" rm -f "$n" >/dev/null 2>&1 || true
		done
		pkill -KILL -u "$U" 2>/dev/null || true
		userdel -r -f "$U" >/dev/null 2>&1 || true
	fi
	rm -rf "$ROOT" "$B"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

make -s BUILDDIR="$B" TESTROOT="$ROOT" test-install >/dev/null
useradd -m -d "/home/$U" -s /bin/sh -U "$U"
chmod 0700 "/home/$U"
U_UID=$(id -u "$U")
U_GID=$(id -g "$U")
U_GIDS=$(id -G "$U" | tr ' ' ,)
U_HOME=/home/$U
U_ENV="PATH=/usr/local/bin:/usr/bin:/bin HOME=$U_HOME USER=$U LOGNAME=$U LANG=C.UTF-8 TERM=dumb"

# One busybox root: imported for ctr-launch, the bundle root of crun and runc
# (with mount points for the host's resolv.conf and hosts, as bench/run.sh).
ROOTFS=$ROOT/rootfs
bash tests/mkrootfs.sh "$ROOTFS" >/dev/null
: >"$ROOTFS/etc/resolv.conf"
: >"$ROOTFS/etc/hosts"
tar -C "$ROOTFS" -cf "$ROOT/rootfs.tar" .
"$ROOT/usr/sbin/ctr-image" import --quiet --name busybox:latest "$ROOT/rootfs.tar"
rm -f "$ROOT/rootfs.tar"
bash bench/mkpolicy.sh "$U" 0 >"$ROOT/etc/ctr-launch/policy.ini"

# The timer (bench/measure.c), checked as bench/run.sh does.
M=$B/measure
cc -std=c11 -O2 -Wall -D_GNU_SOURCE -o "$M" bench/measure.c
bash bench/selftest.sh "$M" >"$B/selftest.log" 2>&1 ||
    { cat "$B/selftest.log" >&2; say "the timer failed its self-test"; exit 1; }

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
LOOP='while :; do sleep 5; done'
NO=() # "launcher: reason" for exec rows that cannot run here
SPEC=$B/exec.spec
: >"$SPEC"
row() { # SPECFILE NAME CREDS NSFILE CWD ENV ARGV...: one line of the timer's spec
	local IFS=$'\t' f=$1
	shift
	echo "$*" >>"$f"
}
# trial NAME CMD...: CMD must succeed once before its row is timed.
trial() {
	local n=$1
	shift
	# A file, not a pipe: a detached container keeps what it inherits.
	"$@" </dev/null >"$B/trial.out" 2>&1 && return 0
	NO+=("$n: $(tail -1 "$B/trial.out" | cut -c1-120)")
	return 1
}

as "$BIN" run -d --name m --network none busybox sh -c "$LOOP" >/dev/null
trial "ctr-launch exec" as "$BIN" exec m /bin/true &&
    row "$SPEC" "ctr-launch exec" "$U_UID:$U_GID:$U_GIDS" - / "$U_ENV" "$BIN" exec m /bin/true
# exec -d: the same, answered once the command's execve is done.
trial "ctr-launch exec -d" as "$BIN" exec -d m /bin/true &&
    row "$SPEC" "ctr-launch exec -d" "$U_UID:$U_GID:$U_GIDS" - / "$U_ENV" "$BIN" exec -d m /bin/true

install -d -m 0755 "$ROOT/ns" "$ROOT/oci" "$OCIRUN/crun" "$OCIRUN/runc"
mount --bind "$ROOT/ns" "$ROOT/ns"
mount --make-private "$ROOT/ns"
for r in crun runc; do
	if ! have $r; then
		NO+=("$r exec: $r not installed")
		continue
	fi
	pre=()
	if [ $r = crun ]; then
		touch "$ROOT/ns/crun"
		if mountpoint -q /sys/fs/cgroup/unified; then
			unshare --mount="$ROOT/ns/crun" --propagation private \
			    umount /sys/fs/cgroup/unified
		else
			unshare --mount="$ROOT/ns/crun" --propagation private true
		fi
		pre=(nsenter --mount="$ROOT/ns/crun")
	fi
	d=$ROOT/oci/$r
	mkdir -p "$d"
	if ! (cd "$d" && $r spec >/dev/null 2>&1) ||
	    ! python3 bench/ocispec.py "$d/config.json" "$d/config.json" \
	        "$ROOTFS" "$U_UID" "$U_GID" "$U_GIDS" "$U_HOME" "" sh -c "$LOOP"; then
		NO+=("$r exec: could not write its spec")
		continue
	fi
	trial "$r exec" "${pre[@]}" "$(command -v $r)" --root "$OCIRUN/$r" run \
	    -d -b "$d" "life-$r" || continue
	trial "$r exec" "${pre[@]}" "$(command -v $r)" --root "$OCIRUN/$r" exec \
	    "life-$r" /bin/true || continue
	ns=-
	[ $r = crun ] && ns=$ROOT/ns/crun
	row "$SPEC" "$r exec" - "$ns" / "PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
	    "$(command -v $r)" --root "$OCIRUN/$r" exec "life-$r" /bin/true
done
say "exec: $RUNS rounds after $WARMUP warm-up, interleaved in rotating order"
"$M" seq -n "$RUNS" -w "$WARMUP" -o -r "$B/exec.raw" "$SPEC" >"$B/exec.tsv"
touch "$B/exec.raw"

# stats NAME RAW: "median p95" in microseconds of NAME's times in RAW
# (median of the middle two for an even count; p95 the nearest rank).
stats() {
	awk -F'\t' -v n="$1" '$1 == n && $2 != "FAIL" {print $2}' "$2" | sort -n |
	    awk '{a[NR] = $1} END {
		if (NR == 0) { print "- -"; exit }
		m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
		p = int(NR * 0.95); if (p < NR * 0.95) p++
		printf "%d %d\n", m, a[p] }'
}
msf() { [ "$1" = - ] && echo - || awk -v u="$1" 'BEGIN {printf "%.2f", u / 1000}'; }
fails() { awk -F'\t' -v n="$1" '$1 == n {print $3}' "$B/exec.tsv"; }
# verdict X LIMIT: met when X <= LIMIT.
verdict() { awk -v x="$1" -v l="$2" 'BEGIN {print (x <= l) ? "met" : "**missed**"}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
# ci RAW A B: " (95% CI x-y)" of median(A) / median(B), resampling the
# rounds (bench/report.py's bootstrap), or nothing with too few rounds.
ci() {
	python3 -c 'import sys; sys.path.insert(0, "bench")
from report import read_raw, ratio_ci
r = read_raw(sys.argv[1])
c = ratio_ci(r.get(sys.argv[2], []), r.get(sys.argv[3], []))
print(" (95%% CI %.2f-%.2f)" % c if c else "")' "$@"
}

# run -d next to a foreground run, alternating which goes first.
us() { # CMD...: wall microseconds
	local s e
	s=$EPOCHREALTIME
	"$@" >/dev/null
	e=$EPOCHREALTIME
	echo $((${e/./} - ${s/./}))
}
: >"$B/d.us"
: >"$B/fg.us"
for i in $(seq 20); do
	if [ $((i % 2)) = 1 ]; then
		us as "$BIN" run -d --name "d$i" busybox /bin/true >>"$B/d.us"
		us as "$BIN" run --rm busybox /bin/true >>"$B/fg.us"
	else
		us as "$BIN" run --rm busybox /bin/true >>"$B/fg.us"
		us as "$BIN" run -d --name "d$i" busybox /bin/true >>"$B/d.us"
	fi
done
for i in $(seq 20); do as "$BIN" rm -f "d$i" >/dev/null; done
sed 's/^/d\t/; s/$/\t0/' "$B/d.us" >"$B/d.raw"
sed 's/^/fg\t/; s/$/\t0/' "$B/fg.us" >>"$B/d.raw"

# ps with 50 running containers of the user (m and 49 more).
for i in $(seq 2 50); do
	as "$BIN" run -d --name "m$i" busybox sh -c "$LOOP" >/dev/null
done
: >"$B/ps.spec"
row "$B/ps.spec" ps "$U_UID:$U_GID:$U_GIDS" - / "$U_ENV" "$BIN" ps
"$M" seq -n 20 -w 2 -r "$B/ps.raw" "$B/ps.spec" >"$B/ps.tsv"
touch "$B/ps.raw"
running=$(as "$BIN" ps -q | wc -l)
# The keepers' memory: the peak RSS counts every page a keeper maps, the
# C library's and PAM's shared ones included; the proportional set size
# and the private pages say what each keeper costs the host on its own.
rss=0 pss=0 priv=0
for dir in "$ROOT"/run/ctr-launch/c/u"$U_UID"/*/; do
	k=$(sed -n 's/^keeper=//p' "$dir/info" 2>/dev/null || true)
	h=$(awk '/^VmHWM:/ {print $2}' "/proc/${k:-0}/status" 2>/dev/null || true)
	[ -n "$h" ] && [ "$h" -gt "$rss" ] && rss=$h
	read -r ps pv < <(awk '/^Pss:/ {p = $2} /^Private_(Clean|Dirty):/ {v += $2}
	    END {print p + 0, v + 0}' "/proc/${k:-0}/smaps_rollup" 2>/dev/null ||
	    echo 0 0)
	[ "$ps" -gt "$pss" ] && pss=$ps
	[ "$pv" -gt "$priv" ] && priv=$pv
done

{
	echo "## Detached containers (bench/lifecycle.sh)"
	echo
	echo "$(date -u '+%Y-%m-%d %H:%M UTC'); kernel $(uname -r); $(nproc) CPUs;" \
	    "load average at start / end: $LOAD_START / $(cut -d' ' -f1-3 /proc/loadavg)."
	echo "Exec: $RUNS rounds after $WARMUP warm-up, one exec of /bin/true" \
	    "into a running container by each launcher per round, in rotating" \
	    "order (bench/measure.c); ctr-launch as the user, crun and runc as" \
	    "root with bench/run.sh's spec (the user's uid, same root, limits" \
	    "and namespaces). run -d and the foreground run alternate, 20 each" \
	    "(wall time through setpriv); ps: 20 runs with $running containers running."
	echo
	echo "| detached containers | median ms | p95 ms | goal | |"
	echo "|---|---:|---:|---|---|"
	declare -A med=()
	for n in "ctr-launch exec" "ctr-launch exec -d" "crun exec" "runc exec"; do
		grep -q "^$n	" "$SPEC" 2>/dev/null || continue
		read -r m p < <(stats "$n" "$B/exec.raw")
		med[$n]=$m
		f=$(fails "$n")
		[ "${f:-0}" = 0 ] && f= || f=" ($f failed)"
		echo "| $n /bin/true into a running container$f | $(msf "$m") | $(msf "$p") | | |"
	done
	for l in "${NO[@]}"; do
		echo "| $l | - | - | | |"
	done
	c=${med["ctr-launch exec"]:--}
	for r in crun runc; do
		o=${med[$r exec]:--}
		cx=
		if [ "$c" = - ] || [ "$o" = - ] || [ "$o" = 0 ]; then
			x=-
		else
			x=$(ratio "$c" "$o")
			cx=$(ci "$B/exec.raw" "ctr-launch exec" "$r exec")
		fi
		if [ $r = crun ]; then
			echo "| ctr-launch exec ÷ crun exec, medians | ${x}x$cx | | ≤ 0.5x |" \
			    "$([ "$x" = - ] && echo - || verdict "$x" 0.5) |"
		else
			echo "| ctr-launch exec ÷ runc exec, medians | ${x}x$cx | | (reported) | - |"
		fi
	done
	read -r m p < <(stats ps "$B/ps.raw")
	echo "| ps, $running running containers | $(msf "$m") | $(msf "$p") | < 20 ms |" \
	    "$([ "$m" = - ] && echo - || verdict "$m" 19999) |"
	read -r dm dp < <(stats d "$B/d.raw")
	read -r fm fp < <(stats fg "$B/d.raw")
	echo "| run -d to the printed name | $(msf "$dm") | $(msf "$dp") | | |"
	echo "| run --rm /bin/true (foreground) | $(msf "$fm") | $(msf "$fp") | | |"
	x=$(ratio "$dm" "$fm")
	echo "| run -d ÷ foreground run, medians | ${x}x$(ci "$B/d.raw" d fg) | | ≤ 1.2x |" \
	    "$(verdict "$x" 1.2) |"
	echo "| keeper peak RSS, largest of $running | $((rss / 1024)).$((rss % 1024 * 10 / 1024)) MiB" \
	    "| | ≤ 3 MiB | $(verdict "$rss" 3072) |"
	echo "| keeper proportional set size (PSS), largest of $running | $pss KiB | | (reported) | - |"
	echo "| keeper private pages, largest of $running | $priv KiB | | (reported) | - |"
} >"$RES.new"
mv -f "$RES.new" "$RES"
cat "$RES"
