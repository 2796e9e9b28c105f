#!/usr/bin/env bats
# Attack classes 1.1-1.7 of the catalog: the setuid process's hygiene at
# startup (environment and loader variables, argv and argc == 0, inherited
# fds and closed stdio, rlimits, signals, ptrace, core dumps).
# Every test runs as throwaway users; post.bash checks the host after each.

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() { atk_teardown_file; }

@test "CVE-2021-4034 (PwnKit) T1.1.5: argc == 0 with GCONV_PATH/CHARSET is refused, nothing loaded" {
	atk_need_helper
	ctl_as "$ATK_A" sh -c "mkdir -p '$ATK_BIN/gconv' && cp '$ATK_BIN/evil.so' '$ATK_BIN/gconv/evil.so' && \
	    printf 'module EVIL// INTERNAL evil 1\nmodule INTERNAL EVIL// evil 1\n' >'$ATK_BIN/gconv/gconv-modules'"
	run ctl_as "$ATK_A" "$ATK_BIN/exec0" "$CTL_BIN" \
	    "GCONV_PATH=$ATK_BIN/gconv" CHARSET=EVIL LANG=xx_XX.EVIL \
	    "LD_PRELOAD=$ATK_BIN/evil.so" "PATH=GCONV_PATH=." SHELL=/nonexistent
	atk_refused
	[ ! -e "$ATK_EVILMARK" ]
}

@test "CVE-2023-4911 (Looney Tunables), CVE-2010-3847 (LD_AUDIT) T1.1.1: loader and libc variables reach neither the helper nor the payload" {
	atk_need_helper
	run ctl_as "$ATK_A" env \
	    "LD_PRELOAD=$ATK_BIN/evil.so" "LD_LIBRARY_PATH=$ATK_BIN" \
	    "LD_AUDIT=$ATK_BIN/evil.so" \
	    "GLIBC_TUNABLES=glibc.malloc.mxfast=glibc.malloc.mxfast=A" \
	    "GCONV_PATH=$ATK_BIN" "LOCPATH=$ATK_BIN" "NLSPATH=$ATK_BIN/%N" \
	    "HOSTALIASES=$ATK_CANARY_ETC" RES_OPTIONS=debug MALLOC_CHECK_=3 \
	    TMPDIR=/etc BASH_ENV=/etc/passwd ENV=/etc/passwd "IFS=/" \
	    SHELLOPTS=xtrace PS4='$(id)' CTR_LAUNCH_POLICY=/dev/null \
	    "$CTL_BIN" run busybox env
	[ "$status" = 0 ]
	if grep -E '^(LD_|GLIBC_TUNABLES|GCONV_PATH|LOCPATH|NLSPATH|HOSTALIASES|RES_OPTIONS|MALLOC_|TMPDIR|BASH_ENV|ENV|IFS|SHELLOPTS|PS4|CTR_LAUNCH)' <<<"$output"; then
		echo "a hostile variable reached the payload" >&2
		return 1
	fi
	[ ! -e "$ATK_EVILMARK" ]
}

@test "pkexec/lppasswd identity from the environment T1.1.2: USER, HOME, LOGNAME come from the kernel" {
	atk_need_helper
	run ctl_as "$ATK_A" env USER=root HOME=/root LOGNAME=root SHELL=/bin/evil \
	    "$CTL_BIN" run busybox sh -c 'echo "$USER $LOGNAME $HOME"; id -u'
	[ "$status" = 0 ]
	[ "${lines[0]}" = "$ATK_A $ATK_A /home/$ATK_A" ]
	[ "${lines[1]}" = "$(id -u "$ATK_A")" ]
}

@test "CVE-2014-0475 (glibc locale traversal) T1.1.3: a LANG naming a path is inert data" {
	atk_need_helper
	run ctl_as "$ATK_A" env "LANG=../../../../$ATK_BIN/gconv" \
	    "LC_ALL=../../../../$ATK_BIN" "$CTL_BIN" run busybox true
	[ "$status" = 0 ]
	[ ! -e "$ATK_EVILMARK" ]
}

@test "CVE-2021-3156-class option confusion T1.2.1: options after IMAGE belong to the command" {
	atk_need_helper
	atk_run "$ATK_A" run busybox echo -v /etc:/x --privileged -e LD_PRELOAD=x -- --rm
	[ "$status" = 0 ]
	[ "$output" = "-v /etc:/x --privileged -e LD_PRELOAD=x -- --rm" ]
}

@test "T1.2: unknown options and malformed names are refused before anything happens" {
	atk_need_helper
	for args in "--privileged busybox true" "--cap-add ALL busybox true" \
	    "--name ../../u0/x busybox true" "--name a/b busybox true" \
	    "--hostname a;id busybox true" "--name $(printf 'x%.0s' {1..300}) busybox true" \
	    "-v relative:/x busybox true" "-v /etc busybox true" \
	    "--network container:x busybox true" "--entrypoint= busybox"; do
		# shellcheck disable=SC2086
		atk_run "$ATK_A" run $args
		atk_refused
	done
}

@test "CVE-2019-14287 (sudo -u#-1) T1.2.2: malformed numbers in limits are refused" {
	atk_need_opt --pids-limit
	for args in "--pids-limit -1" "--pids-limit 4294967296" "--pids-limit 0x10" \
	    "--pids-limit 1e3" "--memory -1" "--memory 99999999999999999999999" \
	    "--memory 1Q" "--cpus nan" "--cpus 1e999" "--cpus -0.5" "--cpus ''"; do
		# shellcheck disable=SC2086
		atk_run "$ATK_A" run $args busybox true
		atk_refused
	done
}

@test "T1.2.4: a very long argument list is run or refused cleanly" {
	atk_need_helper
	local long
	long=$(head -c 60000 /dev/zero | tr '\0' a)
	atk_run "$ATK_A" run busybox sh -c 'echo ${#1}' sh "$long"
	[ "$status" = 0 ] && [ "$output" = 60000 ] || atk_refused
	atk_run "$ATK_A" run "$long" true
	atk_refused
}

@test "CVE-2024-21626 (runc leaky vessels) T1.3.2: no inherited or helper fd reaches the container" {
	atk_need_helper
	run ctl_as "$ATK_A" sh -c "exec 7<\"$ATK_BIN/probe\" 8<. 9<>/dev/null; \
	    \"$CTL_BIN\" run busybox sh -c 'ls /proc/\$\$/fd; true'"
	[ "$status" = 0 ]
	[ "$(echo $output)" = "0 1 2" ]
}

@test "CVE-2024-21626 (runc leaky vessels) T1.3.4: -w /proc/self/fd/N never reaches a host directory" {
	atk_need_helper
	local n
	for n in 3 4 5 6 7 8 9 10 11 12; do
		atk_run "$ATK_A" run -w "/proc/self/fd/$n" busybox sh -c \
		    "cat ../../../../../../../..$ATK_CANARY_ETC ../../../../../../../..$ATK_CANARY_DIR/file"
		atk_no_canary
	done
	atk_run "$ATK_A" run -w /proc/1/cwd busybox sh -c \
	    "cat ../../../../../../..$ATK_CANARY_ETC"
	atk_no_canary
}

@test "T1.3.1: with stdio closed no privileged file becomes fd 0-2" {
	atk_need_helper
	run ctl_as "$ATK_A" sh -c "\"$CTL_BIN\" run busybox sh -c 'echo OUT-$ATK_TAG; echo ERR-$ATK_TAG >&2' <&- >&- 2>&-; echo rc=\$?"
	[[ "$output" == *rc=* ]]
	run ctl_as "$ATK_A" sh -c "\"$CTL_BIN\" run --no-such-option busybox true <&- >&- 2>&-; echo rc=\$?"
	[ "$output" = rc=125 ]
	run grep -rlsF -e "OUT-$ATK_TAG" -e "ERR-$ATK_TAG" -e "ctr-launch:" \
	    "$CTL_ROOT/etc" "$CTL_ROOT/run" "$CTL_ROOT/var"
	[ "$output" = "" ]
}

@test "T1.3.3: a thousand inherited descriptors are closed" {
	atk_need_helper
	run ctl_as "$ATK_A" bash -c "ulimit -n 2048; for i in \$(seq 10 1000); do eval \"exec \$i</dev/null\"; done; \
	    \"$CTL_BIN\" run busybox sh -c 'ls /proc/\$\$/fd; true'"
	[ "$status" = 0 ]
	[ "$(echo $output)" = "0 1 2" ]
}

@test "T1.4.2: the caller's RLIMIT_FSIZE cannot kill a privileged step; the payload still gets it" {
	atk_need_helper
	# A soft limit: the helper lifts it for itself, the payload gets it.
	run ctl_as "$ATK_A" sh -c "ulimit -S -f 0; \"$CTL_BIN\" run busybox sh -c 'ulimit -f'"
	[ "$status" = 0 ]
	[ "$output" = 0 ]
	# A hard limit: the same, or a clean refusal.
	run ctl_as "$ATK_A" sh -c "ulimit -f 0; \"$CTL_BIN\" run busybox sh -c 'ulimit -f'"
	[ "$status" = 0 ] && [ "$output" = 0 ] || atk_refused
	run ctl_as "$ATK_A" sh -c "ulimit -S -t 1; \"$CTL_BIN\" run busybox sh -c 'ulimit -t'"
	[ "$status" = 0 ]
	[ "$output" = 1 ]
}

@test "T1.4.2: RLIMIT_NOFILE 5 and RLIMIT_NPROC 1 end in success or a clean refusal" {
	atk_need_helper
	# (With fewer than 7 the dynamic loader itself fails, exit 127,
	# before any of the helper's code runs.)
	run ctl_as "$ATK_A" bash -c "exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; ulimit -n 7; \"$CTL_BIN\" run busybox true"
	[ "$status" = 0 ] || atk_refused
	run ctl_as "$ATK_A" sh -c "ulimit -u 1; \"$CTL_BIN\" run busybox true"
	[ "$status" = 0 ] || atk_refused
}

@test "T1.4.1: umask 000 does not make anything the helper creates writable" {
	atk_need_helper
	run ctl_as "$ATK_A" sh -c "umask 000; \"$CTL_BIN\" run busybox sh -c 'umask'"
	[ "$status" = 0 ]
	[ "$output" = 0000 ] || [ "$output" = 000 ]
	run find "$CTL_ROOT/run" "$CTL_ROOT/var" -path "$CTL_STORE/layers" -prune -o \
	    -perm -o+w ! -type l -print
	[ "$output" = "" ]
}

@test "T1.5.1 (bwrap #304 class): the caller can neither stop nor kill the keeper; killing their front ends the container" {
	atk_need_helper
	atk_start_bg "$ATK_A" run busybox sleep 60
	atk_wait_for 100 atk_has_payload "$ATK_A"
	local k p0 p
	for p in $(atk_helper_pids); do
		grep -qE '^Uid:[[:space:]]+0[[:space:]]' "/proc/$p/status" && k=$p
	done
	[ -n "$k" ]
	run ctl_as "$ATK_A" kill -STOP "$k"
	[ "$status" != 0 ]
	run ctl_as "$ATK_A" kill -KILL "$k"
	[ "$status" != 0 ]
	p0=$(atk_front_pid "$ATK_A")
	[ -n "$p0" ]
	run ctl_as "$ATK_A" kill -KILL "$p0"
	[ "$status" = 0 ]
	# The keeper notices, kills the container and cleans up.
	atk_wait_for 100 atk_no_procs "$ATK_A"
	atk_wait_for 50 atk_no_helpers
}

@test "T1.5.1: a signal storm at the front during setup always ends cleanly" {
	atk_need_helper
	local i
	for i in $(seq 1 15); do
		ctl_as "$ATK_A" sh -c "\"$CTL_BIN\" run busybox true & p=\$!; \
		    for s in TERM INT HUP TERM; do kill -\$s \$p 2>/dev/null; done; wait \$p; echo rc=\$?" \
		    >"$BATS_TEST_TMPDIR/storm" 2>&1
		grep -qE 'rc=(0|125|129|130|143)$' "$BATS_TEST_TMPDIR/storm" ||
		    { cat "$BATS_TEST_TMPDIR/storm" >&2; return 1; }
	done
}

@test "CVE-2016-8659, CVE-2020-5291 (bwrap) T1.6.1, T1.6.2: no helper process is dumpable or ptraceable by the caller, even with suid_dumpable=1" {
	atk_need_helper
	# With suid_dumpable=1 a credential change leaves a process dumpable:
	# only the helper's own PR_SET_DUMPABLE 0 protects it.
	atk_sysctl_tmp fs.suid_dumpable 1
	atk_start_bg "$ATK_A" run busybox sleep 60
	atk_wait_for 100 atk_has_payload "$ATK_A"
	local p n=0
	for p in $(atk_helper_pids); do
		n=$((n + 1))
		# /proc/PID of a non-dumpable process belongs to root.
		[ "$(stat -c %u "/proc/$p/environ")" = 0 ] ||
		    { echo "helper $p is dumpable" >&2; return 1; }
		run ctl_as "$ATK_A" cat "/proc/$p/environ"
		[ "$status" != 0 ]
		run ctl_as "$ATK_A" timeout 3 strace -qq -o /dev/null -p "$p"
		[ "$status" != 0 ] && [ "$status" != 124 ] ||
		    { echo "helper $p could be traced: $output" >&2; return 1; }
	done
	[ "$n" -ge 2 ]
}

@test "CVE-2016-8659 class T1.6.1: held in the middle of its drop, no helper process of a launch is readable by the caller, even with suid_dumpable=1" {
	atk_need_helper
	atk_sysctl_tmp fs.suid_dumpable 1
	local u out=$BATS_TEST_TMPDIR/held
	u=$(atk_uid "$ATK_A")
	: >"$out"
	# Every setresuid of the launch (the front's and P1's drops) held for
	# 1.5 s after it returns: the caller looks at each process then.
	strace -f -qq -o /dev/null -u "$ATK_A" -e trace=setresuid \
	    -e inject=setresuid:delay_exit=1500000 "$CTL_BIN" run busybox true \
	    </dev/null >/dev/null 2>&1 &
	local tracer=$!
	atk_probe_held "$ATK_A" "$tracer" "$out"
	wait "$tracer"
	# Both steps of a drop were seen held: root still the real and saved
	# uid, then the caller's alone.
	grep -q "^0 $u 0 " "$out" || { cat "$out" >&2; return 1; }
	grep -q "^$u $u $u " "$out" || { cat "$out" >&2; return 1; }
	! grep -q READ "$out" || { cat "$out" >&2; return 1; }
}

@test "CVE-2020-5291 (bwrap) T1.6.2: traced by the caller, the helper runs unprivileged and refuses" {
	atk_need_helper
	run ctl_as "$ATK_A" strace -f -qq -o /dev/null "$CTL_BIN" run busybox id -u
	atk_refused
	[[ "$output" != *"$(id -u "$ATK_A")"* ]] || [[ "$output" == ctr-launch:* ]]
}

@test "CVE-2025-4598 (systemd-coredump) T1.7.1: crashing the caller's helper processes leaves no core, even with suid_dumpable=1" {
	atk_need_helper
	atk_sysctl_tmp fs.suid_dumpable 1
	# The payload itself may not dump (ulimit -c 0 inside): a core could
	# only come from the helper's own processes, P0 and P1, which the
	# caller can signal.
	ctl_as "$ATK_A" sh -c "ulimit -c unlimited; cd; exec \"$CTL_BIN\" run busybox sh -c 'ulimit -c 0; exec sleep 60'" \
	    </dev/null >/dev/null 2>&1 3>&- &
	atk_wait_for 100 atk_has_payload "$ATK_A"
	local p sig
	for sig in SEGV ABRT QUIT; do
		for p in $(atk_helper_pids); do
			grep -qE '^Uid:[[:space:]]+0[[:space:]]' "/proc/$p/status" && continue
			ctl_as "$ATK_A" kill -"$sig" "$p" || true
		done
	done
	atk_wait_for 100 atk_no_procs "$ATK_A"
	sleep 0.5
	run find "/home/$ATK_A" / -maxdepth 1 -name 'core*' -newer "$POST_DIR/stamp"
	[ "$output" = "" ]
}

@test "T1.8: make install leaves no setuid copy of the old helper under a hard link" {
	atk_need_helper
	# A user's hard link to the helper (where fs.protected_hardlinks is
	# 0, or made by root) keeps its inode: after the reinstall (a
	# security update), that inode must be no setuid program.
	local link=$CTL_ROOT/old-helper
	ln "$CTL_BIN" "$link"
	make -s -C "$CTL_SRC" BUILDDIR="$CTL_BUILDDIR" TESTROOT="$CTL_ROOT" \
	    test-install >/dev/null
	# The reinstall is this test's own change to the helper's file.
	post_before
	local mode
	mode=$(stat -c %a "$link")
	rm -f "$link"
	[ "$mode" = 0 ]
	[ "$(stat -c '%a %U' "$CTL_BIN")" = "4755 root" ]
}

@test "T1.3.5: stdio on /proc or a directory is refused: root never writes the caller's numbers to /proc/PID files, no host directory reaches the container" {
	atk_need_helper
	# A root process whose timer slack only root (CAP_SYS_NICE) may set:
	# /proc/PID/timerslack_ns is 0666 and checks its writer, not its
	# opener.  A container named with digits, or an exit status, written
	# there by a root process (the keeper, a command) would set it.
	sleep 120 &
	local v=$! before after
	before=$(cat "/proc/$v/timerslack_ns")
	run ctl_as "$ATK_A" sh -c "'$CTL_BIN' run -d --rm --name 30000000000 busybox true >/proc/$v/timerslack_ns"
	[ "$status" = 125 ]
	run ctl_as "$ATK_A" sh -c "'$CTL_BIN' ps -q >/proc/$v/timerslack_ns 2>/dev/null"
	[ "$status" = 125 ]
	run ctl_as "$ATK_A" sh -c "'$CTL_BIN' run busybox true 2>/proc/$v/timerslack_ns"
	[ "$status" = 125 ]
	after=$(cat "/proc/$v/timerslack_ns")
	kill "$v"
	[ "$before" = "$after" ]
	run ctl_as "$ATK_A" sh -c "'$CTL_BIN' run -d --rm --name 30000000000 busybox true >/dev/null"
	[ "$status" = 0 ]
	# A directory as stdin would be a host directory handle inside.
	run ctl_as "$ATK_A" sh -c "'$CTL_BIN' run -i busybox ls /proc/self/fd/0/ </"
	[ "$status" = 125 ]
	[[ "$output" == *"standard input is a directory: refused"* ]]
	[[ "$output" != *bin* ]]
	# A sysfs file and a cgroup file are kernel files too.
	run ctl_as "$ATK_A" sh -c "'$CTL_BIN' run -i busybox cat </sys/kernel/uevent_seqnum"
	[ "$status" = 125 ]
	[[ "$output" == *"standard input is a file of /proc, /sys or another kernel file system: refused"* ]]
	local procs
	procs=$(ls /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/pids/cgroup.procs 2>/dev/null | head -n 1)
	[ -n "$procs" ]
	run ctl_as "$ATK_A" sh -c "'$CTL_BIN' ps -q <$procs"
	[ "$status" = 125 ]
	[[ "$output" == *"standard input is a file of /proc, /sys or another kernel file system: refused"* ]]
}

@test "T1.2.6: a refusal's one-line message carries no C1 control back to the terminal" {
	atk_need_helper
	atk_run "$ATK_A" run $'busy\xc2\x9b31mbox' true
	[ "$status" = 125 ]
	[ "${#lines[@]}" = 1 ]
	[[ "$output" != *$'\xc2\x9b'* ]]
	[[ "$output" == *"busy??31mbox"* ]]
	# C0 controls, ESC and newline among them, as well.
	atk_run "$ATK_A" run $'busy\x1b[31mbox\nsecond line' true
	[ "$status" = 125 ]
	[ "${#lines[@]}" = 1 ]
	[[ "$output" != *$'\x1b'* ]]
	[[ "$output" == *"busy?[31mbox?second line"* ]]
}
