#!/bin/bash
# bench/lifecycle.sh [BUILDDIR]: the detached-container rows: exec of
# /bin/true into a running container (median, p95), ps with 50 running
# containers of the caller, run -d to the printed name next to a
# foreground run of /bin/true, and the keeper's peak RSS per detached
# container.  Prints a markdown table.  Run as root from the repository
# root; uses a fresh root-owned prefix /var/lib/ctr-launch-bench-life.XXXXXX
# and a throwaway user, both removed at the end.
set -eu -o pipefail
cd "$(dirname "$0")/.."
BUILDDIR=${1:-build}
RUNS=${RUNS:-30}
[ "$(id -u)" = 0 ] || { echo "bench/lifecycle.sh: run as root" >&2; exit 1; }

ROOT=$(mktemp -d /var/lib/ctr-launch-bench-life.XXXXXX)
U=ctlbl$$
B=$BUILDDIR/bench-life.${ROOT##*.}
cleanup() {
	for n in $(as "$BIN" ps -a -q 2>/dev/null); do
		as "$BIN" rm -f "$n" >/dev/null 2>&1 || true
	done
	pkill -KILL -u "$U" 2>/dev/null || true
	userdel -r -f "$U" >/dev/null 2>&1 || true
	rm -rf "$ROOT" "$B"
}
trap cleanup EXIT
make -s BUILDDIR="$B" TESTROOT="$ROOT" test-install >/dev/null
BIN=$ROOT/usr/bin/ctr-launch
useradd -m -d "/home/$U" -s /bin/sh -U "$U"
chmod 0700 "/home/$U"
as() { (cd / && setpriv --reuid="$U" --regid="$(id -g "$U")" --init-groups -- "$@"); }
d=$(mktemp -d)
bash tests/mkrootfs.sh "$d/root" >/dev/null
tar -C "$d/root" -cf "$d/rootfs.tar" .
"$ROOT/usr/sbin/ctr-image" import --quiet --name busybox:latest "$d/rootfs.tar"
rm -rf "$d"
cat >"$ROOT/etc/ctr-launch/policy.ini" <<P
[global]
max_total_containers = 200
[default]
images = busybox
max_containers = 60
memory = 256M
pids = 64
tmpfs_size = 16M
network = host
P

# ms: the wall time of one command, in milliseconds.
ms() {
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}
# stats: median and p95 of the numbers on stdin.
stats() { sort -n | awk '{a[NR]=$1} END {printf "%d ms | %d ms", a[int((NR+1)/2)], a[int(NR*0.95+0.5)]}'; }

as "$BIN" run -d --name m busybox sh -c 'while :; do sleep 5; done' >/dev/null
exec_row=$(for _ in $(seq "$RUNS"); do ms as "$BIN" exec m true; done | stats)
fg_row=$(for _ in $(seq 10); do ms as "$BIN" run --rm busybox true; done | stats)
d_row=$(for i in $(seq 10); do ms as "$BIN" run -d --name "d$i" busybox true; done | stats)
for i in $(seq 10); do as "$BIN" rm -f "d$i" >/dev/null; done
for i in $(seq 2 50); do
	as "$BIN" run -d --name "m$i" busybox sh -c 'while :; do sleep 5; done' >/dev/null
done
ps_row=$(for _ in $(seq 10); do ms as "$BIN" ps; done | stats)
rss=0
for dir in "$ROOT"/run/ctr-launch/c/u"$(id -u "$U")"/*/; do
	k=$(sed -n 's/^keeper=//p' "$dir/info")
	h=$(awk '/^VmHWM:/ {print $2}' "/proc/$k/status")
	[ "$h" -gt "$rss" ] && rss=$h
done
echo "| lifecycle | median | p95 |"
echo "|---|---|---|"
echo "| exec /bin/true into a running container | $exec_row |"
echo "| ps, 50 running containers | $ps_row |"
echo "| run -d to the printed name | $d_row |"
echo "| run --rm /bin/true (foreground) | $fg_row |"
echo "| keeper peak RSS, largest of 50 | $((rss / 1024)).$((rss % 1024 * 10 / 1024)) MiB | |"
