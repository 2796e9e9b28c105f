#!/usr/bin/env bats
# Attack classes 5 and 19 of the catalog: image names and the store, hostile
# image content met by the privileged helper, and hostile archives met by
# the import tool (which root runs: there the archive is the attacker).

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() {
	local t
	for t in links nss suid dotdot absolute symlink-write symlink-dir-write \
	    hardlink hardlink-write device whiteout digest-traversal; do
		"$CTL_IMAGETOOL" rm "$ATK_EVILIMG:$t" >/dev/null 2>&1
	done
	atk_teardown_file
}

# atk_import TAG TARBALL: import as root; sets $status/$output.
atk_import() {
	run "$CTL_IMAGETOOL" import --quiet --name "$ATK_EVILIMG:$1" "$2"
}

# atk_store_clean: nothing in the store escaped or kept a dangerous bit.
atk_store_clean() {
	local bad
	bad=$(find "$CTL_STORE" \( -type b -o -type c -o -perm /6000 \
	    -o -samefile "$ATK_CANARY_ETC" -o -samefile "$ATK_CANARY_DIR/file" \) -print 2>/dev/null)
	[ -z "$bad" ] || { echo "in the store: $bad" >&2; return 1; }
	[ "$(stat -c '%u %a' "$CTL_STORE")" = "0 700" ] ||
	    { echo "store is $(stat -c '%u %a' "$CTL_STORE")" >&2; return 1; }
}

@test "T5.1.1 (CVE-2019-11328 class): image names with traversal, absolute paths or encodings are refused" {
	atk_need_helper
	for img in ../../etc/passwd /etc/passwd ./busybox busybox/../../.. \
	    'busybox:../../x' '%2e%2e/%2e%2e' 'busybox@sha256:../../../x' \
	    "BUSYBOX" 'busybox:latest/' '' ' busybox' $'busybox\nx' \
	    "localhost/../$ATK_EVILIMG"; do
		atk_run "$ATK_A" run "$img" true
		atk_refused
	done
}

@test "CVE-2021-41091 (moby) T5.4.1: the store is root-only and holds no setuid file or device" {
	atk_need_helper
	run ctl_as "$ATK_A" ls "$CTL_STORE"
	[ "$status" != 0 ]
	run ctl_as "$ATK_A" ls "$CTL_STORE/layers"
	[ "$status" != 0 ]
	atk_store_clean
}

@test "runc CVE-2026-41579, CVE-2019-19921 T5.2.1, T5.2.2, T5.2.6: image /dev, /proc, /etc, /tmp, /home symlinks do not redirect the helper" {
	atk_need_helper
	local d=$BATS_TEST_TMPDIR/links
	ctl_rootfs "$d"
	rm -rf "$d/dev" "$d/proc" "$d/etc" "$d/tmp" "$d/home"
	ln -s "/home/$ATK_A" "$d/dev"
	ln -s "$ATK_CANARY_DIR" "$d/etc"
	ln -s "../../../../../../..$ATK_CANARY_DIR" "$d/proc"
	ln -s "$ATK_CANARY_DIR" "$d/tmp"
	ln -s /etc "$d/home"
	tar -C "$d" -cf "$d.tar" .
	atk_import links "$d.tar"
	[ "$status" = 0 ] || skip "the store refused the image: $output"
	atk_run "$ATK_A" run "$ATK_EVILIMG:links" sh -c "ls /etc /tmp /proc >/dev/null; cat /etc/ctr-canary-$ATK_TAG /tmp/file 2>/dev/null; true"
	atk_no_canary
	[ "$status" = 0 ] || atk_refused
	# Nothing was created or mounted through the links (post.bash checks
	# the canary directory, the home and the mount table too).
	[ -z "$(find "$ATK_CANARY_DIR" -mindepth 1 ! -name file)" ]
}

@test "CVE-2019-14271 (docker cp), CVE-2025-32463 (sudo chroot) T5.2.4, T5.2.3: no NSS, gconv or preload from the image while privileged" {
	atk_need_helper
	local d=$BATS_TEST_TMPDIR/nss
	ctl_rootfs "$d"
	mkdir -p "$d/lib/x86_64-linux-gnu" "$d/usr/lib/x86_64-linux-gnu/gconv"
	printf 'passwd: evil files\ngroup: evil files\nhosts: evil files\n' >"$d/etc/nsswitch.conf"
	cp "$ATK_BIN/evil.so" "$d/lib/x86_64-linux-gnu/libnss_evil.so.2"
	cp "$ATK_BIN/evil.so" "$d/usr/lib/x86_64-linux-gnu/libnss_evil.so.2"
	cp "$ATK_BIN/evil.so" "$d/usr/lib/x86_64-linux-gnu/gconv/evil.so"
	echo 'module EVIL// INTERNAL evil 1' >"$d/usr/lib/x86_64-linux-gnu/gconv/gconv-modules"
	echo /lib/x86_64-linux-gnu/libnss_evil.so.2 >"$d/etc/ld.so.preload"
	# An /etc/passwd that is huge, has no newline and claims our uid.
	{ echo "root:x:0:0::/root:/bin/sh"; echo "$ATK_A:x:$(id -u "$ATK_A"):0:pwn:/root:/bin/sh";
	    head -c 2000000 /dev/zero | tr '\0' x; } >"$d/etc/passwd"
	printf 'root:x:0:%s\n' "$ATK_A" >"$d/etc/group"
	tar -C "$d" -cf "$d.tar" .
	atk_import nss "$d.tar"
	[ "$status" = 0 ] || skip "the store refused the image: $output"
	atk_run "$ATK_A" run "$ATK_EVILIMG:nss" sh -c 'id; grep "^'"$ATK_A"':" /etc/passwd'
	[ ! -e "$ATK_EVILMARK" ]
	[[ "$output" != *"ctl-evil loaded"* ]]
	if [ "$status" = 0 ]; then
		# The caller's own entry wins; the image cannot make them root's group.
		[[ "${lines[0]}" == "uid=$(id -u "$ATK_A")("$ATK_A") gid=$(id -g "$ATK_A")"* ]]
		[[ "${lines[0]}" != *"gid=0("* ]]
		! grep -q ':/root:' <<<"${lines[1]}" || false
	else
		atk_refused
	fi
}

@test "CVE-2023-0386 class T5.3.4, T4.3: a setuid file in an archive is stored without the bit and cannot elevate" {
	atk_need_helper
	local d=$BATS_TEST_TMPDIR/suid
	ctl_rootfs "$d"
	mkdir -p "$d/suid"
	cp /bin/busybox "$d/suid/busybox"
	chmod 6755 "$d/suid/busybox"
	tar -C "$d" -cf "$d.tar" .
	atk_import suid "$d.tar"
	[ "$status" = 0 ] || skip "the store refused the image: $output"
	atk_store_clean
	atk_run "$ATK_A" run "$ATK_EVILIMG:suid" /suid/busybox id -u
	echo "$output"
	[ "$status" = 0 ]
	[ "$output" = "$(id -u "$ATK_A")" ]
}

# Hostile archives: the import either refuses or stores them tamed; in no
# case does it write, link or remove anything outside the store.
atk_hostile() {
	local kind=$1 target=$2
	python3 "$ATK_DIR/mktar.py" "$kind" "$BATS_TEST_TMPDIR/$kind.tar" "$target"
	atk_import "$kind" "$BATS_TEST_TMPDIR/$kind.tar"
	echo "import $kind: status $status: $output"
	[ "$status" = 0 ] || [ "$status" = 1 ]
	atk_store_clean
}

@test "Docker CVE-2014-9357 class T19.3: '../' entries stay in the layer" {
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	atk_hostile dotdot "/tmp/ctl-$ATK_TAG-dotdot"
	[ ! -e "/tmp/ctl-$ATK_TAG-dotdot" ]
}

@test "T19.4: absolute entries stay in the layer" {
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	atk_hostile absolute "/tmp/ctl-$ATK_TAG-abs"
	[ ! -e "/tmp/ctl-$ATK_TAG-abs" ]
}

@test "CVE-2021-32760 (containerd), Singularity CVE-2020-15229 T19.5: a symlink then a write through it" {
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	atk_hostile symlink-write "$ATK_CANARY_DIR"
	[ ! -e "$ATK_CANARY_DIR/pwned" ]
	atk_hostile symlink-dir-write "$ATK_CANARY_DIR"
	[ ! -e "$ATK_CANARY_DIR/pwned" ]
}

@test "T19.6: a hard link to a host file, and a write through it" {
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	atk_hostile hardlink "$ATK_CANARY_ETC"
	atk_hostile hardlink-write "$ATK_CANARY_ETC"
	grep -qxF "$ATK_CANARY_TEXT" "$ATK_CANARY_ETC"
	[ "$(stat -c %h "$ATK_CANARY_ETC")" = 1 ]
}

@test "T19.7: device nodes are never created" {
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	atk_hostile device /dev/null
}

@test "T19.10: whiteouts cannot delete outside the layer" {
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	atk_hostile whiteout "$ATK_CANARY_ETC"
	[ -e "$ATK_CANARY_ETC" ]
}

@test "T19.14, T19.17, T19.18: layer, config and manifest names in an archive cannot traverse to host files" {
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	local host=$BATS_TEST_TMPDIR/host-$ATK_TAG kind
	# A valid layer, config and manifest wait on the host where the
	# archive's ../ names lead: read from there, the import would work.
	for kind in digest-traversal oci-digest-traversal; do
		python3 "$ATK_DIR/mktar.py" "$kind" "$BATS_TEST_TMPDIR/$kind.tar" "$host"
		atk_import "$kind" "$BATS_TEST_TMPDIR/$kind.tar"
		echo "import $kind: status $status: $output"
		[ "$status" = 1 ]
		[ "$(grep -c . <<<"$output")" = 1 ]
		run "$CTL_IMAGETOOL" list
		! grep -q "$ATK_EVILIMG:$kind" <<<"$output" || false
		atk_store_clean
	done
	# docker save: looked up among the archive's members only; OCI: a
	# digest that is not sha256 and 64 hex digits is refused as such.
	atk_import digest-traversal "$BATS_TEST_TMPDIR/digest-traversal.tar"
	[[ "$output" == *"config ../../../../../..$host.json missing"* ]]
	atk_import oci "$BATS_TEST_TMPDIR/oci-digest-traversal.tar"
	[[ "$output" == *"unsupported digest sha256:../"* ]]
}
