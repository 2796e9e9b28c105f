#!/usr/bin/env bats
# The seccomp filter, from inside a container, as a real user: every
# denial of ctr-launch(1) SECURITY, other ABIs killed, the filter in every
# process, seccomp = unconfined, and no container when the load fails.

load lib

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export SU=sc$TAG UNC=su$TAG
	ctl_useradd "$SU"
	ctl_useradd "$UNC"
	ctl_image_busybox
	export TRY=/home/$SU/try-syscall
	cc -D_GNU_SOURCE -static -O2 -o "$TRY" "$CTL_SRC/tests/integration/try_syscall.c"
	chown "$SU" "$TRY"
	install -o "$UNC" -m 0755 "$TRY" "/home/$UNC/try-syscall"
	ctl_policy <<-EOF
	[default]
	images = busybox
	binds = %h:%h
	[user:$UNC]
	seccomp = unconfined
	EOF
}

teardown_file() {
	ctl_userdel "$SU"
	ctl_userdel "$UNC"
}

# try USER NAME...: runs try-syscall inside a container.
try() {
	local u=$1
	shift
	ctl_as "$u" "$CTL_BIN" run busybox "/home/$u/try-syscall" "$@"
}

@test "seccomp: namespace creation is refused (unshare, clone flags, setns)" {
	run try "$SU" unshare unshare-ns clone-newuser setns
	[ "$status" -eq 0 ]
	[ "$output" = "unshare EPERM
unshare-ns EPERM
clone-newuser EPERM
setns EPERM" ]
}

@test "seccomp: clone3 answers ENOSYS, so libc falls back to clone" {
	run try "$SU" clone3
	[ "$output" = "clone3 ENOSYS" ]
	# fork still works (busybox sh forks for the pipeline).
	run ctl_as "$SU" "$CTL_BIN" run busybox sh -c 'echo a | cat'
	[ "$status" -eq 0 ]
	[ "$output" = a ]
}

@test "seccomp: the mount family is refused" {
	run try "$SU" mount umount2 pivot_root open_tree move_mount fsopen fspick mount_setattr
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -cv ' EPERM$')" = 0 ]
	[ "$(echo "$output" | wc -l)" = 8 ]
	# busybox mount says so too.
	run ctl_as "$SU" "$CTL_BIN" run busybox mount -t tmpfs none /tmp
	[ "$status" -ne 0 ]
}

@test "seccomp: keys, bpf, perf, userfaultfd, io_uring, modules, kexec refused" {
	run try "$SU" keyctl add_key bpf perf_event_open userfaultfd io_uring_setup init_module kexec_load
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -cv ' EPERM$')" = 0 ]
	[ "$(echo "$output" | wc -l)" = 8 ]
}

@test "seccomp: TIOCSTI, TIOCLINUX and TIOCSETD refused on 32 bits, other ioctls pass" {
	run try "$SU" tiocsti tiocsti-high tioclinux tiocsetd tcgets
	[ "$output" = "tiocsti EPERM
tiocsti-high EPERM
tioclinux EPERM
tiocsetd EPERM
tcgets EBADF" ]
}

@test "seccomp: AF_VSOCK refused on 32 bits, even with --network none" {
	run ctl_as "$SU" "$CTL_BIN" run --network none busybox \
	    "/home/$SU/try-syscall" vsock vsock-high
	[ "$output" = "vsock EPERM
vsock-high EPERM" ]
}

@test "seccomp: personality only for the harmless personas" {
	run try "$SU" personality-exec personality-query
	[ "$output" = "personality-exec EPERM
personality-query ok" ]
}

@test "seccomp: an x32 syscall kills the process (SIGSYS)" {
	run try "$SU" x32
	[ "$status" -eq 159 ]
}

@test "seccomp: an int 0x80 (i386) syscall kills the process (SIGSYS)" {
	# Without the filter (seccomp = unconfined) the call runs where the
	# kernel has ia32 emulation; a kernel without it faults int 0x80
	# itself (SIGSEGV), filtered or not, and no i386 call runs.
	run try "$UNC" int80
	if [ "$status" -eq 139 ]; then
		run try "$SU" int80
		[ "$status" -eq 139 ]
		return
	fi
	[ "$status" -eq 0 ]
	run try "$SU" int80
	[ "$status" -eq 159 ]
}

@test "seccomp: the filter is in the payload and in its children" {
	run ctl_as "$SU" "$CTL_BIN" run busybox sh -c 'grep ^Seccomp: /proc/self/status; sh -c "grep ^Seccomp: /proc/self/status"'
	[ "$status" -eq 0 ]
	[ "$output" = "Seccomp:	2
Seccomp:	2" ]
}

@test "seccomp: the same calls succeed or fail differently without the filter" {
	run ctl_as "$SU" "$TRY" mount tiocsti-high keyctl clone3
	[[ $output != *EPERM* ]]
	[[ $output != *ENOSYS* ]]
}

@test "seccomp = unconfined: no filter" {
	run ctl_as "$UNC" "$CTL_BIN" run busybox grep ^Seccomp: /proc/self/status
	[ "$status" -eq 0 ]
	[ "$output" = "Seccomp:	0" ]
	run ctl_as "$UNC" "$CTL_BIN" info
	[[ $output == *"seccomp      unconfined"* ]]
}

@test "seccomp: a failed filter load never leaves a container running without it" {
	command -v strace >/dev/null || skip "no strace"
	# Fail each seccomp(2) call of the launch in turn, the load included.
	local n loaded=0 refused=0
	for n in $(seq 1 14); do
		run strace -qq -f -u "$SU" -e trace=seccomp \
		    -e inject=seccomp:error=EINVAL:when=$n -o /dev/null \
		    "$CTL_BIN" run busybox grep ^Seccomp: /proc/self/status
		[[ $output != *"Seccomp:	0"* ]]
		if [ "$status" -eq 125 ]; then
			refused=$((refused + 1))
		else
			[ "$output" = "Seccomp:	2" ]
			loaded=$((loaded + 1))
		fi
	done
	[ "$refused" -gt 0 ]
	# The last failure injected was past the load: it ran, filtered.
	[ "$loaded" -gt 0 ]
}
