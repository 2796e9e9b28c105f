#!/usr/bin/env bats
# cgroup v2 for real, in the VM of tests/vm/ (cgroup_no_v1=all, the unified
# hierarchy alone at /sys/fs/cgroup with +memory +cpu +pids), as throwaway
# users: placement under ctr-launch/u<uid>/<name>, the limits and the
# per-user totals in the v2 files, a fork bomb held at pids.max, an OOM
# kill, cgroup.kill leaving nothing, nothing left by a refused launch, the
# init in its leaf when clone3 is refused, and an exec'd command in the
# container's leaf, with clone3 or without, and ps showing what a container
# uses.
# Outside such a VM every test fails: it is run by `make vm-check` only.

load ../integration/lib

CG=/sys/fs/cgroup

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export VA=va$TAG VB=vb$TAG
	ctl_useradd "$VA"
	ctl_useradd "$VB"
	export UA UB
	UA=$(id -u "$VA")
	UB=$(id -u "$VB")
	ctl_image_busybox
}

teardown_file() {
	ctl_userdel "$VA"
	ctl_userdel "$VB"
}

setup() {
	ctl_policy <<-EOF
	[global]
	max_total_containers = 100
	[default]
	images = busybox
	cpus = 0.5
	memory = 256M
	pids = 64
	max_containers = 3
	user_cpus = 1
	user_memory = 512M
	user_pids = 100
	EOF
}

teardown() {
	pkill -KILL -u "$VA" 2>/dev/null || true
	pkill -KILL -u "$VB" 2>/dev/null || true
	wait_for 30 'gone "$CG/ctr-launch/u$UA" "$CG/ctr-launch/u$UB"' || true
}

# wait_for SECONDS CONDITION: until the shell CONDITION holds (the VM is
# slow: generous).
wait_for() {
	local _tries=$(($1 * 5))
	while [ "$_tries" -gt 0 ]; do
		eval "$2" && return 0
		sleep 0.2
		_tries=$((_tries - 1))
	done
	return 1
}

# gone PATH...: none of PATH exists.
gone() {
	local p
	for p in "$@"; do [ ! -e "$p" ] || return 1; done
}

# has_procs DIR: DIR/cgroup.procs lists a process.
has_procs() {
	[ -n "$(cat "$1/cgroup.procs" 2>/dev/null)" ]
}

# leaf UID NAME: a container's cgroup.
leaf() {
	echo "$CG/ctr-launch/u$1/$2"
}

# bg USER NAME [OPTIONS] IMAGE CMD...: a container in the background;
# BG is the pid of its launch.
bg() {
	local u=$1 n=$2
	shift 2
	ctl_as "$u" "$CTL_BIN" run --name "$n" "$@" </dev/null \
	    >>"$BATS_TEST_TMPDIR/bg.log" 2>&1 3>&- &
	BG=$!
}

# started DIR: wait until the container of DIR runs (or its launch
# ended), or show why not.
started() {
	local dir=$1
	wait_for 30 'has_procs "$dir" || ! kill -0 "$BG" 2>/dev/null'
	has_procs "$dir" && return 0
	cat "$BATS_TEST_TMPDIR/bg.log" >&2
	return 1
}

# helper_pid UID: the ctr-launch process of UID in this pid namespace.
helper_pid() {
	local p
	for p in $(pgrep -x ctr-launch); do
		grep -qE "^Uid:[[:space:]]+$1[[:space:]]+" "/proc/$p/status" || continue
		grep -qE '^NSpid:[[:space:]]+[0-9]+$' "/proc/$p/status" || continue
		echo "$p"
		return 0
	done
	return 1
}

@test "v2: the VM has the unified hierarchy alone, with memory, cpu and pids" {
	[ "$(stat -f -c %T "$CG")" = cgroup2fs ]
	for c in memory cpu pids; do
		grep -qw "$c" "$CG/cgroup.subtree_control"
	done
	# No cgroup v1 hierarchy mounted anywhere.
	[ -z "$(awk '$3 == "cgroup"' /proc/mounts)" ]
}

@test "v2: the container is in ctr-launch/u<uid>/<name> with its limits, the totals on u<uid>" {
	run ctl_as "$VA" "$CTL_BIN" run busybox cat /proc/self/cgroup
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "0::/" ]
	bg "$VA" place busybox sleep 60
	d=$(leaf "$UA" place)
	started "$d"
	pid=$(pgrep -u "$VA" -x sleep)
	grep -qx "0::/ctr-launch/u$UA/place" "/proc/$pid/cgroup"
	[ "$(cat "$d/memory.max")" = 268435456 ]
	if [ -e "$d/memory.swap.max" ]; then [ "$(cat "$d/memory.swap.max")" = 0 ]; fi
	[ "$(cat "$d/cpu.max")" = "50000 100000" ]
	[ "$(cat "$d/pids.max")" = 64 ]
	u=$CG/ctr-launch/u$UA
	[ "$(cat "$u/memory.max")" = 536870912 ]
	[ "$(cat "$u/cpu.max")" = "100000 100000" ]
	[ "$(cat "$u/pids.max")" = 100 ]
	# Every level and file is root's; the caller can write none of it,
	# nor move the payload out.
	[ -z "$(find "$CG/ctr-launch" "$u" "$d" -maxdepth 1 ! -uid 0)" ]
	run ctl_as "$VA" sh -c 'for f; do [ -f "$f" ] &&
	    { echo max >>"$f"; } 2>/dev/null && echo "wrote $f"; done; true' \
	    sh "$d"/* "$u"/* "$CG/cgroup.procs"
	[ "$output" = "" ]
	run ctl_as "$VA" sh -c "echo $pid >$CG/cgroup.procs"
	[ "$status" -ne 0 ]
	grep -qx "0::/ctr-launch/u$UA/place" "/proc/$pid/cgroup"
	# The keeper waits outside every per-user total.
	k=$(helper_pid 0)
	[ "$(cat "/proc/$k/cgroup")" = "0::/ctr-launch/keepers" ]
}

@test "v2: --memory, --cpus and --pids-limit land in memory.max, cpu.max, pids.max" {
	bg "$VA" less --memory 64M --cpus 0.25 --pids-limit 10 busybox sleep 60
	d=$(leaf "$UA" less)
	started "$d"
	[ "$(cat "$d/memory.max")" = 67108864 ]
	[ "$(cat "$d/cpu.max")" = "25000 100000" ]
	[ "$(cat "$d/pids.max")" = 10 ]
}

@test "v2: a fork bomb is held at pids.max; killing ctr-launch ends it all" {
	bg "$VA" bomb --pids-limit 16 busybox sh -c \
	    'b() { b | b & }; b; exec sleep 60'
	d=$(leaf "$UA" bomb)
	started "$d"
	wait_for 30 '[ "$(sed -n "s/^max //p" "$d/pids.events")" -gt 0 ]'
	[ "$(cat "$d/pids.current")" -le 16 ]
	[ "$(cat "$d/pids.max")" = 16 ]
	# Another user still launches.
	run ctl_as "$VB" "$CTL_BIN" run busybox echo fine
	echo "$output"
	[ "$output" = fine ]
	kill -KILL "$(helper_pid "$UA")"
	wait_for 30 'gone "$d" "$CG/ctr-launch/u$UA"'
	wait_for 10 '[ -z "$(pgrep -u "$VA")" ]'
}

@test "v2: a 300M allocation under --memory 64M is OOM-killed (137)" {
	run ctl_as "$VA" "$CTL_BIN" run --name hog --memory 64M busybox \
	    dd if=/dev/zero of=/dev/null bs=300M count=1
	echo "$output"
	[ "$status" -eq 137 ]
	dmesg | grep -q "oom_memcg=/ctr-launch/u$UA/hog"
	# Removed by the keeper's teardown, which follows the status.
	wait_for 5 "gone '$(leaf "$UA" hog)'"
}

@test "v2: a CPU burner is throttled at its cpu.max" {
	bg "$VA" burn --cpus 0.2 busybox sh -c 'while :; do :; done'
	d=$(leaf "$UA" burn)
	started "$d"
	sleep 5
	echo "$(cat "$d/cpu.stat" | tr '\n' ' ')"
	[ "$(sed -n 's/^nr_throttled //p' "$d/cpu.stat")" -gt 0 ]
	# 0.2 CPU for about 5 s: well under 2.5 s of CPU time.
	[ "$(sed -n 's/^usage_usec //p' "$d/cpu.stat")" -lt 2500000 ]
}

@test "v2: the per-user pids total on u<uid> holds across containers" {
	ctl_policy <<-EOF
	[default]
	images = busybox
	pids = 15
	user_pids = 20
	EOF
	bg "$VA" p1 busybox sh -c \
	    'i=0; while [ $i -lt 12 ]; do sleep 60 & i=$((i+1)); done; wait'
	d=$(leaf "$UA" p1)
	started "$d"
	wait_for 30 '[ "$(cat "$d/pids.current")" -ge 14 ]'
	[ "$(cat "$CG/ctr-launch/u$UA/pids.max")" = 20 ]
	run ctl_as "$VA" "$CTL_BIN" run busybox sh -c \
	    'i=0; while [ $i -lt 12 ]; do sleep 60 & i=$((i+1)); done; echo spawned'
	echo "$output"
	[ "$status" -ne 0 ]
	[[ $output == *"can't fork"* ]]
	[[ $output != *spawned* ]]
	[ "$(cat "$CG/ctr-launch/u$UA/pids.current")" -le 20 ]
}

@test "v2: cgroup.kill leaves nothing after the container ends, even frozen" {
	# The payload exits while its children run: all of them go.
	run ctl_as "$VA" "$CTL_BIN" run --name quick busybox sh -c \
	    'sleep 60 & sleep 60 & echo out'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = out ]
	wait_for 30 'gone "$(leaf "$UA" quick)" "$CG/ctr-launch/u$UA"'
	[ -z "$(pgrep -u "$VA")" ]
	# SIGKILL of the caller's ctr-launch: the keeper kills the frozen rest.
	bg "$VA" frozen busybox sh -c 'sleep 60 & sleep 60 & sleep 60'
	d=$(leaf "$UA" frozen)
	started "$d"
	wait_for 30 '[ "$(wc -l <"$d/cgroup.procs")" -ge 4 ]'
	echo 1 >"$d/cgroup.freeze"
	wait_for 30 'grep -qx "frozen 1" "$d/cgroup.events"'
	kill -KILL "$(helper_pid "$UA")"
	wait_for 30 'gone "$d" "$CG/ctr-launch/u$UA"'
	wait_for 10 '[ -z "$(pgrep -u "$VA")" ]'
	wait_for 30 '[ -z "$(helper_pid 0)" ]'
}

@test "v2: no ctr-launch/u<uid> is left after a refused launch" {
	ctl_policy <<-EOF
	[global]
	max_total_containers = 1
	[default]
	images = busybox
	EOF
	bg "$VA" one busybox sleep 60
	started "$(leaf "$UA" one)"
	run ctl_as "$VB" "$CTL_BIN" run busybox true
	echo "$output"
	[ "$status" -eq 125 ]
	[[ $output == *max_total_containers* ]]
	[ ! -e "$CG/ctr-launch/u$UB" ]
	# Refused before the cgroup step (above a limit): nothing either.
	run ctl_as "$VB" "$CTL_BIN" run --memory 2G busybox true
	echo "$output"
	[ "$status" -eq 125 ]
	[ ! -e "$CG/ctr-launch/u$UB" ]
}

# Docker's default seccomp profile answers clone3 with ENOSYS, and kernels
# before 5.7 refuse CLONE_INTO_CGROUP's field with E2BIG: the container's
# init then joins its leaf itself, before anything else.
@test "v2: where clone3 is refused (ENOSYS, E2BIG), the container still starts in its leaf" {
	local err n=0
	for err in ENOSYS E2BIG; do
		n=$((n + 1))
		timeout -k 5 120 strace -f -qq -o /dev/null -u "$VA" \
		    -e trace=clone3 -e inject=clone3:error=$err \
		    env -i PATH=/usr/bin:/bin HOME="/home/$VA" \
		    "$CTL_BIN" run --name "nc$n" --memory 64M busybox sleep 60 \
		    </dev/null >>"$BATS_TEST_TMPDIR/bg.log" 2>&1 &
		BG=$!
		d=$(leaf "$UA" "nc$n")
		started "$d"
		wait_for 60 'pgrep -u "$VA" -x sleep >/dev/null' ||
		    { cat "$BATS_TEST_TMPDIR/bg.log" >&2; return 1; }
		pid=$(pgrep -u "$VA" -x sleep)
		grep -qx "0::/ctr-launch/u$UA/nc$n" "/proc/$pid/cgroup"
		init=$(awk '/^PPid:/ {print $2}' "/proc/$pid/status")
		grep -qx "0::/ctr-launch/u$UA/nc$n" "/proc/$init/cgroup"
		[ "$(cat "$d/memory.max")" = 67108864 ]
		pkill -KILL -u "$VA" || true
		wait_for 60 '[ -z "$(pgrep -u "$VA")" ] && gone "$d"'
	done
}

# exec: the keeper's child is cloned into the container's leaf, so the
# command's process starts there; where clone3 is refused, that process
# joins the leaf itself before anything else.  Either way the exec'd
# command is in the leaf, seen from inside and from the host.
@test "v2: an exec'd command runs in the container's leaf, also where clone3 is refused" {
	local d k pid err
	d=$(leaf "$UA" ex)
	run ctl_as "$VA" "$CTL_BIN" run -d --name ex busybox sleep 600
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	k=$(pgrep -u 0 -f "ctr-launch run -d --name ex" | head -1)
	[ -n "$k" ]
	for err in none ENOSYS; do
		st=
		if [ "$err" != none ]; then
			strace -f -qq -o /dev/null -p "$k" -e trace=clone3 \
			    -e inject=clone3:error=$err &
			st=$!
			sleep 2
		fi
		run ctl_as "$VA" "$CTL_BIN" exec ex cat /proc/self/cgroup
		[ "$status" -eq 0 ] || { echo "$err: $output" >&2; return 1; }
		[ "$output" = "0::/" ] || { echo "$err: $output" >&2; return 1; }
		ctl_as "$VA" "$CTL_BIN" exec ex sleep 77 </dev/null >/dev/null 2>&1 &
		wait_for 60 'pgrep -u "$VA" -f "^sleep 77" >/dev/null'
		pid=$(pgrep -u "$VA" -f "^sleep 77")
		grep -qx "0::/ctr-launch/u$UA/ex" "/proc/$pid/cgroup" ||
		    { echo "$err: $(cat "/proc/$pid/cgroup")" >&2; return 1; }
		kill "$pid"
		if [ -n "$st" ]; then
			kill "$st" 2>/dev/null
			wait "$st" 2>/dev/null || true
		fi
	done
	ctl_as "$VA" "$CTL_BIN" rm -f ex >/dev/null
	wait_for 60 'gone "$d"'
}

@test "v2: ps shows a detached container's CPU time (cpu.stat, its reaped children's too) and memory" {
	local d cpu mem
	d=$(leaf "$UA" psv)
	run ctl_as "$VA" "$CTL_BIN" run -d --name psv busybox sh -c \
	    '(i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done); echo burned; exec sleep 600'
	[ "$status" -eq 0 ] || { echo "$output" >&2; return 1; }
	wait_for 120 'ctl_as "$VA" "$CTL_BIN" logs psv 2>/dev/null | grep -q burned'
	run ctl_as "$VA" "$CTL_BIN" ps
	echo "$output"
	[ "$status" -eq 0 ]
	cpu=$(awk '$1 == "psv" {print $(NF - 1)}' <<<"$output")
	mem=$(awk '$1 == "psv" {print $NF}' <<<"$output")
	[[ $cpu =~ ^[0-9]+\.[0-9][0-9]s$ ]]
	awk -v c="${cpu%s}" 'BEGIN { exit !(c >= 0.02) }'
	[[ $mem =~ ^[0-9.]+(B|KiB|MiB)$ ]]
	run ctl_as "$VA" "$CTL_BIN" ps --format json
	echo "$output"
	[[ "$output" =~ \"CPUSeconds\":[0-9.]+ ]]
	[[ "$output" =~ \"MemUsage\":[1-9][0-9]* ]]
	ctl_as "$VA" "$CTL_BIN" rm -f psv >/dev/null
	wait_for 60 'gone "$d"'
}
