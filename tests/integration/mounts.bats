#!/usr/bin/env bats
# The container's file system (helper/mounts*.c, helper/binds.c), checked
# through tests/integration/mounts_driver.c: steps 8 and 9 of the launch
# sequence run as in ctr-launch's P1, then the command runs as a throwaway
# user with no privilege.  Layers are written into the test store directly
# so that hostile images (symlinks to host paths) need no importer.

load lib

mt_hex() {
	printf '%s' "$MT_TAG-$1" | sha256sum | cut -c1-64
}

# mt_layer NAME LINK: an empty layer in the store; prints its diff dir.
mt_layer() {
	local hex
	hex=$(mt_hex "$1")
	install -d -m 0700 "$CTL_STORE/layers" "$CTL_STORE/l" \
	    "$CTL_STORE/layers/$hex"
	install -d -m 0755 "$CTL_STORE/layers/$hex/diff"
	ln -sfn "../layers/$hex/diff" "$CTL_STORE/l/$2"
	echo "$MT_TAG $hex $2" >>"$MT_LIST"
	printf '%s\n' "$CTL_STORE/layers/$hex/diff"
}

mt_link() {
	printf '%s%s' "$MT_LT" "$1"
}

setup_file() {
	export MT_TAG MT_LT MT_LIST MT_DRV MT_DATA MT_A MT_B
	MT_TAG=$(ctl_tag)
	MT_LT=$(printf '%s' "$MT_TAG" | tr a-z A-Z | tr -cd 'A-Z0-9' | cut -c1-6)
	MT_LIST=$CTL_ROOT/mounts-layers
	MT_DRV=$BATS_FILE_TMPDIR/driver
	MT_DATA=$CTL_ROOT-data
	local stubs=-DDRIVER_POLICY_STUBS pol=
	if grep -qs 'policy_user_bind' policy/*.c; then
		stubs= pol=$(ls policy/*.c)
	fi
	# shellcheck disable=SC2086
	cc -std=c11 -g -O1 -D_GNU_SOURCE $stubs \
	    -DCTL_STATEDIR="\"$CTL_ROOT/var\"" -DCTL_RUNDIR="\"$CTL_ROOT/run\"" \
	    -DCTL_SYSCONFDIR="\"$CTL_ROOT/etc\"" -DCTL_VERSION='"t"' \
	    -DCTL_CGROUP_ROOT='"/sys/fs/cgroup"' -DCTL_CGROUP_VERSION='"auto"' \
	    -I. -o "$MT_DRV" \
	    tests/integration/mounts_driver.c helper/fsutil.c helper/binds.c \
	    helper/layers.c helper/mounts.c helper/mounts_fd.c \
	    helper/mounts_overlay.c helper/mounts_sys.c helper/mounts_etc.c \
	    helper/mounts_binds.c \
	    helper/passwd.c helper/log.c helper/audit.c helper/cgroup*.c \
	    helper/place.c helper/place_path.c helper/reserved.c \
	    helper/jobids.c lib/*.c $pol \
	    $(pkg-config --cflags --libs inih 2>/dev/null)
	ctl_rootfs "$(mt_layer base "$(mt_link B000)")"
	MT_A=mta$MT_TAG MT_B=mtb$MT_TAG
	ctl_useradd "$MT_A"
	ctl_useradd "$MT_B"
	mkdir -p "$MT_DATA/scratch/$MT_A/sub" "$MT_DATA/scratch/$MT_A/hidden"
	echo secret >"$MT_DATA/scratch/$MT_A/hidden/secret"
	echo file >"$MT_DATA/scratch/$MT_A/file"
	chown -R "$MT_A:" "$MT_DATA/scratch/$MT_A"
	mount -t tmpfs -o mode=0777 tmpfs "$MT_DATA/scratch/$MT_A/sub"
	mount -t tmpfs -o mode=0777 tmpfs "$MT_DATA/scratch/$MT_A/hidden"
	mkdir -p "/home/$MT_B/private"
	echo bob >"/home/$MT_B/private/f"
	chown -R "$MT_B:" "/home/$MT_B/private"
}

teardown_file() {
	umount "$MT_DATA/scratch/$MT_A/sub" "$MT_DATA/scratch/$MT_A/hidden" \
	    2>/dev/null || true
	umount "$MT_DATA/scratch/$MT_A/rox" 2>/dev/null || true
	rm -rf "$MT_DATA" "/tmp/outside-dev.$MT_TAG"
	if [ -f "$MT_LIST" ]; then
		while read -r tag hex link; do
			[ "$tag" = "$MT_TAG" ] || continue
			rm -rf "${CTL_STORE:?}/layers/$hex" "$CTL_STORE/l/$link"
		done <"$MT_LIST"
	fi
}

# mt_run USER [driver options] -- CMD...: the driver with USER's identity
# and the base layer (plus any -l given first).
mt_run() {
	local u=$1 uid gid
	shift
	uid=$(id -u "$u") gid=$(id -g "$u")
	local layers=(-l "$(mt_hex base):$(mt_link B000)")
	while [ "$1" = -l ]; do
		layers+=(-l "$2")
		shift 2
	done
	run "$MT_DRV" "${layers[@]}" -u "$u:$uid:$gid:/home/$u:/bin/sh" \
	    -g "$gid:$u" "$@"
}

mt_runa() {
	mt_run "$MT_A" "$@"
}

@test "every mount is nosuid; nodev except the /dev device binds and devpts" {
	mt_runa -- /bin/cat /proc/self/mountinfo
	[ "$status" -eq 0 ]
	local n=0
	while read -r line; do
		n=$((n + 1))
		set -- $line
		local mp=$5 opts=$6
		[[ ,$opts, == *,nosuid,* ]] || { echo "suid: $line"; false; }
		case $mp in
		/dev/null | /dev/zero | /dev/full | /dev/random | /dev/urandom | \
		    /dev/tty | /dev/pts) ;;
		*) [[ ,$opts, == *,nodev,* ]] || { echo "dev: $line"; false; } ;;
		esac
	done <<<"$output"
	[ "$n" -gt 15 ]
}

@test "the root is an overlay, read-only; /tmp and /var/tmp are private tmpfs" {
	echo "host-$MT_TAG" >"/tmp/host-marker.$MT_TAG"
	mt_runa -- /bin/sh -c 'grep " / " /proc/self/mountinfo; touch /x;
	    ls /tmp; echo in >/tmp/in-'"$MT_TAG"'; echo in >/var/tmp/v && echo w'
	rm -f "/tmp/host-marker.$MT_TAG"
	[ "$status" -eq 0 ]
	[[ $output == *" / ro,nosuid,nodev"*" - overlay "* ]]
	[[ $output == *"Read-only file system"* ]]
	[ "$(grep -c ' / / ' <<<"$output")" -eq 1 ] # the old root is detached
	[[ $output != *host-marker* ]]
	[[ $output == *w ]]
	[ ! -e "/tmp/in-$MT_TAG" ]
}

@test "masked /proc paths are empty; /proc/sys and /sys are read-only" {
	mt_runa -- /bin/sh -c 'for f in /proc/keys /proc/timer_list /proc/kcore \
	    /proc/sched_debug /proc/acpi /proc/scsi /sys/firmware; do
	    [ -e $f ] || continue; [ -d $f ] && ls -A $f || cat $f; done;
	    grep -E " /proc/sys | /sys | /sys/fs/cgroup[^ ]* " /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	! grep -vE ' (/proc/sys|/sys|/sys/fs/cgroup[^ ]*) ro,' <<<"$output" || false
	[[ $output == *" /proc/sys ro,"* ]]
	[[ $output == *" /sys ro,"* ]]
}

@test "/proc/sys and /sys refuse writes even to root-like attempts" {
	mt_runa -- /bin/sh -c 'echo 1 >/proc/sys/vm/drop_caches; echo a=$?;
	    echo x >/sys/kernel/uevent_helper; echo b=$?'
	[[ $output == *a=1* && $output == *b=1* ]]
}

@test "/dev holds only the allowed nodes, from the host, verified" {
	mt_runa -- /bin/sh -c 'ls /dev | tr "\n" " "; stat -c "%t:%T %F" /dev/null'
	[ "$status" -eq 0 ]
	[[ $output == "fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero 1:3 character special file" ]]
}

@test "id, whoami and ls -l show names inside" {
	mkdir -p "$MT_DATA/own"
	chown "$MT_A:" "$MT_DATA/own"
	mt_runa -b "$MT_DATA/own:/own:-:admin" -- /bin/sh -c \
	    'id; whoami; stat -c "%U %G" /own; grep -c "^'"$MT_A"':" /etc/passwd'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == "uid=$(id -u "$MT_A")($MT_A) gid=$(id -g "$MT_A")($MT_A) groups=$(id -g "$MT_A")($MT_A)" ]]
	[ "${lines[1]}" = "$MT_A" ]
	[ "${lines[2]}" = "$MT_A $MT_A" ]
	[ "${lines[3]}" = 1 ]
}

@test "bind refused: /etc/shadow (root-only file)" {
	mt_runa -p /etc -b /etc/shadow:/x:-:user -- /bin/cat /x
	[ "$status" -eq 125 ]
	[[ $output == *"bind source /etc/shadow: permission denied for user $MT_A"* ]]
}

@test "bind refused: /root and a file behind it" {
	mt_runa -p /root -b /root:/x:-:user -- /bin/true
	[ "$status" -eq 125 ]
	[[ $output == *"bind source /root: permission denied"* ]]
	mkdir -p /root/mt-$MT_TAG && chmod 0755 /root/mt-$MT_TAG
	mt_runa -p /root -b /root/mt-$MT_TAG:/x:-:user -- /bin/true
	rmdir /root/mt-$MT_TAG
	[ "$status" -eq 125 ]
	[[ $output == *"permission denied"* ]]
}

@test "bind refused: another user's 0700 home, even a world-readable file in it" {
	chmod 0755 "/home/$MT_B/private"
	mt_runa -p /home -b "/home/$MT_B/private:/x:-:user" -- /bin/true
	[ "$status" -eq 125 ]
	[[ $output == *"permission denied for user $MT_A"* ]]
	mt_runa -p /home -b "/home/$MT_B:/x:-:admin" -- /bin/true
	[ "$status" -eq 125 ]
}

@test "bind refused: a symlink in the home pointing outside the grant" {
	ln -sfn /etc "/home/$MT_A/link"
	mt_runa -p "/home/$MT_A" -b "/home/$MT_A/link:/x:-:user" -- /bin/true
	rm -f "/home/$MT_A/link"
	[ "$status" -eq 125 ]
	[[ $output == *"(/etc)"* ]]
}

@test "an admin bind must resolve, as the user, to the path the policy names" {
	ln -sfn "$MT_DATA/scratch/$MT_A" "/home/$MT_A/alias"
	mt_runa -b "/home/$MT_A/alias:/x:-:admin" -- /bin/true
	rm -f "/home/$MT_A/alias"
	[ "$status" -eq 125 ]
	[[ $output == *"resolves to $MT_DATA/scratch/$MT_A, not the path the policy names"* ]]
	mt_runa -b "$MT_DATA/scratch/$MT_A:/x:ro:admin" -- /bin/touch /x/f
	[[ $output == *"Read-only file system"* ]]
}

@test "a symlink in the home to a granted path is followed and bound" {
	ln -sfn "$MT_DATA/scratch/$MT_A" "/home/$MT_A/link"
	mt_runa -p "$MT_DATA/scratch" -b "/home/$MT_A/link:/x:-:user" -- \
	    /bin/ls /x
	rm -f "/home/$MT_A/link"
	[ "$status" -eq 0 ]
	[[ $output == *hidden* ]]
}

@test "bind refused: /proc magic links and kernel file systems" {
	mt_runa -p /proc -b /proc/self/root:/x:-:user -- /bin/true
	[ "$status" -eq 125 ]
	mt_runa -p /proc -b /proc/sys:/x:-:user -- /bin/true
	[ "$status" -eq 125 ]
	[[ $output == *"pseudo file system"* ]]
	mt_runa -p /sys -b /sys/kernel:/x:-:user -- /bin/true
	[ "$status" -eq 125 ]
}

@test "bind refused: /scratch/al does not cover /scratch/alice" {
	mkdir -p "$MT_DATA/scratch/al"
	mt_runa -p "$MT_DATA/scratch/al" -b "$MT_DATA/scratch/$MT_A:/x:-:user" \
	    -- /bin/true
	[ "$status" -eq 125 ]
	mt_runa -p "$MT_DATA/scratch/$MT_A" \
	    -b "$MT_DATA/scratch/$MT_A:/x:-:user" -- /bin/true
	[ "$status" -eq 0 ]
}

@test ":rw under a read-only grant is refused; no mode under it mounts read-only" {
	mt_runa -p "$MT_DATA/scratch:ro" -b "$MT_DATA/scratch/$MT_A:/x:rw:user" \
	    -- /bin/true
	[ "$status" -eq 125 ]
	mt_runa -p "$MT_DATA/scratch:ro" -b "$MT_DATA/scratch/$MT_A:/x:-:user" \
	    -- /bin/touch /x/f
	[ "$status" -ne 0 ]
	[[ $output == *"Read-only file system"* ]]
	mt_runa -p "$MT_DATA/scratch" -b "$MT_DATA/scratch/$MT_A:/x:-:user" \
	    -- /bin/sh -c 'touch /x/f && rm /x/f && echo ok'
	[ "$output" = ok ]
}

@test ":ro holds on a submount; over-mounted content stays hidden" {
	mt_runa -p "$MT_DATA/scratch" -b "$MT_DATA/scratch/$MT_A:/x:ro:user" \
	    -- /bin/sh -c 'touch /x/sub/f; ls -A /x/hidden; echo end'
	[[ $output == *"/x/sub/f: Read-only file system"* ]]
	[[ $output != *secret* ]]
	[ ! -e "$MT_DATA/scratch/$MT_A/sub/f" ]
}

@test "fallback without mount_setattr: :ro and nosuid still hold on submounts" {
	command -v strace >/dev/null || skip "strace missing"
	run strace -f -o /dev/null -e inject=mount_setattr:error=ENOSYS \
	    "$MT_DRV" -l "$(mt_hex base):$(mt_link B000)" \
	    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" \
	    -p "$MT_DATA/scratch" -b "$MT_DATA/scratch/$MT_A:/x:ro:user" \
	    -- /bin/sh -c 'touch /x/sub/f; grep " /x" /proc/self/mountinfo'
	[ "$status" -eq 0 ]
	[[ $output == *"/x/sub/f: Read-only file system"* ]]
	[ "$(grep -c ' /x[^ ]* ro,nosuid,nodev' <<<"$output")" -eq 3 ]
	[ "$(grep -c ' /proc/sys ro,' <<<"$output")" -eq 0 ] # /x lines only
}

@test "a source mounted read-only and noexec stays so bound without :ro, with the mount API and with the fallback" {
	local d=$MT_DATA/scratch/$MT_A/rox how
	local cmd='touch /x/new; /x/prog; grep " /x " /proc/self/mountinfo; echo end'
	mkdir -p "$d"
	mount -t tmpfs -o mode=0755 tmpfs "$d"
	printf '#!/bin/sh\necho prog-ran\n' >"$d/prog"
	chmod 0755 "$d/prog"
	chown "$MT_A:" "$d"
	mount -o remount,ro,noexec "$d"
	for how in api fallback; do
		if [ "$how" = api ]; then
			mt_runa -p "$MT_DATA/scratch" -b "$d:/x:-:user" -- \
			    /bin/sh -c "$cmd"
		else
			run strace -f -o /dev/null \
			    -e inject=mount_setattr:error=ENOSYS "$MT_DRV" \
			    -l "$(mt_hex base):$(mt_link B000)" \
			    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" \
			    -p "$MT_DATA/scratch" -b "$d:/x:-:user" -- \
			    /bin/sh -c "$cmd"
		fi
		[ "$status" -eq 0 ]
		[[ $output == *"/x/new: Read-only file system"* ]]
		[[ $output == *"/x/prog: Permission denied"* ]]
		[[ $output != *prog-ran* ]]
		grep -q ' /x ro,[^ ]*noexec' <<<"$output"
	done
	umount "$d"
	rmdir "$d"
}

@test "fallback without fsopen: the overlay is mounted with the legacy options" {
	command -v strace >/dev/null || skip "strace missing"
	run strace -f -o /dev/null -e inject=fsopen:error=ENOSYS \
	    "$MT_DRV" -l "$(mt_hex base):$(mt_link B000)" \
	    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" -- \
	    /bin/grep " / " /proc/self/mountinfo
	[ "$status" -eq 0 ]
	[[ $output == *"lowerdir=$(mt_link B000),"* ]]
}

@test "bind destinations refused: /proc, /sys, /dev, /, /etc, generated files" {
	local d
	for d in /proc /proc/sys /dev /dev/null /sys/fs/cgroup / /etc \
	    /etc/passwd /etc/group /etc/hosts /etc/resolv.conf /usr/../proc; do
		mt_runa -p "$MT_DATA/scratch" \
		    -b "$MT_DATA/scratch/$MT_A:$d:-:user" -- /bin/true
		[ "$status" -eq 125 ] || { echo "$d: $output"; false; }
	done
}

@test "a destination through a symlink in a bound home stays out of /proc" {
	ln -sfn /proc/sys "/home/$MT_A/evil"
	mt_runa -b "/home/$MT_A:/home/$MT_A:-:admin" -p "$MT_DATA/scratch" \
	    -b "$MT_DATA/scratch/$MT_A:/home/$MT_A/evil:-:user" -- /bin/true
	rm -f "/home/$MT_A/evil"
	[ "$status" -eq 125 ]
	[[ $output == *"/proc/sys"* ]]
}

@test "missing destinations are made in the image, never in a bound host tree" {
	mt_runa -b "/home/$MT_A:/home/$MT_A:-:admin" -p "$MT_DATA/scratch" \
	    -b "$MT_DATA/scratch/$MT_A:/home/$MT_A/new/x:-:user" -- /bin/true
	[ "$status" -eq 125 ]
	[ ! -e "/home/$MT_A/new" ]
	mt_runa -p "$MT_DATA/scratch" -b "$MT_DATA/scratch/$MT_A:/a/b/c:-:user" \
	    -- /bin/ls /a/b/c
	[ "$status" -eq 0 ]
	[[ $output == *hidden* ]]
}

@test "hostile image: /etc/passwd -> /etc/shadow does not leak the host's shadow" {
	local d
	d=$(mt_layer pwevil "$(mt_link P001)")
	mkdir -p "$d/etc"
	ln -s /etc/shadow "$d/etc/passwd"
	ln -s ../../../../etc/shadow "$d/etc/group"
	mt_runa -l "$(mt_hex pwevil):$(mt_link P001)" -- /bin/cat /etc/passwd \
	    /etc/group
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[0]} == "$MT_A:x:"* ]]
	! grep -Fxf /etc/shadow <<<"$output" || false
}

@test "hostile image: FIFO and oversized /etc/passwd neither hang nor leak" {
	local d
	d=$(mt_layer pwfifo "$(mt_link P002)")
	mkdir -p "$d/etc"
	mkfifo "$d/etc/passwd"
	truncate -s 2M "$d/etc/group"
	run timeout 20 "$MT_DRV" -l "$(mt_hex base):$(mt_link B000)" \
	    -l "$(mt_hex pwfifo):$(mt_link P002)" \
	    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" -- /bin/true
	[ "$status" -eq 125 ]
	[[ $output == *"larger than"* ]]
}

@test "hostile image: /dev and /proc symlinks to host paths redirect nothing" {
	local d out=/tmp/outside-dev.$MT_TAG
	mkdir -p "$out"
	echo marker >"$out/ptmx"
	chmod 0600 "$out/ptmx"
	d=$(mt_layer devevil "$(mt_link D001)")
	ln -s "$out" "$d/dev"
	ln -s /etc "$d/proc"
	ln -s /etc "$d/sys"
	mt_runa -l "$(mt_hex devevil):$(mt_link D001)" -- /bin/sh -c \
	    'stat -c "%t:%T" /dev/null; stat -f -c %T /proc /sys; ls /dev/pts'
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 1:3 ]
	[ "${lines[1]}" = proc ]
	[ "${lines[2]}" = sysfs ]
	[ "$(ls -A "$out")" = ptmx ]
	[ "$(cat "$out/ptmx")" = marker ]
	! grep -q " $out" /proc/self/mountinfo || false
}

@test "hostile image: mountpoints through symlinks stay inside the root" {
	local d
	d=$(mt_layer mpevil "$(mt_link M001)")
	ln -s /etc "$d/home"
	ln -s /tmp "$d/a"
	ln -s ../../proc "$d/pp"
	ln -s /etc/passwd "$d/pw"
	mt_runa -l "$(mt_hex mpevil):$(mt_link M001)" \
	    -b "/home/$MT_A:/home/$MT_A:-:admin" -- \
	    /bin/sh -c "ls -d /etc/$MT_A /home/$MT_A"
	[ "$status" -eq 0 ]
	[ ! -e "/etc/$MT_A" ]
	# Image symlinks to /proc or the generated files are seen through.
	mt_runa -l "$(mt_hex mpevil):$(mt_link M001)" -p "$MT_DATA/scratch" \
	    -b "$MT_DATA/scratch/$MT_A:/pp/sys:-:user" -- /bin/true
	[ "$status" -eq 125 ]
	[[ $output == *"resolves to /proc/sys"* ]]
	mt_runa -l "$(mt_hex mpevil):$(mt_link M001)" -p "$MT_DATA" \
	    -b "$MT_DATA/scratch/$MT_A/file:/pw:-:user" -- /bin/true
	[ "$status" -eq 125 ]
	[[ $output == *"covers the generated /etc/passwd"* ]]
	# /a -> /tmp: made in the container's own /tmp, never the host's.
	mt_runa -l "$(mt_hex mpevil):$(mt_link M001)" -p "$MT_DATA/scratch" \
	    -b "$MT_DATA/scratch/$MT_A:/a/b$MT_TAG/c:-:user" -- \
	    /bin/ls /tmp/b$MT_TAG/c
	[ "$status" -eq 0 ]
	[[ $output == *hidden* ]]
	[ ! -e "/tmp/b$MT_TAG" ]
}

@test "no mount is visible on the host during or after a run" {
	local before during after
	before=$(grep -c "$CTL_ROOT" /proc/self/mountinfo || true)
	"$MT_DRV" -l "$(mt_hex base):$(mt_link B000)" \
	    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" \
	    -p "$MT_DATA/scratch" -b "$MT_DATA/scratch/$MT_A:/x:-:user" \
	    -- /bin/sleep 3 &
	sleep 1.5
	during=$(grep -c "$CTL_ROOT" /proc/self/mountinfo || true)
	wait
	after=$(grep -c "$CTL_ROOT" /proc/self/mountinfo || true)
	[ "$before" = "$during" ]
	[ "$before" = "$after" ]
	# The scratch tmpfs (upper, work, root, generated files) never
	# reaches the host's run directory.
	local f
	for f in upper work root empty null passwd group; do
		[ ! -e "$CTL_ROOT/run/$f" ]
	done
}

@test "-t: the pty comes from the container's own devpts" {
	mt_runa -t -- /bin/sh -c 'readlink /proc/self/fd/0; ls /dev/pts'
	[ "$status" -eq 0 ]
	[[ ${lines[0]} == /dev/pts/0* ]]
}

@test "images of 150 and 400 layers launch (one page is not a limit)" {
	local i d layers=()
	for i in $(seq 1 400); do
		d=$(mt_layer "n$i" "$(mt_link "$(printf 'N%03d' "$i")")")
		echo "$i" >"$d/layer$i"
		layers+=(-l "$(mt_hex "n$i"):$(mt_link "$(printf 'N%03d' "$i")")")
	done
	mt_runa "${layers[@]:0:300}" -- /bin/cat /layer1 /layer150
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = 150 ]
	mt_runa "${layers[@]}" -- /bin/cat /layer400
	[ "$status" -eq 0 ]
	[ "$output" = 400 ]
	# Without lowerdir+ (fsopen unavailable), 150 layers still fit in one
	# page; 400 are refused with the reason.
	run strace -f -o /dev/null -e inject=fsopen:error=ENOSYS "$MT_DRV" \
	    -l "$(mt_hex base):$(mt_link B000)" "${layers[@]:0:300}" \
	    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" -- \
	    /bin/cat /layer150
	[ "$output" = 150 ]
	run strace -f -o /dev/null -e inject=fsopen:error=ENOSYS "$MT_DRV" \
	    -l "$(mt_hex base):$(mt_link B000)" "${layers[@]}" \
	    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" -- /bin/true
	[ "$status" -eq 125 ]
	[[ $output == *"do not fit in one mount"* ]]
}

@test "fallback without overlay lowerdir+ (Linux < 6.8): legacy options" {
	command -v strace >/dev/null || skip "strace missing"
	run strace -f -o /dev/null -e inject=fsconfig:error=EINVAL \
	    "$MT_DRV" -l "$(mt_hex base):$(mt_link B000)" \
	    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" -- \
	    /bin/grep " / " /proc/self/mountinfo
	[ "$status" -eq 0 ]
	[[ $output == *"lowerdir=$(mt_link B000),"* ]]
}

@test "layers are locked shared for the container's life; a missing one is named" {
	local hex
	hex=$(mt_hex base)
	"$MT_DRV" -l "$hex:$(mt_link B000)" \
	    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):/:/bin/sh" \
	    -- /bin/sleep 3 &
	sleep 1.5
	run flock -n -x "$CTL_STORE/layers/$hex" true
	[ "$status" -ne 0 ]
	run flock -n -s "$CTL_STORE/layers/$hex" true
	[ "$status" -eq 0 ]
	wait
	run flock -n -x "$CTL_STORE/layers/$hex" true
	[ "$status" -eq 0 ]
	mt_runa -l "$(mt_hex missing):$(mt_link X001)" -- /bin/true
	[ "$status" -eq 125 ]
	[[ $output == *"layer $(mt_hex missing) is missing (removed or imported again meanwhile? try again; if it stays, re-import the image)"* ]]
}

@test "rename-exchange race on the source never binds what the user cannot read" {
	command -v python3 >/dev/null || skip "python3 missing"
	local sec=/root/mt-sec-$MT_TAG h=/home/$MT_A i n=0 bad=0
	mkdir -p "$sec" "$h/a"
	chmod 0755 "$sec"
	echo secret >"$sec/secret"
	echo mine >"$h/a/mine"
	chown -R "$MT_A:" "$h/a"
	ln -sfn "$sec" "$h/b"
	chown -h "$MT_A:" "$h/b"
	rm -f "$h/.stop"
	ctl_as "$MT_A" python3 "$CTL_SRC/tests/integration/renamex.py" \
	    "$h/a" "$h/b" "$h/.stop" &
	local racer=$!
	for i in $(seq 1 50); do
		run "$MT_DRV" -l "$(mt_hex base):$(mt_link B000)" \
		    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):$h:/bin/sh" \
		    -p /home -p /root -b "$h/a:/d:-:user" -- /bin/ls /d
		[[ $output == *secret* ]] && bad=$((bad + 1))
		[ "$status" -eq 0 ] && n=$((n + 1))
	done
	touch "$h/.stop"
	wait "$racer" || true
	rm -rf "$sec" "$h/a" "$h/b"
	echo "# bound $n of 50, leaked $bad" >&3
	[ "$bad" -eq 0 ]
	[ "$n" -gt 0 ]
}

@test "rename-exchange race on a destination in a bound home never reaches /proc" {
	command -v python3 >/dev/null || skip "python3 missing"
	local h=/home/$MT_A i n=0 bad=0
	mkdir -p "$h/scratch"
	ln -sfn /proc/sys "$h/swap"
	chown -h "$MT_A:" "$h/scratch" "$h/swap"
	rm -f "$h/.stop"
	ctl_as "$MT_A" python3 "$CTL_SRC/tests/integration/renamex.py" \
	    "$h/scratch" "$h/swap" "$h/.stop" &
	local racer=$!
	for i in $(seq 1 50); do
		run "$MT_DRV" -l "$(mt_hex base):$(mt_link B000)" \
		    -u "$MT_A:$(id -u "$MT_A"):$(id -g "$MT_A"):$h:/bin/sh" \
		    -b "$h:$h:-:admin" -p "$MT_DATA/scratch" \
		    -b "$MT_DATA/scratch/$MT_A:$h/scratch:-:user" -- \
		    /bin/sh -c 'echo "sub $(grep -c " /proc/sys[/ ]" /proc/self/mountinfo)";
		    echo "kernel $(ls /proc/sys | grep -c "^kernel\$")"'
		# The container ran: /proc/sys has its one mount (read-only)
		# and still lists kernel; a bind landed on it would show either.
		[ "$status" -eq 0 ] && n=$((n + 1))
		if [ "$status" -eq 0 ] &&
		    { [ "${lines[0]}" != "sub 1" ] || [ "${lines[1]}" != "kernel 1" ]; }; then
			echo "# run $i: $output" >&3
			bad=$((bad + 1))
		fi
	done
	touch "$h/.stop"
	wait "$racer" || true
	rm -rf "$h/scratch" "$h/swap"
	echo "# bound $n of 50, bad $bad" >&3
	[ "$bad" -eq 0 ]
	[ "$n" -gt 0 ]
}
