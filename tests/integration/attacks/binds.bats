#!/usr/bin/env bats
# Attack class 6 of the catalog: bind mounts requested by the user (and
# given by the admin): resolution as the user, the symlink-exchange race,
# destinations, and mount flags on submounts.

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() {
	umount "$ATK_SRV/ro/mine/sub" 2>/dev/null
	atk_teardown_file
}

@test "CVE-2017-5180 class (firejail) T6.1.2, T6.1.1: /etc/shadow, /root and /proc/1/root are refused" {
	atk_need_helper
	for src in /etc/shadow "$ATK_CANARY_ROOT/file" /root /proc/1/root /proc/self/root/etc \
	    "/home/$ATK_B/private" /; do
		atk_run "$ATK_A" run -v "$src:/x" busybox cat /x
		atk_refused
		atk_no_canary
	done
}

@test "Shifter 16.08.3 class T6.1.1: a source the user cannot search or read, under a granted prefix, is refused" {
	atk_need_helper
	atk_run "$ATK_A" run -v "$ATK_SRV/shared/locked/exists:/x" busybox cat /x
	atk_refused
	atk_no_canary
	atk_run "$ATK_A" run -v "$ATK_SRV/shared/rootonly:/x" busybox cat /x
	atk_refused
	atk_no_canary
	atk_run "$ATK_A" run -v "$ATK_SRV/shared/public:/x" busybox cat /x
	[ "$status" = 0 ]
	[ "$output" = public ]
}

@test "CVE-2021-26910 (firejail) T6.2.3: a symlink in the home pointing outside is refused" {
	atk_need_helper
	ctl_as "$ATK_A" ln -sfn /etc "/home/$ATK_A/etclink"
	ctl_as "$ATK_A" ln -sfn "$ATK_CANARY_DIR" "/home/$ATK_A/dirlink"
	ctl_as "$ATK_A" ln -sfn "/home/$ATK_B/private/f" "/home/$ATK_A/blink"
	for src in etclink dirlink blink etclink/ctr-canary-$ATK_TAG; do
		atk_run "$ATK_A" run -v "/home/$ATK_A/$src:/x" busybox sh -c 'cat /x/* /x 2>/dev/null; true'
		atk_refused
		atk_no_canary
	done
	# Also the admin's bind source (%h) is resolved as the user: a home
	# that is itself a symlink to /etc gives nothing of /etc.
}

@test "CVE-2021-30465 (runc), CVE-2018-15664 (docker) T6.2.1: a rename-exchange race on the source never mounts outside the grant" {
	atk_need_helper
	local h=/home/$ATK_A/race i leaks=0 ok=0
	ctl_as "$ATK_A" sh -c "mkdir -p $h/a && echo home-data > $h/a/ctr-canary-$ATK_TAG && ln -sfn /etc $h/b"
	# The racer swaps a (a dir in the home) and b (a symlink to /etc)
	# for at most 60 s; 150 launches race against it.
	ctl_as "$ATK_A" "$ATK_BIN/xchg" "$h/a" "$h/b" 60 >/dev/null 2>&1 3>&- &
	local racer=$!
	local end=$((SECONDS + 50))
	for i in $(seq 1 150); do
		[ "$SECONDS" -lt "$end" ] || break
		run ctl_as "$ATK_A" "$CTL_BIN" run -v "$h/a:/x" busybox cat "/x/ctr-canary-$ATK_TAG"
		if grep -qF "$ATK_CANARY_TEXT" <<<"$output"; then
			leaks=$((leaks + 1))
		elif [ "$status" = 0 ]; then
			ok=$((ok + 1))
		elif [ "$status" != 125 ] && [ "$status" != 1 ]; then
			echo "launch $i: unexpected status $status: $output" >&2
			leaks=$((leaks + 1))
		fi
	done
	local p
	for p in $(pgrep -u "$(id -u "$ATK_A")" -x xchg); do kill "$p"; done
	wait "$racer" 2>/dev/null || true
	echo "$i launches, $ok mounted the home directory, $leaks leaks" >&3
	[ "$leaks" = 0 ]
}

@test "T6.3.1: destinations covering /proc, /sys, /dev or the generated /etc files are refused, symlinked ones too" {
	atk_need_helper
	mkdir -p "/home/$ATK_A/data"
	chown "$ATK_A" "/home/$ATK_A/data"
	for dst in /proc /proc/sys /sys /dev /dev/pts /etc/passwd /etc/group /; do
		atk_run "$ATK_A" run -v "/home/$ATK_A/data:$dst" busybox true
		atk_refused
	done
	# A destination reached through a symlink in the bound home.
	ctl_as "$ATK_A" ln -sfn /proc "/home/$ATK_A/plink"
	atk_run "$ATK_A" run -v "/home/$ATK_A/data:/home/$ATK_A/plink" busybox \
	    sh -c 'grep -q "^Name:" /proc/self/status && echo procok'
	[ "$status" = 125 ] || [ "$output" = procok ]
}

@test "T6.3: a destination in the image's tree never creates anything on the host" {
	atk_need_helper
	mkdir -p "/home/$ATK_A/data"
	chown "$ATK_A" "/home/$ATK_A/data"
	atk_run "$ATK_A" run -v "/home/$ATK_A/data:/new/deep/dir" busybox ls -d /new/deep/dir
	[ "$status" = 0 ]
	[ ! -e /new ]
}

@test "T6.4.3, T6.4.2: :ro holds on every submount; -v :rw under a read-only grant is refused" {
	atk_need_helper
	mkdir -p "$ATK_SRV/ro/mine/sub"
	mount -t tmpfs -o size=1m,mode=0777 "tmpfs-$ATK_TAG" "$ATK_SRV/ro/mine/sub"
	chown "$ATK_A" "$ATK_SRV/ro/mine/sub"
	# The mount table snapshot must include this setup mount.
	post_before
	atk_run "$ATK_A" run -v "$ATK_SRV/ro/mine:/x" busybox sh -c \
	    'touch /x/top 2>/dev/null && echo WROTE-top; touch /x/sub/f 2>/dev/null && echo WROTE-sub; echo done'
	local out=$output st=$status
	atk_run "$ATK_A" run -v "$ATK_SRV/ro/mine:/x:rw" busybox true
	local rwst=$status
	umount "$ATK_SRV/ro/mine/sub"
	post_before
	[ "$st" = 0 ]
	[ "$out" = done ]
	[ "$rwst" = 125 ]
}

@test "T6.4: nosuid and nodev hold on a user bind" {
	atk_need_helper
	atk_run "$ATK_A" run -v "/home/$ATK_A:/w" busybox sh -c "grep ' /w ' /proc/self/mountinfo"
	[ "$status" = 0 ]
	grep -q nosuid <<<"$output"
	grep -q nodev <<<"$output"
}
