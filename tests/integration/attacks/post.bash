# Post-conditions checked after every attack test (DESIGN and the attack
# catalog, section 0.3): whatever the attack did, afterwards
#   1. the host's mount table is unchanged;
#   2. the canary files (and the installed helper, policy) are unchanged;
#   3. no new root-owned file in /tmp, /var/tmp, /dev/shm or the test homes;
#   4. no cgroup of the test users is left under the ctr-launch subtree;
#   5. no process of the test users, and no process of the helper;
#   6. no core file.
# Load after common.bash; the file's setup()/teardown() call post_before
# and post_after.

post_mounts() {
	# Other developers' test prefixes may mount and unmount while we run.
	grep -vE " /var/lib/ctr-launch-(test|demo|bench)[^ ]*" /proc/self/mountinfo |
	    grep -vE " /run/user/| /run/netns| /proc/sys/fs/binfmt_misc" || true
	grep -E " /var/lib/ctr-launch-test-hardening[/ ]" /proc/self/mountinfo || true
}

post_canaries() {
	local f
	for f in "$ATK_CANARY_ETC" "$ATK_CANARY_ROOT" "$ATK_CANARY_ROOT/file" \
	    "$ATK_CANARY_DIR" "/home/$ATK_B/private" "/home/$ATK_B/private/f" \
	    "/home/$ATK_A/neg" "$ATK_SRV/shared/locked/exists" \
	    "$ATK_SRV/shared/rootonly" "$CTL_BIN"; do
		stat -c '%n %a %u %g %s %h %Y' "$f" 2>&1 || true
		if [ -f "$f" ]; then sha256sum "$f"; fi
	done
	sha256sum "$CTL_POLICY" 2>&1 || true
	find "$ATK_CANARY_DIR" "$ATK_CANARY_ROOT" -printf '%p %m %u %s %T@\n' 2>&1 | sort
	return 0
}

post_before() {
	POST_DIR=$BATS_TEST_TMPDIR/post
	mkdir -p "$POST_DIR"
	post_mounts >"$POST_DIR/mounts"
	post_canaries >"$POST_DIR/canaries"
	touch "$POST_DIR/stamp"
}

# /dev/shm and the test homes are checked strictly.  /tmp and /var/tmp are
# shared with every other root process of this machine (builds, other test
# runs), so there only names a launcher would use count: anything with
# ctr-launch or the suite's tag in its path, and anything inside a directory
# a test user owns.
post_new_root_files() {
	local homes=() u
	for u in "$ATK_A" "$ATK_B" "$ATK_C"; do
		[ -d "/home/$u" ] && homes+=("/home/$u")
	done
	find /dev/shm "${homes[@]}" -xdev -mindepth 1 -uid 0 \
	    -newer "$POST_DIR/stamp" -print 2>/dev/null
	find /tmp /var/tmp -xdev -mindepth 1 \( -path '/tmp/bats-*' -o \
	    -path "$POST_DIR" \) -prune -o -uid 0 -newer "$POST_DIR/stamp" \
	    \( -path '*ctr-launch*' -o -path "*$ATK_TAG*" \) -print 2>/dev/null
	for u in "$ATK_A" "$ATK_B" "$ATK_C"; do
		id -u "$u" >/dev/null 2>&1 || continue
		find /tmp /var/tmp -xdev -mindepth 1 -maxdepth 3 -type d -user "$u" \
		    -exec find {} -xdev -mindepth 1 -uid 0 -newer "$POST_DIR/stamp" \; 2>/dev/null
	done
	return 0
}

# Once nothing of the test users runs, neither their container cgroups nor
# their ctr-launch/u<uid> directories may be left (a refused launch
# included).
post_cgroups() {
	local u uid
	for u in "$ATK_A" "$ATK_B" "$ATK_C"; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		find /sys/fs/cgroup/*/ctr-launch/u"$uid" /sys/fs/cgroup/ctr-launch/u"$uid" \
		    -mindepth 1 -maxdepth 1 -type d 2>/dev/null
		find /sys/fs/cgroup/*/ctr-launch /sys/fs/cgroup/ctr-launch \
		    -mindepth 1 -maxdepth 1 -type d -name "u$uid" 2>/dev/null
	done
	return 0
}

post_procs() {
	local u uids=,
	for u in "$ATK_A" "$ATK_B" "$ATK_C"; do
		uids=$uids$(id -u "$u" 2>/dev/null),
	done
	# One ps: the test users' processes and any process of our helper.
	ps -e -o uid=,pid=,args= | awk -v u="$uids" -v b="$CTL_BIN" \
	    'index(u, "," $1 ",") || $3 == b'
	return 0
}

post_no_procs() { [ -z "$(post_procs)" ]; }

post_cores() {
	local d
	for d in / /tmp "$BATS_TEST_DIRNAME" "$CTL_SRC" /home/"$ATK_A" \
	    /home/"$ATK_B" /home/"$ATK_C" /var/crash /var/lib/systemd/coredump; do
		[ -d "$d" ] || continue
		find "$d" -maxdepth 1 \( -name core -o -name 'core.[0-9]*' \) \
		    -newer "$POST_DIR/stamp" -print 2>/dev/null
	done
}

post_after() {
	local bad=0 out
	[ -n "${POST_DIR:-}" ] && [ -e "$POST_DIR/stamp" ] || return 0
	# Containers the test left running are stopped the way their user
	# would (SIGTERM to their own front process); then, after a moment
	# (the keeper tears down before it reports), nothing may be left.
	atk_stop_bg
	atk_wait_for 50 post_no_procs || true
	out=$(post_procs)
	if [ -n "$out" ]; then
		echo "post: processes left: $out" >&2
		bad=1
	fi
	out=$(post_cgroups)
	if [ -n "$out" ]; then
		echo "post: cgroups left: $out" >&2
		bad=1
	fi
	if ! post_mounts | diff "$POST_DIR/mounts" - >&2; then
		echo "post: the host's mount table changed" >&2
		bad=1
	fi
	if ! post_canaries | diff "$POST_DIR/canaries" - >&2; then
		echo "post: a canary changed" >&2
		bad=1
	fi
	out=$(post_new_root_files)
	if [ -n "$out" ]; then
		echo "post: new root-owned files: $out" >&2
		bad=1
	fi
	out=$(post_cores)
	if [ -n "$out" ]; then
		echo "post: core files: $out" >&2
		bad=1
	fi
	# Leave the next test a clean slate either way.
	post_kill_leftovers
	return $bad
}

post_kill_leftovers() {
	local u uid p
	for u in "$ATK_A" "$ATK_B" "$ATK_C"; do
		uid=$(id -u "$u" 2>/dev/null) || continue
		for p in $(pgrep -u "$uid"); do kill -KILL "$p" 2>/dev/null; done
	done
	for p in $(atk_helper_pids); do kill -KILL "$p" 2>/dev/null; done
	# A cgroup a failed test left (already reported) must not fail the
	# next test too.
	for p in $(post_cgroups | sort -r); do rmdir "$p" 2>/dev/null; done
	return 0
}

setup() {
	post_before
}

teardown() {
	atk_sysctl_tmp_restore
	post_after
}
