#!/usr/bin/env bats
# Attack class 13 of the catalog, second round: the keeper K and the
# container's cgroup against a caller who owns a delegated cgroup subtree
# (as systemd's Delegate=yes gives every user on a v2 host), whose PAM
# stack changes the process state (pam_umask), or who is confined by a
# batch job's cgroup (a Slurm-shaped cage) and tries to leave it through
# ctr-launch; and what a refused launch leaves behind.

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() { atk_teardown_file; }

teardown() {
	atk_sysctl_tmp_restore
	atk_policy_default
	atk_pam_permit
	post_after
	local d
	# The delegated and caged cgroups a test made (deepest first).
	for d in $(find /sys/fs/cgroup/*/ -maxdepth 1 -name "*ctl$ATK_TAG*" -type d 2>/dev/null); do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

# keeper_pid: the pid of the keeper K of the running launch (the helper,
# root in every id, in the host's pid namespace).
keeper_pid() {
	local p
	for p in $(atk_helper_pids); do
		grep -qE '^Uid:[[:space:]]+0[[:space:]]+0[[:space:]]+0[[:space:]]+0$' \
		    "/proc/$p/status" 2>/dev/null || continue
		grep -qE '^NSpid:[[:space:]]+[0-9]+$' "/proc/$p/status" || continue
		echo "$p"
		return 0
	done
	return 1
}

# sleeper USER SECONDS: the pid of USER's payload `sleep SECONDS`.
sleeper() {
	local p
	p=$(pgrep -u "$(atk_uid "$1")" -fx "sleep $2" | head -n 1)
	[ -n "$p" ] && echo "$p"
}

# cg_path PID HIER: PID's cgroup path in hierarchy HIER ("" for v2).
cg_path() {
	awk -F: -v h="$2" 'h == "" && $1 == "0" { print $3 } h != "" && $2 == h { print $3 }' \
	    "/proc/$1/cgroup"
}

# delegate DIR USER: make DIR a cgroup delegated to USER as systemd does
# (the directory and its cgroup.procs, cgroup.threads, subtree_control;
# v1: tasks and freezer.state too).
delegate() {
	local f
	mkdir -p "$1"
	chown "$2" "$1"
	for f in cgroup.procs cgroup.threads cgroup.subtree_control tasks freezer.state; do
		[ -e "$1/$f" ] && chown "$2" "$1/$f"
	done
	return 0
}

# start_in USER SCRIPT DIR...: run SCRIPT (sh) as USER in the background,
# moved by root into each cgroup DIR (all named after the suite's tag)
# before it runs; ATK_BG_PID is set.
start_in() {
	local u=$1 script=$2 pidf d n
	shift 2
	n=$#
	pidf=/home/$u/.ctl-pid
	rm -f "$pidf"
	ctl_as "$u" sh -c "echo \$\$ >'$pidf'; while [ \$(grep -c 'ctl$ATK_TAG' /proc/self/cgroup) -lt $n ]; do sleep 0.05; done; rm -f '$pidf'; $script" \
	    </dev/null >"$BATS_TEST_TMPDIR/bg.out" 2>&1 3>&- &
	ATK_BG_PID=$!
	echo "$u" >>"$BATS_TEST_TMPDIR/bg.users"
	atk_wait_for 100 test -s "$pidf"
	for d in "$@"; do
		cat "$pidf" >"$d/cgroup.procs"
	done
}

@test "T13.6 (delegated cgroup, freeze/kill of the keeper): K leaves every cgroup the caller can write; the caller's own state stays the payload's" {
	atk_need_helper
	local v2=/sys/fs/cgroup/unified/ctl$ATK_TAG fz=/sys/fs/cgroup/freezer/ctl$ATK_TAG
	delegate "$v2" "$ATK_A"
	delegate "$fz" "$ATK_A"
	# The caller's own session cgroup below the delegated one, as systemd
	# makes it: its cgroup.kill and cgroup.freeze are the caller's.
	start_in "$ATK_A" "mkdir '$v2/s' && echo \$\$ >'$v2/s/cgroup.procs' && echo 1000 >/proc/self/oom_score_adj && exec nice -n 19 $CTL_BIN run busybox sh -c 'cat /proc/self/oom_score_adj; sleep 60'" "$v2" "$fz"
	atk_wait_for 100 sleeper "$ATK_A" 60
	local k p
	k=$(keeper_pid)
	p=$(sleeper "$ATK_A" 60)
	echo "K=$k payload=$p"
	cat "/proc/$k/cgroup"
	# K is in none of the caller's cgroups, and in root's keepers where
	# it had to leave one.
	! grep -qx "$k" "$v2/cgroup.procs" || false
	! grep -qx "$k" "$v2/s/cgroup.procs" || false
	! grep -qx "$k" "$fz/cgroup.procs" || false
	[ "$(cg_path "$k" "")" = /ctr-launch/keepers ]
	[ "$(cg_path "$k" freezer)" = /ctr-launch/keepers ]
	[ "$(cg_path "$k" pids)" = /ctr-launch/keepers ]
	[ "$(cg_path "$k" memory)" = /ctr-launch/keepers ]
	# K's scheduling is its own: nice 0, oom_score_adj at most 0.
	[ "$(awk '{print $19}' "/proc/$k/stat")" = 0 ]
	[ "$(cat "/proc/$k/oom_score_adj")" -le 0 ]
	# The payload has the caller's.
	[ "$(awk '{print $19}' "/proc/$p/stat")" = 19 ]
	[ "$(cat "/proc/$p/oom_score_adj")" = 1000 ]
	# Freezing the caller's cgroups does not freeze K ...
	ctl_as "$ATK_A" sh -c "echo FROZEN >'$fz/freezer.state'"
	sleep 0.3
	[ "$(awk '{print $3}' "/proc/$k/stat")" != D ]
	grep -q '^State:[[:space:]]*[RS]' "/proc/$k/status"
	ctl_as "$ATK_A" sh -c "echo THAWED >'$fz/freezer.state'"
	# ... and killing them kills the front, never K: K tears down (post
	# checks that no cgroup, process or mount is left).
	ctl_as "$ATK_A" sh -c "echo 1 >'$v2/s/cgroup.kill'"
	atk_wait_for 100 atk_no_procs "$ATK_A"
	atk_wait_for 100 test ! -e "/proc/$k"
}

@test "T13.7 (PAM umask): the lock directories stay root's 0700 whatever umask the session module sets" {
	atk_need_helper
	local um d
	for um in 0000 0022; do
		printf 'account required pam_permit.so\nsession required pam_umask.so umask=%s\nsession required pam_permit.so\n' \
		    "$um" >"$CTL_PAMD/ctr-launch"
		# A first launch on the host creates ctr-launch/: start from none.
		for d in /sys/fs/cgroup/*/ctr-launch; do
			find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
		done
		atk_start_bg "$ATK_B" run busybox sleep 60
		atk_wait_for 100 atk_has_payload "$ATK_B"
		for d in /sys/fs/cgroup/*/ctr-launch /sys/fs/cgroup/*/ctr-launch/u"$(atk_uid "$ATK_B")"; do
			[ -d "$d" ] || continue
			echo "$um $d $(stat -c %a "$d")"
			[ "$(stat -c %a "$d")" = 700 ]
			# Nobody else can hold ctr-launch's locks.
			run ctl_as "$ATK_C" flock -n -E 99 "$d" true
			[ "$status" != 0 ] && [ "$status" != 99 ]
		done
		atk_stop_bg
	done
}

# cage HIER...: a Slurm-shaped job cgroup (root's) in each v1 HIER; prints
# nothing, sets CAGE (the path below each hierarchy's root).
cage() {
	local h uid
	uid=$(atk_uid "$ATK_A")
	CAGE=/slurm_ctl$ATK_TAG/uid_$uid/job_7/step_0
	for h in "$@"; do
		mkdir -p "/sys/fs/cgroup/$h$CAGE"
	done
}

@test "T13.8 (confinement escape): a caller confined by a batch job's cgroup stays confined in the container" {
	atk_need_helper
	cage memory pids cpu
	local j=${CAGE%/step_0}
	echo 64M >"/sys/fs/cgroup/memory$j/memory.limit_in_bytes"
	echo 20 >"/sys/fs/cgroup/pids$j/pids.max"
	local dirs=("/sys/fs/cgroup/memory$CAGE" "/sys/fs/cgroup/pids$CAGE" "/sys/fs/cgroup/cpu$CAGE")
	# The container's cgroups are children of the job's.
	start_in "$ATK_A" "exec $CTL_BIN run busybox sleep 30" "${dirs[@]}"
	atk_wait_for 100 sleeper "$ATK_A" 30
	local p
	p=$(sleeper "$ATK_A" 30)
	cat "/proc/$p/cgroup"
	[[ "$(cg_path "$p" pids)" == "$CAGE/"* ]]
	[[ "$(cg_path "$p" memory)" == "$CAGE/"* ]]
	[[ "$(cg_path "$p" cpu)" == "$CAGE/"* ]]
	atk_stop_bg
	# 40 tasks: the job's 20 hold (the container's own limit is 128).
	start_in "$ATK_A" "exec $CTL_BIN run busybox sh -c 'i=0; while [ \$i -lt 40 ]; do sleep 30 & i=\$((i+1)); echo \$i; done'" "${dirs[@]}"
	wait "$ATK_BG_PID" || true
	local last rc
	last=$(grep -E '^[0-9]+$' "$BATS_TEST_TMPDIR/bg.out" | tail -n 1)
	echo "forks before the job's limit: $last"
	[ "${last:-0}" -lt 20 ]
	atk_stop_bg
	# 150 MiB: the job's 64 MiB hold (OOM-killed, 137).
	start_in "$ATK_A" "exec $CTL_BIN run busybox sh -c 'x=aaaaaaaa; while :; do x=\$x\$x; done'" "${dirs[@]}"
	rc=0
	wait "$ATK_BG_PID" || rc=$?
	cat "$BATS_TEST_TMPDIR/bg.out"
	echo "rc=$rc"
	[ "$rc" = 137 ]
	# Nothing of the container is left in the job's cgroup (Slurm removes
	# it at the end of the step).
	atk_wait_for 50 test -z "$(find "/sys/fs/cgroup/pids$CAGE" -mindepth 1 -type d)"
	[ -z "$(find "/sys/fs/cgroup/pids$CAGE" "/sys/fs/cgroup/memory$CAGE" -mindepth 1 -type d)" ]
}

@test "T13.8 (confinement escape): a job cgroup shared with other processes is refused; a caller-owned look-alike is never a job" {
	atk_need_helper
	cage memory pids cpu
	local d
	# Another process of the job's cgroup besides the caller: refused.
	start_in "$ATK_A" "sleep 30 & $CTL_BIN run busybox true; echo rc=\$?; kill \$!" \
	    "/sys/fs/cgroup/memory$CAGE" "/sys/fs/cgroup/pids$CAGE" "/sys/fs/cgroup/cpu$CAGE"
	atk_wait_for 100 grep -q '^rc=' "$BATS_TEST_TMPDIR/bg.out"
	cat "$BATS_TEST_TMPDIR/bg.out"
	grep -qx 'rc=125' "$BATS_TEST_TMPDIR/bg.out"
	grep -q 'other process' "$BATS_TEST_TMPDIR/bg.out"
	atk_stop_bg
	# A look-alike the caller owns: the container goes to ctr-launch's
	# own tree, under the caller's totals, never into the caller's.
	for d in memory pids cpu; do delegate "/sys/fs/cgroup/$d$CAGE" "$ATK_A"; done
	start_in "$ATK_A" "exec $CTL_BIN run busybox sleep 30" \
	    "/sys/fs/cgroup/memory$CAGE" "/sys/fs/cgroup/pids$CAGE" "/sys/fs/cgroup/cpu$CAGE"
	atk_wait_for 100 sleeper "$ATK_A" 30
	local p
	p=$(sleeper "$ATK_A" 30)
	[[ "$(cg_path "$p" pids)" == "/ctr-launch/u$(atk_uid "$ATK_A")/"* ]]
}

@test "T14.4: a launch refused at the cgroup step leaves no ctr-launch/u<uid>" {
	atk_need_helper
	{ atk_policy_default_text; printf '[global]\nmax_total_containers = 1\n'; } | ctl_policy
	atk_start_bg "$ATK_A" run busybox sleep 60
	atk_wait_for 100 atk_has_payload "$ATK_A"
	atk_run "$ATK_B" run busybox true
	atk_refused
	[[ "$output" == *max_total_containers* ]]
	local d
	for d in /sys/fs/cgroup/*/ctr-launch/u"$(atk_uid "$ATK_B")" /sys/fs/cgroup/ctr-launch/u"$(atk_uid "$ATK_B")"; do
		if [ -e "$d" ]; then
			echo "left behind: $d" >&2
			return 1
		fi
	done
}

@test "T13.8 (confinement escape): nested in batch jobs, the user's totals hold by admission" {
	atk_need_helper
	atk_policy_default_text | sed 's/^max_containers = 4$/&\nuser_memory = 768M/' | ctl_policy
	grep -qx 'user_memory = 768M' "$CTL_POLICY"
	cage memory pids cpu
	local one=$CAGE two=${CAGE%/step_0}/step_1 h
	for h in memory pids cpu; do mkdir -p "/sys/fs/cgroup/$h$two"; done
	start_in "$ATK_A" "exec $CTL_BIN run busybox sleep 30" \
	    "/sys/fs/cgroup/memory$one" "/sys/fs/cgroup/pids$one" "/sys/fs/cgroup/cpu$one"
	atk_wait_for 100 sleeper "$ATK_A" 30
	# 512M running; another 512M would make 1G of 768M.
	start_in "$ATK_A" "exec $CTL_BIN run busybox true" \
	    "/sys/fs/cgroup/memory$two" "/sys/fs/cgroup/pids$two" "/sys/fs/cgroup/cpu$two"
	local rc=0
	wait "$ATK_BG_PID" || rc=$?
	cat "$BATS_TEST_TMPDIR/bg.out"
	[ "$rc" = 125 ]
	grep -q "would together exceed user_memory" "$BATS_TEST_TMPDIR/bg.out"
	# Within the total it runs.
	start_in "$ATK_A" "exec $CTL_BIN run --memory 128M busybox true" \
	    "/sys/fs/cgroup/memory$two" "/sys/fs/cgroup/pids$two" "/sys/fs/cgroup/cpu$two"
	rc=0
	wait "$ATK_BG_PID" || rc=$?
	cat "$BATS_TEST_TMPDIR/bg.out"
	[ "$rc" = 0 ]
}
