#!/usr/bin/env bats
# The keeper's placement and the batch-job confinement on a real cgroup v2
# host, in the VM of tests/vm/ (DESIGN section 5 step 6): a caller who owns
# a delegated subtree, made exactly as systemd's Delegate=yes makes it,
# cannot freeze or kill the keeper; a caller inside a Slurm-shaped v2 job
# cgroup (.../slurmstepd.scope/job_J/step_S/user/task_T, root's) stays
# inside it, with the job's limits holding for the container, and the job's
# cgroup is left as it was.  Run by `make vm-check` only.

load ../integration/lib

CG=/sys/fs/cgroup

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export PA=pa$TAG JOB=$((RANDOM + 100000))
	ctl_useradd "$PA"
	export UA
	UA=$(id -u "$PA")
	ctl_image_busybox
	ctl_policy <<-EOF
	[default]
	images = busybox
	memory = 512M
	pids = 128
	max_containers = 4
	EOF
}

teardown_file() {
	ctl_userdel "$PA"
	local d
	for d in "$CG/deleg$TAG" "$CG/plain$TAG" \
	    "$CG/system.slice/slurmstepd.scope/job_$JOB"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	return 0
}

teardown() {
	pkill -KILL -u "$PA" 2>/dev/null || true
	sleep 0.5
}

wait_for() {
	local n=$(($1 * 5))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.2
		n=$((n - 1))
	done
	return 1
}

# no_subdirs DIR: true once DIR has no directory below it.
no_subdirs() {
	[ -z "$(find "$1" -mindepth 1 -type d)" ]
}

# no_procs USER: true once USER has no process (re-evaluated per try).
no_procs() {
	! pgrep -u "$1" >/dev/null || false
}

# keeper_pid: the keeper K (our helper, root in every id, host pid ns).
keeper_pid() {
	local p
	for p in $(pgrep -f "^$CTL_BIN run"); do
		grep -qE '^Uid:[[:space:]]+0[[:space:]]+0[[:space:]]+0[[:space:]]+0$' \
		    "/proc/$p/status" 2>/dev/null || continue
		grep -qE '^NSpid:[[:space:]]+[0-9]+$' "/proc/$p/status" || continue
		echo "$p"
		return 0
	done
	return 1
}

# sleeper SECONDS: the pid of the user's payload `sleep SECONDS`.
sleeper() {
	local p
	p=$(pgrep -u "$UA" -fx "sleep $1" | head -n 1)
	[ -n "$p" ] && echo "$p"
}

# start_in DIR SCRIPT: SCRIPT (sh) as the user, moved by root into the v2
# cgroup DIR before it runs.
start_in() {
	local dir=$1 script=$2 pidf=/home/$PA/.pid
	rm -f "$pidf"
	ctl_as "$PA" sh -c "echo \$\$ >'$pidf'; while ! grep -qE '$TAG|job_$JOB' /proc/self/cgroup; do sleep 0.1; done; rm -f '$pidf'; $script" \
	    </dev/null >"$BATS_TEST_TMPDIR/out" 2>&1 3>&- &
	BG=$!
	wait_for 30 test -s "$pidf"
	cat "$pidf" >"$dir/cgroup.procs"
}

@test "v2 delegation (systemd Delegate=yes): K leaves the caller's cgroup; cgroup.freeze and cgroup.kill reach only the front" {
	local d=$CG/deleg$TAG f
	mkdir "$d"
	for f in "" cgroup.procs cgroup.threads cgroup.subtree_control; do
		chown "$PA" "$d/$f"
	done
	# The caller's session cgroup inside the delegated subtree.
	start_in "$d" "mkdir '$d/s' && echo \$\$ >'$d/s/cgroup.procs' && exec $CTL_BIN run busybox sleep 60"
	wait_for 60 sleeper 60
	local k
	k=$(keeper_pid)
	echo "K=$k: $(cat "/proc/$k/cgroup")"
	[ "$(cut -d: -f3 "/proc/$k/cgroup")" = /ctr-launch/keepers ]
	[ "$(stat -c '%U %a' "$CG/ctr-launch/keepers")" = "root 700" ]
	! grep -qx "$k" "$d/s/cgroup.procs" || false
	# The caller owns cgroup.freeze of its own cgroup: K keeps running.
	ctl_as "$PA" sh -c "echo 1 >'$d/s/cgroup.freeze'"
	sleep 1
	grep -q '^State:[[:space:]]*[RS]' "/proc/$k/status"
	ctl_as "$PA" sh -c "echo 0 >'$d/s/cgroup.freeze'"
	# cgroup.kill ends the front; K tears down and leaves nothing.
	ctl_as "$PA" sh -c "echo 1 >'$d/s/cgroup.kill'"
	wait_for 60 test ! -e "/proc/$k"
	wait_for 30 test ! -e "$CG/ctr-launch/u$UA"
	[ -z "$(pgrep -u "$UA")" ]
}

@test "v2: a launch migrates nothing: K is cloned into ctr-launch/keepers, P1 into its cgroup; no cgroup.procs is written" {
	local log=$BATS_TEST_TMPDIR/open.log k
	# The front as the user, setuid honoured; every process's opens.
	run strace -f -qq -e trace=openat,clone3 -o "$log" -u "$PA" \
	    "$CTL_BIN" run --rm busybox cat /proc/self/cgroup
	echo "$output"
	[ "$status" = 0 ] && [ "$output" = 0::/ ]
	grep -E 'cgroup\.procs|clone3|keepers' "$log" || true
	# P0 cloned K into the leaf.
	grep -qE 'clone3\(\{flags=CLONE_INTO_CGROUP, .*exit_signal=SIGCHLD' "$log"
	! grep -E 'cgroup\.procs", O_WRONLY' "$log" || false
	# And K sits in the keepers' leaf, out of the caller's cgroup.
	mkdir "$CG/plain$TAG"
	start_in "$CG/plain$TAG" "exec $CTL_BIN run busybox sleep 60"
	wait_for 60 sleeper 60
	k=$(keeper_pid)
	[ "$(cut -d: -f3 "/proc/$k/cgroup")" = /ctr-launch/keepers ]
	! grep -qx "$k" "$CG/plain$TAG/cgroup.procs" || false
	kill -TERM "$(pgrep -u "$UA" -x ctr-launch | head -1)"
	wait_for 60 test ! -e "/proc/$k"
}

# cage: a root-owned Slurm-shaped v2 job cgroup with controllers down to
# the task, the job held to 64 MiB and 20 tasks; prints the task's path.
cage() {
	local p=$CG c
	for c in system.slice slurmstepd.scope "job_$JOB" step_0 user task_0; do
		echo "+memory +pids +cpu" >"$p/cgroup.subtree_control" 2>/dev/null
		p=$p/$c
		mkdir -p "$p"
		[ "$c" = "job_$JOB" ] && { echo 64M >"$p/memory.max"; echo 20 >"$p/pids.max"; }
	done
	echo "$p"
}

@test "v2 batch job: the container nests in the caller's job cgroup, the job's limits hold, the cgroup is left as it was" {
	local t
	t=$(cage)
	# Placement: a child of the task's cgroup; K and the front in ctl-front.
	start_in "$t" "exec $CTL_BIN run busybox sleep 60"
	wait_for 60 sleeper 60
	local p k
	p=$(sleeper 60)
	k=$(keeper_pid)
	echo "payload: $(cat "/proc/$p/cgroup") K: $(cat "/proc/$k/cgroup")"
	[[ "$(cut -d: -f3 "/proc/$p/cgroup")" == "${t#"$CG"}/"* ]]
	[ "$(cut -d: -f3 "/proc/$k/cgroup")" = "${t#"$CG"}/ctl-front" ]
	pkill -TERM -u "$PA" -f "^$CTL_BIN run" || true
	wait_for 60 no_procs "$UA"
	wait_for 30 test ! -e "$t/ctl-front"
	# The job's cgroup as it was: no child, no controller enabled.
	[ -z "$(find "$t" -mindepth 1 -type d)" ]
	[ -z "$(cat "$t/cgroup.subtree_control")" ]
	# 40 tasks: the job's 20 hold.
	start_in "$t" "exec $CTL_BIN run busybox sh -c 'i=0; while [ \$i -lt 40 ]; do sleep 30 & i=\$((i+1)); echo \$i; done'"
	wait "$BG" || true
	local last
	last=$(grep -E '^[0-9]+$' "$BATS_TEST_TMPDIR/out" | tail -n 1)
	echo "forks before the job's limit: $last"
	[ "${last:-0}" -lt 20 ]
	pkill -KILL -u "$PA" || true
	wait_for 60 no_procs "$UA"
	# 150 MiB: the job's 64 MiB hold.
	start_in "$t" "exec $CTL_BIN run busybox sh -c 'x=aaaaaaaa; while :; do x=\$x\$x; done'"
	local rc=0
	wait "$BG" || rc=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$rc" = 137 ]
	wait_for 30 no_subdirs "$t"
}
