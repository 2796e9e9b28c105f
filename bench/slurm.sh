#!/bin/bash
# bench/slurm.sh MAKE BUILDDIR: `make bench-slurm`.
#
# The container's share of a Slurm step's start-up: on a single-node
# cluster (tests/slurm/start.sh, 127.0.0.1, proctrack/cgroup and
# task/cgroup), `srun --container-image=busybox true` against `srun true`,
# and the same with -n2 (the two tasks sharing one container),
# interleaved, as a throwaway user, the median of BENCH_RUNS (20) each
# after 3 warm-ups.  Everything lives in the root-owned prefix BENCH_ROOT
# (default /var/lib/ctr-launch-bench-slurm); the cluster is stopped by pid,
# the user and the prefix removed, whatever happens.  Prints a markdown
# table.  It measures; it asserts nothing.
set -u
MAKE=${1:-make}
BUILDDIR=${2:-build}
SRC=$(cd "$(dirname "$0")/.." && pwd)
cd "$SRC" || exit 1
B=${BENCH_ROOT:-/var/lib/ctr-launch-bench-slurm}
RUNS=${BENCH_RUNS:-20}
case $B in
/var/lib/?*) ;;
*) echo "bench-slurm: BENCH_ROOT must be under /var/lib" >&2; exit 1 ;;
esac
[ "$(id -u)" = 0 ] || { echo "bench-slurm: must run as root" >&2; exit 1; }
U=bsl$(printf '%04x' $((RANDOM)))
cleanup() {
	bash tests/slurm/stop.sh "$B/slurm" >/dev/null 2>&1
	pkill -KILL -u "$U" 2>/dev/null
	userdel -r -f "$U" 2>/dev/null
	rm -rf "$B"
}
trap cleanup EXIT
"$MAKE" -s BUILDDIR="$BUILDDIR" TESTROOT="$B" test-install >/dev/null || exit 1
useradd -m -U -s /bin/sh "$U" || exit 1
d=$(mktemp -d "$B/img.XXXXXX")
bash tests/mkrootfs.sh "$d/root" && tar -C "$d/root" -cf "$d/r.tar" . &&
    "$B/usr/sbin/ctr-image" import --quiet --name busybox "$d/r.tar" || exit 1
rm -rf "$d"
printf '[default]\nimages = busybox\n' >"$B/etc/ctr-launch/policy.ini"
echo "required $B/usr/lib/ctr-launch/ctr_launch.so helper=$B/usr/bin/ctr-launch" >"$B/plugstack"
PLUGSTACK=$B/plugstack bash tests/slurm/start.sh "$B/slurm" || exit 1
export SLURM_CONF=$B/slurm/etc/slurm.conf
one() { # CMD...: wall milliseconds of one srun as the user
	local t0 t1
	t0=$(date +%s%N)
	(cd /tmp && runuser -u "$U" -- env SLURM_CONF="$SLURM_CONF" srun "$@" >/dev/null 2>&1) ||
	    { echo "bench-slurm: srun $* failed" >&2; exit 1; }
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000))
}
for _ in 1 2 3; do one true >/dev/null; one --container-image=busybox true >/dev/null; done
: >"$B/plain" ; : >"$B/ctr" ; : >"$B/plain2" ; : >"$B/ctr2"
for _ in $(seq "$RUNS"); do
	one true >>"$B/plain"
	one --container-image=busybox true >>"$B/ctr"
	# Two tasks sharing one container (--step-tasks).
	one -n2 true >>"$B/plain2"
	one -n2 --container-image=busybox true >>"$B/ctr2"
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
p=$(median "$B/plain")
c=$(median "$B/ctr")
echo "| Slurm step, median of $RUNS (ms) | srun true | srun --container-image=busybox true | added |"
echo "|---|---|---|---|"
awk -v p="$p" -v c="$c" 'BEGIN {printf "| single node, 127.0.0.1 | %.1f | %.1f | %.1f |\n", p/1000, c/1000, (c-p)/1000}'
p=$(median "$B/plain2")
c=$(median "$B/ctr2")
awk -v p="$p" -v c="$c" 'BEGIN {printf "| -n2, the tasks in one container | %.1f | %.1f | %.1f |\n", p/1000, c/1000, (c-p)/1000}'
