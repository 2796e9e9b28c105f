#!/usr/bin/env bats
# Attack classes 13, 14, 15 and 16 of the catalog: cgroups (limits,
# placement, escape), resource exhaustion, other users' containers, and the
# files the helper creates.

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() { atk_teardown_file; }

teardown() {
	atk_sysctl_tmp_restore
	atk_policy_default
	post_after
}

# atk_cgroup_dirs PID: the host cgroup directories of PID, one per line.
atk_cgroup_dirs() {
	local line ctrl path v2=/sys/fs/cgroup/unified
	# Pure v2 (the VM, current distributions) mounts it at /sys/fs/cgroup.
	[ -e /sys/fs/cgroup/cgroup.controllers ] && v2=/sys/fs/cgroup
	while IFS=: read -r _ ctrl path; do
		if [ -z "$ctrl" ]; then
			echo "$v2$path"
		else
			ctrl=${ctrl#name=}
			for c in ${ctrl//,/ }; do
				[ -d "/sys/fs/cgroup/$c$path" ] && echo "/sys/fs/cgroup/$c$path"
			done
		fi
	done <"/proc/$1/cgroup"
}

@test "T13.4 (CVE-2022-0492 class): from the host the caller can neither leave the container's cgroup nor raise its limits" {
	atk_need_opt --pids-limit
	atk_start_bg "$ATK_A" run busybox sleep 60
	atk_wait_for 100 atk_has_payload "$ATK_A"
	local p d f n=0
	p=$(atk_payload_pid "$ATK_A")
	for d in $(atk_cgroup_dirs "$p"); do
		case $d in */ctr-launch/u"$(id -u "$ATK_A")"/*) n=$((n + 1)) ;; *) continue ;; esac
		for f in "$d"/*; do
			[ -f "$f" ] || continue
			[ "$(stat -c %u "$f")" = 0 ] || { echo "$f not root's" >&2; return 1; }
			run ctl_as "$ATK_A" sh -c "echo max >> '$f'"
			[ "$status" != 0 ] || { echo "$f writable by the caller" >&2; return 1; }
		done
		run ctl_as "$ATK_A" sh -c "echo $p > '${d%%/ctr-launch/*}/cgroup.procs'"
		[ "$status" != 0 ]
	done
	[ "$n" -ge 1 ] || { echo "payload not under ctr-launch/u<uid>: $(cat /proc/$p/cgroup)" >&2; return 1; }
}

@test "CVE-2022-0492 T13.3, T13.5: inside, cgroupfs cannot be mounted and release_agent is unreachable" {
	atk_need_helper
	atk_run "$ATK_A" run busybox sh -c 'exec 2>/dev/null
	    mkdir -p /tmp/cg && mount -t cgroup -o memory cgroup /tmp/cg 2>/dev/null && echo MOUNTED
	    for f in /sys/fs/cgroup/*/release_agent /sys/fs/cgroup/release_agent; do
	        [ -e "$f" ] && echo x >"$f" 2>/dev/null && echo "WROTE $f"
	    done
	    echo 1 >/sys/fs/cgroup/cgroup.procs 2>/dev/null && echo MOVED
	    echo done'
	echo "$output"
	[ "$status" = 0 ]
	[ "$output" = done ]
}

@test "T13.2, T14: a fork bomb stops at the pids limit and leaves nothing behind" {
	atk_need_opt --pids-limit
	# The shell counts its successful forks; busybox sh gives up at the
	# first fork that fails, and the container ends with it.
	atk_run "$ATK_A" run --pids-limit 32 busybox sh -c \
	    'i=0; while [ $i -lt 300 ]; do sleep 30 & i=$((i + 1)); echo $i; done'
	local last
	last=$(grep -E '^[0-9]+$' <<<"$output" | tail -n 1)
	echo "forks before the limit: $last"
	[ "$status" != 0 ]
	[[ "$output" == *"can't fork"* ]]
	[ "${last:-0}" -lt 32 ]
}

@test "T14.3, T5.3.3: the tmpfs upper and /tmp stop at their size" {
	atk_need_helper
	atk_run "$ATK_A" run busybox sh -c \
	    'for f in /tmp/fill /var/tmp/fill /dev/shm/fill /fill; do dd if=/dev/zero of=$f bs=1M count=400 2>/dev/null; s=$(du -m $f 2>/dev/null | cut -f1); echo "${s:-0}"; rm -f $f; done'
	echo "$output"
	for n in "${lines[@]}"; do
		[ "$n" -le 256 ]
	done
}

@test "T14.4: a container cannot drain the host's pool of terminals (max_ptys)" {
	atk_need_helper
	# Every devpts but the host's draws on one pool (kernel.pty.max less
	# kernel.pty.reserve): unbounded, one container took every terminal
	# and other users' -t, exec -t and logins failed.
	{ atk_policy_default_text; echo "max_ptys = 3"; } | ctl_policy
	atk_run "$ATK_A" run busybox sh -c 'n=0
	    for fd in 3 4 5 6 7 8 9; do command eval "exec $fd<>/dev/ptmx" 2>/dev/null && n=$((n + 1)); done
	    echo $n'
	echo "$output"
	[ "$status" = 0 ]
	[ "$output" = 3 ]
	atk_policy_default
	atk_run "$ATK_A" run busybox sh -c 'n=0
	    for fd in 3 4 5 6 7 8 9; do command eval "exec $fd<>/dev/ptmx" 2>/dev/null && n=$((n + 1)); done
	    echo $n'
	[ "$output" = 7 ]
}

@test "T14.1: max_containers holds for one user and not for another" {
	atk_need_opt --pids-limit
	{ atk_policy_default_text | sed 's/^max_containers = 4/max_containers = 2/'; } | ctl_policy
	atk_start_bg "$ATK_A" run busybox sleep 30
	local one=$ATK_BG_PID
	atk_start_bg "$ATK_A" run busybox sleep 30
	atk_wait_for 100 atk_has_payload "$ATK_A" 2
	atk_run "$ATK_A" run busybox true
	atk_refused
	atk_run "$ATK_B" run busybox true
	[ "$status" = 0 ]
	kill "$one" 2>/dev/null || true
}

@test "firejail CVE-2022-31214, Singularity CVE-2019-11328 T15.1, T15.2: another user's container cannot be killed, joined or shadowed" {
	atk_need_helper
	atk_start_bg "$ATK_B" run --name "job$ATK_TAG" busybox sleep 60
	atk_wait_for 100 atk_has_payload "$ATK_B"
	local p
	p=$(atk_payload_pid "$ATK_B")
	run ctl_as "$ATK_A" kill -KILL "$p"
	[ "$status" != 0 ]
	run ctl_as "$ATK_A" ls "/proc/$p/root/"
	[ "$status" != 0 ]
	run ctl_as "$ATK_A" nsenter -t "$p" -m true
	[ "$status" != 0 ]
	# The same name for another user is theirs alone.
	atk_run "$ATK_A" run --name "job$ATK_TAG" busybox sh -c 'ps -o user= | sort -u'
	[ "$status" = 0 ] || atk_refused
	[[ "$output" != *"$ATK_B"* ]]
	kill -0 "$p"
	if "$CTL_BIN" --help 2>&1 | grep -qw stop; then
		atk_run "$ATK_A" stop "job$ATK_TAG"
		[ "$status" != 0 ]
		kill -0 "$p"
	fi
}

@test "bwrap CVE-2019-12439, Singularity CVE-2019-19724 T14.2, T16.1: pre-planted symlinks in /tmp, /dev/shm and the home are never followed" {
	atk_need_helper
	local uid n
	uid=$(id -u "$ATK_A")
	for n in ctr-launch "ctr-launch-$uid" "ctr-launch.$uid" "ctr-launch-$ATK_A" "ctr-$uid"; do
		ctl_as "$ATK_B" ln -sfn "$ATK_CANARY_DIR" "/tmp/$n" 2>/dev/null || true
		ctl_as "$ATK_B" ln -sfn "$ATK_CANARY_DIR" "/dev/shm/$n" 2>/dev/null || true
	done
	for n in .ctr-launch .config/ctr-launch .cache/ctr-launch .local/share/ctr-launch; do
		ctl_as "$ATK_A" mkdir -p "$(dirname "/home/$ATK_A/$n")"
		ctl_as "$ATK_A" ln -sfn "$ATK_CANARY_DIR" "/home/$ATK_A/$n"
	done
	atk_run "$ATK_A" run busybox true
	local st=$status
	for n in ctr-launch "ctr-launch-$uid" "ctr-launch.$uid" "ctr-launch-$ATK_A" "ctr-$uid"; do
		rm -f "/tmp/$n" "/dev/shm/$n"
	done
	[ "$st" = 0 ]
	[ -z "$(find "$ATK_CANARY_DIR" -mindepth 1 ! -name file)" ]
}

@test "Singularity CVE-2020-25039 T16.3: runtime state is root's and not writable or listable by others" {
	atk_need_helper
	atk_start_bg "$ATK_A" run busybox sleep 30
	atk_wait_for 100 atk_has_payload "$ATK_A"
	run find "$CTL_ROOT/run" "$CTL_ROOT/var" -path "$CTL_STORE/layers" -prune -o \
	    \( ! -uid 0 -o -perm -o+w \) ! -type l -print
	[ "$output" = "" ]
	run find "$CTL_ROOT/run" -mindepth 1 -maxdepth 1 -perm -o+r -type d
	for d in $output; do
		run ctl_as "$ATK_A" touch "$d/x"
		[ "$status" != 0 ]
	done
}
