#!/usr/bin/env bats
# Teardown off the caller's path: `ctr-launch run` returns as soon as the
# container's status is known (nothing of it runs any more); the keeper
# removes the cgroup, closes PAM and logs the end afterwards.  Counts stay
# exact: a back-to-back launch never fails because the previous one is
# still tearing down, and never runs beside it.  v1 and v2.

load lib

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export TU=tu$TAG
	ctl_useradd "$TU"
	export TUID
	TUID=$(id -u "$TU")
	ctl_image_busybox
	ctl_policy <<-EOF
	[global]
	max_total_containers = 100000
	[default]
	images = busybox
	max_containers = 1
	EOF
}

teardown_file() {
	ctl_userdel "$TU"
}

# user_dirs: the user's ctr-launch/u<uid> directories, v1 or v2.
user_dirs() {
	local d
	for d in /sys/fs/cgroup/pids/ctr-launch/u"$TUID" /sys/fs/cgroup/ctr-launch/u"$TUID"; do
		[ -d "$d" ] && echo "$d"
	done
	return 0
}

# sampler OUT: until killed, records the most containers of the user that
# had processes at one time.
sampler() {
	local max=0 n d c
	while :; do
		n=0
		for d in $(user_dirs); do
			for c in "$d"/*/; do
				[ -s "$c/cgroup.procs" ] && n=$((n + 1))
			done
		done
		[ "$n" -gt "$max" ] && { max=$n; echo "$max" >"$1"; }
	done
}

# CTL_BACK_TO_BACK (200) launches; the cgroup v2 VM, much slower, runs fewer.
@test "teardown: back-to-back launches under max_containers = 1 all succeed, never two at once" {
	echo 0 >"$BATS_TEST_TMPDIR/max"
	sampler "$BATS_TEST_TMPDIR/max" &
	local sp=$! i fails=0
	for i in $(seq "${CTL_BACK_TO_BACK:-200}"); do
		ctl_as "$TU" "$CTL_BIN" run busybox true >"$BATS_TEST_TMPDIR/out" 2>&1 ||
		    { fails=$((fails + 1)); cat "$BATS_TEST_TMPDIR/out"; }
	done
	kill "$sp"
	wait "$sp" 2>/dev/null || true
	echo "failures: $fails, most at once: $(cat "$BATS_TEST_TMPDIR/max")"
	[ "$fails" = 0 ]
	[ "$(cat "$BATS_TEST_TMPDIR/max")" -le 1 ]
}

@test "teardown: after the caller has the status, the keeper leaves nothing behind" {
	run ctl_as "$TU" "$CTL_BIN" run --name td busybox sh -c 'exit 7'
	[ "$status" -eq 7 ]
	local i
	for i in $(seq 100); do
		[ -z "$(user_dirs)" ] && ! pgrep -f "$CTL_BIN run --name td" >/dev/null && break
		sleep 0.05
	done
	[ -z "$(user_dirs)" ]
	! pgrep -f "$CTL_BIN run --name td" || false
}

@test "teardown: a pipe's reader sees its end with the status, not after the keeper's teardown" {
	command -v strace >/dev/null || skip "needs strace"
	local f=/home/$TU/out e=$BATS_TEST_TMPDIR/eof t0 t1 eof
	rm -f "$f"
	mkfifo "$f"
	chown "$TU:" "$f"
	(cat "$f" >/dev/null; date +%s%N >"$e") &
	t0=$(date +%s%N)
	# Each of K's cgroup removals delayed by 0.5 s: its teardown takes
	# seconds after the status.
	strace -f -qq -o /dev/null -e trace=unlinkat \
	    -e inject=unlinkat:delay_enter=500000 -- \
	    setpriv --reuid="$TUID" --regid="$(id -g "$TU")" --init-groups -- \
	    sh -c "cd / && exec '$CTL_BIN' run --rm busybox sh -c 'echo hi' >'$f'"
	t1=$(date +%s%N)
	wait
	eof=$(cat "$e")
	rm -f "$f"
	echo "end of the pipe after $(((eof - t0) / 1000000)) ms, the keeper done after $(((t1 - t0) / 1000000)) ms"
	# The delays held the keeper (six removals on v1, at least two on v2)...
	[ $((t1 - t0)) -ge 1000000000 ]
	# ...and the reader had its end long before.
	[ $((eof - t0 + 800000000)) -lt $((t1 - t0)) ]
}
