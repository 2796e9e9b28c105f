#!/usr/bin/env bats
# cgroup v2 for real, on this host's controller-less unified hierarchy: a
# second test build with CGROUP_ROOT=/sys/fs/cgroup/unified and
# CGROUP_VERSION=2 fixed at build time (the helper never takes them at
# run time).  mkdir, clone3 CLONE_INTO_CGROUP, cgroup.procs, cgroup.kill
# and rmdir are real; limits need the controllers this hierarchy lacks,
# so a finite one must be refused (the v2 limit files are unit-tested).

load lib

V2=/sys/fs/cgroup/unified

have_v2() {
	[ "$(stat -f -c %T "$V2" 2>/dev/null)" = cgroup2fs ]
}

setup_file() {
	have_v2 || return 0
	export TAG
	TAG=$(ctl_tag)
	export VU=vu$TAG
	ctl_useradd "$VU"
	export VUID
	VUID=$(id -u "$VU")
	ctl_image_busybox
	local b=${CTL_BUILDDIR:-build}
	case $b in /*) ;; *) b=$CTL_SRC/$b ;; esac
	make -s -C "$CTL_SRC" BUILDDIR="$b/cgv2" SYSCONFDIR="$CTL_ROOT/etc" \
	    STATEDIR="$CTL_ROOT/var" RUNDIR="$CTL_ROOT/run" \
	    PAMDIR="$CTL_ROOT/etc/pam.d" CGROUP_ROOT="$V2" CGROUP_VERSION=2 \
	    "$b/cgv2/rel/ctr-launch" >&2
	export V2BIN=$CTL_ROOT/usr/bin/ctr-launch-cgv2
	install -m 4755 -o root -g root "$b/cgv2/rel/ctr-launch" "$V2BIN"
}

teardown_file() {
	[ -n "${VU:-}" ] || return 0
	ctl_userdel "$VU"
	rm -f "$V2BIN"
	rmdir "$V2/ctr-launch/u$VUID" 2>/dev/null || true
}

setup() {
	have_v2 || skip "no cgroup v2 hierarchy at $V2"
	ctl_policy <<-EOF
	[default]
	images = busybox
	cpus = unlimited
	memory = unlimited
	pids = unlimited
	max_containers = 2
	EOF
}

teardown() {
	pkill -KILL -u "$VU" 2>/dev/null || true
	sleep 0.3
}

bgv2() {
	local n=$1
	shift
	ctl_as "$VU" "$V2BIN" run --name "$n" busybox "$@" >/dev/null 2>&1 &
}

wait_procs() {
	for _ in $(seq 100); do
		[ -n "$(cat "$1/cgroup.procs" 2>/dev/null)" ] && return 0
		sleep 0.05
	done
	return 1
}

wait_gone() {
	for _ in $(seq 100); do
		[ -e "$1" ] || return 0
		sleep 0.05
	done
	return 1
}

@test "cgroup v2: cloned into its cgroup, in its own cgroup namespace" {
	run ctl_as "$VU" "$V2BIN" run busybox cat /proc/self/cgroup
	[ "$status" -eq 0 ]
	[[ $output == *"0::/"* ]]
	[[ $output != *ctr-launch* ]]
	bgv2 v2a sleep 30
	d=$V2/ctr-launch/u$VUID/v2a
	wait_procs "$d"
	pid=$(head -1 "$d/cgroup.procs")
	grep -qx "0::/ctr-launch/u$VUID/v2a" "/proc/$pid/cgroup"
	[ "$(stat -c %U "$d")" = root ]
	[ "$(stat -c %U "$d/cgroup.procs")" = root ]
	run ctl_as "$VU" sh -c "echo $pid > $V2/cgroup.procs"
	[ "$status" -ne 0 ]
	grep -qx "$pid" "$d/cgroup.procs"
}

@test "cgroup v2: a finite limit without its controller is refused" {
	run ctl_as "$VU" "$V2BIN" run --memory 64M busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"cgroup controller memory is not available"* ]]
	[ -z "$(ls -d "$V2/ctr-launch/u$VUID"/*/ 2>/dev/null)" ]
}

@test "cgroup v2: cgroup.kill ends everything when ctr-launch is killed" {
	bgv2 v2k sh -c 'sleep 60 & sleep 60 & sleep 60'
	d=$V2/ctr-launch/u$VUID/v2k
	wait_procs "$d"
	sleep 0.5
	[ "$(wc -l <"$d/cgroup.procs")" -ge 3 ]
	kill -KILL "$(pgrep -u "$VU" -x ctr-launch-cgv2 | head -1)"
	wait_gone "$d"
	[ -z "$(pgrep -u "$VU" -x sleep)" ]
}

@test "cgroup v2: normal exit leaves nothing; max_containers counts" {
	run ctl_as "$VU" "$V2BIN" run --name v2n busybox true
	[ "$status" -eq 0 ]
	# The caller has the status first; the keeper's teardown follows.
	wait_gone "$V2/ctr-launch/u$VUID/v2n"
	bgv2 m1 sleep 30
	bgv2 m2 sleep 30
	wait_procs "$V2/ctr-launch/u$VUID/m1"
	wait_procs "$V2/ctr-launch/u$VUID/m2"
	run ctl_as "$VU" "$V2BIN" run busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"already runs 2 containers (max_containers = 2)"* ]]
}
