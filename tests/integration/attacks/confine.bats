#!/usr/bin/env bats
# Attack classes 4, 7, 8, 9, 10, 11 and 12 of the catalog: what the payload
# is left with (credentials, capabilities, mounts, /proc /sys /dev,
# /proc/self/exe, nested user namespaces, seccomp, the terminal).

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() { atk_teardown_file; }

# probe NAME... inside a container as ATK_A
atk_probe() {
	atk_run "$ATK_A" run busybox "$ATK_BIN/probe" "$@"
	echo "$output"
	[ "$status" = 0 ] && ! grep -q FAIL <<<"$output"
}

@test "CVE-2022-29162 (runc), CVE-2022-27650 (crun) T4.1: every capability set empty, no_new_privs set" {
	atk_need_helper
	atk_run "$ATK_A" run busybox cat /proc/self/status
	[ "$status" = 0 ]
	local k
	for k in CapInh CapPrm CapEff CapBnd CapAmb; do
		grep -qE "^$k:[[:space:]]+0000000000000000$" <<<"$output" ||
		    { echo "$k not empty: $(grep "^$k" <<<"$output")" >&2; return 1; }
	done
	grep -qE '^NoNewPrivs:[[:space:]]+1$' <<<"$output"
	grep -qE "^Uid:[[:space:]]+$(id -u "$ATK_A")[[:space:]]+$(id -u "$ATK_A")[[:space:]]+$(id -u "$ATK_A")[[:space:]]+$(id -u "$ATK_A")$" <<<"$output"
	grep -qE "^Gid:[[:space:]]+$(id -g "$ATK_A")[[:space:]]+$(id -g "$ATK_A")[[:space:]]+$(id -g "$ATK_A")[[:space:]]+$(id -g "$ATK_A")$" <<<"$output"
}

@test "Apptainer CVE-2025-65105 T11.5: the seccomp filter is loaded in the payload" {
	atk_need_helper
	atk_run "$ATK_A" run busybox grep Seccomp: /proc/self/status
	[ "$status" = 0 ]
	grep -qE '^Seccomp:[[:space:]]+2$' <<<"$output"
}

@test "CVE-2019-15900 (doas), CVE-2014-8989 T4.2: groups are exactly the caller's; a negative-group file stays unreadable" {
	atk_need_helper
	atk_run "$ATK_A" run busybox id -G
	[ "$status" = 0 ]
	[ "$(tr ' ' '\n' <<<"$output" | sort -n)" = "$(id -G "$ATK_A" | tr ' ' '\n' | sort -n)" ]
	atk_run "$ATK_A" run busybox cat "/home/$ATK_A/neg"
	[ "$status" != 0 ]
	atk_no_canary
}

@test "T4.3, T4.5: a setuid-root binary in a bind cannot elevate, nor can setuid(0)" {
	atk_need_helper
	install -d -m 0755 "$ATK_SRV/shared/suid"
	install -m 4755 -o root /bin/busybox "$ATK_SRV/shared/suid/busybox"
	atk_run "$ATK_A" run -v "$ATK_SRV/shared/suid:/suid" busybox /suid/busybox id -u
	rm -rf "$ATK_SRV/shared/suid"
	[ "$status" = 0 ]
	[ "$output" = "$(id -u "$ATK_A")" ]
	atk_probe setuid0 mknod
}

@test "T7.1, T7.2: propagation is private and the old root is detached" {
	atk_need_helper
	atk_run "$ATK_A" run busybox cat /proc/self/mountinfo
	[ "$status" = 0 ]
	if grep -E ' shared:[0-9]+' <<<"$output"; then
		echo "a mount in the container is shared with the host" >&2
		return 1
	fi
	# No mount of the host's root filesystem at its own root.
	local hostroot
	hostroot=$(awk '$5 == "/" {print $3}' /proc/self/mountinfo | tail -n 1)
	if awk -v d="$hostroot" '$3 == d && $4 == "/"' <<<"$output" | grep .; then
		echo "the host's root filesystem is visible at its root" >&2
		return 1
	fi
}

@test "T7.1 (systemd's shared /): with the runtime directory a shared mount, nothing the container mounts propagates to the host" {
	atk_need_helper
	# systemd makes every mount shared; this host has none, so make the
	# helper's runtime directory a shared mount for this test.
	mount --bind "$CTL_ROOT/run" "$CTL_ROOT/run"
	mount --make-shared "$CTL_ROOT/run"
	post_before
	atk_start_bg "$ATK_A" run busybox sh -c 'grep -c shared: /proc/self/mountinfo; sleep 3'
	atk_wait_for 100 atk_has_payload "$ATK_A"
	wait "$ATK_BG_PID" || true
	local leaked=0
	post_mounts | diff "$POST_DIR/mounts" - >&2 || leaked=1
	# Remove the shared mount and anything that propagated onto it.
	local i
	for i in 1 2 3 4 5 6 7 8; do
		grep -q " $CTL_ROOT/run[/ ]" /proc/self/mountinfo || break
		umount -R -l "$CTL_ROOT/run"
	done
	post_before
	echo "inside: $(cat "$BATS_TEST_TMPDIR/bg.out")"
	[ "$leaked" = 0 ]
	[ "$(head -n 1 "$BATS_TEST_TMPDIR/bg.out")" = 0 ]
}

@test "T7.3: a mount made by root on the host while the container runs does not appear inside, nor the reverse" {
	atk_need_helper
	atk_start_bg "$ATK_A" run busybox sh -c "sleep 2; cat /proc/self/mountinfo"
	sleep 0.5
	install -d "$ATK_SRV/shared/late"
	mount -t tmpfs -o size=1m "tmpfs-$ATK_TAG" "$ATK_SRV/shared/late"
	wait "$ATK_BG_PID" || true
	umount "$ATK_SRV/shared/late"
	! grep -q "tmpfs-$ATK_TAG" "$BATS_TEST_TMPDIR/bg.out" || false
}

@test "T5.3.1, T8.1: every mount nosuid; nodev except the device binds and devpts; /sys read-only" {
	atk_need_helper
	atk_run "$ATK_A" run busybox cat /proc/self/mountinfo
	[ "$status" = 0 ]
	local line mp opts bad=0
	while read -r line; do
		mp=$(awk '{print $5}' <<<"$line")
		opts=$(awk '{print $6}' <<<"$line")
		case ",$opts," in *,nosuid,*) ;; *) echo "not nosuid: $line" >&2; bad=1 ;; esac
		case $mp in
		/dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | /dev/tty | /dev/pts | /dev/ptmx | /dev/console) ;;
		*) case ",$opts," in *,nodev,*) ;; *) echo "not nodev: $line" >&2; bad=1 ;; esac ;;
		esac
		case $mp in
		/sys | /sys/*) case ",$opts," in *,ro,*) ;; *) echo "/sys writable: $line" >&2; bad=1 ;; esac ;;
		esac
		# A writable tmpfs without a size is an exhaustion vector (T14.3).
		if grep -q ' - tmpfs ' <<<"$line" && ! grep -q 'size=' <<<"$line" &&
		    [ "$mp" != /dev ] && [[ ",$opts," != *,ro,* ]]; then
			echo "tmpfs without size=: $line" >&2
			bad=1
		fi
	done <<<"$output"
	[ "$bad" = 0 ]
}

@test "T8.1.1, T8.1.2, T8.1.3 (CVE-2019-16884 class): masked /proc paths stay masked and read-only" {
	atk_need_helper
	atk_run "$ATK_A" run busybox sh -c 'exec 2>/dev/null
	    for f in /proc/kcore /proc/keys /proc/timer_list /proc/sched_debug /proc/acpi /proc/scsi; do
	        [ -e $f ] || continue
	        if [ -d $f ]; then [ -z "$(ls -A $f)" ] || echo "LEAK $f"
	        else head -c 1 $f 2>/dev/null | grep -q . && echo "LEAK $f"; fi
	    done
	    echo c > /proc/sysrq-trigger 2>/dev/null && echo "WROTE sysrq-trigger"
	    echo x > /proc/sys/kernel/hostname 2>/dev/null && echo "WROTE /proc/sys"
	    touch /sys/ctl 2>/dev/null && echo "WROTE /sys"
	    umount /proc/kcore 2>/dev/null && echo "UNMASKED kcore"
	    umount -l /proc/sys 2>/dev/null && echo "UNMOUNTED /proc/sys"
	    mount -o remount,rw /sys 2>/dev/null && echo "REMOUNTED /sys"
	    echo done'
	echo "$output"
	[ "$status" = 0 ]
	[ "$output" = done ]
}

@test "T8.1.4, runc CVE-2025-31133 class: /dev holds only the minimal device set" {
	atk_need_helper
	atk_run "$ATK_A" run busybox sh -c 'for d in /dev/* /dev/*/*; do [ -L "$d" ] && continue; { [ -c "$d" ] || [ -b "$d" ]; } && echo "${d#/dev/}"; done; true'
	[ "$status" = 0 ]
	local d
	for d in $output; do
		case $d in
		null | zero | full | random | urandom | tty | ptmx | console | pts/ptmx | pts/[0-9]*) ;;
		*) echo "unexpected device /dev/$d" >&2; return 1 ;;
		esac
	done
	atk_run "$ATK_A" run busybox sh -c 'head -c 1 /dev/mem || head -c 1 /dev/kmsg || head -c 1 /dev/sda'
	[ "$status" != 0 ]
}

@test "CVE-2019-5736 (runc /proc/self/exe) T9.1, T9.2, T1.6.4: the container cannot open, write or read its init's executable" {
	atk_need_helper
	local before
	before=$(sha256sum <"$CTL_BIN")
	atk_probe proc1-exe proc1-exe-write proc1-environ
	atk_run "$ATK_A" run busybox sh -c 'cat /proc/1/exe >/dev/null 2>&1 && echo READ; ls /proc/1/root/ >/dev/null 2>&1 && echo ROOT; ls /proc/1/fd >/dev/null 2>&1 && echo FDS; echo done'
	[ "$output" = done ]
	[ "$(sha256sum <"$CTL_BIN")" = "$before" ]
}

@test "T9.3: on the host, the caller cannot reach the container init's root or exe" {
	atk_need_helper
	atk_start_bg "$ATK_A" run busybox sleep 60
	atk_wait_for 100 atk_has_payload "$ATK_A"
	local p
	for p in $(atk_helper_pids) $(atk_payload_pid "$ATK_A"); do
		run ctl_as "$ATK_A" ls "/proc/$p/root/"
		if [ "$status" = 0 ] && [ "$p" != "$(atk_payload_pid "$ATK_A")" ]; then
			echo "helper process $p: root reachable" >&2
			return 1
		fi
		run ctl_as "$ATK_A" readlink "/proc/$p/exe"
		if [ "$status" = 0 ] && [ "$output" = "$CTL_BIN" ]; then
			echo "helper process $p: exe readable by the caller" >&2
			return 1
		fi
	done
}

@test "CVE-2022-0185, CVE-2024-1086 T10.2.1: no nested user namespace, no new namespace at all" {
	atk_need_helper
	atk_probe unshare-user unshare-mnt clone3 clone3-child
	atk_run "$ATK_A" run busybox unshare -U -r true
	[ "$status" != 0 ]
}

@test "T10.1.1: pid, uts and ipc namespaces are the container's own" {
	atk_need_helper
	atk_run "$ATK_A" run --hostname "h$ATK_TAG" busybox sh -c 'ls -d /proc/[0-9]* | wc -l; hostname; readlink /proc/self/ns/pid'
	echo "$output"
	[ "$status" = 0 ]
	[ "${lines[0]}" -le 4 ]
	[ "${lines[1]}" = "h$ATK_TAG" ]
	[ "${lines[2]}" != "$(readlink /proc/self/ns/pid)" ]
	[ "$(hostname)" != "h$ATK_TAG" ]
}

@test "CVE-2019-10063 (flatpak), CVE-2021-41133 T11.1, T11.2: the filter denies the dangerous syscalls, high-bit ioctls included" {
	atk_need_helper
	atk_probe mount umount keyctl add_key userfaultfd io_uring perf fsopen \
	    open_tree personality tiocsti-hibit
}

@test "T11.3, T11.4: x32 and i386 (int 0x80) system calls are refused or killed" {
	atk_need_helper
	atk_probe x32 int80
}

@test "CVE-2017-5226 (bwrap TIOCSTI) T12.1, T12.2: the container cannot push input into the caller's terminal" {
	atk_need_helper
	command -v script >/dev/null || skip "needs script(1)"
	# The payload gets the caller's terminal (-i, no -t), pushes
	# "echo PWNED-<tag>" into it, then the caller's shell reads one line.
	local cmd="\"$CTL_BIN\" run -i busybox \"$ATK_BIN/probe\" tiocsti tiocsti-hibit tioclinux; \
	    if read -t 1 line; then echo \"GOT:\$line\"; fi"
	run ctl_as "$ATK_A" script -qec "$cmd" /dev/null
	echo "$output"
	[[ "$output" != *GOT:* ]]
	[[ "$output" != *FAIL* ]]
	[[ "$output" == *"tiocsti: ok"* ]]
}

@test "T12.3: without -t the payload is in its own session, not the caller's" {
	atk_need_helper
	command -v script >/dev/null || skip "needs script(1)"
	run ctl_as "$ATK_A" script -qec "\"$CTL_BIN\" run -i busybox sh -c 'cat /proc/self/stat'; echo; cat /proc/\$\$/stat" /dev/null
	[ "$status" = 0 ]
	# Field 6 is the session id, field 7 the controlling tty.
	local in out
	in=$(grep -m1 '(cat)' <<<"$output" | awk '{print $6, $7}')
	out=$(grep -m1 '(sh)\|(bash)' <<<"$output" | awk '{print $6}')
	[ -n "$in" ]
	[ "${in% *}" != "$out" ]
	[ "${in#* }" = 0 ]
}
