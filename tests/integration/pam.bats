#!/usr/bin/env bats
# PAM gating with the test build's private PAM directory ($CTL_PAMD, the
# PAMDIR make variable): per-user denial, an allowlist, pam_limits
# rlimits reaching the container, an expired account, a missing file.

load lib

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export PA=pa$TAG PB=pb$TAG
	ctl_useradd "$PA"
	ctl_useradd "$PB"
	ctl_image_busybox
	ctl_policy <<-EOF
	[default]
	images = busybox
	EOF
	export SAVED=$CTL_ROOT/etc/pam-ctr-launch.saved
	cp -p "$CTL_PAMD/ctr-launch" "$SAVED"
}

teardown_file() {
	cp -p "$SAVED" "$CTL_PAMD/ctr-launch"
	rm -f "$SAVED" "$CTL_ROOT/etc/pam-allow" "$CTL_ROOT/etc/pam-limits.conf" \
	    "$CTL_ROOT/etc/pam_ctltest.so"
	ctl_userdel "$PA"
	ctl_userdel "$PB"
}

teardown() {
	cp -p "$SAVED" "$CTL_PAMD/ctr-launch"
	chage -E -1 "$PB" 2>/dev/null || true
}

pam_conf() {
	cat >"$CTL_PAMD/ctr-launch"
	chmod 0644 "$CTL_PAMD/ctr-launch"
}

@test "pam: the shipped configuration lets ordinary users in" {
	run ctl_as "$PA" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 0 ]
	[ "$output" = in ]
}

@test "pam: a rule denying one user denies only that user" {
	pam_conf <<-EOF
	account required pam_succeed_if.so quiet user notin $PB
	session required pam_permit.so
	EOF
	run ctl_as "$PA" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 0 ]
	[ "$output" = in ]
	run ctl_as "$PB" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 125 ]
	[[ $output == *"ctr-launch: refused by PAM (account): "* ]]
	[[ $output != *in ]]
}

@test "pam: pam_listfile allowlists users" {
	echo "$PA" >"$CTL_ROOT/etc/pam-allow"
	chmod 0644 "$CTL_ROOT/etc/pam-allow"
	pam_conf <<-EOF
	account required pam_listfile.so onerr=fail item=user sense=allow file=$CTL_ROOT/etc/pam-allow
	session required pam_permit.so
	EOF
	run ctl_as "$PA" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 0 ]
	run ctl_as "$PB" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 125 ]
	[[ $output == *"refused by PAM (account)"* ]]
}

@test "pam: a failing session module refuses the launch" {
	pam_conf <<-EOF
	account required pam_permit.so
	session required pam_deny.so
	EOF
	run ctl_as "$PA" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 125 ]
	[[ $output == *"refused by PAM (session)"* ]]
}

@test "pam: pam_limits rlimits reach the container, others stay the caller's" {
	cat >"$CTL_ROOT/etc/pam-limits.conf" <<-EOF
	$PA soft nofile 555
	$PA hard nofile 777
	EOF
	pam_conf <<-EOF
	account required pam_permit.so
	session required pam_limits.so conf=$CTL_ROOT/etc/pam-limits.conf
	EOF
	run ctl_as "$PA" "$CTL_BIN" run busybox sh -c 'ulimit -n; ulimit -Hn'
	[ "$status" -eq 0 ]
	[ "$output" = "555
777" ]
	# Not named in limits.conf: the caller's own limits.
	mine=$(ctl_as "$PB" sh -c 'ulimit -S -n 300; ulimit -S -s 4096; exec '"$CTL_BIN"' run busybox sh -c "ulimit -n; ulimit -s"')
	[ "$mine" = "300
4096" ]
}

@test "pam: an expired account is refused" {
	chage -E 0 "$PB"
	run ctl_as "$PB" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 125 ]
	[[ $output == *"ctr-launch: pam: "*xpired* ]]
	[[ $output == *"refused by PAM (account): "* ]]
	chage -E -1 "$PB"
	run ctl_as "$PB" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 0 ]
}

@test "pam: no service file means no launch" {
	rm -f "$CTL_PAMD/ctr-launch"
	run ctl_as "$PA" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 125 ]
	[[ $output != *in ]]
	# The message names the service and the file.
	[[ $output == *"no PAM service ctr-launch: $CTL_PAMD/ctr-launch is missing"* ]]
}

# A module of our own (tests/integration/pam_test_module.c).
test_module() {
	local so=$CTL_ROOT/etc/pam_ctltest.so
	[ -e "$so" ] || cc -shared -fPIC -O2 -o "$so" \
	    "$CTL_SRC/tests/integration/pam_test_module.c" -lpam
	echo "$so"
}

@test "pam: what a session module does to signals never reaches the container" {
	so=$(test_module)
	pam_conf <<-EOF
	account required pam_permit.so
	session required $so ignore
	EOF
	run ctl_as "$PA" "$CTL_BIN" run busybox grep -E '^Sig(Ign|Blk)' /proc/self/status
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"SigIgn:	0000000000000000"* ]]
	[[ $output == *"SigBlk:	0000000000000000"* ]]
}

@test "pam: a module that changes PAM_USER is a denial" {
	so=$(test_module)
	pam_conf <<-EOF
	account required $so setuser
	session required pam_permit.so
	EOF
	run ctl_as "$PA" "$CTL_BIN" run busybox echo in
	[ "$status" -eq 125 ]
	[[ $output == *"refused by PAM (account)"* ]]
	[[ $output != *in ]]
}

@test "signals: a caller ignoring libc's own signals (32, 33) passes nothing on" {
	local ign=$CTL_ROOT/etc/ign3233
	cat >"$BATS_TEST_TMPDIR/ign.c" <<-'EOC'
	#include <string.h>
	#include <sys/syscall.h>
	#include <unistd.h>
	int main(int argc, char **argv) {
		struct { void *h; unsigned long f; void *r; unsigned long m; } k;
		memset(&k, 0, sizeof(k));
		k.h = (void *)1; /* SIG_IGN */
		syscall(SYS_rt_sigaction, 32, &k, 0, 8);
		syscall(SYS_rt_sigaction, 33, &k, 0, 8);
		execv(argv[1], argv + 1);
		return 127;
	}
	EOC
	cc -o "$ign" "$BATS_TEST_TMPDIR/ign.c"
	run ctl_as "$PA" "$ign" /bin/grep SigIgn /proc/self/status
	rm -f "$ign"
	[ "$output" = "SigIgn:	0000000180000000" ]
	cc -o "$ign" "$BATS_TEST_TMPDIR/ign.c"
	run ctl_as "$PA" "$ign" "$CTL_BIN" run busybox grep SigIgn /proc/self/status
	rm -f "$ign"
	[ "$status" -eq 0 ]
	[ "$output" = "SigIgn:	0000000000000000" ]
}

@test "pam: make install puts the example service where the helper looks (PAMDIR)" {
	local d=$CTL_ROOT/pamdir-install b=${CTL_BUILDDIR:-build}
	case $b in /*) ;; *) b=$CTL_SRC/$b ;; esac
	rm -rf "$d"
	make -s -C "$CTL_SRC" BUILDDIR="$b/pamdir" DESTDIR="$d" PREFIX=/usr \
	    SYSCONFDIR=/etc PAMDIR=/usr/share/ctr-launch/pam.d install >&2
	[ -f "$d/usr/share/ctr-launch/pam.d/ctr-launch" ]
	cmp "$d/usr/share/ctr-launch/pam.d/ctr-launch" "$CTL_SRC/etc/pam.d/ctr-launch"
	rm -rf "$d" "$b/pamdir"
}
