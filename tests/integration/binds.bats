#!/usr/bin/env bats
# Binds and the container's file system through ctr-launch itself, as real
# throwaway users: sources resolved as the user, grants by component, :ro on
# every submount, hostile images imported with ctr-image.

load lib

setup_file() {
	[ -x "$CTL_BIN" ] || skip "ctr-launch not installed"
	export BT BA BB BD BG
	BT=$(ctl_tag)
	BA=ba$BT BB=bb$BT BG=bg$BT
	BD=$CTL_ROOT-bdata
	ctl_groupadd "$BG"
	ctl_useradd "$BA" -G "$BG"
	ctl_useradd "$BB"
	ctl_image_busybox
	mkdir -p "$BD/scratch/$BA/sub" "$BD/scratch/$BA/hidden" "$BD/ro/$BA" \
	    "$BD/other"
	echo secret >"$BD/scratch/$BA/hidden/secret"
	chown -R "$BA:" "$BD/scratch/$BA" "$BD/ro/$BA"
	mount -t tmpfs -o mode=0777 tmpfs "$BD/scratch/$BA/sub"
	mount -t tmpfs -o mode=0777 tmpfs "$BD/scratch/$BA/hidden"
	mkdir -p "/home/$BB/private"
	chmod 0755 "/home/$BB/private"
	ctl_policy <<-EOF
	[default]
	images = busybox, evil*
	binds = %h:%h
	user_binds = %h
	tmpfs_size = 64M
	network = host

	[group:$BG]
	user_binds = $BD/scratch/%u
	user_binds = $BD/ro:ro
	user_binds = $BD/scratch/${BA:0:4}
	user_binds = /etc:ro
	user_binds = /root:ro
	user_binds = /home:ro
	EOF
}

teardown_file() {
	umount "$BD/scratch/$BA/sub" "$BD/scratch/$BA/hidden" 2>/dev/null || true
	rm -rf "$BD" "/tmp/outside-dev.$BT"
	"$CTL_IMAGETOOL" rm "evil-pw-$BT" "evil-dev-$BT" >/dev/null 2>&1 || true
}

as_a() {
	run ctl_as "$BA" "$CTL_BIN" run "$@"
}

@test "ctr-launch: names inside; every mount nosuid, nodev but devices" {
	as_a busybox sh -c 'id -un; id -gn; stat -c "%U %G" ~; cat /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$BA" ]
	[ "${lines[1]}" = "$BA" ]
	[ "${lines[2]}" = "$BA $BA" ]
	local line
	while read -r line; do
		set -- $line
		[[ ,$6, == *,nosuid,* ]] || { echo "$line"; false; }
		case $5 in
		/dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | \
		    /dev/tty | /dev/pts) ;;
		*) [[ ,$6, == *,nodev,* ]] || { echo "$line"; false; } ;;
		esac
	done < <(printf '%s\n' "${lines[@]:3}")
}

@test "ctr-launch: root, /proc/sys and /sys read-only; /tmp private" {
	as_a busybox sh -c 'touch /x; echo a=$?; echo 1 >/proc/sys/kernel/x;
	    grep -E " / | /proc/sys | /sys " /proc/self/mountinfo;
	    echo t >/tmp/t'"$BT"' && echo tmp-ok'
	[[ $output == *"a=1"* ]]
	[ "$(grep -cE ' (/|/proc/sys|/sys) ro,' <<<"$output")" -eq 3 ]
	[[ $output == *tmp-ok* ]]
	[ ! -e "/tmp/t$BT" ]
}

@test "ctr-launch: -v /etc/shadow and /root are refused as the user" {
	as_a -v /etc/shadow:/x busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"/etc/shadow: permission denied for user $BA"* ]]
	as_a -v /root:/x busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"/root: permission denied"* ]]
}

@test "ctr-launch: another user's 0700 home is refused" {
	as_a -v "/home/$BB/private:/x" busybox true
	[ "$status" -eq 125 ]
	[[ $output == *"permission denied for user $BA"* ]]
}

@test "ctr-launch: a symlink in the home pointing outside the grant is refused" {
	ln -sfn "$BD/other" "/home/$BA/out"
	as_a -v "/home/$BA/out:/x" busybox true
	rm -f "/home/$BA/out"
	[ "$status" -eq 125 ]
	[[ $output == *"$BD/other"* ]]
}

@test "ctr-launch: /scratch/al never covers /scratch/alice" {
	mkdir -p "$BD/scratch/${BA:0:4}x"
	chown "$BA:" "$BD/scratch/${BA:0:4}x"
	as_a -v "$BD/scratch/${BA:0:4}x:/x" busybox true
	[ "$status" -eq 125 ]
	as_a -v "$BD/scratch/$BA:/x" busybox ls /x
	[ "$status" -eq 0 ]
}

@test "ctr-launch: :rw under a read-only grant refused; no mode mounts ro" {
	as_a -v "$BD/ro/$BA:/x:rw" busybox true
	[ "$status" -eq 125 ]
	as_a -v "$BD/ro/$BA:/x" busybox touch /x/f
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
}

@test "ctr-launch: :ro holds on a submount; hidden content stays hidden" {
	as_a -v "$BD/scratch/$BA:/x:ro" busybox sh -c \
	    'touch /x/sub/f; ls -A /x/hidden; echo end'
	[[ $output == *"/x/sub/f: Read-only file system"* ]]
	[[ $output != *secret* ]]
	[ ! -e "$BD/scratch/$BA/sub/f" ]
}

@test "ctr-launch: destinations under /proc, /sys, /dev or on /etc/passwd refused" {
	local d
	for d in /proc/sys /dev/shm /sys/kernel /etc/passwd /etc; do
		as_a -v "$BD/scratch/$BA:$d" busybox true
		[ "$status" -eq 125 ] || { echo "$d: $output"; false; }
	done
}

# evil_image NAME: import the busybox rootfs plus what evil_mod adds.
evil_image() {
	local d
	d=$(mktemp -d)
	ctl_rootfs "$d/root"
	evil_mod "$d/root"
	tar -C "$d/root" -cf "$d/r.tar" .
	"$CTL_IMAGETOOL" import --quiet --name "$1" "$d/r.tar"
	local rc=$?
	rm -rf "$d"
	return $rc
}

@test "ctr-launch: image /etc/passwd -> /etc/shadow leaks nothing" {
	evil_mod() {
		rm -f "$1/etc/passwd" "$1/etc/group"
		ln -s /etc/shadow "$1/etc/passwd"
		ln -s ../../../etc/gshadow "$1/etc/group"
	}
	evil_image "evil-pw-$BT"
	as_a "evil-pw-$BT" cat /etc/passwd /etc/group
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "$BA:x:"* ]]
	! grep -Fxf /etc/shadow <<<"$output" || false
}

@test "ctr-launch: image /dev and /proc symlinks redirect nothing" {
	local out=/tmp/outside-dev.$BT
	mkdir -p "$out"
	echo marker >"$out/ptmx"
	evil_mod() {
		rm -rf "$1/dev" "$1/proc"
		ln -s "$out" "$1/dev"
		ln -s /etc "$1/proc"
	}
	evil_image "evil-dev-$BT"
	as_a "evil-dev-$BT" sh -c 'stat -c %t:%T /dev/null; stat -f -c %T /proc'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1:3 ]
	[ "${lines[1]}" = proc ]
	[ "$(ls -A "$out")" = ptmx ]
	[ "$(cat "$out/ptmx")" = marker ]
}

@test "ctr-launch: the host mount table is unchanged during and after a run" {
	local before during after pat="$CTL_ROOT|/proc/self/fd/| /x "
	before=$(grep -cE "$pat" /proc/self/mountinfo)
	ctl_as "$BA" "$CTL_BIN" run -v "$BD/scratch/$BA:/x" busybox sleep 3 &
	sleep 1.5
	during=$(grep -cE "$pat" /proc/self/mountinfo)
	wait
	after=$(grep -cE "$pat" /proc/self/mountinfo)
	[ "$before" = "$during" ]
	[ "$before" = "$after" ]
}

@test "ctr-launch: --network none gets a fresh read-only sysfs of its own" {
	as_a --network none busybox sh -c 'ls /sys/class/net;
	    awk "\$5 == \"/sys\"" /proc/self/mountinfo;
	    ls /sys/fs/cgroup | grep -c pids'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = lo ]
	[[ ${lines[1]} == *" /sys ro,nosuid,nodev,noexec"* ]]
	# Only the container's own cgroup is there (cgview.bats).
	[ "${lines[2]}" = 1 ]
	as_a busybox ls /sys/class/net
	[ "${#lines[@]}" -gt 1 ]
}

@test "ctr-launch: --network host gets a fresh sysfs too: nothing the host mounts under /sys" {
	local own=
	# The host's /sys carries a tracefs (mounted here when it is not).
	if ! awk '$5 == "/sys/kernel/tracing"' /proc/self/mountinfo | grep -q .; then
		mount -t tracefs tracefs /sys/kernel/tracing
		own=1
	fi
	as_a --network host busybox sh -c 'ls /sys/class/net | wc -l;
	    awk "\$5 ~ /^\/sys/ {print \$5, \$(NF-2)}" /proc/self/mountinfo'
	[ -z "$own" ] || umount /sys/kernel/tracing
	[ "$status" -eq 0 ]
	# The host's network devices, in a sysfs of its own.
	[ "${lines[0]}" -gt 1 ]
	[[ "$output" == *"/sys sysfs"* ]]
	[[ "$output" != *tracefs* ]]
	[[ "$output" != *debugfs* ]]
	[[ "$output" != *securityfs* ]]
	[[ "$output" != *"/sys/kernel/"* ]]
}
