#!/usr/bin/env bats
# Published ports fail closed under injected faults (as faultinject.bats
# does for the launch itself): every system call of K's binding and of
# the forwarder's start (socket, setsockopt, bind, listen, setns, ioctl,
# clone3, epoll, prlimit64, prctl, seccomp, the drop) is made to fail at
# each of its occurrences.  Each outcome is exit 125 with a message and a
# payload that never ran, or a payload fully confined behind a forwarder
# that is running dropped and filtered; and nothing is left: no process,
# no cgroup, nothing listening on the port.

load lib
load attacks/common
load attacks/post

PF_MAX=${PF_MAX:-12}

setup_file() {
	atk_setup_file
	export PF_MARK=/home/$ATK_A/pf-marker
	export PF_PORT=$((18000 + (RANDOM % 39) * 50 + 40))
}
teardown_file() { atk_teardown_file; }

setup() {
	post_before
	{
		atk_policy_default_text
		cat <<-EOF
		network = private
		ports = 18000-19999
		EOF
	} | ctl_policy
}

teardown() {
	atk_policy_default
	post_after
}

# pf_exec STRACE-ARGS...: one -p launch as ATK_A under strace.  The
# payload records its own status and the forwarder's.
pf_exec() {
	cd "/home/$ATK_A" || return 1
	# shellcheck disable=SC2016 # expanded in the container
	timeout -k 5 30 strace -f -qq -o /dev/null -u "$ATK_A" "$@" \
	    env -i PATH=/usr/bin:/bin HOME="/home/$ATK_A" USER="$ATK_A" \
	    "$CTL_BIN" run -p "$PF_PORT:8080" busybox sh -c \
	    'cat /proc/self/status >"$HOME/pf-marker"' 2>&1
}

pf_confined() {
	local k uid
	uid=$(id -u "$ATK_A")
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qE "^$k:[[:space:]]+0+$" "$PF_MARK" || return 1
	done
	grep -qE '^NoNewPrivs:[[:space:]]+1$' "$PF_MARK" &&
	    grep -qE '^Seccomp:[[:space:]]+2$' "$PF_MARK" &&
	    grep -qE "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid$" "$PF_MARK"
}

# pf_count SYSCALL: the most calls of SYSCALL one process of a -p launch
# makes.
pf_count() {
	local log=$BATS_TEST_TMPDIR/count.log
	(cd "/home/$ATK_A" && strace -f -qq -o "$log" -u "$ATK_A" -e trace="$1" \
	    env -i PATH=/usr/bin:/bin HOME="/home/$ATK_A" USER="$ATK_A" \
	    "$CTL_BIN" run -p "$PF_PORT:8080" busybox true >/dev/null 2>&1)
	grep -v 'resumed>' "$log" | awk -v s="$1" '$2 ~ "^" s "\\(" {n[$1]++} END {m = 0; for (p in n) if (n[p] > m) m = n[p]; print m}'
}

# pf_nothing_left LABEL: no process, no cgroup, nothing listening on the
# port (the processes waited for).
pf_nothing_left() {
	atk_wait_for 50 post_no_procs || true
	[ -z "$(post_procs)$(post_cgroups)" ] ||
	    { echo "$1: left behind: $(post_procs)$(post_cgroups)" >&2; return 1; }
	! ss -Htln "sport = :$PF_PORT" | grep -q LISTEN ||
	    { echo "$1: port still listening" >&2; return 1; }
}

pf_syscall() {
	local sc=$1 err=${2:-EPERM} max n refused=0 ran=0
	atk_need_helper
	max=$(pf_count "$sc")
	[ "$max" -gt 0 ] || skip "no $sc call"
	[ "$max" -le "$PF_MAX" ] || max=$PF_MAX
	for n in $(seq 1 "$max"); do
		rm -f "$PF_MARK"
		run pf_exec -e trace="$sc" -e inject="$sc:error=$err:when=$n"
		if [ -e "$PF_MARK" ]; then
			pf_confined || { echo "$sc when=$n: payload not confined" >&2; return 1; }
			[ "$status" = 0 ] || [ "$status" = 125 ] ||
			    { echo "$sc when=$n: status $status: $output" >&2; return 1; }
			ran=$((ran + 1))
		else
			[ "$status" = 125 ] || { echo "$sc when=$n: status $status: $output" >&2; return 1; }
			grep -q '^ctr-launch: ' <<<"$output" ||
			    { echo "$sc when=$n: no message: $output" >&2; return 1; }
			refused=$((refused + 1))
		fi
		pf_nothing_left "$sc when=$n" || return 1
	done
	echo "# $sc ($err): refused $refused, confined run $ran" >&3
}

@test "ports fault injection: socket" { pf_syscall socket; }
@test "ports fault injection: setsockopt" { pf_syscall setsockopt; }
@test "ports fault injection: bind" { pf_syscall bind; }
@test "ports fault injection: listen" { pf_syscall listen; }
@test "ports fault injection: setns" { pf_syscall setns; }
@test "ports fault injection: ioctl" { pf_syscall ioctl; }
@test "ports fault injection: clone3" { pf_syscall clone3; }
@test "ports fault injection: clone3 ENOSYS takes the clone fallback (v1) or refuses (v2)" { pf_syscall clone3 ENOSYS; }
@test "ports fault injection: epoll_ctl" { pf_syscall epoll_ctl; }
@test "ports fault injection: prlimit64" { pf_syscall prlimit64; }
@test "ports fault injection: seccomp" { pf_syscall seccomp; }
@test "ports fault injection: prctl" { pf_syscall prctl; }
@test "ports fault injection: setresuid" { pf_syscall setresuid; }

# v1: the keeper opens the leaf's tasks files for the container's init,
# then for the port forwarder (ports_start), each of which joins by
# itself: the forwarder's open refused in any controller ends the launch
# in 125 with one line, the payload never run, nothing left and nothing
# listening.  The keeper opens the leaf's files relative to the leaf's
# directory, strace's path filter: a first launch counts the keeper's
# opens there, the second open of "tasks" is the forwarder's.
pf_join_exec() {
	local dir=$1 log=$2
	shift 2
	cd "/home/$ATK_A" || return 1
	# shellcheck disable=SC2016 # expanded in the container
	timeout -k 5 30 strace -f -qq -o "$log" -u "$ATK_A" -P "$dir" -e trace=openat "$@" \
	    env -i PATH=/usr/bin:/bin HOME="/home/$ATK_A" USER="$ATK_A" \
	    "$CTL_BIN" run --name "pfj$ATK_TAG" -p "$PF_PORT:8080" busybox sh -c \
	    'cat /proc/self/status >"$HOME/pf-marker"' 2>&1
}

@test "ports fault injection: the forwarder's v1 cgroup cannot be opened (one line, 125, nothing left)" {
	atk_need_helper
	local uid c dir at log=$BATS_TEST_TMPDIR/open.log
	[ -d /sys/fs/cgroup/pids ] || skip "no cgroup v1 hierarchy"
	uid=$(id -u "$ATK_A")
	for c in memory cpu pids; do
		dir=/sys/fs/cgroup/$c/ctr-launch/u$uid/pfj$ATK_TAG
		run pf_join_exec "$dir" "$log"
		[ "$status" = 0 ] || { echo "$c count: $status $output" >&2; return 1; }
		at=$(awk '$2 ~ /^openat\(/ {n[$1]++} /"tasks"/ && ++t[$1] == 2 {print n[$1]; exit}' "$log")
		[ -n "$at" ] || { echo "$c: no second tasks open: $(cat "$log")" >&2; return 1; }
		atk_wait_for 50 post_no_procs || true
		rm -f "$PF_MARK"
		run pf_join_exec "$dir" "$log" -e inject=openat:error=EPERM:when="$at"
		ctl_strace_has "$log" '"tasks".*[(]INJECTED[)]' || { echo "$c: $(cat "$log")" >&2; return 1; }
		[ ! -e "$PF_MARK" ] || { echo "$c: the payload ran" >&2; return 1; }
		[ "$status" = 125 ] || { echo "$c: status $status: $output" >&2; return 1; }
		[ "$(grep -c '^ctr-launch: ' <<<"$output")" = 1 ] || { echo "$c: $output" >&2; return 1; }
		grep -q "^ctr-launch: port forwarder: the container's cgroup" <<<"$output" || { echo "$c: $output" >&2; return 1; }
		pf_nothing_left "$c" || return 1
	done
}
