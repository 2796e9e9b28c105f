#!/usr/bin/env bats
# Host transfers (helper/transfer.c) under injected faults: ctr-launch-shell
# run as sshd runs it (NAME -c 'scp -t DIR', the scp protocol fed on
# stdin) by a user with transfer = host, under strace -u USER (the setuid
# bit honoured, as in faultinject.bats), with each privileged call of the
# transfer's keeper and of the program's drop made to fail in turn.  For
# every injection the outcome is
#   - exit 125 with a one-line "ctr-launch:" reason (126 or 127 for the
#     program's own execve) and no file written, or
#   - the file written by the user's own uid (never root's), status 0, or
#     125 when the fault hit the teardown after the program, or
#   - the fault hit the program itself after its execve (strace's log
#     says so): whatever scp makes of it, never a root-owned file;
# and nothing is left: no process of the user or of the helper, no cgroup
# leaf under ctr-launch/u<uid>.

load lib

bats_require_minimum_version 1.5.0

TF_MAX=${TF_MAX:-12}

setup_file() {
	command -v strace >/dev/null || skip "strace is not installed"
	[ -x /usr/bin/scp ] || skip "scp is not installed"
	export TAG
	TAG=$(ctl_tag)
	export TU=tf$TAG
	export SHELLBIN=$CTL_ROOT/usr/bin/ctr-launch-shell
	ctl_useradd "$TU"
	export TUID
	TUID=$(id -u "$TU")
	export TF_DIR=/home/$TU/in
	install -d -o "$TU" -g "$TU" -m 0700 "$TF_DIR"
	ctl_image_busybox
	# Other launches on this host count against max_total_containers.
	ctl_policy <<-EOF
	[global]
	max_total_containers = 100000
	[default]
	images = busybox
	[user:$TU]
	login = yes
	login_image = busybox
	transfer = host
	memory = 256M
	pids = 32
	EOF
}

teardown_file() {
	[ -n "${TU:-}" ] && ctl_userdel "$TU"
	local d
	for d in /sys/fs/cgroup/*/ctr-launch/u"${TUID:-x}" /sys/fs/cgroup/ctr-launch/u"${TUID:-x}"; do
		if [ -d "$d" ]; then rmdir "$d" 2>/dev/null || true; fi
	done
}

# tf_run STRACE-ARGS...: one host transfer of the file f ("hello") into
# TF_DIR as TU under strace; sets $status, $output (stderr), TF_LOG.
tf_run() {
	TF_LOG=$BATS_TEST_TMPDIR/strace.log
	rm -f "$TF_DIR/f"
	run tf_exec "$@"
}

tf_exec() {
	cd "/home/$TU" || return 1
	# stderr is the output; stdout, the protocol's, goes to a file.
	{ printf 'C0644 6 f\nhello\n\0' | timeout -k 5 30 strace -f -qq -o "$TF_LOG" \
	    -u "$TU" "$@" env -i PATH=/usr/bin:/bin HOME="/home/$TU" USER="$TU" \
	    LOGNAME="$TU" "$SHELLBIN" -c "scp -t $TF_DIR" >"$BATS_TEST_TMPDIR/stdout"; } 2>&1
}

# tf_in_program: an injected failure hit the program after its execve.
# (strace -f splits a call another process interrupts: "execve(...
# <unfinished ...>", later "<... execve resumed>) = 0".)
tf_in_program() {
	awk '/execve\("\/usr\/bin\/scp"/ {if (/ = 0$/) ran[$1] = 1; else open[$1] = 1}
	    /<\.\.\. execve resumed>.* = 0$/ && open[$1] {ran[$1] = 1}
	    /\(INJECTED\)/ && ran[$1] {hit = 1} END {exit !hit}' "$TF_LOG"
}

# tf_outcome LABEL: classify the last transfer (counts in TF_REFUSED,
# TF_RAN, TF_LATE, TF_PROG); 1 with a message on a bad outcome.
tf_outcome() {
	local f=$TF_DIR/f
	if [ -e "$f" ] && [ "$(stat -c %u "$f")" != "$TUID" ]; then
		echo "$1: the file is owned by uid $(stat -c %u "$f"), not the caller's" >&2
		return 1
	fi
	if [ "$(find "$TF_DIR" -uid 0 | wc -l)" != 0 ]; then
		echo "$1: a root-owned file in the target: $(find "$TF_DIR" -uid 0)" >&2
		return 1
	fi
	if tf_in_program; then
		TF_PROG=$((TF_PROG + 1))
		return 0
	fi
	if [ -e "$f" ]; then
		[ "$(cat "$f")" = hello ] || { echo "$1: a partial file, status $status: $output" >&2; return 1; }
		case $status in
		0) TF_RAN=$((TF_RAN + 1)) ;;
		125) TF_LATE=$((TF_LATE + 1)) ;;
		*) echo "$1: the program ran, then status $status: $output" >&2; return 1 ;;
		esac
		return 0
	fi
	case $status in
	125) ;;
	126 | 127) [[ $1 == execve* ]] || { echo "$1: status $status: $output" >&2; return 1; } ;;
	*) echo "$1: status $status (want 125): $output" >&2; return 1 ;;
	esac
	grep -q '^ctr-launch: ' <<<"$output" || { echo "$1: no message: $output" >&2; return 1; }
	# One line of reason: nothing but ctr-launch's lines on stderr.
	! grep -v '^ctr-launch: ' <<<"$output" | grep -q . || { echo "$1: more than the reason: $output" >&2; return 1; }
	# Stdout is the protocol's: nothing of ours there.
	! tr -d '\0\1\2' <"$BATS_TEST_TMPDIR/stdout" | grep -v '^scp: ' | grep -q . || { echo "$1: stdout: $(cat -v "$BATS_TEST_TMPDIR/stdout")" >&2; return 1; }
	TF_REFUSED=$((TF_REFUSED + 1))
}

tf_left() {
	ps -e -o uid=,pid=,args= | awk -v u="$TUID" -v b="$SHELLBIN" '$1 == u || $3 == b'
	find /sys/fs/cgroup/*/ctr-launch/u"$TUID" /sys/fs/cgroup/ctr-launch/u"$TUID" \
	    -mindepth 1 -maxdepth 1 -type d 2>/dev/null
	return 0
}

# tf_clean LABEL: nothing of the transfer is left.
tf_clean() {
	local left
	for _ in $(seq 50); do
		left=$(tf_left)
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		echo "$1: left behind: $left" >&2
		return 1
	fi
	rm -f "$TF_DIR/f"
}

# tf_count SYSCALL: the most calls of SYSCALL one process of a transfer
# makes (the helper's, its program's).
tf_count() {
	tf_run -e trace="$1"
	[ "$status" = 0 ] || { echo "count $1: $status $output" >&2; return 1; }
	grep -v 'resumed>' "$TF_LOG" | awk -v s="$1" '$2 ~ "^" s "\\(" {n[$1]++} END {m = 0; for (p in n) if (n[p] > m) m = n[p]; print m}'
}

# tf_syscall SYSCALL [ERRNO]: ERRNO (EPERM) at each occurrence up to
# TF_MAX, then 4 samples beyond.
tf_syscall() {
	local sc=$1 err=${2:-EPERM} max n
	max=$(tf_count "$sc")
	tf_clean "count $sc" || return 1
	[ "$max" -gt 0 ] || skip "no $sc call in a host transfer"
	TF_REFUSED=0 TF_RAN=0 TF_LATE=0 TF_PROG=0
	for n in $(seq 1 "$((max < TF_MAX ? max : TF_MAX))") \
	    $([ "$max" -le "$TF_MAX" ] || seq "$((TF_MAX + (max - TF_MAX + 3) / 4))" "$(((max - TF_MAX + 3) / 4))" "$max"); do
		tf_run -e trace="$sc,execve" -e inject="$sc:error=$err:when=$n"
		tf_outcome "$sc:$err:when=$n" || return 1
		tf_clean "$sc:$err:when=$n" || return 1
	done
	echo "# $sc ($err): $max calls; refused $TF_REFUSED, ran $TF_RAN, late $TF_LATE, in the program $TF_PROG" >&3
}

# The per-user lock directory of the layout (cgroup.c): v2 the unified
# u<uid>, v1 the pids one.
tf_lockdir() {
	if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
		echo "/sys/fs/cgroup/ctr-launch/u$TUID"
	else
		echo "/sys/fs/cgroup/pids/ctr-launch/u$TUID"
	fi
}

# tf_has_open PID PATH: PID has PATH open.
tf_has_open() {
	local f
	for f in "/proc/$1/fd/"*; do
		[ "$(readlink "$f" 2>/dev/null)" = "$2" ] && return 0
	done
	return 1
}

# tf_attach_run STRACE-ARGS...: one transfer whose keeper is held at the
# caller's cgroup lock (taken here first) while strace attaches to it
# (-p, following its children): an injection counts only the calls made
# from there on, the program's drop among them, none of the keeper's own
# earlier drop (strace counts each process's calls on their own, so with
# strace from the start the keeper's first setgroups would always fail
# before the program's).  Sets $status, $output (stderr), TF_LOG.
tf_attach_run() {
	local lock k st
	TF_LOG=$BATS_TEST_TMPDIR/strace.log
	lock=$(tf_lockdir)
	rm -f "$TF_DIR/f" "$TF_LOG" "$BATS_TEST_TMPDIR/rc"
	mkdir -p "$lock"
	exec 8<"$lock"
	flock -x 8
	( rc=0
	cd "/home/$TU" && printf 'C0644 6 f\nhello\n\0' | env -i PATH=/usr/bin:/bin \
	    HOME="/home/$TU" USER="$TU" LOGNAME="$TU" setpriv --reuid="$TU" \
	    --regid="$TU" --init-groups -- "$SHELLBIN" -c "scp -t $TF_DIR" \
	    >"$BATS_TEST_TMPDIR/stdout" 2>"$BATS_TEST_TMPDIR/stderr" || rc=$?
	echo "$rc" >"$BATS_TEST_TMPDIR/rc" ) 8<&- &
	# The keeper, root in every id, once it has the lock directory open
	# (the lock loop follows at once).
	k=
	for _ in $(seq 200); do
		k=$(pgrep -U 0 -u 0 -xf "$SHELLBIN -c scp -t $TF_DIR") &&
		    tf_has_open "$k" "$lock" && break
		k=
		sleep 0.05
	done
	[ -n "$k" ] || { flock -u 8; exec 8<&-; wait; echo "no keeper at the lock" >&2; return 1; }
	local leafp=()
	if [ -n "${TF_LEAF_TASKS:-}" ]; then
		# The leaf is named before the lock (host-scp-XXXXXX, random):
		# read from the keeper's memory, its tasks file the path filter.
		TF_LEAF=$(tf_leaf_name "$k")
		[ -n "$TF_LEAF" ] || { flock -u 8; exec 8<&-; wait; echo "no leaf name in the keeper's memory" >&2; return 1; }
		# Its lock loop and scp's execve still show.
		leafp=(-P "/sys/fs/cgroup/$TF_LEAF_TASKS/ctr-launch/u$TUID/$TF_LEAF/tasks"
		    -P "$lock" -P /usr/bin/scp)
	fi
	strace -f -qq -o "$TF_LOG" -p "$k" "${leafp[@]}" "$@" 8<&- &
	st=$!
	# Attached once its sleeps show in the log.
	for _ in $(seq 100); do
		grep -qE 'nanosleep|flock' "$TF_LOG" 2>/dev/null && break
		sleep 0.05
	done
	flock -u 8
	exec 8<&-
	for _ in $(seq 600); do
		[ -s "$BATS_TEST_TMPDIR/rc" ] && break
		sleep 0.05
	done
	wait "$st" 2>/dev/null || true
	status=$(cat "$BATS_TEST_TMPDIR/rc" 2>/dev/null || echo none)
	output=$(cat "$BATS_TEST_TMPDIR/stderr")
	rmdir "$lock" 2>/dev/null || true
}

# tf_leaf_name PID: the transfer's leaf name (host-PROGRAM-XXXXXX) as it
# stands in the writable memory of the keeper PID.
tf_leaf_name() {
	python3 - "$1" <<-'PY'
	import re, sys
	pid = sys.argv[1]
	found = set()
	with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb") as mem:
	    for line in maps:
	        addr, perms = line.split()[:2]
	        if not perms.startswith("rw"):
	            continue
	        lo, hi = (int(x, 16) for x in addr.split("-"))
	        try:
	            mem.seek(lo)
	            found.update(re.findall(rb"host-scp-[0-9a-f]{6}(?=\0)", mem.read(hi - lo)))
	        except OSError:
	            pass
	if len(found) == 1:
	    print(found.pop().decode())
	PY
}

# tf_attach_syscall SYSCALL [ERRNO]: as tf_syscall, from the keeper's
# lock on (tf_attach_run).
tf_attach_syscall() {
	local sc=$1 err=${2:-EPERM} max n
	tf_attach_run -e trace="$sc,nanosleep,clock_nanosleep"
	[ "$status" = 0 ] || { echo "count $sc: $status $output" >&2; return 1; }
	max=$(grep -v 'resumed>' "$TF_LOG" | awk -v s="$sc" '$2 ~ "^" s "\\(" {n[$1]++} END {m = 0; for (p in n) if (n[p] > m) m = n[p]; print m}')
	tf_clean "count $sc" || return 1
	[ "$max" -gt 0 ] || skip "no $sc call in a host transfer's program"
	TF_REFUSED=0 TF_RAN=0 TF_LATE=0 TF_PROG=0
	for n in $(seq 1 "$((max < TF_MAX ? max : TF_MAX))"); do
		tf_attach_run -e trace="$sc,execve,nanosleep,clock_nanosleep" \
		    -e inject="$sc:error=$err:when=$n"
		tf_outcome "$sc:$err:when=$n (attached)" || return 1
		tf_clean "$sc:$err:when=$n (attached)" || return 1
	done
	echo "# $sc ($err), the program's side: $max calls; refused $TF_REFUSED, ran $TF_RAN, late $TF_LATE, in the program $TF_PROG" >&3
}

@test "transfer faults: without a fault the transfer runs as the caller, in a cgroup leaf, removed after" {
	tf_run -e trace=write -y
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$TF_DIR/f")" = hello ]
	[ "$(stat -c %u "$TF_DIR/f")" = "$TUID" ]
	# The keeper wrote the leaf's limits and placed the program.
	grep -qE "write\([0-9]+</sys/fs/cgroup/(pids/)?ctr-launch/u$TUID/host-scp-[0-9a-f]{6}/pids.max>, \"32\"" "$TF_LOG"
	grep -qE "write\([0-9]+</sys/fs/cgroup/(memory/)?ctr-launch/u$TUID/host-scp-[0-9a-f]{6}/(memory.limit_in_bytes|memory.max)>, \"268435456\"" "$TF_LOG"
	tf_clean "no fault"
}

@test "transfer faults: setgroups" { tf_syscall setgroups; }
@test "transfer faults: setresgid" { tf_syscall setresgid; }
@test "transfer faults: setresuid" { tf_syscall setresuid; }
@test "transfer faults: capset" { tf_syscall capset; }
@test "transfer faults: prctl" { tf_syscall prctl; }
@test "transfer faults: close_range" { tf_syscall close_range; }
# ENOSYS: the clone(2) fallback (namespaces.c), still placed.
@test "transfer faults: clone3 (EPERM, ENOSYS)" {
	tf_syscall clone3
	tf_syscall clone3 ENOSYS
}
@test "transfer faults: pipe2" { tf_syscall pipe2; }
@test "transfer faults: setpriority, sched_setscheduler, ioprio_set" {
	tf_syscall setpriority
	tf_syscall sched_setscheduler
	tf_syscall ioprio_set
}
# Every write of the keeper: the cgroup files (limits, totals, placement),
# oom_score_adj.
@test "transfer faults: write" { tf_syscall write; }

@test "transfer faults: the program's execve fails (missing, not executable, refused)" {
	local err
	TF_REFUSED=0 TF_RAN=0 TF_LATE=0 TF_PROG=0
	for err in ENOENT EACCES EPERM ENOMEM; do
		TF_LOG=$BATS_TEST_TMPDIR/strace.log
		rm -f "$TF_DIR/f"
		# 127 for a missing program, 126 otherwise (the exec's own
		# statuses, as for a container's payload).
		if [ "$err" = ENOENT ]; then
			run -127 tf_exec -P /usr/bin/scp -e trace=execve -e inject="execve:error=$err:when=1"
		else
			run -126 tf_exec -P /usr/bin/scp -e trace=execve -e inject="execve:error=$err:when=1"
		fi
		echo "$err: $status $output"
		tf_outcome "execve:$err" || return 1
		[ ! -e "$TF_DIR/f" ]
		[[ $output == "ctr-launch: /usr/bin/scp: "*"(transfer = host needs it on this host)" ]]
		tf_clean "execve:$err" || return 1
	done
}

# The program's side: its drop to the caller and what precedes its execve.
@test "transfer faults: the program's drop: setgroups, setresgid, setresuid" {
	tf_attach_syscall setgroups
	tf_attach_syscall setresgid
	tf_attach_syscall setresuid
}
@test "transfer faults: the program's drop: capset, prctl, close_range" {
	tf_attach_syscall capset
	tf_attach_syscall prctl
	tf_attach_syscall close_range
}
@test "transfer faults: the program's placement and start: write, read, chdir" {
	tf_attach_syscall write
	tf_attach_syscall read
	tf_attach_syscall chdir
}

# The program's process joins its v1 leaf itself, first thing (cgroup.c
# cgroup_join_open), while the keeper waits for its word: a join refused
# in any controller ends the transfer in 125 with that one line, scp never
# run, nothing written and nothing left.  Only the program writes the
# leaf's tasks file, the path filter.
@test "transfer faults: the program cannot join its v1 cgroup (one line, 125, nothing left)" {
	local c
	[ -d /sys/fs/cgroup/pids ] || skip "no cgroup v1 hierarchy"
	for c in memory cpu pids; do
		TF_LEAF_TASKS=$c tf_attach_run -e trace=write,execve,flock \
		    -e inject=write:error=EPERM:when=1
		ctl_strace_has "$TF_LOG" 'write[(].*[(]INJECTED[)]' || { echo "$c: no join write in $TF_LEAF: $(cat "$TF_LOG")" >&2; return 1; }
		! grep -q 'execve("/usr/bin/scp"' "$TF_LOG" || { echo "$c: scp ran" >&2; return 1; }
		[ ! -e "$TF_DIR/f" ]
		[ "$status" = 125 ] || { echo "$c: status $status: $output" >&2; return 1; }
		[ "$(grep -c '^ctr-launch: ' <<<"$output")" = 1 ] || { echo "$c: $output" >&2; return 1; }
		grep -q "^ctr-launch: cannot join the container's cgroup" <<<"$output" || { echo "$c: $output" >&2; return 1; }
		tf_clean "$c join" || return 1
	done
}
