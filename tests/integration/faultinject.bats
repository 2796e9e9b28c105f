#!/usr/bin/env bats
# Fail-closed under injected faults (catalog section 20; Apptainer
# CVE-2025-65105): every privileged system call the helper makes is made
# to fail, at each of its occurrences, with strace's syscall tampering.
# strace runs as root with -u USER, so the kernel still honours the setuid
# bit (the first test proves it).  For every injection the outcome is
#   - exit 125 with a "ctr-launch:" message, and the payload never ran (its
#     marker file in the user's home is absent), or
#   - the payload ran fully confined (every capability set empty,
#     no_new_privs, seccomp mode 2, the caller's uid) — the fault hit a
#     call whose failure is tolerated (a fallback) or came after the
#     payload (teardown; then 125 is also accepted);
# and nothing is left behind: no process, no cgroup, no host mount.
#
# Budget: every occurrence up to FI_MAX, 8 samples beyond, and at most
# FI_SECONDS seconds per call; the whole file stays within 6 minutes.

load lib
load attacks/common
load attacks/post

FI_MAX=${FI_MAX:-16}
FI_SECONDS=${FI_SECONDS:-20}

setup_file() {
	atk_setup_file
	export FI_MARK=/home/$ATK_A/fi-marker
	# Every launch reads an --env-file: the reader (a process that has
	# become the caller) is under the same injections.
	printf 'FI_FROM_FILE=1\n' >"/home/$ATK_A/fi.env"
	chown "$ATK_A:" "/home/$ATK_A/fi.env"
}
teardown_file() { atk_teardown_file; }

teardown() {
	atk_pam_permit
	atk_sysctl_tmp_restore
	post_after
}

# fi_launch STRACE-ARGS...: one launch as ATK_A under strace; sets
# $status and $output.
fi_launch() {
	rm -f "$FI_MARK"
	run fi_exec "$@"
}

fi_exec() {
	cd "/home/$ATK_A" || return 1
	# shellcheck disable=SC2016 # expanded in the container
	timeout -k 5 30 strace -f -qq -o /dev/null -u "$ATK_A" "$@" \
	    env -i PATH=/usr/bin:/bin HOME="/home/$ATK_A" USER="$ATK_A" LOGNAME="$ATK_A" \
	    "$CTL_BIN" run --name "fi$ATK_TAG" --env-file fi.env busybox sh -c '{ echo "fromfile=$FI_FROM_FILE"; exec cat /proc/self/status /proc/self/mountinfo; } >"$HOME/fi-marker"' 2>&1
}

# fi_confined: the marker shows a fully confined payload: no capability,
# no_new_privs, seccomp, the caller's uid, every mount nosuid.
fi_confined() {
	local k uid
	uid=$(id -u "$ATK_A")
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qE "^$k:[[:space:]]+0+$" "$FI_MARK" || return 1
	done
	grep -qE '^NoNewPrivs:[[:space:]]+1$' "$FI_MARK" || return 1
	grep -qE '^Seccomp:[[:space:]]+2$' "$FI_MARK" || return 1
	# Every mount nosuid, also on a fallback path (T20.2).
	awk '/ - / && $6 !~ /(^|,)nosuid(,|$)/ {bad = 1} END {exit bad}' "$FI_MARK" || return 1
	grep -qE "^Uid:[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid[[:space:]]+$uid$" "$FI_MARK"
}

# fi_outcome LABEL: classify the last launch; counts in FI_REFUSED, FI_RAN,
# FI_LATE.  Returns 1 (with a message) on a bad outcome.
fi_outcome() {
	if [ -e "$FI_MARK" ]; then
		fi_confined || { echo "$1: PARTIALLY CONFINED payload (status $status): $(grep -E '^(Cap|NoNew|Seccomp|Uid)' "$FI_MARK")" >&2; return 1; }
		# A run, never without its --env-file's variables.
		grep -qx 'fromfile=1' "$FI_MARK" || { echo "$1: ran without its --env-file (status $status)" >&2; return 1; }
		case $status in
		0) FI_RAN=$((FI_RAN + 1)) FI_RAN_AT="$FI_RAN_AT ${1##*when=}" ;;
		125) FI_LATE=$((FI_LATE + 1)) ;;
		*) echo "$1: payload ran, then status $status: $output" >&2; return 1 ;;
		esac
	else
		[ "$status" = 125 ] || { echo "$1: status $status (want 125): $output" >&2; return 1; }
		grep -q '^ctr-launch: ' <<<"$output" || { echo "$1: no message: $output" >&2; return 1; }
		FI_REFUSED=$((FI_REFUSED + 1))
	fi
}

# fi_clean LABEL: nothing of the launch is left (processes, cgroups, mounts).
fi_clean() {
	atk_wait_for 30 post_no_procs || true
	local left
	left=$(post_procs)$(post_cgroups)
	if [ -n "$left" ]; then
		echo "$1: left behind: $left" >&2
		return 1
	fi
	if ! post_mounts | diff -q "$POST_DIR/mounts" - >/dev/null; then
		echo "$1: the host's mount table changed" >&2
		return 1
	fi
}

# fi_count SYSCALL: the most calls one process of a launch makes.
fi_count() {
	local log=$BATS_TEST_TMPDIR/count.log
	(cd "/home/$ATK_A" && strace -f -qq -o "$log" -u "$ATK_A" -e trace="$1" \
	    env -i PATH=/usr/bin:/bin HOME="/home/$ATK_A" USER="$ATK_A" \
	    "$CTL_BIN" run --name "fi$ATK_TAG" --env-file fi.env busybox true >/dev/null 2>&1)
	grep -v 'resumed>' "$log" | awk -v s="$1" '$2 ~ "^" s "\\(" {n[$1]++} END {m = 0; for (p in n) if (n[p] > m) m = n[p]; print m}'
}

# fi_syscall SYSCALL [ERRNO]: inject ERRNO (EPERM) at each occurrence.
fi_syscall() {
	local sc=$1 err=${2:-EPERM} max n end
	atk_need_helper
	max=$(fi_count "$sc")
	[ "$max" -gt 0 ] || skip "the helper makes no $sc call"
	FI_REFUSED=0 FI_RAN=0 FI_LATE=0 FI_RAN_AT=
	end=$((SECONDS + FI_SECONDS))
	for n in $(fi_occurrences "$max"); do
		[ "$SECONDS" -lt "$end" ] || { echo "# $sc: time budget reached at $n" >&3; break; }
		fi_launch -e trace="$sc" -e inject="$sc:error=$err:when=$n"
		fi_outcome "$sc:$err:when=$n" || return 1
		fi_clean "$sc:$err:when=$n" || return 1
	done
	echo "# $sc ($err): $max calls; refused $FI_REFUSED, confined run $FI_RAN${FI_RAN_AT:+ (at$FI_RAN_AT)}, late $FI_LATE" >&3
}

# fi_occurrences MAX: every occurrence up to FI_MAX (the early calls of
# each process: hygiene, drops), then 8 samples spread over the rest.
fi_occurrences() {
	local max=$1 step
	seq 1 "$((max < FI_MAX ? max : FI_MAX))"
	[ "$max" -gt "$FI_MAX" ] || return 0
	step=$(((max - FI_MAX + 7) / 8))
	seq "$((FI_MAX + step))" "$step" "$max"
}

@test "fault injection: strace -u keeps the setuid bit (the helper really runs as root)" {
	atk_need_helper
	local log=$BATS_TEST_TMPDIR/setuid.log
	run bash -c "cd /home/$ATK_A && strace -f -qq -o '$log' -u '$ATK_A' -e trace=setresuid,mount \
	    env -i PATH=/usr/bin:/bin '$CTL_BIN' run busybox id -u"
	[ "$status" = 0 ]
	[ "$output" = "$(id -u "$ATK_A")" ]
	# Mounts succeed: only root can make them.
	ctl_strace_has "$log" 'mount\(.*= 0$'
	ctl_strace_has "$log" "setresuid[(]$(id -u "$ATK_A"), $(id -u "$ATK_A"), $(id -u "$ATK_A")[)] += 0"
}

@test "fault injection: mount" { fi_syscall mount; }
@test "fault injection: fsopen" { fi_syscall fsopen; }
@test "fault injection: fsconfig" { fi_syscall fsconfig; }
@test "fault injection: fsmount" { fi_syscall fsmount; }
@test "fault injection: open_tree" { fi_syscall open_tree; }
@test "fault injection: move_mount" { fi_syscall move_mount; }
@test "fault injection: mount_setattr" { fi_syscall mount_setattr; }
@test "fault injection: pivot_root" { fi_syscall pivot_root; }
@test "fault injection: umount2" { fi_syscall umount2; }
@test "fault injection: clone3" { fi_syscall clone3; }
@test "fault injection: clone" { fi_syscall clone; }
@test "fault injection: unshare" { fi_syscall unshare; }
@test "fault injection: setgroups" { fi_syscall setgroups; }
@test "fault injection: setresgid" { fi_syscall setresgid; }
@test "fault injection: setresuid" { fi_syscall setresuid; }
@test "fault injection: setfsuid" { fi_syscall setfsuid; }
@test "fault injection: setfsgid" { fi_syscall setfsgid; }
@test "fault injection: capset" { fi_syscall capset; }
@test "fault injection: prctl" { fi_syscall prctl; }
@test "fault injection: seccomp" { fi_syscall seccomp; }
@test "fault injection: sethostname" { fi_syscall sethostname; }
@test "fault injection: openat2" { fi_syscall openat2; }
# The keeper's scheduling reset and the container's restore (place.c).
@test "fault injection: setpriority" { fi_syscall setpriority; }
@test "fault injection: sched_setscheduler" { fi_syscall sched_setscheduler; }
@test "fault injection: ioprio_set" { fi_syscall ioprio_set; }

@test "fault injection T20.2: ENOSYS for the newer calls exercises each fallback, still fail-closed" {
	local sc
	for sc in openat2 mount_setattr open_tree fsopen clone3 close_range pidfd_open; do
		fi_syscall "$sc" ENOSYS
	done
}

@test "fault injection T20.2: overlay options refused only at creation (Linux before 6.8) fall back to the one-page mount" {
	atk_need_helper
	local max
	# Before 6.8 overlayfs takes "lowerdir+" with fsconfig and refuses it
	# with EINVAL at FSCONFIG_CMD_CREATE, the last fsconfig call.
	max=$(fi_count fsconfig)
	[ "$max" -gt 0 ]
	fi_launch -e trace=fsconfig -e inject="fsconfig:error=EINVAL:when=$max"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -s "$FI_MARK" ]
	grep -q ' / .* - overlay overlay ' "$FI_MARK"
	grep -q '^NoNewPrivs:[[:space:]]*1' "$FI_MARK"
}

@test "fault injection: an image /etc/passwd, /etc/group or shell that cannot be read is an error, not absent" {
	atk_need_helper
	local p
	# ENOENT (and ENOTDIR, ELOOP, EXDEV) mean "absent"; EIO or EACCES
	# must end the launch, never run it with a partial /etc/passwd.
	for p in etc/passwd etc/group /bin/sh; do
		fi_launch -P "$p" -e trace=openat2 -e inject=openat2:error=EIO
		[ ! -e "$FI_MARK" ] || { echo "$p: EIO taken as absent, the payload ran" >&2; return 1; }
		[ "$status" = 125 ] || { echo "$p: status $status: $output" >&2; return 1; }
		grep -q "^ctr-launch: image /\?${p#/}: Input/output error" <<<"$output" || { echo "$p: $output" >&2; return 1; }
		fi_clean "eio $p" || return 1
		fi_launch -P "$p" -e trace=openat2 -e inject=openat2:error=ENOENT
		[ "$status" = 0 ] && [ -e "$FI_MARK" ] || { echo "$p: ENOENT not taken as absent: $status $output" >&2; return 1; }
		fi_clean "enoent $p" || return 1
	done
}

@test "fault injection: every cgroup write" {
	atk_need_helper
	local log=$BATS_TEST_TMPDIR/cg.log paths p
	(cd "/home/$ATK_A" && strace -f -qq -y -o "$log" -u "$ATK_A" -e trace=write \
	    env -i PATH=/usr/bin:/bin "$CTL_BIN" run --name "fi$ATK_TAG" busybox true >/dev/null 2>&1)
	paths=$(grep -oE 'write\([0-9]+</sys/fs/cgroup/[^>]+>' "$log" | sed 's/^write([0-9]*<//; s/>$//' | sort -u)
	[ -n "$paths" ] || skip "no cgroup write seen"
	FI_REFUSED=0 FI_RAN=0 FI_LATE=0
	for p in $paths; do
		fi_launch -P "$p" -e trace=write -e inject=write:error=EPERM:when=1
		fi_outcome "write $p" || return 1
		fi_clean "write $p" || return 1
	done
	echo "# cgroup writes: $(wc -w <<<"$paths") files; refused $FI_REFUSED, confined run $FI_RAN, late $FI_LATE" >&3
}

@test "fault injection: PAM account and session failures (pam_deny, pam_exec /bin/false)" {
	atk_need_helper
	local stack
	for stack in 'account required pam_deny.so\nsession required pam_permit.so' \
	    'account required pam_exec.so quiet /bin/false\nsession required pam_permit.so' \
	    'account required pam_permit.so\nsession required pam_deny.so' \
	    'account required pam_permit.so\nsession required pam_exec.so quiet /bin/false'; do
		printf "$stack\n" >"$CTL_PAMD/ctr-launch"
		fi_launch -e trace=none
		[ ! -e "$FI_MARK" ] || { echo "payload ran with PAM stack: $stack" >&2; return 1; }
		[ "$status" = 125 ]
		grep -q '^ctr-launch: ' <<<"$output"
		fi_clean "pam: $stack"
	done
}

# exec's account check (kexec.c, in the keeper's child, on a PAM handle of
# its own) failing every way the launch's can: a refusal, a module that
# fails, the service's file gone.  Each exec, with -t or without, ends in
# 125 with one line and runs nothing; the container keeps running.  A
# notice from a stack that passes reaches the caller, -t or not.
@test "fault injection: exec's PAM account check (pam_deny, pam_exec /bin/false, no service file; a notice)" {
	atk_need_helper
	local n=fip$ATK_TAG stack
	run ctl_as "$ATK_A" "$CTL_BIN" run -d --name "$n" busybox sleep 300
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
	for stack in 'account required pam_deny.so\nsession required pam_permit.so' \
	    'account required pam_exec.so quiet /bin/false\nsession required pam_permit.so' \
	    ''; do
		rm -f "$FI_MARK"
		if [ -n "$stack" ]; then
			printf "$stack\n" >"$CTL_PAMD/ctr-launch"
		else
			rm -f "$CTL_PAMD/ctr-launch"
		fi
		# shellcheck disable=SC2016 # expanded in the container
		run ctl_as "$ATK_A" "$CTL_BIN" exec "$n" sh -c 'echo ran >"$HOME/fi-marker"'
		[ ! -e "$FI_MARK" ] || { echo "exec ran with PAM stack: ${stack:-none}" >&2; return 1; }
		[ "$status" = 125 ] || { echo "status $status: $output" >&2; return 1; }
		[ "$(grep -c '^ctr-launch: ' <<<"$output")" = 1 ] || { echo "$output" >&2; return 1; }
		# With -t (the keeper's child's stderr then the socket that
		# brings the terminal): the same one line, PAM's reason.
		run ctl_as "$ATK_A" script -qec "$CTL_BIN exec -t $n sh -c 'echo ran >\$HOME/fi-marker'" /dev/null
		[ ! -e "$FI_MARK" ] || { echo "exec -t ran with PAM stack: ${stack:-none}" >&2; return 1; }
		[ "$status" = 125 ] || { echo "-t: status $status: $output" >&2; return 1; }
		[ "$(grep -c '^ctr-launch: ' <<<"$output")" = 1 ] || { echo "-t: $output" >&2; return 1; }
		! grep -q 'no pseudo-terminal' <<<"$output" || { echo "-t: $output" >&2; return 1; }
		ctl_as "$ATK_A" "$CTL_BIN" ps -q | grep -qx "$n"
	done
	# A stack that passes with a notice (as pam_unix's "your password
	# will expire"): the notice is shown, with -t too, and the command
	# runs.
	echo "fi-notice-$ATK_TAG" >"$BATS_TEST_TMPDIR/notice"
	chmod 0644 "$BATS_TEST_TMPDIR/notice"
	printf 'account required pam_echo.so file=%s\naccount required pam_permit.so\nsession required pam_permit.so\n' \
	    "$BATS_TEST_TMPDIR/notice" >"$CTL_PAMD/ctr-launch"
	run ctl_as "$ATK_A" "$CTL_BIN" exec "$n" sh -c 'exit 3'
	[ "$status" = 3 ] || { echo "notice: status $status: $output" >&2; return 1; }
	grep -q "^ctr-launch: pam: fi-notice-$ATK_TAG" <<<"$output" || { echo "notice: $output" >&2; return 1; }
	run ctl_as "$ATK_A" script -qec "$CTL_BIN exec -t $n sh -c 'tty; exit 3'" /dev/null
	[ "$status" = 3 ] || { echo "notice -t: status $status: $output" >&2; return 1; }
	grep -q "^ctr-launch: pam: fi-notice-$ATK_TAG" <<<"$output" || { echo "notice -t: $output" >&2; return 1; }
	grep -q '^/dev/pts/' <<<"$output" || { echo "notice -t: $output" >&2; return 1; }
	atk_pam_permit
	run ctl_as "$ATK_A" "$CTL_BIN" exec "$n" sh -c 'echo ran >"$HOME/fi-marker"'
	[ "$status" = 0 ] && [ -e "$FI_MARK" ]
	ctl_as "$ATK_A" "$CTL_BIN" rm -f "$n" >/dev/null
	fi_clean "exec pam"
}

# A container that ends while an exec's account check hangs (a slow
# directory; here pam_exec of a long sleep): its keeper kills its child
# instead of waiting for PAM, so the stop that ended it is answered at
# once and the keeper's teardown goes on.
@test "fault injection: a container that ends during an exec's hanging account check is torn down at once" {
	atk_need_helper
	local n=fis$ATK_TAG k ex
	run ctl_as "$ATK_A" "$CTL_BIN" run -d --name "$n" busybox sleep 300
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
	k=$(atk_keeper_pid "$n")
	[ -n "$k" ]
	printf 'account required pam_exec.so quiet /bin/sleep 47\nsession required pam_permit.so\n' \
	    >"$CTL_PAMD/ctr-launch"
	ctl_as "$ATK_A" "$CTL_BIN" exec "$n" true >/dev/null 2>&1 &
	ex=$!
	ctl_wait_for pgrep -xf "/bin/sleep 47"
	run ctl_as "$ATK_A" timeout 20 "$CTL_BIN" stop -t 1 "$n"
	pkill -KILL -xf "/bin/sleep 47" || true
	[ "$status" = 0 ] || { echo "stop: $status $output" >&2; return 1; }
	# The exec is answered too (not run), and the keeper is gone.
	run wait "$ex"
	[ "$status" != 0 ]
	ctl_wait_for bash -c "! kill -0 $k 2>/dev/null"
	atk_pam_permit
	ctl_as "$ATK_A" "$CTL_BIN" rm -f "$n" >/dev/null
	fi_clean "exec pam hang"
}

# exec's privileged join runs in the detached container's keeper (kexec.c),
# which the caller's strace cannot reach: strace attaches to that keeper
# (-p, following its children) and fails each call of the join's setns and
# drop in turn, with fs.suid_dumpable 1 and 0.  strace counts calls per
# process: clone fails the keeper's fork of its child (the keeper refuses
# the exec); mmap and mprotect fail the first ones of that child, the
# command process's stack.  Every exec must then end in 125 with a message
# (the one expected, for those three) and run nothing, or run fully
# confined; the container keeps running.
@test "fault injection: exec's join and drop in the keeper (setns, setgroups, setresuid, capset, prctl, seccomp, clone, mmap, mprotect)" {
	atk_need_helper
	local n=fix$ATK_TAG k sc st v want
	run ctl_as "$ATK_A" "$CTL_BIN" run -d --name "$n" busybox sleep 300
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
	k=$(atk_keeper_pid "$n")
	[ -n "$k" ]
	for v in 1 0; do
		atk_sysctl_tmp fs.suid_dumpable "$v"
		for sc in setns setgroups setresuid capset prctl seccomp clone mmap mprotect; do
			rm -f "$FI_MARK"
			strace -f -qq -o /dev/null -p "$k" -e trace="$sc" \
			    -e inject="$sc:error=EPERM:when=1" &
			st=$!
			sleep 1
			# shellcheck disable=SC2016 # expanded in the container
			run ctl_as "$ATK_A" "$CTL_BIN" exec "$n" sh -c \
			    'exec cat /proc/self/status /proc/self/mountinfo >"$HOME/fi-marker"'
			kill "$st" 2>/dev/null
			wait "$st" 2>/dev/null || true
			if [ -e "$FI_MARK" ]; then
				fi_confined || { echo "exec $sc: PARTIALLY CONFINED" >&2; return 1; }
			else
				[ "$status" = 125 ] || { echo "exec $sc: status $status: $output" >&2; return 1; }
				case $sc in
				clone) want="refused by the container's keeper" ;;
				mmap | mprotect) want="cannot start the command's process" ;;
				*) want= ;;
				esac
				grep -q "^ctr-launch: .*$want" <<<"$output" || { echo "exec $sc: no message: $output" >&2; return 1; }
			fi
			# The container is unharmed.
			ctl_as "$ATK_A" "$CTL_BIN" ps -q | grep -qx "$n"
		done
	done
	ctl_as "$ATK_A" "$CTL_BIN" rm -f "$n" >/dev/null
	fi_clean "exec"
}

@test "fault injection: exec --env-file in the launcher (the reader's drop, and the launcher's)" {
	atk_need_helper
	local n=fie$ATK_TAG sc w
	run ctl_as "$ATK_A" "$CTL_BIN" run -d --name "$n" busybox sleep 300
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
	for sc in setgroups setresgid setresuid prctl; do
		for w in 1 2 3; do
			rm -f "$FI_MARK"
			# shellcheck disable=SC2016 # expanded in the container
			run bash -c 'cd "/home/$1" && timeout -k 5 30 strace -f -qq -o /dev/null -u "$1" \
			    -e trace="$2" -e inject="$2:error=EPERM:when=$3" \
			    env -i PATH=/usr/bin:/bin HOME="/home/$1" USER="$1" \
			    "$4" exec --env-file fi.env "$5" sh -c '"'"'{ echo "fromfile=$FI_FROM_FILE"; exec cat /proc/self/status; } >"$HOME/fi-marker"'"'"' 2>&1' \
			    sh "$ATK_A" "$sc" "$w" "$CTL_BIN" "$n"
			if [ -e "$FI_MARK" ]; then
				# 125 after it ran: the launcher's own drop, once
				# everything was sent (as a launch's late faults).
				case $status in 0 | 125) ;; *) echo "exec $sc:$w: ran, then $status: $output" >&2; return 1 ;; esac
				grep -qx 'fromfile=1' "$FI_MARK" || { echo "exec $sc:$w: ran without its --env-file" >&2; return 1; }
				grep -qE '^NoNewPrivs:[[:space:]]+1$' "$FI_MARK" || { echo "exec $sc:$w: not confined" >&2; return 1; }
			else
				[ "$status" = 125 ] || { echo "exec $sc:$w: status $status: $output" >&2; return 1; }
				grep -q '^ctr-launch: ' <<<"$output" || { echo "exec $sc:$w: no message: $output" >&2; return 1; }
			fi
		done
	done
	ctl_as "$ATK_A" "$CTL_BIN" rm -f "$n" >/dev/null
	fi_clean "exec --env-file"
}

@test "fault injection: exec -d in the keeper (clone, setns, setresuid, capset, prctl, seccomp)" {
	atk_need_helper
	local n=fid$ATK_TAG k inj st
	run ctl_as "$ATK_A" "$CTL_BIN" run -d --name "$n" busybox sleep 300
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
	k=$(atk_keeper_pid "$n")
	[ -n "$k" ]
	# strace counts each process's calls apart: clone 1 is the keeper's
	# (its child); the background command's own clone is made after the
	# drop (lifecycle.bats fails it through the pids limit).
	for inj in clone:1 setns:1 setresuid:1 capset:1 prctl:1 seccomp:1; do
		rm -f "$FI_MARK"
		strace -f -qq -o /dev/null -p "$k" -e trace="${inj%%:*}" \
		    -e inject="${inj%%:*}:error=EPERM:when=${inj##*:}" &
		st=$!
		sleep 1
		# shellcheck disable=SC2016 # expanded in the container
		run ctl_as "$ATK_A" "$CTL_BIN" exec -d "$n" sh -c \
		    'cat /proc/self/status /proc/self/mountinfo >"$HOME/fi.tmp"; mv "$HOME/fi.tmp" "$HOME/fi-marker"'
		kill "$st" 2>/dev/null
		wait "$st" 2>/dev/null || true
		if [ "$status" = 0 ]; then
			atk_wait_for 50 test -e "$FI_MARK" || { echo "exec -d $inj: 0 but nothing ran" >&2; return 1; }
			fi_confined || { echo "exec -d $inj: PARTIALLY CONFINED" >&2; return 1; }
		else
			[ "$status" = 125 ] || { echo "exec -d $inj: status $status: $output" >&2; return 1; }
			grep -q '^ctr-launch: ' <<<"$output" || { echo "exec -d $inj: no message: $output" >&2; return 1; }
			sleep 0.5
			[ ! -e "$FI_MARK" ] || { echo "exec -d $inj: 125, yet it ran" >&2; return 1; }
		fi
		# The container is unharmed.
		ctl_as "$ATK_A" "$CTL_BIN" ps -q | grep -qx "$n"
	done
	ctl_as "$ATK_A" "$CTL_BIN" rm -f "$n" >/dev/null
	fi_clean "exec -d"
}

# An exec's command process (C2, kexec.c) joins the container's v1 cgroups
# itself, first thing inside the pid namespace: a join refused in any
# controller ends the exec in 125 with that one line, nothing of the
# command's run, and the container keeps running.  strace attaches to the
# detached container's keeper with the leaf's tasks file as its path
# filter: only C2 writes it there.
@test "fault injection: an exec's command process cannot join the container's v1 cgroup (one line, 125, ran nothing)" {
	atk_need_helper
	local n=fij$ATK_TAG uid k c st
	[ -d /sys/fs/cgroup/pids ] || skip "no cgroup v1 hierarchy"
	uid=$(id -u "$ATK_A")
	run ctl_as "$ATK_A" "$CTL_BIN" run -d --name "$n" busybox sleep 300
	[ "$status" = 0 ] || { echo "$output" >&2; return 1; }
	k=$(atk_keeper_pid "$n")
	[ -n "$k" ]
	for c in memory cpu pids; do
		rm -f "$FI_MARK" "$BATS_TEST_TMPDIR/join.log"
		strace -f -qq -o "$BATS_TEST_TMPDIR/join.log" -p "$k" \
		    -P "/sys/fs/cgroup/$c/ctr-launch/u$uid/$n/tasks" \
		    -e trace=write -e inject=write:error=EPERM:when=1 &
		st=$!
		sleep 1
		# shellcheck disable=SC2016 # expanded in the container
		run ctl_as "$ATK_A" "$CTL_BIN" exec "$n" sh -c 'echo ran >"$HOME/fi-marker"'
		kill "$st" 2>/dev/null
		wait "$st" 2>/dev/null || true
		# The fault hit the join.
		grep -q 'INJECTED' "$BATS_TEST_TMPDIR/join.log" || { echo "$c: no join write: $(cat "$BATS_TEST_TMPDIR/join.log")" >&2; return 1; }
		[ ! -e "$FI_MARK" ] || { echo "$c: the command ran" >&2; return 1; }
		[ "$status" = 125 ] || { echo "$c: status $status: $output" >&2; return 1; }
		[ "$(grep -c '^ctr-launch: ' <<<"$output")" = 1 ] || { echo "$c: $output" >&2; return 1; }
		grep -q "^ctr-launch: cannot join the container's cgroup" <<<"$output" || { echo "$c: $output" >&2; return 1; }
		# Nothing of the exec is left in the container's cgroup: its
		# init and the sleep, no more.
		[ "$(wc -l <"/sys/fs/cgroup/pids/ctr-launch/u$uid/$n/cgroup.procs")" = 2 ] ||
		    { echo "$c: $(cat "/sys/fs/cgroup/pids/ctr-launch/u$uid/$n/cgroup.procs")" >&2; return 1; }
		ctl_as "$ATK_A" "$CTL_BIN" ps -q | grep -qx "$n"
	done
	# The next exec runs.
	run ctl_as "$ATK_A" "$CTL_BIN" exec "$n" true
	[ "$status" = 0 ]
	ctl_as "$ATK_A" "$CTL_BIN" rm -f "$n" >/dev/null
	fi_clean "exec join"
}

# The container's init joins its v1 cgroups itself, first thing (cgroup.c
# cgroup_join_open), while the keeper waits for its word: a join refused in
# any controller ends the launch in 125 with that one line, the payload
# never run, and nothing left.
@test "fault injection: the container's init cannot join its v1 cgroup (one line, 125, nothing left)" {
	atk_need_helper
	local uid c
	[ -d /sys/fs/cgroup/pids ] || skip "no cgroup v1 hierarchy"
	uid=$(id -u "$ATK_A")
	for c in memory cpu pids; do
		fi_launch -P "/sys/fs/cgroup/$c/ctr-launch/u$uid/fi$ATK_TAG/tasks" \
		    -e trace=write -e inject=write:error=EPERM:when=1
		[ ! -e "$FI_MARK" ] || { echo "$c: the payload ran" >&2; return 1; }
		[ "$status" = 125 ] || { echo "$c: status $status: $output" >&2; return 1; }
		[ "$(grep -c '^ctr-launch: ' <<<"$output")" = 1 ] || { echo "$c: $output" >&2; return 1; }
		grep -q "^ctr-launch: cannot join the container's cgroup" <<<"$output"
		fi_clean "$c join" || return 1
	done
}
