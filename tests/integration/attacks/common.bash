# Shared set-up of the attack-class suite (tests/integration/attacks/).
# Load with:  load ../lib; load common; load post
#
# setup_file: atk_setup_file creates, with one random tag,
#   ATK_A, ATK_B    two allowed users (group ATK_GOK), ATK_A also in ATK_GNEG
#   ATK_C           a user in no allowed group (no image granted: denied)
#   ATK_SRV         /srv/ctl-<tag>: admin paths some users may bind
#   canaries        /etc, /root, /var/lib and ATK_B's home (see post.bash)
#   ATK_BIN         the attack programs (probe, xchg, exec0, evil.so), in
#                   ATK_A's home so the container sees them at the same path
# and sets fs.protected_{symlinks,hardlinks,fifos,regular} to 0 (and
# dev.tty.legacy_tiocsti to 1) for the file's duration: the helper must
# not rely on them.  They are restored by atk_teardown_file, and by a
# watchdog if the bats process dies first.

ATK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ATK_SYSCTLS="fs.protected_symlinks=0 fs.protected_hardlinks=0 fs.protected_fifos=0 fs.protected_regular=0 dev.tty.legacy_tiocsti=1"

atk_sysctl_save_and_set() {
	local saved=$CTL_ROOT/attacks-sysctl.saved kv k
	# A file left by a run that died keeps the original values.
	if [ ! -s "$saved" ]; then
		: >"$saved.new"
		for kv in $ATK_SYSCTLS; do
			k=${kv%%=*}
			[ -e "/proc/sys/${k//.//}" ] || continue
			echo "$k=$(sysctl -n "$k")" >>"$saved.new"
		done
		mv "$saved.new" "$saved"
	fi
	for kv in $ATK_SYSCTLS; do
		k=${kv%%=*}
		[ -e "/proc/sys/${k//.//}" ] || continue
		sysctl -q -w "$kv" >/dev/null
	done
	# The watchdog restores them when this bats file's process ends,
	# however it ends.
	(
		trap 'atk_sysctl_restore' EXIT
		while kill -0 "$1" 2>/dev/null; do sleep 1; done
	) </dev/null >/dev/null 2>&1 3>&- &
	echo $! >"$CTL_ROOT/attacks-sysctl.watchdog"
}

atk_sysctl_restore() {
	local saved=$CTL_ROOT/attacks-sysctl.saved kv
	[ -s "$saved" ] || return 0
	while read -r kv; do
		sysctl -q -w "$kv" >/dev/null 2>&1
	done <"$saved"
	rm -f "$saved"
}

atk_build() {
	local src=$ATK_DIR out=$ATK_BIN
	install -d -o "$ATK_A" -g "$ATK_A" -m 0755 "$out"
	cc -static -O2 -o "$out/probe" "$src/probe.c"
	cc -O2 -o "$out/xchg" "$src/xchg.c"
	cc -O2 -o "$out/exec0" "$src/exec0.c"
	cc -O2 -shared -fPIC -DCTL_EVIL_MARK="\"$ATK_EVILMARK\"" \
	    -o "$out/evil.so" "$src/evil.c"
	chmod 0755 "$out"/*
}

# atk_policy_default: install the suite's baseline policy.
atk_policy_default() {
	atk_policy_default_text | ctl_policy
}

atk_policy_default_text() {
	cat <<-EOF
	[default]
	max_containers = 4
	pids = 128
	memory = 512M
	cpus = 1
	tmpfs_size = 64M

	[group:$ATK_GOK]
	images = busybox
	images = $ATK_EVILIMG
	binds = %h:%h
	user_binds = %h
	user_binds = $ATK_SRV/shared
	user_binds = $ATK_SRV/ro:ro
	user_binds = $ATK_SRV/al
	network = host
	network = none
	EOF
}

atk_pam_permit() {
	printf 'account required pam_permit.so\nsession required pam_permit.so\n' \
	    >"$CTL_PAMD/ctr-launch"
	chmod 0644 "$CTL_PAMD/ctr-launch"
}

# atk_retry CMD...: other suites add users concurrently on this machine,
# and useradd fails while /etc/passwd is locked: retry a few times.
atk_retry() {
	local i
	for i in 1 2 3 4 5 6; do
		"$@" && return 0
		sleep 1
	done
	return 1
}

atk_setup_file() {
	local tag
	tag=$(ctl_tag)
	export ATK_TAG=$tag
	export ATK_A=${tag}a ATK_B=${tag}b ATK_C=${tag}c
	export ATK_GOK=${tag}ok ATK_GNEG=${tag}neg
	export ATK_SRV=/srv/ctl-$tag
	export ATK_BIN=/home/$ATK_A/atk
	export ATK_EVILMARK=/var/lib/ctl-evil-$tag
	export ATK_EVILIMG=evil$tag
	export ATK_CANARY_ETC=/etc/ctr-canary-$tag
	export ATK_CANARY_ROOT=/root/ctr-secret-$tag
	export ATK_CANARY_DIR=/var/lib/ctr-canary-dir-$tag
	export ATK_CANARY_TEXT="canary-$tag-$RANDOM$RANDOM"

	atk_sysctl_save_and_set "$$"

	atk_retry ctl_groupadd "$ATK_GOK"
	atk_retry ctl_groupadd "$ATK_GNEG"
	atk_retry ctl_useradd "$ATK_A" -G "$ATK_GOK,$ATK_GNEG"
	atk_retry ctl_useradd "$ATK_B" -G "$ATK_GOK"
	atk_retry ctl_useradd "$ATK_C"
	# A uid is reused once its user is deleted: a cgroup some earlier
	# suite's dead launch left under ctr-launch/u<uid> is not ours.
	local u d
	for u in "$ATK_A" "$ATK_B" "$ATK_C"; do
		for d in /sys/fs/cgroup/*/ctr-launch/u"$(id -u "$u")"/*/ \
		    /sys/fs/cgroup/ctr-launch/u"$(id -u "$u")"/*/ \
		    /sys/fs/cgroup/*/ctr-launch/u"$(id -u "$u")" \
		    /sys/fs/cgroup/ctr-launch/u"$(id -u "$u")"; do
			if [ -d "$d" ]; then rmdir "$d" 2>/dev/null || true; fi
		done
	done

	# Canaries (post.bash hashes them before and after every test).
	echo "$ATK_CANARY_TEXT" >"$ATK_CANARY_ETC"
	chmod 0644 "$ATK_CANARY_ETC"
	install -d -m 0755 "$ATK_CANARY_ROOT" "$ATK_CANARY_DIR"
	echo "$ATK_CANARY_TEXT" >"$ATK_CANARY_ROOT/file"
	echo "$ATK_CANARY_TEXT" >"$ATK_CANARY_DIR/file"
	install -d -o "$ATK_B" -g "$ATK_B" -m 0700 "/home/$ATK_B/private"
	echo "$ATK_CANARY_TEXT" >"/home/$ATK_B/private/f"
	chown "$ATK_B:$ATK_B" "/home/$ATK_B/private/f"
	chmod 0600 "/home/$ATK_B/private/f"
	# A file ATK_A must not read although others may: its group is one
	# of ATK_A's groups (a "negative" group, CVE-2014-8989).
	echo "$ATK_CANARY_TEXT" >"/home/$ATK_A/neg"
	chown "root:$ATK_GNEG" "/home/$ATK_A/neg"
	chmod 0604 "/home/$ATK_A/neg"

	# Admin paths.
	install -d -m 0755 "$ATK_SRV" "$ATK_SRV/shared" "$ATK_SRV/ro"
	install -d -o "$ATK_A" -m 0755 "$ATK_SRV/alice" "$ATK_SRV/ro/mine"
	install -d -m 0700 "$ATK_SRV/shared/locked"
	echo "$ATK_CANARY_TEXT" >"$ATK_SRV/shared/locked/exists"
	chmod 0644 "$ATK_SRV/shared/locked/exists"
	echo "$ATK_CANARY_TEXT" >"$ATK_SRV/shared/rootonly"
	chmod 0600 "$ATK_SRV/shared/rootonly"
	echo public >"$ATK_SRV/shared/public"
	chmod 0644 "$ATK_SRV/shared/public"

	atk_build
	atk_policy_default
	# The installed PAM service is put back by atk_teardown_file.
	rm -f "$CTL_ROOT/attacks-pam.saved"
	if [ -e "$CTL_PAMD/ctr-launch" ]; then
		cp -p "$CTL_PAMD/ctr-launch" "$CTL_ROOT/attacks-pam.saved"
	fi
	atk_pam_permit
	if [ -x "$CTL_IMAGETOOL" ]; then
		ctl_image_busybox busybox:latest >/dev/null 2>&1 || true
	fi
}

atk_teardown_file() {
	local w
	w=$(cat "$CTL_ROOT/attacks-sysctl.watchdog" 2>/dev/null)
	[ -n "$w" ] && kill "$w" 2>/dev/null
	rm -f "$CTL_ROOT/attacks-sysctl.watchdog"
	atk_sysctl_restore
	for u in "$ATK_A" "$ATK_B" "$ATK_C"; do
		[ -n "$u" ] && ctl_userdel "$u"
	done
	for g in "$ATK_GOK" "$ATK_GNEG"; do
		[ -n "$g" ] && groupdel "$g" 2>/dev/null
	done
	grep -qs "ctr-secret-$ATK_TAG" <<<"$ATK_CANARY_ROOT" && rm -rf "$ATK_CANARY_ROOT"
	[ -n "$ATK_TAG" ] && rm -rf "$ATK_SRV" "$ATK_CANARY_DIR" "$ATK_CANARY_ETC" "$ATK_EVILMARK"
	if [ -x "$CTL_IMAGETOOL" ]; then
		"$CTL_IMAGETOOL" rm "$ATK_EVILIMG" >/dev/null 2>&1 || true
	fi
	atk_policy_default
	if [ -e "$CTL_ROOT/attacks-pam.saved" ]; then
		mv -f "$CTL_ROOT/attacks-pam.saved" "$CTL_PAMD/ctr-launch"
	else
		rm -f "$CTL_PAMD/ctr-launch"
	fi
	return 0
}

# atk_need_helper: fails unless the helper, ctr-image and the test image are there.
atk_need_helper() {
	# Everything the suites exercise has landed: a missing piece is a
	# failure, never a skip.
	[ -x "$CTL_BIN" ] || { echo "ctr-launch is not installed" >&2; return 1; }
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	"$CTL_IMAGETOOL" list 2>/dev/null | grep -q busybox ||
	    { echo "the busybox test image is missing" >&2; return 1; }
}

# atk_need_opt OPTION: fails when `ctr-launch --help` does not name OPTION.
atk_need_opt() {
	atk_need_helper
	"$CTL_BIN" --help 2>&1 | grep -q -e "$1" || { echo "ctr-launch --help does not name $1" >&2; return 1; }
}

# atk_run USER ARG...: run the helper as USER; sets $status/$output.
atk_run() {
	local u=$1
	shift
	run ctl_as "$u" "$CTL_BIN" "$@"
}

# atk_refused: the last run was a refusal (exit 125, one ctr-launch: line).
atk_refused() {
	if [ "$status" != 125 ]; then
		echo "expected exit 125, got $status: $output" >&2
		return 1
	fi
	if ! grep -q '^ctr-launch: ' <<<"$output"; then
		echo "no 'ctr-launch:' message: $output" >&2
		return 1
	fi
}

# atk_no_canary: the last output does not contain the canary text.
atk_no_canary() {
	if grep -qF "$ATK_CANARY_TEXT" <<<"$output"; then
		echo "canary content leaked: $output" >&2
		return 1
	fi
}

# atk_uid USER
atk_uid() { id -u "$1"; }

# atk_pids_of USER: the pids of USER's processes, one per line.
atk_pids_of() { pgrep -u "$(atk_uid "$1")" || true; }

# atk_helper_pids: every process running our installed helper binary.
atk_helper_pids() {
	local p
	# A test of the shell's (no process per entry): a scan must fit in
	# the windows the callers hold open, on a slow machine too.
	for p in /proc/[0-9]*; do
		[ "$p/exe" -ef "$CTL_BIN" ] && echo "${p#/proc/}"
	done
	return 0
}

# atk_keeper_pid NAME: the pid of the keeper (root's) of a detached
# container NAME started with `run -d --name NAME`.
atk_keeper_pid() { pgrep -U 0 -u 0 -f "^$CTL_BIN run -d --name $1 "; }

# atk_probe_held USER TRACER OUT: while TRACER (a strace that holds each
# setresuid of the helper's processes open for a while) runs, reads as
# USER the /proc/PID/environ of every helper process whose real,
# effective or saved uid is USER's; appends "r e s READ|DENIED" per look
# to OUT.  A helper process in the middle of its drop must never be
# readable by the caller (creds.c, creds_ids_at).  A read counts only if
# the process still runs the helper after it: an exec only ever leaves
# the helper, so it did during the read; one that exec'd its command
# meanwhile (the caller's own, readable) is not a look at the helper.
atk_probe_held() {
	local u p ids n=0
	u=$(atk_uid "$1")
	while kill -0 "$2" 2>/dev/null && [ "$n" -lt 300 ]; do
		for p in $(atk_helper_pids); do
			ids=$(awk '/^Uid:/ {print $2, $3, $4}' "/proc/$p/status" 2>/dev/null) || continue
			case " $ids " in *" $u "*) ;; *) continue ;; esac
			if ctl_as "$1" cat "/proc/$p/environ" >/dev/null 2>&1; then
				[ "/proc/$p/exe" -ef "$CTL_BIN" ] &&
				    echo "$ids READ" >>"$3"
			else
				echo "$ids DENIED" >>"$3"
			fi
		done
		sleep 0.05
		n=$((n + 1))
	done
}

# atk_wait_for COUNT CMD...: poll CMD every 0.1 s, at most COUNT times.
atk_wait_for() {
	local n=$1
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

# atk_start_bg USER ARG...: start a long-running launch in the background
# as USER; sets ATK_BG_PID (the front process P0, the caller's).
atk_start_bg() {
	local u=$1
	shift
	ctl_as "$u" "$CTL_BIN" "$@" </dev/null >"$BATS_TEST_TMPDIR/bg.out" 2>&1 3>&- &
	ATK_BG_PID=$!
	echo "$u" >>"$BATS_TEST_TMPDIR/bg.users"
}

# atk_stop_bg: what a user does with a container they no longer want:
# signal their own front process (P0); then wait (10 s at most) until
# nothing of theirs is left.  post_after calls it before its checks.
atk_stop_bg() {
	local u p
	[ -f "$BATS_TEST_TMPDIR/bg.users" ] || return 0
	for u in $(sort -u "$BATS_TEST_TMPDIR/bg.users"); do
		while p=$(atk_front_pid "$u"); do
			ctl_as "$u" kill -TERM "$p" 2>/dev/null || break
			atk_wait_for 50 test ! -e "/proc/$p" || break
		done
		atk_wait_for 100 atk_no_procs "$u" || true
	done
	rm -f "$BATS_TEST_TMPDIR/bg.users"
}

# atk_front_pid USER: the front process P0 of USER's launch (the helper
# binary, USER's uid, in the host pid namespace only).
atk_front_pid() {
	local p uid
	uid=$(atk_uid "$1")
	for p in $(atk_helper_pids); do
		grep -qE "^Uid:[[:space:]]+$uid[[:space:]]" "/proc/$p/status" 2>/dev/null || continue
		grep -qE '^NSpid:[[:space:]]+[0-9]+$' "/proc/$p/status" 2>/dev/null || continue
		echo "$p"
		return 0
	done
	return 1
}

# atk_has_payload USER [N]: USER has at least N (1) sleep payloads.
atk_has_payload() {
	[ "$(pgrep -u "$(atk_uid "$1")" -x sleep | wc -l)" -ge "${2:-1}" ]
}

atk_no_procs() { [ -z "$(atk_pids_of "$1")" ]; }
atk_no_helpers() { [ -z "$(atk_helper_pids)" ]; }

# atk_payload_pid USER: the pid (host view) of USER's `sleep` payload.
atk_payload_pid() {
	pgrep -u "$(atk_uid "$1")" -x sleep | head -n 1
}

# atk_sysctl_tmp KEY VALUE: set a sysctl for this test only (post.bash's
# teardown restores it).
atk_sysctl_tmp() {
	echo "$1=$(sysctl -n "$1")" >>"$BATS_TEST_TMPDIR/sysctl.restore"
	sysctl -q -w "$1=$2" >/dev/null
}

atk_sysctl_tmp_restore() {
	local kv
	[ -f "$BATS_TEST_TMPDIR/sysctl.restore" ] || return 0
	tac "$BATS_TEST_TMPDIR/sysctl.restore" | while read -r kv; do
		sysctl -q -w "$kv" >/dev/null
	done
	rm -f "$BATS_TEST_TMPDIR/sysctl.restore"
}
