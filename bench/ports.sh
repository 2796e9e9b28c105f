#!/bin/bash
# bench/ports.sh: the published-ports rows of `make bench` (called by
# bench/run.sh when present, as root, with CTL (the installed ctr-launch),
# POLICY (its policy file), BENCH_USER (the throwaway user), BENCH_QUICK).
#
# Throughput of one 1 GiB transfer (256 MiB with BENCH_QUICK=1) and the
# latency of connect + 1-byte echo (median and p99 of 2000, 300 quick) to
# the static echod of tests/integration/echod.c: through `-p` (the
# forwarder) and directly on the host's loopback.  Prints markdown.  It
# measures; it asserts nothing.  Restores the policy it found.
set -u
: "${CTL:?}" "${POLICY:?}" "${BENCH_USER:?}"
QUICK=${BENCH_QUICK:-0}
PB=$(pwd)/bench/portbench.py
BYTES=$((1 << 30)) N=2000
[ "$QUICK" = 1 ] && BYTES=$((256 << 20)) N=300
U_UID=$(id -u "$BENCH_USER") U_GID=$(id -g "$BENCH_USER")
HOME_U=/home/$BENCH_USER
as_user() {
	(cd "$HOME_U" && env -i PATH=/usr/bin:/bin HOME="$HOME_U" \
	    setpriv --reuid="$U_UID" --regid="$U_GID" --init-groups -- "$@")
}
PIDS=()
saved=$(mktemp)
cp -p "$POLICY" "$saved"
cleanup() {
	local p
	for p in "${PIDS[@]}"; do pkill -TERM -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
	# The direct services are the user's own processes: end what is left.
	pkill -TERM -u "$U_UID" -x echod 2>/dev/null
	for _ in $(seq 100); do
		pgrep -u "$U_UID" >/dev/null || break
		sleep 0.1
	done
	cp -p "$saved" "$POLICY"
	rm -f "$saved" "$HOME_U/echod"
}
trap cleanup EXIT

cc -static -O2 -o "$HOME_U/echod" tests/integration/echod.c || exit 1
chown "$BENCH_USER:" "$HOME_U/echod"
# Ports of this run: 19900-19999.
base=$((19900 + (RANDOM % 20) * 4))
{
	# The bench user's section comes last: these lines add to it.
	bash bench/mkpolicy.sh "$BENCH_USER" 0
	printf 'network = private\nports = %d-%d\n' "$base" $((base + 3))
} >"$POLICY.new"
chmod 0644 "$POLICY.new"
mv -f "$POLICY.new" "$POLICY"

start() { # HOSTPORT ARGS...: echod inside, published on HOSTPORT
	local hp=$1
	shift
	as_user "$CTL" run -p "$hp:7000" busybox "$HOME_U/echod" 7000 "$@" \
	    </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
}
start_direct() { # PORT ARGS...: echod on the host, as the user
	as_user "$HOME_U/echod" "$@" </dev/null >/dev/null 2>&1 &
	PIDS+=($!)
}
wait_port() {
	for _ in $(seq 100); do
		as_user python3 "$PB" "$1" latency 1 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
wait_sink() {
	for _ in $(seq 100); do
		as_user python3 "$PB" "$1" throughput 1 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

start "$base"
start "$((base + 1))" sink
start_direct "$((base + 2))"
start_direct "$((base + 3))" sink
wait_port "$base" && wait_sink "$((base + 1))" && wait_port "$((base + 2))" &&
    wait_sink "$((base + 3))" || { echo "ports: services did not start"; exit 1; }

tp_fwd=$(as_user python3 "$PB" "$((base + 1))" throughput "$BYTES")
tp_dir=$(as_user python3 "$PB" "$((base + 3))" throughput "$BYTES")
read -r lat_fwd_med lat_fwd_p99 < <(as_user python3 "$PB" "$base" latency "$N")
read -r lat_dir_med lat_dir_p99 < <(as_user python3 "$PB" "$((base + 2))" latency "$N")

echo
echo "## Published ports (-p)"
echo
echo "One $((BYTES >> 20)) MiB transfer into a sink, and connect + 1-byte echo"
echo "(Python client, $N connections), through \`-p\` (the forwarder: splice"
echo "through a pipe) and directly on the host's loopback.  Rootless"
echo "podman (slirp4netns, pasta) is not measured here."
echo
echo "| path | MiB/s | latency median (µs) | latency p99 (µs) |"
echo "|---|---:|---:|---:|"
echo "| direct loopback | $tp_dir | $lat_dir_med | $lat_dir_p99 |"
echo "| ctr-launch -p | $tp_fwd | $lat_fwd_med | $lat_fwd_p99 |"
echo
awk -v f="$tp_fwd" -v d="$tp_dir" -v lf="$lat_fwd_med" -v ld="$lat_dir_med" \
    'BEGIN { printf "Throughput through -p: %.2fx direct; added median latency: %d µs.\n", f / d, lf - ld }'
