#!/usr/bin/env bats
# ctr-policy(8) and the policy trust check, as real users and groups.
# Every policy file lives inside $CTL_ROOT/etc (root-owned), never /tmp.

load lib

bats_require_minimum_version 1.5.0

setup_file() {
	export TAG
	TAG=$(ctl_tag)
	export GRP=pg$TAG AL=pa$TAG DEN=pd$TAG NOIMG=pn$TAG
	ctl_groupadd "$GRP"
	ctl_useradd "$AL" -G "$GRP"
	ctl_useradd "$DEN"
	ctl_useradd "$NOIMG"
	export POLDIR=$CTL_ROOT/etc/ctr-launch
	export IMGDIR=$CTL_STORE/images
	export FAKEIMG=$IMGDIR/ctltest-$TAG%3A1
	if [ -d "$CTL_STORE" ]; then
		install -d -m 0700 "$IMGDIR"
		: >"$FAKEIMG"
		chmod 0600 "$FAKEIMG"
	fi
}

teardown_file() {
	printf '[default]\nimages = busybox\n' | ctl_policy
	rm -f "$FAKEIMG"
	for u in "$AL" "$DEN" "$NOIMG"; do ctl_userdel "$u"; done
	groupdel "$GRP" 2>/dev/null || true
}

good_policy() {
	ctl_policy <<-EOF
	[global]
	max_total_containers = 10
	[default]
	images = busybox
	memory = 1G
	binds = %h:%h
	user_binds = %h
	[group:$GRP]
	images = ctltest-$TAG
	memory = 16G
	user_binds = /srv/data:ro
	[user:$AL]
	cpus = 2.5
	[user:$DEN]
	deny = yes
	[user:$NOIMG]
	images = nosuch-$TAG
	deny = no
	EOF
}

setup() {
	chmod 0755 "$POLDIR"
	rm -f "$POLDIR"/.policy.ini.* "$POLDIR"/target.ini
	good_policy
}

teardown() {
	chmod 0755 "$POLDIR"
	rm -f "$POLDIR"/.policy.ini.* "$POLDIR"/target.ini "$POLDIR"/draft.ini
	good_policy
}

@test "policy: version and --help" {
	run "$CTL_POLICYTOOL" version
	[ "$status" -eq 0 ]
	[[ $output == "ctr-policy "[0-9]* ]]
	run "$CTL_POLICYTOOL" --help
	[ "$status" -eq 0 ]
	[[ $output == *"ctr-policy check"* ]]
	run "$CTL_POLICYTOOL" frobnicate
	[ "$status" -eq 1 ]
	# A command's --help too; an option is never a file name.
	run -0 "$CTL_POLICYTOOL" check --help
	[[ $output == "usage: ctr-policy check"* ]]
	run -0 "$CTL_POLICYTOOL" explain -h
	[[ $output == "usage: ctr-policy check"* ]]
	run -1 "$CTL_POLICYTOOL" check --nope
	[ "${lines[0]}" = "ctr-policy: check: unknown option --nope" ]
}

@test "policy: check of a good installed policy prints OK" {
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"$CTL_POLICY: OK"* ]]
	run "$CTL_POLICYTOOL" check --strict "$CTL_POLICY"
	echo "$output"
	[ "$status" -eq 1 ] # the nosuch image pattern is a warning
}

@test "policy: check reports every error with file:line" {
	ctl_policy <<-EOF
	[default]
	images = busybox
	memroy = 2G
	cpus = 1.2345
	[users:bob]
	EOF
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$CTL_POLICY:3: unknown key \"memroy\""* ]]
	[[ $output == *"$CTL_POLICY:4: bad cpus value"* ]]
	[[ $output == *"$CTL_POLICY:5: unknown section"* ]]
	[[ $output != *OK* ]]
}

@test "policy: check rejects inih hazards" {
	printf '[default]\nimages = busybox\n  memory = 2G\nfoo: bar\n' | ctl_policy
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *":3: indented line"* ]]
	[[ $output == *":4: ':' before '='"* ]]
	printf '[default]\nimages = %s\n' "$(head -c 200 /dev/zero | tr '\0' a)" | ctl_policy
	run "$CTL_POLICYTOOL" check
	[ "$status" -eq 1 ]
	[[ $output == *":2: line longer than 190 bytes"* ]]
}

@test "policy: warnings for unknown users and groups, --strict fails" {
	ctl_policy <<-EOF
	[default]
	images = busybox
	[user:nobody$TAG]
	memory = 2G
	[group:nogroup$TAG]
	memory = 2G
	EOF
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *":3: warning: no user nobody$TAG"* ]]
	[[ $output == *":5: warning: no group nogroup$TAG"* ]]
	[[ $output == *"OK"* ]]
	run "$CTL_POLICYTOOL" check --strict
	[ "$status" -eq 1 ]
	[[ $output == *"warnings (--strict)"* ]]
}

@test "policy: warnings for a missing bind source and a doubled destination" {
	ctl_policy <<-EOF
	[default]
	images = busybox
	binds = /nonexistent-$TAG:/mnt/x
	[group:$GRP]
	binds = /etc:/mnt/x:ro
	EOF
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *":3: warning: bind source /nonexistent-$TAG"* ]]
	[[ $output == *":5: warning: user $AL: destination /mnt/x bound twice"* ]]
	run "$CTL_POLICYTOOL" explain "$AL"
	[ "$status" -eq 1 ]
	[[ $output == *"denied: destination /mnt/x bound twice"* ]]
	# a user outside the group is fine
	run "$CTL_POLICYTOOL" explain "$DEN"
	[ "$status" -eq 0 ]
}

@test "policy: warnings for binds and user_binds reached through a symlink or missing" {
	local real
	mkdir "$BATS_TEST_TMPDIR/real"
	ln -s real "$BATS_TEST_TMPDIR/sl"
	real=$(realpath "$BATS_TEST_TMPDIR/real")
	ctl_policy <<-EOF
	[default]
	images = busybox
	binds = $BATS_TEST_TMPDIR/sl:/mnt/y
	user_binds = $BATS_TEST_TMPDIR/sl
	user_binds = /nonexistent-$TAG
	user_binds = $real
	EOF
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *":3: warning: bind source $BATS_TEST_TMPDIR/sl resolves to $real"* ]]
	[[ $output == *":4: warning: user_binds path $BATS_TEST_TMPDIR/sl resolves to $real"* ]]
	[[ $output == *":5: warning: user_binds path /nonexistent-$TAG"* ]]
	[[ $output != *":6:"* ]]
}

@test "policy: check of the installed policy by another name is as strict as ctr-launch" {
	cp "$CTL_POLICY" "$POLDIR/target.ini"
	ln -sf target.ini "$CTL_POLICY"
	run "$CTL_POLICYTOOL" check
	[ "$status" -eq 1 ]
	[[ $output == *symlink* ]]
	run sh -c "cd '$POLDIR' && '$CTL_POLICYTOOL' check policy.ini"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *symlink* ]]
	run "$CTL_POLICYTOOL" check "$POLDIR//target.ini"
	[ "$status" -eq 1 ]
	[[ $output == *symlink* ]]
	# A draft that is a symlink is checked, with a warning.
	rm -f "$CTL_POLICY"
	cp "$POLDIR/target.ini" "$CTL_POLICY"
	ln -s target.ini "$POLDIR/draft.ini"
	run "$CTL_POLICYTOOL" check "$POLDIR/draft.ini"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"draft.ini: warning: would be refused as the installed policy: a symlink"* ]]
}

@test "policy: warning for an image pattern that matches no stored image" {
	[ -e "$FAKEIMG" ] || skip "no image store in the test prefix"
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[[ $output == *"warning: image pattern nosuch-$TAG:* matches no image"* ]]
	[[ $output != *"pattern ctltest-$TAG"* ]]
}

@test "policy: explain merges default, groups and user" {
	run "$CTL_POLICYTOOL" explain "$AL"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"groups: $AL $GRP"* ]]
	[[ $output == *allowed* ]]
	echo "$output" | grep -E "^images +busybox:\* +\[default\]$"
	echo "$output" | grep -E "^images +ctltest-$TAG:\* +\[group:$GRP\]$"
	echo "$output" | grep -E "^memory +16G +\[group:$GRP\]$"
	echo "$output" | grep -E "^cpus +2.500 +\[user:$AL\]$"
	echo "$output" | grep -E "^pids +256 +built-in$"
	echo "$output" | grep -E "^binds +/home/$AL:/home/$AL:rw +\[default\]$"
	echo "$output" | grep -E "^user_binds +/srv/data:ro +\[group:$GRP\]$"
	echo "$output" | grep -E "^max_total_containers +10 +\[global\]$"
}

@test "policy: explain a denied user and a user with no image" {
	run "$CTL_POLICYTOOL" explain "$DEN"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"denied: denied by [user:$DEN]"* ]]
	ctl_policy <<-EOF
	[group:$GRP]
	images = busybox
	EOF
	run "$CTL_POLICYTOOL" explain "$NOIMG"
	[ "$status" -eq 1 ]
	[[ $output == *"denied: no image granted by the policy"* ]]
	run "$CTL_POLICYTOOL" explain "$AL"
	[ "$status" -eq 0 ]
	run "$CTL_POLICYTOOL" explain "nosuchuser$TAG"
	[ "$status" -eq 1 ]
	[[ $output == *"no such user"* ]]
}

@test "policy: explain and check refuse a group-writable policy" {
	chmod 0664 "$CTL_POLICY"
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"policy.ini: refused: group-writable"* ]]
	run "$CTL_POLICYTOOL" explain "$AL"
	[ "$status" -eq 1 ]
	[[ $output == *"refused: group-writable"* ]]
	chmod 0646 "$CTL_POLICY"
	run "$CTL_POLICYTOOL" check
	[ "$status" -eq 1 ]
	[[ $output == *"refused: other-writable"* ]]
}

@test "policy: check refuses a policy owned by a user" {
	chown "$AL" "$CTL_POLICY"
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"refused: not owned by root"* ]]
}

@test "policy: check refuses a writable parent directory" {
	chmod 0775 "$POLDIR"
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"refused: directory $POLDIR is group-writable"* ]]
}

@test "policy: check refuses a symlinked policy" {
	cp -p "$CTL_POLICY" "$POLDIR/target.ini"
	ln -sf target.ini "$CTL_POLICY"
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"refused: a symlink"* ]]
	rm -f "$CTL_POLICY"
}

@test "policy: check of another file warns about trust, errors stay errors" {
	install -m 0664 /dev/null "$POLDIR/draft.ini"
	printf '[default]\nimages = busybox\n' >"$POLDIR/draft.ini"
	run "$CTL_POLICYTOOL" check "$POLDIR/draft.ini"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"warning: would be refused as the installed policy: refused: group-writable"* ]]
	[[ $output == *"draft.ini: OK"* ]]
}

make_editor() {
	# $1: the content to write into the file being edited
	printf '%s\n' "$1" >"$BATS_TEST_TMPDIR/content"
	cat >"$BATS_TEST_TMPDIR/ed.sh" <<-EOF
	#!/bin/sh
	cat "$BATS_TEST_TMPDIR/content" >"\$1"
	EOF
	chmod 0755 "$BATS_TEST_TMPDIR/ed.sh"
}

@test "policy: edit installs a good policy atomically as root 0644" {
	local before after
	before=$(stat -c %i "$CTL_POLICY")
	make_editor "[default]
images = busybox, alpine"
	chmod 0600 "$CTL_POLICY" # edit resets the mode
	run env -u VISUAL EDITOR="$BATS_TEST_TMPDIR/ed.sh" "$CTL_POLICYTOOL" edit </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	after=$(stat -c %i "$CTL_POLICY")
	[ "$before" != "$after" ] # replaced by rename, not rewritten
	[ "$(stat -c '%U:%G %a' "$CTL_POLICY")" = "root:root 644" ]
	grep -qx 'images = busybox, alpine' "$CTL_POLICY"
	[ -z "$(ls -A "$POLDIR" | grep '^\.policy\.ini\.')" ]
	run "$CTL_POLICYTOOL" check
	[ "$status" -eq 0 ]
}

@test "policy: edit fails when a directory above makes the policy untrusted" {
	make_editor "[default]
images = busybox, alpine"
	chmod 0775 "$POLDIR"
	run env -u VISUAL EDITOR="$BATS_TEST_TMPDIR/ed.sh" "$CTL_POLICYTOOL" edit </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"OK, installed"* ]]
	[[ $output == *"ctr-launch refuses it: refused: directory $POLDIR is group-writable"* ]]
	# Unchanged, the same.
	run env VISUAL=true "$CTL_POLICYTOOL" edit </dev/null
	[ "$status" -eq 1 ]
	[[ $output == *"ctr-launch refuses it"* ]]
	chmod 0755 "$POLDIR"
}

@test "policy: a bad edit leaves the installed policy unchanged" {
	local sum
	sum=$(sha256sum <"$CTL_POLICY")
	make_editor "[default]
images = busybox
memroy = 1G"
	run env -u VISUAL EDITOR="$BATS_TEST_TMPDIR/ed.sh" "$CTL_POLICYTOOL" edit </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$CTL_POLICY:3: unknown key \"memroy\""* ]]
	[[ $output == *"not changed"* ]]
	[ "$(sha256sum <"$CTL_POLICY")" = "$sum" ]
	[ -z "$(ls -A "$POLDIR" | grep '^\.policy\.ini\.')" ]
}

@test "policy: edit with no change, a failing editor, and VISUAL first" {
	local sum
	sum=$(sha256sum <"$CTL_POLICY")
	run env VISUAL=true EDITOR=false "$CTL_POLICYTOOL" edit </dev/null
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *unchanged* ]]
	run env -u VISUAL EDITOR=false "$CTL_POLICYTOOL" edit </dev/null
	[ "$status" -eq 1 ]
	[ "$(sha256sum <"$CTL_POLICY")" = "$sum" ]
	[ -z "$(ls -A "$POLDIR" | grep '^\.policy\.ini\.')" ]
	# An installed policy that does not load (written by hand), left
	# as it is: not a success, it still refuses every launch.
	ctl_policy <<-EOF
	[default]
	memroy = 1G
	EOF
	run env VISUAL=true "$CTL_POLICYTOOL" edit </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$CTL_POLICY:2: unknown key \"memroy\""* ]]
	[[ $output == *"not changed"* ]]
}

@test "policy: edit refuses while another edit holds the lock" {
	mkdir -p "$CTL_ROOT/run/ctr-launch"
	exec 9>>"$CTL_ROOT/run/ctr-launch/policy.lock"
	flock -n 9
	run env VISUAL=true "$CTL_POLICYTOOL" edit </dev/null
	exec 9>&-
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *busy* ]]
}

@test "policy: a bad edit on a terminal asks what now; e edits again" {
	command -v script >/dev/null || skip "script(1) not installed"
	local sum
	sum=$(sha256sum <"$CTL_POLICY")
	# first run writes a bad policy, the second a good one
	cat >"$BATS_TEST_TMPDIR/ed.sh" <<-EOF
	#!/bin/sh
	if [ -e "$BATS_TEST_TMPDIR/once" ]; then
		printf '[default]\nimages = alpine\n' >"\$1"
	else
		: >"$BATS_TEST_TMPDIR/once"
		printf '[default]\nimages = alpine\nmemroy = 1G\n' >"\$1"
	fi
	EOF
	chmod 0755 "$BATS_TEST_TMPDIR/ed.sh"
	run script -qec "env -u VISUAL EDITOR=$BATS_TEST_TMPDIR/ed.sh $CTL_POLICYTOOL edit" /dev/null <<<"x"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"What now?"* ]]
	[[ $output == *"not changed"* ]]
	[ "$(sha256sum <"$CTL_POLICY")" = "$sum" ]
	rm -f "$BATS_TEST_TMPDIR/once"
	run script -qec "env -u VISUAL EDITOR=$BATS_TEST_TMPDIR/ed.sh $CTL_POLICYTOOL edit" /dev/null <<<"e"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *"What now?"* ]]
	grep -qx 'images = alpine' "$CTL_POLICY"
	[ -z "$(ls -A "$POLDIR" | grep '^\.policy\.ini\.')" ]
}

# opens FILE: how often `ctr-policy check` opens FILE with the current policy.
opens() {
	strace -f -qq -e trace=openat -o "$BATS_TEST_TMPDIR/trace" \
	    "$CTL_POLICYTOOL" check >"$BATS_TEST_TMPDIR/out" 2>&1 || true
	grep -c "\"$1\"" "$BATS_TEST_TMPDIR/trace"
}

@test "policy: check reads the user and group databases once, not once per section" {
	local u g base_p base_g np ng
	printf '[default]\nimages = busybox\n' | ctl_policy
	base_p=$(opens /etc/passwd)
	base_g=$(opens /etc/group)
	{
		echo '[default]'
		echo 'images = busybox'
		for u in $(getent passwd | cut -d: -f1 | head -n 40); do
			printf '[user:%s]\nimages = busybox\n' "$u"
		done
		for g in $(getent group | cut -d: -f1 | head -n 40); do
			printf '[group:%s]\nimages = busybox\n' "$g"
		done
		printf '[user:nobody%s]\nimages = busybox\n' "$TAG"
	} | ctl_policy
	np=$(opens /etc/passwd)
	ng=$(opens /etc/group)
	cat "$BATS_TEST_TMPDIR/out"
	echo "passwd opened $base_p then $np times, group $base_g then $ng times"
	# The unknown user is still reported, the known ones are not.
	[ "$(grep -c 'warning: no user' "$BATS_TEST_TMPDIR/out")" = 1 ]
	grep -q "warning: no user nobody$TAG" "$BATS_TEST_TMPDIR/out"
	! grep -q 'warning: no group' "$BATS_TEST_TMPDIR/out" || false
	grep -q ': OK' "$BATS_TEST_TMPDIR/out"
	# 81 more sections cost one more read of each database at most (the
	# one lookup of the unknown user), never one per section.
	[ "$np" -le $((base_p + 3)) ]
	[ "$ng" -le $((base_g + 3)) ]
}

@test "policy: an edit ended by a signal leaves no temporary file" {
	local sig
	for sig in TERM HUP INT; do
		cat >"$BATS_TEST_TMPDIR/ed.sh" <<-EOF
		#!/bin/sh
		kill -$sig \$PPID
		sleep 0.5
		EOF
		chmod 0755 "$BATS_TEST_TMPDIR/ed.sh"
		run env -u VISUAL EDITOR="$BATS_TEST_TMPDIR/ed.sh" "$CTL_POLICYTOOL" edit </dev/null
		echo "$sig: $status $output"
		[ -z "$(ls -A "$POLDIR" | grep '^\.policy\.ini\.')" ]
	done
}


@test "policy: a bind whose paths hold ':' and ',' (escaped) reaches the container there" {
	[ -x "$CTL_BIN" ] || skip "ctr-launch not installed"
	# the suite's fake image (an empty descriptor) is out of the way of
	# the import
	mv "$FAKEIMG" "$BATS_TEST_TMPDIR/fakeimg" 2>/dev/null || true
	ctl_image_busybox
	mv "$BATS_TEST_TMPDIR/fakeimg" "$FAKEIMG" 2>/dev/null || true
	local src="/home/$AL/run:1,2"
	install -d -o "$AL" -g "$AL" -m 0755 "$src"
	echo "esc-$TAG" >"$src/f"
	chown "$AL:" "$src/f"
	printf '[default]\nimages = busybox\nbinds = %%h/run\\:1\\,2:/mnt/a\\:b\\,c:ro\nuser_binds = %%h/x\\\\y, /srv\n' |
	    ctl_policy
	grep -F 'binds = %h/run\:1\,2:/mnt/a\:b\,c:ro' "$CTL_POLICY"
	run "$CTL_POLICYTOOL" check
	echo "$output"
	[ "$status" -eq 0 ]
	run "$CTL_POLICYTOOL" explain "$AL"
	echo "$output"
	[ "$status" -eq 0 ]
	echo "$output" | grep -E '^binds +/home/'"$AL"'/run\\:1\\,2:/mnt/a\\:b\\,c:ro +\[default\]$'
	echo "$output" | grep -E '^user_binds +/home/'"$AL"'/x\\\\y:rw +\[default\]$'
	run ctl_as "$AL" "$CTL_BIN" run busybox sh -c \
	    'cat "/mnt/a:b,c/f"; touch "/mnt/a:b,c/g" 2>/dev/null || echo ro-ok; ls -d /mnt/*'
	echo "$output"
	rm -rf "$src"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "esc-$TAG" ]
	[ "${lines[1]}" = ro-ok ]
	[ "${lines[2]}" = "/mnt/a:b,c" ]
	# any other escape is an error with file:line
	printf '[default]\nimages = busybox\n\nbinds = /srv/a\\tb:/x\n' >"$POLDIR/draft.ini"
	run "$CTL_POLICYTOOL" check "$POLDIR/draft.ini"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"$POLDIR/draft.ini:4: bad escape \"\\t\" in the binds list"* ]]
}

@test "policy: a signal during an edit ends the editor first; a failing editor saves nothing" {
	local sig sum
	sum=$(sha256sum <"$CTL_POLICY")
	for sig in TERM HUP USR1; do
		rm -f "$BATS_TEST_TMPDIR/ed.wrote"
		# Once ctr-policy is gone, an editor still running would
		# write the temporary copy again.
		cat >"$BATS_TEST_TMPDIR/ed.sh" <<-EOF
		#!/bin/sh
		kill -$sig \$PPID
		sleep 2
		printf '[default]\\nimages = alpine\\n' >"\$1"
		: >"$BATS_TEST_TMPDIR/ed.wrote"
		EOF
		chmod 0755 "$BATS_TEST_TMPDIR/ed.sh"
		run env -u VISUAL EDITOR="$BATS_TEST_TMPDIR/ed.sh" "$CTL_POLICYTOOL" edit </dev/null
		echo "$sig: $status $output"
		[ "$status" -gt 128 ]
		[ ! -e "$BATS_TEST_TMPDIR/ed.wrote" ]
		[ -z "$(ls -A "$POLDIR" | grep '^\.policy\.ini\.')" ]
		[ "$(sha256sum <"$CTL_POLICY")" = "$sum" ]
	done
	# an editor that changes the copy, then exits non-zero
	cat >"$BATS_TEST_TMPDIR/ed.sh" <<-EOF
	#!/bin/sh
	printf '[default]\\nimages = alpine\\n' >"\$1"
	exit 3
	EOF
	run env -u VISUAL EDITOR="$BATS_TEST_TMPDIR/ed.sh" "$CTL_POLICYTOOL" edit </dev/null
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"editor $BATS_TEST_TMPDIR/ed.sh failed"* ]]
	[[ $output == *"not changed"* ]]
	[ -z "$(ls -A "$POLDIR" | grep '^\.policy\.ini\.')" ]
	[ "$(sha256sum <"$CTL_POLICY")" = "$sum" ]
}
