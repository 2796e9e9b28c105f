#!/usr/bin/env bats
# The keeper of a detached container (keeper.c) under injected faults, as
# faultinject.bats does for the launch: strace fails K's own calls.
#
# During run -d's setup (strace -f follows K, which P0 forks), each of
# the state directory's mkdirat, the log's creation, the info record's
# write, fsync and rename, the ctl socket's socket, bind and listen,
# timerfd_create, and the detach's dup3 onto stdio must give exit 125 and
# one line "ctr-launch: <reason>" (no name printed), leave nothing (no
# state directory, no log, no cgroup, no process of the user), and leave
# the name free: a second run -d of it succeeds.  strace's counters are
# per process, so each injection names K's call by its path (-P) or by
# its ordinal among K's calls of that system call.
#
# For a running keeper (strace -p, K's pid from its info record): the
# log's writes failing with ENOSPC keep the container running, and the
# log says how many bytes were lost once writing works again; a failed
# accept4 loses neither the client nor the container.

load lib

bats_require_minimum_version 1.5.0

setup_file() {
	export KF_U KF_UID
	KF_U=kf$(ctl_tag)
	ctl_useradd "$KF_U"
	KF_UID=$(id -u "$KF_U")
	ctl_policy <<-EOF
	[default]
	images = busybox
	max_containers = 4
	memory = 256M
	pids = 64
	network = host
	EOF
	ctl_image_busybox
}

teardown_file() {
	ctl_userdel "$KF_U"
}

teardown() {
	local n
	for n in $(ctl_as "$KF_U" "$CTL_BIN" ps -a -q 2>/dev/null); do
		ctl_as "$KF_U" "$CTL_BIN" rm -f "$n" >/dev/null 2>&1 || true
	done
	# The small file system a test put over the logs.
	if [ -n "$CTL_ROOT" ] &&
	    [ "$(findmnt -n -o SOURCE "$CTL_ROOT/var/ctr-launch/logs" 2>/dev/null)" = ctl-kf-logs ]; then
		umount -l "$CTL_ROOT/var/ctr-launch/logs"
	fi
}

kf_state() { echo "$CTL_ROOT/run/ctr-launch/c/u$KF_UID/$1"; }
kf_log() { echo "$CTL_ROOT/var/ctr-launch/logs/u$KF_UID/$1.log"; }

# kf_run NAME STRACE-ARGS...: run -d --name NAME as the user under
# strace -f; sets $status and $output (stdout and stderr).
kf_run() {
	local n=$1
	shift
	run kf_exec "$n" "$@"
}

kf_exec() {
	local n=$1
	shift
	cd "/home/$KF_U" || return 1
	timeout -k 5 30 strace -f -qq -o "$BATS_TEST_TMPDIR/strace.log" -u "$KF_U" "$@" \
	    env -i PATH=/usr/bin:/bin HOME="/home/$KF_U" USER="$KF_U" \
	    "$CTL_BIN" run -d --name "$n" busybox sh -c 'while :; do sleep 1; done' 2>&1
}

# kf_nothing_left NAME: no state directory, log, cgroup or process.
kf_nothing_left() {
	local n=$1 left
	[ ! -e "$(kf_state "$n")" ] || { echo "state directory left: $(ls -la "$(kf_state "$n")")" >&2; return 1; }
	[ ! -e "$(kf_log "$n")" ] || { echo "log left" >&2; return 1; }
	ctl_wait_for kf_no_procs "$n" || { echo "processes left: $(pgrep -a -u "$KF_UID")" >&2; return 1; }
	left=$(kf_cgroups "$n")
	[ -z "$left" ] || { echo "cgroups left: $left" >&2; return 1; }
}

# kf_cgroups NAME: the container's cgroup directories (v1 or v2).
kf_cgroups() {
	find /sys/fs/cgroup -mindepth 3 -maxdepth 4 -type d \
	    -path "*/ctr-launch/u$KF_UID/$1" 2>/dev/null
}

# kf_no_procs NAME: no process of the user, no keeper of NAME (root).
kf_no_procs() {
	! pgrep -u "$KF_UID" >/dev/null &&
	    ! pgrep -f "^$CTL_BIN run -d --name $1 " >/dev/null || false
}

# kf_refused NAME REASON: the launch failed with exactly the one line
# "ctr-launch: REASON", the fault was injected, nothing is left, and the
# name is free again.
kf_refused() {
	local n=$1 reason=$2
	[ "$status" = 125 ] || { echo "status $status: $output" >&2; return 1; }
	[ "$output" = "ctr-launch: $reason" ] || { echo "output: $output" >&2; return 1; }
	grep -q '(INJECTED)' "$BATS_TEST_TMPDIR/strace.log" || { echo "nothing injected" >&2; return 1; }
	kf_nothing_left "$n" || return 1
	run ctl_as "$KF_U" "$CTL_BIN" run -d --name "$n" busybox true
	if [ "$status" != 0 ] || [ "$output" != "$n" ]; then
		echo "name not reusable: $status $output" >&2
		return 1
	fi
	ctl_as "$KF_U" "$CTL_BIN" rm -f "$n" >/dev/null
	kf_nothing_left "$n"
}

# kf_ordinal SYSCALL REGEX: K's ordinal of its first SYSCALL matching
# REGEX in a traced run -d (K: the process that makes that call).
kf_ordinal() {
	local log=$BATS_TEST_TMPDIR/ordinal.log n=kfo$RANDOM k
	(cd "/home/$KF_U" && strace -f -qq -o "$log" -u "$KF_U" -e trace="$1" \
	    env -i PATH=/usr/bin:/bin "$CTL_BIN" run -d --name "$n" busybox true >/dev/null 2>&1)
	ctl_as "$KF_U" "$CTL_BIN" rm -f "$n" >/dev/null 2>&1
	k=$(grep -E "$2" "$log" | head -1 | awk '{print $1}')
	[ -n "$k" ] || return 1
	awk -v k="$k" -v s="$1(" -v re="$2" '$1 == k && index($2, s) == 1 {n++; if ($0 ~ re) {print n; exit}}' "$log"
}

@test "keeper faults: the state directory's mkdirat" {
	kf_run kfa -P kfa -e trace=mkdirat -e inject=mkdirat:error=ENOSPC:when=1
	kf_refused kfa "container kfa: mkdir: No space left on device"
}

@test "keeper faults: the log's creation" {
	kf_run kfb -P kfb.log -e trace=openat -e inject=openat:error=ENOSPC:when=1
	kf_refused kfb "log of kfb: No space left on device"
}

@test "keeper faults: the info record's write, fsync and rename" {
	local tmp
	tmp=$(kf_state kfc)/info.tmp
	kf_run kfc -P "$tmp" -e trace=write -e inject=write:error=ENOSPC:when=1
	kf_refused kfc "container kfc: its record: No space left on device"
	kf_run kfc -P "$tmp" -e trace=fsync -e inject=fsync:error=EIO:when=1
	kf_refused kfc "container kfc: its record: Input/output error"
	kf_run kfc -P info.tmp -e trace=renameat,renameat2 -e inject=renameat,renameat2:error=EIO:when=1
	kf_refused kfc "container kfc: its record: Input/output error"
}

@test "keeper faults: the ctl socket's socket, bind and listen, and timerfd_create" {
	local n
	# P0 and K's syslog make socket calls too: K's ctl socket by its
	# ordinal.
	n=$(kf_ordinal socket 'SOCK_SEQPACKET')
	[ "$n" -gt 0 ]
	kf_run kfd -e trace=socket -e inject=socket:error=EMFILE:when="$n"
	kf_refused kfd "socket: Too many open files"
	n=$(kf_ordinal bind 'sun_path="/proc/self/fd/[0-9]+/ctl"')
	kf_run kfd -e trace=bind -e inject=bind:error=EADDRINUSE:when="$n"
	kf_refused kfd "ctl socket of kfd: Address already in use"
	n=$(kf_ordinal listen 'listen[(]')
	kf_run kfd -e trace=listen -e inject=listen:error=ENOBUFS:when="$n"
	kf_refused kfd "ctl socket of kfd: No buffer space available"
	n=$(kf_ordinal timerfd_create 'timerfd_create[(]')
	kf_run kfd -e trace=timerfd_create -e inject=timerfd_create:error=EMFILE:when="$n"
	kf_refused kfd "timerfd_create: Too many open files"
}

@test "keeper faults: the detach's dup3 onto stdio, before the caller is told" {
	local w
	# The container's init makes one dup3 of /dev/null (its stdin),
	# K three (stdin, stdout, stderr): the 2nd and 3rd are K's only.
	for w in 2 3; do
		kf_run kfe -P /dev/null -e trace=dup3 -e inject=dup3:error=EBUSY:when=$w
		kf_refused kfe "dup3: Device or resource busy" || return 1
		ctl_strace_has "$BATS_TEST_TMPDIR/strace.log" "dup3[(][0-9]+, $((w - 1)), 0[)].*INJECTED"
	done
}

# kf_keeper NAME: K's pid, from the info record it wrote.
kf_keeper() {
	sed -n 's/^keeper=//p' "$(kf_state "$1")/info"
}

# kf_trace PID STRACE-ARGS...: strace attached to PID in the background
# (KF_ST its pid), once attached.
kf_trace() {
	local pid=$1
	shift
	strace -qq -o "$BATS_TEST_TMPDIR/attached.log" -p "$pid" "$@" &
	KF_ST=$!
	ctl_wait_for grep -qE '^TracerPid:[[:space:]]+[1-9]' "/proc/$pid/status"
}

kf_untrace() {
	kill "$KF_ST" 2>/dev/null || true
	wait "$KF_ST" 2>/dev/null || true
}

kf_injected() { grep -q "(INJECTED)" "$BATS_TEST_TMPDIR/attached.log"; }
kf_log_has() { grep -q -- "$1" "$(kf_log "$2")"; }
kf_usr1_count() { [ "$(grep -c got-usr1 "$(kf_log kfk)")" = "$1" ]; }
kf_running() { ctl_as "$KF_U" "$CTL_BIN" ps -q | grep -qx "$1"; }
# kf_run_usr1 NAME: a detached container that logs each SIGUSR1 it gets.
kf_run_usr1() {
	run -0 ctl_as "$KF_U" "$CTL_BIN" run -d --name "$1" busybox sh -c \
	    'trap "echo got-usr1" USR1; while :; do sleep 1; done'
}

@test "keeper faults: the log's writes fail with ENOSPC: the container runs on, the log tells the loss" {
	local k last
	run -0 ctl_as "$KF_U" "$CTL_BIN" run -d --name kfl busybox sh -c \
	    'i=0; while :; do i=$((i + 1)); echo "line $i"; sleep 0.2; done'
	k=$(kf_keeper kfl)
	[ -n "$k" ]
	# What kf_nothing_left looks for exists while it runs.
	[ -n "$(kf_cgroups kfl)" ]
	[ -d "$(kf_state kfl)" ]
	ctl_wait_for kf_log_has 'line 2' kfl
	kf_trace "$k" -e trace=pwrite64 -e inject=pwrite64:error=ENOSPC
	# Some of its output meets the full file system.
	ctl_wait_for kf_injected
	last=$(grep -c '^line ' "$(kf_log kfl)")
	sleep 1
	kf_untrace
	# Nothing was written meanwhile; then writing resumes with the note.
	ctl_wait_for kf_log_has 'bytes of output lost: No space left on device' kfl
	grep -q "^line $((last + 1))\$" "$(kf_log kfl)" && { echo "a line written during the fault" >&2; return 1; }
	ctl_wait_for kf_log_has "^line $((last + 8))\$" kfl
	kf_running kfl
	[ "$(kf_keeper kfl)" = "$k" ]
	run -0 ctl_as "$KF_U" "$CTL_BIN" logs kfl
	grep -q 'bytes of output lost' <<<"$output"
	run -0 ctl_as "$KF_U" "$CTL_BIN" rm -f kfl
	kf_nothing_left kfl
}

@test "keeper faults: output while logs are stopped (less than 5% free) is counted in the log once they write again" {
	local d=$CTL_ROOT/var/ctr-launch/logs last
	[ -n "$CTL_ROOT" ] || skip "the installed package's own log directory"
	mount -t tmpfs -o size=1m,mode=0700 ctl-kf-logs "$d"
	run -0 ctl_as "$KF_U" "$CTL_BIN" run -d --name kfs busybox sh -c \
	    'i=0; while :; do i=$((i + 1)); echo "line $i"; sleep 0.1; done'
	ctl_wait_for kf_log_has 'line 2' kfs
	# Less than 5% free: the log stops, and says so.
	fallocate -l 1000k "$d/fill"
	ctl_wait_for kf_log_has 'log stopped: the file system has less than 5% free' kfs
	last=$(grep -c '^line ' "$(kf_log kfs)")
	sleep 1
	rm -f "$d/fill"
	# Writing again: the lines printed meanwhile are counted, not silently
	# missing.
	ctl_wait_for kf_log_has 'bytes of output lost: No space left on device' kfs
	ctl_wait_for kf_log_has "^line $((last + 15))\$" kfs
	run -0 ctl_as "$KF_U" "$CTL_BIN" rm -f kfs
	umount "$d"
}

@test "keeper faults: a failed accept4 loses neither the client nor the container" {
	local k err n=0
	kf_run_usr1 kfk
	k=$(kf_keeper kfk)
	[ -n "$k" ]
	for err in EMFILE ECONNABORTED ENOMEM; do
		kf_trace "$k" -e trace=accept4 -e inject=accept4:error=$err:when=1
		run ctl_as "$KF_U" timeout 20 "$CTL_BIN" kill -s USR1 kfk
		kf_untrace
		[ "$status" = 0 ] || { echo "$err: status $status: $output" >&2; return 1; }
		ctl_strace_has "$BATS_TEST_TMPDIR/attached.log" "accept4[(].*$err.*[(]INJECTED[)]"
		# The request reached the container.
		n=$((n + 1))
		ctl_wait_for kf_usr1_count "$n"
	done
	# The container is unharmed and served.
	kf_running kfk
	run -0 ctl_as "$KF_U" "$CTL_BIN" stop -t 1 kfk
	run -0 ctl_as "$KF_U" "$CTL_BIN" rm kfk
	kf_nothing_left kfk
}

@test "keeper faults: without PIDFD_GET_INFO the keeper knows the caller from /proc; unable to read it, it serves nobody" {
	local k
	kf_run_usr1 kfp
	k=$(kf_keeper kfp)
	[ -n "$k" ]
	# As on a kernel before 6.13: the caller's real uid from its status.
	kf_trace "$k" -e trace=ioctl -e inject=ioctl:error=ENOTTY
	run ctl_as "$KF_U" timeout 20 "$CTL_BIN" kill -s USR1 kfp
	kf_untrace
	[ "$status" = 0 ] || { echo "status $status: $output" >&2; return 1; }
	ctl_strace_has "$BATS_TEST_TMPDIR/attached.log" 'ioctl[(].*ENOTTY.*[(]INJECTED[)]'
	ctl_wait_for kf_log_has got-usr1 kfp
	# Neither answer: the client is refused, the container untouched.
	kf_trace "$k" -e trace=ioctl,openat -e inject=ioctl:error=ENOTTY \
	    -e inject=openat:error=EACCES
	run ctl_as "$KF_U" timeout 20 "$CTL_BIN" kill -s USR1 kfp
	kf_untrace
	[ "$status" = 125 ]
	[[ "$output" == *"container kfp: its keeper could not tell who asked, try again"* ]]
	ctl_strace_has "$BATS_TEST_TMPDIR/attached.log" 'openat[(].*EACCES.*[(]INJECTED[)]'
	# exec (its own request, with the caller's stdio) says so too, with
	# -t or without, and runs nothing.
	kf_trace "$k" -e trace=ioctl,openat -e inject=ioctl:error=ENOTTY \
	    -e inject=openat:error=EACCES
	run ctl_as "$KF_U" timeout 20 "$CTL_BIN" exec kfp touch /tmp/kf-ran
	[ "$status" = 125 ] && [[ "$output" == *"container kfp: its keeper could not tell who asked, try again"* ]] || { kf_untrace; echo "exec: $status $output" >&2; return 1; }
	run ctl_as "$KF_U" timeout 20 script -qec "$CTL_BIN exec -t kfp touch /tmp/kf-ran" /dev/null
	kf_untrace
	[ "$status" = 125 ] && [[ "$output" == *"container kfp: its keeper could not tell who asked, try again"* ]] || { echo "exec -t: $status $output" >&2; return 1; }
	run -0 ctl_as "$KF_U" "$CTL_BIN" exec kfp sh -c '[ ! -e /tmp/kf-ran ]'
	# ps lists it with its use unknown: CPU and MEMORY "-".
	kf_trace "$k" -e trace=ioctl,openat -e inject=ioctl:error=ENOTTY \
	    -e inject=openat:error=EACCES
	run -0 ctl_as "$KF_U" timeout 20 "$CTL_BIN" ps
	kf_untrace
	[ "$(awk '$1 == "kfp" {print $(NF - 1), $NF}' <<<"$output")" = "- -" ] || { echo "$output" >&2; return 1; }
	sleep 1.5
	[ "$(grep -c got-usr1 "$(kf_log kfp)")" = 1 ]
	kf_running kfp
	run -0 ctl_as "$KF_U" "$CTL_BIN" rm -f kfp
	kf_nothing_left kfp
}

# Before Linux 6.5 (no SO_PEERPIDFD) the caller comes from SO_PEERCRED's
# pid, a number taken at the connect: once that process is reaped another
# may hold it.  The keeper takes that pid only while the client's end is
# still open.  Here the client is killed after sending, its zombie kept
# unreaped (as if its pid had gone to another process): its request is
# served nobody.
@test "keeper faults: ps's CPU time from /proc unreadable: the column says \"-\", never 0; the memory still shows" {
	ctl_cpu_from_proc || skip "the CPU time comes from the cgroup here, not /proc"
	local k p args=()
	run -0 ctl_as "$KF_U" "$CTL_BIN" run -d --name kfc busybox sleep 1000
	k=$(kf_keeper kfc)
	[ -n "$k" ]
	# Every process of the container (the init and sleep, no other).
	for p in $(find $(kf_cgroups kfc | grep /pids/) -name cgroup.procs -exec cat {} +); do
		args+=(-P "/proc/$p/stat")
	done
	[ "${#args[@]}" -ge 4 ]
	kf_trace "$k" -e trace=openat -e inject=openat:error=EACCES "${args[@]}"
	run -0 ctl_as "$KF_U" timeout 20 "$CTL_BIN" ps
	kf_untrace
	echo "$output"
	kf_injected
	[ "$(awk '$1 == "kfc" {print $(NF - 1)}' <<<"$output")" = - ]
	[[ "$(awk '$1 == "kfc" {print $NF}' <<<"$output")" =~ ^[0-9.]+(B|KiB|MiB)$ ]]
	# Readable again: a time.
	run -0 ctl_as "$KF_U" "$CTL_BIN" ps
	[[ "$(awk '$1 == "kfc" {print $(NF - 1)}' <<<"$output")" =~ ^[0-9]+\.[0-9][0-9]s$ ]]
	run -0 ctl_as "$KF_U" "$CTL_BIN" rm -f kfc
	kf_nothing_left kfc
}

@test "keeper faults: without SO_PEERPIDFD the keeper knows the caller by pid only while its connection lives" {
	local k c
	kf_run_usr1 kfc
	k=$(kf_keeper kfc)
	[ -n "$k" ]
	# A live client, by SO_PEERCRED: served.
	kf_trace "$k" -e trace=getsockopt -e inject=getsockopt:error=ENOPROTOOPT:when=1
	run ctl_as "$KF_U" timeout 20 "$CTL_BIN" kill -s USR1 kfc
	kf_untrace
	[ "$status" = 0 ] || { echo "status $status: $output" >&2; return 1; }
	ctl_strace_has "$BATS_TEST_TMPDIR/attached.log" 'getsockopt[(].*ENOPROTOOPT.*[(]INJECTED[)]'
	grep -q 'SO_PEERCRED' "$BATS_TEST_TMPDIR/attached.log"
	ctl_wait_for kf_log_has got-usr1 kfc
	# The keeper slow to accept (3 s); meanwhile the client sends its
	# request and is killed, its parent (sleep) never reaping it.
	kf_trace "$k" -e trace=accept4,getsockopt,pidfd_open \
	    -e inject=accept4:delay_enter=3000000:when=1 \
	    -e inject=getsockopt:error=ENOPROTOOPT:when=1
	ctl_as "$KF_U" sh -c '"$1" kill -s USR1 kfc & sleep 1; kill -KILL $!; exec sleep 5' _ "$CTL_BIN" &
	c=$!
	sleep 4.5
	kf_untrace
	wait "$c" || true
	# The keeper found the zombie's pid but not its connection.
	grep -q 'pidfd_open(' "$BATS_TEST_TMPDIR/attached.log" || { cat "$BATS_TEST_TMPDIR/attached.log" >&2; return 1; }
	sleep 1.5
	[ "$(grep -c got-usr1 "$(kf_log kfc)")" = 1 ]
	kf_running kfc
	run -0 ctl_as "$KF_U" "$CTL_BIN" rm -f kfc
	kf_nothing_left kfc
}

# A keeper serves KEEPER_MAX_CLIENTS (32) clients at once, the last place
# root's: with 31 of the owner's followers connected, the owner's next
# command is told the keeper is busy (attach too: not "another client is
# attached"), and root is still served.
kf_busy() {
	run ctl_as "$KF_U" "$CTL_BIN" kill -s CONT kfb
	[ "$status" = 125 ] && [[ "$output" == *"container kfb: its keeper is busy, try again"* ]]
}

@test "keeper faults: a full keeper says it is busy; its last place is root's" {
	local i pids=()
	run -0 ctl_as "$KF_U" "$CTL_BIN" run -d -t --name kfb busybox sh -c 'while :; do sleep 1; done'
	for i in $(seq 31); do
		ctl_as "$KF_U" "$CTL_BIN" logs -f kfb >/dev/null 2>&1 &
		pids+=("$!")
	done
	ctl_wait_for kf_busy
	run ctl_as "$KF_U" script -qec "$CTL_BIN attach kfb" /dev/null
	[ "$status" = 125 ] || { echo "attach: $status $output" >&2; return 1; }
	[[ "$output" == *"its keeper is busy, try again"* ]]
	[[ "$output" != *"another client is attached"* ]]
	run "$CTL_BIN" kill --user "$KF_U" -s CONT kfb
	[ "$status" = 0 ] || { echo "root: $status $output" >&2; return 1; }
	pkill -KILL -f "^$CTL_BIN logs -f kfb\$" || true
	wait "${pids[@]}" 2>/dev/null || true
	# Room again for the owner.
	ctl_wait_for ctl_as "$KF_U" "$CTL_BIN" kill -s CONT kfb
	run -0 ctl_as "$KF_U" "$CTL_BIN" rm -f kfb
	kf_nothing_left kfb
}

@test "keeper faults: while accept4 keeps failing, the keeper rests instead of spinning" {
	local k calls
	run -0 ctl_as "$KF_U" "$CTL_BIN" run -d --name kfs busybox sh -c 'while :; do sleep 1; done'
	k=$(kf_keeper kfs)
	[ -n "$k" ]
	# Every accept4 fails for 2 s while a client waits: EMFILE leaves the
	# connection pending, so poll keeps reporting it.
	kf_trace "$k" -e trace=accept4 -e inject=accept4:error=EMFILE
	ctl_as "$KF_U" timeout 30 "$CTL_BIN" ps >/dev/null &
	local client=$!
	sleep 2
	kf_untrace
	calls=$(grep -c '^accept4(' "$BATS_TEST_TMPDIR/attached.log")
	echo "accept4 calls in 2 s: $calls"
	# ACCEPT_REST_MS (100 ms) between tries: about 20, never thousands.
	[ "$calls" -ge 2 ]
	[ "$calls" -le 60 ]
	# Once accept4 works again the waiting client is served.
	wait "$client"
	kf_running kfs
	run -0 ctl_as "$KF_U" "$CTL_BIN" rm -f kfs
	kf_nothing_left kfs
}

# An rm the user kills (the front keeps their real uid, so they may) at
# each of its unlinks of the record's files: what is left is either a
# record rm still finds or debris the next command sweeps; never a name
# that is taken while no command sees a container to remove.
@test "keeper faults: an rm killed at each unlink leaves the name to rm or to reuse, and no log" {
	local n at
	for at in 1 2 3 4 5 6; do
		n=kfr$at
		run ctl_as "$KF_U" "$CTL_BIN" run -d --name "$n" busybox true
		[ "$status" = 0 ]
		run ctl_as "$KF_U" "$CTL_BIN" wait "$n"
		[ "$output" = 0 ]
		run bash -c "cd /home/$KF_U && timeout -k 5 30 strace -f -qq -o '$BATS_TEST_TMPDIR/strace.log' \
		    -u '$KF_U' -e trace=unlinkat -e inject=unlinkat:signal=KILL:when=$at \
		    env -i PATH=/usr/bin:/bin '$CTL_BIN' rm '$n'"
		grep -q 'killed by SIGKILL' "$BATS_TEST_TMPDIR/strace.log" || { echo "rm not killed at $at" >&2; return 1; }
		# Either rm finds it still, or the name is free.
		ctl_as "$KF_U" "$CTL_BIN" rm "$n" >/dev/null 2>&1 || true
		run ctl_as "$KF_U" "$CTL_BIN" run -d --name "$n" busybox true
		[ "$status" = 0 ] || { echo "at $at: $output" >&2; return 1; }
		[ "$output" = "$n" ]
		run ctl_as "$KF_U" "$CTL_BIN" wait "$n"
		ctl_as "$KF_U" "$CTL_BIN" rm "$n"
		[ ! -e "$(kf_state "$n")" ] || { echo "at $at: state left: $(ls -A "$(kf_state "$n")")" >&2; return 1; }
		[ ! -e "$(kf_log "$n")" ] || { echo "at $at: log left" >&2; return 1; }
	done
}

# The record a command writes for a container whose keeper was killed is
# written whole (a temporary file renamed): a command killed while writing
# it leaves no empty record that keep_exited would never expire.
@test "keeper faults: the exit record of a killed keeper is written whole" {
	local n=kfx k
	run ctl_as "$KF_U" "$CTL_BIN" run -d --name "$n" busybox sh -c 'while :; do sleep 1; done'
	[ "$status" = 0 ]
	k=$(sed -n 's/^keeper=//p' "$(kf_state "$n")/info")
	[ -n "$k" ]
	kill -KILL "$k"
	ctl_wait_for kf_no_procs "$n"
	# The ps that writes the record is killed at its write.
	run bash -c "cd /home/$KF_U && timeout -k 5 30 strace -f -qq -o '$BATS_TEST_TMPDIR/strace.log' \
	    -u '$KF_U' -e trace=write -e inject=write:signal=KILL:when=1 \
	    env -i PATH=/usr/bin:/bin '$CTL_BIN' ps -a -q"
	[ ! -e "$(kf_state "$n")/exit" ] || [ -s "$(kf_state "$n")/exit" ]
	run ctl_as "$KF_U" "$CTL_BIN" ps -a
	[[ "$output" == *"Exited (unknown)"* ]]
	[ -s "$(kf_state "$n")/exit" ]
}

# ps makes the user's RUNDIR directory again to sweep the logs a reboot
# left (ctl.c, ctl_open_udir_swept): that mkdir failing ends ps with the
# reason, nothing made, the logs kept for the next ps, which sweeps them.
@test "keeper faults: ps cannot make the user's directory again after a reboot: the reason, the logs left to the next ps" {
	local udir=$CTL_ROOT/run/ctr-launch/c/u$KF_UID
	run -0 ctl_as "$KF_U" "$CTL_BIN" run -d --name kfr busybox true
	run -0 ctl_as "$KF_U" "$CTL_BIN" wait kfr
	ctl_wait_for kf_no_procs kfr
	rm -rf "$udir"
	[ -e "$(kf_log kfr)" ]
	cd "/home/$KF_U"
	run strace -f -qq -o "$BATS_TEST_TMPDIR/strace.log" -u "$KF_U" \
	    -e trace=mkdirat -e inject=mkdirat:error=ENOSPC:when=3 \
	    env -i PATH=/usr/bin:/bin HOME="/home/$KF_U" "$CTL_BIN" ps -a
	[ "$status" = 125 ] || { echo "status $status: $output" >&2; return 1; }
	grep -q '(INJECTED)' "$BATS_TEST_TMPDIR/strace.log"
	[ "$output" = "ctr-launch: u$KF_UID: mkdir: No space left on device" ] || { echo "$output" >&2; return 1; }
	[ ! -e "$udir" ]
	[ -e "$(kf_log kfr)" ]
	run -0 ctl_as "$KF_U" "$CTL_BIN" ps -a -q
	[ -z "$output" ]
	[ ! -e "$(kf_log kfr)" ]
	[ ! -e "$udir" ]
}
