#!/usr/bin/env bats
# Detached containers under attack (DESIGN section 10, ctr-launch(1)): hostile
# names, another uid reaching a container's keeper, state or log, exec into
# the host's namespaces, NSS planted in the image, the keeper's descriptors,
# and an exec'd process that would differ from the container's own.

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() { atk_teardown_file; }

# Every test ends with no detached container left (post.bash checks that
# nothing of the test users runs).
lc_rm_all() {
	local u n
	for u in "$ATK_A" "$ATK_B"; do
		for n in $(ctl_as "$u" "$CTL_BIN" ps -a -q 2>/dev/null); do
			ctl_as "$u" "$CTL_BIN" rm -f "$n" >/dev/null 2>&1 || true
		done
	done
}

teardown() {
	atk_pam_permit
	lc_rm_all
	atk_policy_default
	atk_sysctl_tmp_restore
	post_after
}

# atk_import TAG TARBALL: import as root; sets $status/$output.
atk_import() {
	run "$CTL_IMAGETOOL" import --quiet --name "$ATK_EVILIMG:$1" "$2"
}

lc_state() { echo "$CTL_ROOT/run/ctr-launch/c/u$(id -u "$1")"; }
lc_logs() { echo "$CTL_ROOT/var/ctr-launch/logs/u$(id -u "$1")"; }

LC_LOOP='while :; do sleep 1; done'

@test "hostile names (/, .., newline, 4 KiB, leading dot or dash, a prefix) are refused and touch nothing" {
	atk_need_helper
	local long n
	long=$(head -c 4096 /dev/zero | tr '\0' a)
	for n in "../x" "a/b" ".." "." $'a\nb' "$long" ".hidden" "-x" "a b" "a%2fb"; do
		atk_run "$ATK_A" run -d --name "$n" busybox true
		atk_refused
		for cmd in stop kill rm wait logs port; do
			atk_run "$ATK_A" "$cmd" -- "$n"
			atk_refused
		done
		atk_run "$ATK_A" exec -- "$n" true
		atk_refused
	done
	[ -z "$(ls -A "$(lc_state "$ATK_A")" 2>/dev/null)" ]
	# A name that is a prefix of another's never reaches it.
	atk_run "$ATK_A" run -d --name labx busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	atk_run "$ATK_A" stop lab
	atk_refused
	[[ "$output" == *"no such container: lab"* ]]
	atk_run "$ATK_A" ps
	[[ "$output" == *"labx "*"Up "* ]]
}

@test "another uid cannot reach a container: not its socket, state, log, nor through the helper" {
	atk_need_helper
	atk_run "$ATK_A" run -d --name lab busybox sh -c "echo $ATK_CANARY_TEXT; $LC_LOOP"
	[ "$status" = 0 ]
	atk_wait_for 50 grep -q "$ATK_CANARY_TEXT" "$(lc_logs "$ATK_A")/lab.log"
	# The socket, the records and the log are root's, 0700/0600.
	run ctl_as "$ATK_B" python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1])" "$(lc_state "$ATK_A")/lab/ctl"
	[ "$status" != 0 ]
	[[ "$output" == *PermissionError* ]]
	run ctl_as "$ATK_A" python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET); s.connect(sys.argv[1])" "$(lc_state "$ATK_A")/lab/ctl"
	[ "$status" != 0 ]
	run ctl_as "$ATK_B" cat "$(lc_logs "$ATK_A")/lab.log"
	[ "$status" != 0 ]
	run ctl_as "$ATK_A" cat "$(lc_logs "$ATK_A")/lab.log"
	[ "$status" != 0 ]
	run ctl_as "$ATK_B" cat "$(lc_state "$ATK_A")/lab/info"
	[ "$status" != 0 ]
	# Through the helper, B never finds A's lab, whatever B names.
	for cmd in "logs lab" "exec lab true" "port lab" "stop lab" "kill lab" "wait lab" "rm -f lab"; do
		# shellcheck disable=SC2086
		atk_run "$ATK_B" $cmd
		atk_refused
		atk_no_canary
	done
	atk_run "$ATK_B" ps -a --format json
	[[ "$output" != *'"lab"'* ]]
	atk_run "$ATK_A" ps
	[[ "$output" == *"lab "*"Up "* ]]
}

@test "CVE-2019-5736 class: an exec'd process has the container's namespaces, cgroup, ids, no capability and its filter, never the host's" {
	atk_need_helper
	local probe='for n in mnt pid net uts ipc cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done; grep -E "^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):" /proc/self/status; cat /proc/self/cgroup; echo "oom_score_adj $(cat /proc/self/oom_score_adj) nice $(cut -d" " -f19 /proc/self/stat)"; sed "s/^[0-9]* [0-9]* //" /proc/self/mountinfo'
	# Started with a raised oom_score_adj and nice, which the container
	# keeps (the keeper resets its own): an exec'd process gets the
	# container's, never the keeper's.
	run ctl_as "$ATK_A" sh -c 'echo 500 >/proc/self/oom_score_adj && exec nice -n 5 "$@"' sh \
	    "$CTL_BIN" run -d --name lab busybox sh -c "sh -c '$probe' >/tmp/main.txt; $LC_LOOP"
	[ "$status" = 0 ]
	atk_wait_for 50 ctl_as "$ATK_A" "$CTL_BIN" exec lab test -s /tmp/main.txt
	atk_run "$ATK_A" exec lab cat /tmp/main.txt
	[ "$status" = 0 ]
	main_out=$output
	# The same whatever fs.suid_dumpable says (the kernel sets a
	# dropping process's dumpable flag from it).
	for v in 0 2 1; do
		atk_sysctl_tmp fs.suid_dumpable "$v"
		atk_run "$ATK_A" exec lab sh -c "$probe"
		[ "$status" = 0 ]
		[ "$output" = "$main_out" ]
	done
	exec_out=$output
	# Not one namespace of the host's (the network is the host's by policy).
	for n in mnt pid uts ipc cgroup; do
		host=$(readlink "/proc/self/ns/$n")
		! grep -qx "$n $host" <<<"$exec_out" || false
	done
	grep -qE '^CapEff:[[:space:]]+0000000000000000$' <<<"$exec_out"
	grep -qE '^NoNewPrivs:[[:space:]]+1$' <<<"$exec_out"
	grep -qE '^Seccomp:[[:space:]]+2$' <<<"$exec_out"
	grep -qE "^Uid:[[:space:]]+$(id -u "$ATK_A")[[:space:]]+$(id -u "$ATK_A")[[:space:]]" <<<"$exec_out"
	grep -qx "oom_score_adj 500 nice 5" <<<"$exec_out"
	# It counts in the container's cgroup (pids).
	atk_run "$ATK_A" exec lab sh -c 'cat /sys/fs/cgroup/pids/pids.current 2>/dev/null || cat /sys/fs/cgroup/pids.current'
	[ "$status" = 0 ]
	[ "$output" -ge 3 ]
}

@test "CVE-2024-21626 class: no descriptor of the keeper reaches an exec'd process" {
	atk_need_helper
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	# ls's own directory descriptor is 3; nothing else beyond stdio,
	# whatever fs.suid_dumpable says.
	for v in 0 1; do
		atk_sysctl_tmp fs.suid_dumpable "$v"
		atk_run "$ATK_A" exec lab ls /proc/self/fd
		[ "$status" = 0 ]
		[ "$(echo "$output" | tr '\n' ' ')" = "0 1 2 3 " ]
	done
	# And nothing of the host's file system through /proc/self/cwd or root.
	atk_run "$ATK_A" exec lab sh -c 'readlink /proc/self/root; ls /proc/1/root/ | head -3'
	[ "$status" = 0 ]
	[ "${lines[0]}" = / ]
}

@test "CVE-2024-21626 class T1.3.4: exec -w never reaches a host directory through a descriptor's magic link" {
	atk_need_helper
	local n up=../../../../../../../..
	local cmd="cat $up$ATK_CANARY_ETC $up$ATK_CANARY_DIR/file; pwd"
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	# Named outright: refused as run's -w is.
	atk_run "$ATK_A" exec -w /proc/self/fd/0 lab true
	atk_refused
	[[ "$output" == *"-w /proc/self/fd/0: a working directory under /proc is refused"* ]]
	# A host directory as the caller's stdin or stderr never gets that
	# far.
	run ctl_as "$ATK_A" sh -c "\"\$0\" exec -i lab true <'$ATK_CANARY_DIR'" "$CTL_BIN"
	atk_refused
	[[ "$output" == *"standard input is a directory"* ]]
	run ctl_as "$ATK_A" sh -c "\"\$0\" exec lab touch /tmp/ran 2<'$ATK_CANARY_DIR'" "$CTL_BIN"
	[ "$status" = 125 ]
	# Through a symbolic link the caller made in the container, to every
	# descriptor number: the command's directory is inside the
	# container, or the exec is refused; exec -d's too.
	atk_run "$ATK_A" exec lab sh -c 'for n in 0 1 2 3 4 5 6 7 8 9 10 11 12; do ln -s /proc/self/fd/$n /tmp/fd$n; done'
	[ "$status" = 0 ]
	for n in 0 1 2 3 4 5 6 7 8 9 10 11 12; do
		atk_run "$ATK_A" exec -w "/tmp/fd$n" lab sh -c "$cmd"
		atk_no_canary
		[[ "$output" != *unreachable* ]]
		atk_run "$ATK_A" exec -d -w "/tmp/fd$n" lab sh -c "$cmd >/tmp/d$n"
		[ "$status" = 125 ]
		atk_run "$ATK_A" exec lab sh -c "cat /tmp/d$n"
		atk_no_canary
	done
	atk_run "$ATK_A" exec lab test -e /tmp/ran
	[ "$status" = 1 ]
}

# lc_sleeper USER SECONDS: the host pid of USER's `sleep SECONDS`.
lc_sleeper() {
	pgrep -u "$1" -f "^sleep $2\$" | head -1
}

@test "exec -d: the background command is confined as an exec'd one, holds nothing of the caller or the keeper, outlives the exec, and ends with the container" {
	atk_need_helper
	local probe='for n in mnt pid net uts ipc cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done; grep -E "^(Uid|Gid|Groups|CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp|Seccomp_filters):" /proc/self/status; cat /proc/self/cgroup'
	local pid parent
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	atk_run "$ATK_A" exec lab sh -c "$probe"
	[ "$status" = 0 ]
	fg_out=$output
	# The same confinement in the background (the caller's stderr is a
	# pipe here, as run's captures it).
	atk_run "$ATK_A" exec -d lab sh -c "{ $probe; } >/tmp/bg.txt; mv /tmp/bg.txt /tmp/bg.done"
	[ "$status" = 0 ]
	[ -z "$output" ]
	atk_wait_for 50 ctl_as "$ATK_A" "$CTL_BIN" exec lab test -e /tmp/bg.done
	atk_run "$ATK_A" exec lab cat /tmp/bg.done
	[ "$status" = 0 ]
	[ "$output" = "$fg_out" ]
	# A long one: alive once exec -d returned (nothing ties it to the
	# exec's processes), its stdio /dev/null and nothing else open (not
	# the caller's stderr, a file here, not a descriptor of the
	# keeper's), its parent the container's init (pid 1 of its
	# namespace).
	run ctl_as "$ATK_A" sh -c '"$0" exec -d lab sleep 1234 2>>"$HOME/err.txt"' "$CTL_BIN"
	[ "$status" = 0 ]
	atk_wait_for 50 test -n "$(lc_sleeper "$ATK_A" 1234)"
	sleep 0.5
	pid=$(lc_sleeper "$ATK_A" 1234)
	[ -n "$pid" ] && kill -0 "$pid"
	[ "$(ls /proc/"$pid"/fd | tr '\n' ' ')" = "0 1 2 " ]
	for fd in 0 1 2; do [ "$(readlink /proc/"$pid"/fd/$fd)" = /dev/null ]; done
	parent=$(awk '/^PPid:/ {print $2}' /proc/"$pid"/status)
	[ "$(awk '/^NSpid:/ {print $NF}' /proc/"$parent"/status)" = 1 ]
	# It ends with the container.
	atk_run "$ATK_A" stop -t 1 lab
	[ "$status" = 0 ]
	atk_wait_for 50 test ! -e /proc/"$pid"
}

# lc_traced PID: true once a tracer is attached to PID.
lc_traced() { ! grep -q '^TracerPid:[[:space:]]*0$' "/proc/$1/status"; }

@test "CVE-2016-8659 class: held in the middle of its drop, an exec's command process is never readable by the caller, even with suid_dumpable=1" {
	atk_need_helper
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	local k v u out tracer
	k=$(atk_keeper_pid lab)
	[ -n "$k" ]
	u=$(atk_uid "$ATK_A")
	for v in 1 0; do
		atk_sysctl_tmp fs.suid_dumpable "$v"
		out=$BATS_TEST_TMPDIR/held.$v
		: >"$out"
		# Each setresuid of the exec's processes held 1.5 s after it
		# returns; the exec runs meanwhile in the background.
		strace -f -qq -o /dev/null -p "$k" -e trace=setresuid \
		    -e inject=setresuid:delay_exit=1500000 &
		tracer=$!
		atk_wait_for 100 lc_traced "$k"
		ctl_as "$ATK_A" "$CTL_BIN" exec lab true </dev/null >/dev/null 2>&1 &
		local ex=$!
		atk_probe_held "$ATK_A" "$ex" "$out"
		wait "$ex"
		kill "$tracer"
		wait "$tracer" || true
		grep -q "^0 $u 0 " "$out" || { cat "$out" >&2; return 1; }
		grep -q "^$u $u $u " "$out" || { cat "$out" >&2; return 1; }
		! grep -q READ "$out" || { echo "suid_dumpable=$v" >&2; cat "$out" >&2; return 1; }
	done
}

@test "a container's process named like /proc/PID/stat's fields neither hides nor inflates its CPU time in ps" {
	atk_need_helper
	ctl_cpu_from_proc || skip "the CPU time comes from the cgroup here, not /proc"
	local cpu
	# The shell reaps its CPU-burning child, then takes a name that would
	# shift every field after it for a reader stopping at the first ')'.
	atk_run "$ATK_A" run -d --name lab busybox sh -c \
	    '(i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done); printf "x) R 9 9 9 9 9" >/proc/$$/comm; echo burned; while :; do sleep 1; done'
	[ "$status" = 0 ]
	for _ in $(seq 300); do
		ctl_as "$ATK_A" "$CTL_BIN" logs lab 2>/dev/null | grep -q burned && break
		sleep 0.1
	done
	grep -qx 'x) R 9 9 9 9 9' /proc/[0-9]*/comm 2>/dev/null
	atk_run "$ATK_A" ps
	[ "$status" = 0 ]
	echo "$output"
	cpu=$(awk '$1 == "lab" {print $(NF - 1)}' <<<"$output")
	[[ $cpu =~ ^[0-9]+\.[0-9][0-9]s$ ]]
	awk -v c="${cpu%s}" 'BEGIN { exit !(c >= 0.05 && c < 100) }'
}

@test "CVE-2025-32463 class: an image's nsswitch.conf and libnss are never loaded by exec while privileged" {
	atk_need_helper
	local d=$BATS_TEST_TMPDIR/nss
	ctl_rootfs "$d"
	mkdir -p "$d/lib/x86_64-linux-gnu" "$d/usr/lib/x86_64-linux-gnu"
	printf 'passwd: evil files\ngroup: evil files\ninitgroups: evil\n' >"$d/etc/nsswitch.conf"
	cp "$ATK_BIN/evil.so" "$d/lib/x86_64-linux-gnu/libnss_evil.so.2"
	cp "$ATK_BIN/evil.so" "$d/usr/lib/x86_64-linux-gnu/libnss_evil.so.2"
	echo /lib/x86_64-linux-gnu/libnss_evil.so.2 >"$d/etc/ld.so.preload"
	tar -C "$d" -cf "$d.tar" .
	atk_import nsx "$d.tar"
	[ "$status" = 0 ]
	atk_run "$ATK_A" run -d --name lab "$ATK_EVILIMG:nsx" sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	[[ "$output" != *"ctl-evil loaded"* ]]
	atk_run "$ATK_A" exec -e LD_PRELOAD=/lib/x86_64-linux-gnu/libnss_evil.so.2 lab id
	[ "$status" = 0 ]
	[ ! -e "$ATK_EVILMARK" ]
	[[ "$output" != *"ctl-evil loaded"* ]]
	run ctl_as "$ATK_A" script -qec "$CTL_BIN exec -t lab id" /dev/null
	[ "$status" = 0 ]
	[[ "$output" != *"ctl-evil loaded"* ]]
	# The container's own setup wrote its messages to the log.
	atk_run "$ATK_A" logs lab
	[ "$status" = 0 ]
	[[ "$output" != *"ctl-evil loaded"* ]]
	# Inside (the mark's path seen from the container) neither.
	atk_run "$ATK_A" exec lab cat "$ATK_EVILMARK"
	[ "$status" != 0 ]
}

# kexec.c: after setns of the container's mount namespace nothing is
# looked up in the container's files while privileged.  strace follows the
# keeper through an exec (-t too): a process that has called setns, or
# first appears after one (C2, cloned by C1 inside), opens no path before
# its final setresuid to the caller; after that its opens are the
# caller's.
@test "exec: no path is opened in the container by a privileged process (after setns, before the drop)" {
	atk_need_helper
	local k st log=$BATS_TEST_TMPDIR/exec.log uid
	uid=$(id -u "$ATK_A")
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	k=$(atk_keeper_pid lab)
	[ -n "$k" ]
	strace -f -qq -o "$log" -p "$k" \
	    -e trace=open,openat,openat2,setns,setresuid,execve,clone,clone3 &
	st=$!
	ctl_wait_for grep -qE '^TracerPid:[[:space:]]+[1-9]' "/proc/$k/status"
	atk_run "$ATK_A" exec lab cat /proc/self/status
	[ "$status" = 0 ]
	run ctl_as "$ATK_A" script -qec "$CTL_BIN exec -t lab true" /dev/null
	[ "$status" = 0 ]
	kill "$st"
	wait "$st" 2>/dev/null || true
	grep -q 'setns(' "$log"
	# Inside: a process after its setns, and every process it cloned
	# after that (first pass); dropped: after its setresuid to the
	# caller's uid (second pass, in order).
	run awk -v u="$uid" '
	    NR == FNR {
		if ($2 ~ /^setns\(/ && $0 ~ /= 0$/ && !($1 in ns)) ns[$1] = FNR
		if (($1 in ns) && FNR > ns[$1] && $0 ~ /clone/ && $NF ~ /^[0-9]+$/ && $(NF - 1) == "=")
			kid[$NF] = 1
		next
	    }
	    { p = $1 }
	    $2 ~ "^setresuid\\(" u "," { down[p] = 1 }
	    $2 ~ /^(open|openat|openat2)\(/ && !down[p] &&
		(kid[p] || ((p in ns) && FNR > ns[p])) { print; bad = 1 }
	    END { exit bad }' "$log" "$log"
	[ "$status" = 0 ] || { echo "opened while privileged inside: $output" >&2; return 1; }
	# The command's own opens are there, after the drop.
	grep -q 'openat(.*"/proc/self/status"' "$log"
}

@test "the caller holding a container's output open (its pty's slave) past its end neither keeps its keeper busy nor holds up its teardown" {
	atk_need_helper
	local k p
	atk_run "$ATK_A" run -d -t --name held busybox sh -c 'sleep 3; echo last'
	[ "$status" = 0 ]
	k=$(sed -n 's/^keeper=//p' "$(lc_state "$ATK_A")/held/info")
	[ -n "$k" ]
	atk_wait_for 50 pgrep -u "$(atk_uid "$ATK_A")" -x sleep
	p=$(pgrep -u "$(atk_uid "$ATK_A")" -x sleep)
	# The caller reopens the pty's slave through the container's sleep,
	# a process of theirs, and keeps writing to it after the container
	# ends (a descriptor passed out over a socket does the same).
	ctl_as "$ATK_A" timeout 30 bash -c '
	    exec 3<>"/proc/$1/fd/0" || exit 1
	    while echo x >&3; do sleep 0.2; done' _ "$p" 2>/dev/null &
	# The container ends: its keeper records the end, tears down and
	# exits (it used to read the pty for ever, at full CPU, its end and
	# the PAM session's close never coming).
	atk_wait_for 100 bash -c "! kill -0 $k 2>/dev/null"
	atk_run "$ATK_A" ps -a
	[[ "$output" == *"held "*"Exited (0)"* ]]
	atk_run "$ATK_A" logs held
	[[ "$output" == *last* ]]
	# The holder's writes fail once the keeper has closed the master.
	atk_wait_for 100 bash -c "! pgrep -u $(atk_uid "$ATK_A") -x timeout >/dev/null"
}

@test "logs to a terminal escapes C0 and C1 controls, raw or as UTF-8, and passes UTF-8 text; --raw passes everything" {
	atk_need_helper
	local out
	atk_run "$ATK_A" run -d --name lab busybox sh -c \
	    "printf 'A\033[2JB\302\2332JC\233D\303\251E\342\202\254F\302\235X\n'; $LC_LOOP"
	[ "$status" = 0 ]
	atk_wait_for 50 grep -q X "$(lc_logs "$ATK_A")/lab.log"
	# Root's terminal, as an administrator reads a user's log.
	out=$BATS_TEST_TMPDIR/logs.out
	script -qec "$CTL_BIN logs --user $ATK_A lab" "$out" >/dev/null
	# No ESC, no CSI (0x9b) nor OSC (0x9d), raw or encoded, reaches it.
	! LC_ALL=C grep -q $'\x1b' "$out" || false
	! LC_ALL=C grep -q $'\x9b' "$out" || false
	! LC_ALL=C grep -q $'\x9d' "$out" || false
	LC_ALL=C grep -qF 'A\x1b[2JB\xc2\x9b2JC\x9bD' "$out"
	LC_ALL=C grep -qF $'D\xc3\xa9E\xe2\x82\xacF\\xc2\\x9dX' "$out"
	# --raw gives the bytes as written.
	script -qec "$CTL_BIN logs --raw --user $ATK_A lab" "$out" >/dev/null
	LC_ALL=C grep -qF $'A\x1b[2JB\xc2\x9b2JC\x9bD' "$out"
}

@test "port prints a record's control bytes escaped, never as they are" {
	atk_need_helper
	local info
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	# A record's value is percent-encoded: forged (as root) to decode to
	# an escape sequence.
	info=$(lc_state "$ATK_A")/lab/info
	sed -i '/^ports=/d' "$info"
	echo 'ports=127.0.0.1:8801->8888/tcp%1B[2J' >>"$info"
	atk_run "$ATK_A" port lab
	[ "$status" = 0 ]
	! LC_ALL=C grep -q $'\x1b' <<<"$output" || false
	[ "$output" = '8888/tcp\x1b[2J -> 127.0.0.1:8801' ]
}

@test "exec into a container that has ended fails cleanly (125), and allow_exec = no refuses it" {
	atk_need_helper
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	atk_run "$ATK_A" stop -t 1 lab
	atk_run "$ATK_A" exec lab true
	atk_refused
	[[ "$output" == *"not running"* ]]
	atk_run "$ATK_A" rm lab
	{ atk_policy_default_text; echo "allow_exec = no"; } | ctl_policy
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	atk_run "$ATK_A" exec lab true
	atk_refused
	[[ "$output" == *"allow_exec = no"* ]]
}

@test "a user denied after run -d can no longer exec, and the admin can still stop it" {
	atk_need_helper
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	{ atk_policy_default_text; printf '[user:%s]\ndeny = yes\n' "$ATK_A"; } | ctl_policy
	atk_run "$ATK_A" exec lab true
	atk_refused
	[[ "$output" == *denied* ]]
	run "$CTL_BIN" stop --user "$ATK_A" lab
	[ "$status" = 0 ]
	run "$CTL_BIN" rm --user "$ATK_A" lab
	[ "$status" = 0 ]
}

@test "PAM's account check runs again for every exec and attach" {
	atk_need_helper
	atk_run "$ATK_A" run -d -t --name lab busybox sh
	[ "$status" = 0 ]
	printf 'account required pam_deny.so\nsession required pam_permit.so\n' \
	    >"$CTL_PAMD/ctr-launch"
	atk_run "$ATK_A" exec lab sh -c 'echo ran >/tmp/ran'
	atk_refused
	[[ "$output" == *"refused by PAM (account)"* ]]
	atk_run "$ATK_A" attach lab
	atk_refused
	[[ "$output" == *"refused by PAM (account)"* ]]
	atk_pam_permit
	atk_run "$ATK_A" exec lab true
	[ "$status" = 0 ]
	# Nothing of the refused exec ran.
	atk_run "$ATK_A" exec lab test -e /tmp/ran
	[ "$status" = 1 ]
}

@test "exec's account check sees the exec caller's terminal as PAM_TTY, not the run's" {
	atk_need_helper
	local log=$BATS_TEST_TMPDIR/pamtty.log
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP" </dev/null
	[ "$status" = 0 ]
	printf '#!/bin/sh\necho "$PAM_TYPE user=$PAM_USER ruser=$PAM_RUSER tty=$PAM_TTY" >>%s\n' \
	    "$log" >"$BATS_TEST_TMPDIR/pamtty.sh"
	chmod 0755 "$BATS_TEST_TMPDIR/pamtty.sh"
	printf 'account required pam_exec.so %s\naccount required pam_permit.so\nsession required pam_permit.so\n' \
	    "$BATS_TEST_TMPDIR/pamtty.sh" >"$CTL_PAMD/ctr-launch"
	# From a terminal: that terminal (the run had none).
	run ctl_as "$ATK_A" script -qec "$CTL_BIN exec lab true" /dev/null
	[ "$status" = 0 ]
	cat "$log"
	[ "$(wc -l <"$log")" = 1 ]
	grep -Eq "^account user=$ATK_A ruser=$ATK_A tty=/dev/pts/[0-9]+\$" "$log"
	# Without one: none.
	: >"$log"
	atk_run "$ATK_A" exec lab true </dev/null
	[ "$status" = 0 ]
	grep -qx "account user=$ATK_A ruser=$ATK_A tty=" "$log"
}

@test "exec into a keeper whose record predates its own account check: the launcher checks" {
	atk_need_helper
	local info
	atk_run "$ATK_A" run -d --name lab busybox sh -c "$LC_LOOP"
	[ "$status" = 0 ]
	info=$(lc_state "$ATK_A")/lab/info
	grep -qx 'exec_account=1' "$info"
	# The record of a keeper that predates the key (an older ctr-launch,
	# still running after an upgrade): the launcher checks, and sends
	# that keeper's payload, which this keeper refuses.
	sed -i '/^exec_account=/d' "$info"
	printf 'account required pam_deny.so\nsession required pam_permit.so\n' \
	    >"$CTL_PAMD/ctr-launch"
	atk_run "$ATK_A" exec lab true
	atk_refused
	[[ "$output" == *"refused by PAM (account)"* ]]
	atk_pam_permit
	atk_run "$ATK_A" exec lab true
	atk_refused
	[[ "$output" != *"refused by PAM"* ]]
}
