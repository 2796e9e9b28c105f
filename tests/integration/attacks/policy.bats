#!/usr/bin/env bats
# Attack classes 2, 3, 17 and 22 of the catalog: trust in the policy file
# and its matching semantics, PAM gating, error oracles, installation.

load ../lib
load common
load post

setup_file() { atk_setup_file; }
teardown_file() { atk_teardown_file; }

# Restores the baseline policy and PAM stack after each test here.
teardown() {
	atk_sysctl_tmp_restore
	atk_policy_default
	atk_pam_permit
	post_after
}

@test "Apptainer CVE-2026-48785 class T2.1.1: a policy that is group-writable, not root's, or a symlink is refused" {
	atk_need_helper
	chmod 0664 "$CTL_POLICY"
	atk_run "$ATK_A" run busybox true
	atk_refused
	chmod 0646 "$CTL_POLICY"
	atk_run "$ATK_A" run busybox true
	atk_refused
	chmod 0644 "$CTL_POLICY"
	chown "$ATK_A" "$CTL_POLICY"
	atk_run "$ATK_A" run busybox true
	atk_refused
	chown root "$CTL_POLICY"
	# A symlink to a perfectly good file is still refused (O_NOFOLLOW).
	cp -p "$CTL_POLICY" "$CTL_ROOT/etc/ctr-launch/real.ini"
	ln -sf real.ini "$CTL_POLICY"
	atk_run "$ATK_A" run busybox true
	rm -f "$CTL_POLICY"
	mv "$CTL_ROOT/etc/ctr-launch/real.ini" "$CTL_POLICY"
	atk_refused
	# A parent directory writable by others.
	chmod 0777 "$CTL_ROOT/etc/ctr-launch"
	atk_run "$ATK_A" run busybox true
	chmod 0755 "$CTL_ROOT/etc/ctr-launch"
	atk_refused
	atk_run "$ATK_A" run busybox true
	[ "$status" = 0 ]
}

@test "T2.1.2: an inih hazard (indented continuation, long line, ':' separator) rejects the whole policy" {
	atk_need_helper
	ctl_policy <<-EOF
	[group:$ATK_GOK]
	images = busybox
	  deny = no
	EOF
	atk_run "$ATK_A" run busybox true
	atk_refused
	[[ "$output" == *ctr-policy* ]]
	{ echo "[group:$ATK_GOK]"; echo "images = busybox"; printf 'user_binds = /%0300d\n' 0; } | ctl_policy
	atk_run "$ATK_A" run busybox true
	atk_refused
	printf '[group:%s]\nimages: busybox\n' "$ATK_GOK" | ctl_policy
	atk_run "$ATK_A" run busybox true
	atk_refused
}

@test "Apptainer CVE-2026-48785 T2.2.1: bind grants match by component (al does not cover alice)" {
	atk_need_helper
	atk_run "$ATK_A" run -v "$ATK_SRV/alice:/x" busybox true
	atk_refused
	atk_run "$ATK_A" run -v "$ATK_SRV/al/../alice:/x" busybox true
	atk_refused
	atk_run "$ATK_A" run -v "$ATK_SRV//alice:/x" busybox true
	atk_refused
}

@test "T2.2: deny = yes beats every grant; a user with no image granted is refused" {
	atk_need_helper
	atk_run "$ATK_C" run busybox true
	atk_refused
	{ atk_policy_default_text; printf '[user:%s]\ndeny = yes\n' "$ATK_A"; } | ctl_policy
	atk_run "$ATK_A" run busybox true
	atk_refused
	atk_run "$ATK_B" run busybox true
	[ "$status" = 0 ]
}

@test "T5.1.3: an image outside the caller's allowlist is refused like a missing one" {
	atk_need_helper
	atk_run "$ATK_A" run alpine:latest true
	atk_refused
	local a=$output
	atk_run "$ATK_A" run nosuchimage-$ATK_TAG true
	atk_refused
	[ "${a//alpine:latest/X}" = "${output//nosuchimage-$ATK_TAG:latest/X}" ] ||
	    [ "${a//alpine/X}" = "${output//nosuchimage-$ATK_TAG/X}" ]
}

@test "T2.2.3 (sudo CVE-2019-14287 class): a section naming a uid number does not match that uid" {
	atk_need_helper
	{ echo "[user:$(id -u "$ATK_C")]"; echo "images = busybox"; } | ctl_policy
	atk_run "$ATK_C" run busybox true
	atk_refused
}

@test "T3.1 (CVE-2015-3238 class): a PAM account denial is a denial, nothing runs" {
	atk_need_helper
	printf 'account required pam_deny.so\nsession required pam_permit.so\n' \
	    >"$CTL_PAMD/ctr-launch"
	atk_run "$ATK_A" run busybox sh -c "touch /home/$ATK_A/pam-ran"
	atk_refused
	[ ! -e "/home/$ATK_A/pam-ran" ]
}

@test "T3.3: PAM decides on the caller from the kernel, not PAM_USER-looking variables" {
	atk_need_helper
	printf 'account required pam_listfile.so item=user sense=allow file=%s onerr=fail\nsession required pam_permit.so\n' \
	    "$CTL_PAMD/allow" >"$CTL_PAMD/ctr-launch"
	echo "$ATK_B" >"$CTL_PAMD/allow"
	run ctl_as "$ATK_A" env USER="$ATK_B" LOGNAME="$ATK_B" PAM_USER="$ATK_B" \
	    "$CTL_BIN" run busybox true
	atk_refused
	atk_run "$ATK_B" run busybox true
	[ "$status" = 0 ]
	rm -f "$CTL_PAMD/allow"
}

@test "CVE-2018-6556 (lxc-user-nic) T17.1: a bind of an unreadable path and of a missing path fail alike" {
	atk_need_helper
	atk_run "$ATK_A" run -v "$ATK_SRV/shared/locked/exists:/x" busybox true
	atk_refused
	local one=${output//$ATK_SRV\/shared\/locked\/exists/P}
	atk_run "$ATK_A" run -v "$ATK_SRV/shared/locked/nope:/x" busybox true
	atk_refused
	local two=${output//$ATK_SRV\/shared\/locked\/nope/P}
	[ "$one" = "$two" ]
	atk_run "$ATK_A" run -v "/root/${ATK_CANARY_ROOT##*/}/file:/x" busybox true
	atk_refused
	one=${output//\/root\/${ATK_CANARY_ROOT##*\/}\/file/P}
	atk_run "$ATK_A" run -v "/root/nope-$ATK_TAG:/x" busybox true
	atk_refused
	two=${output//\/root\/nope-$ATK_TAG/P}
	[ "$one" = "$two" ]
}

@test "T22.2: the import tool is not usable by users" {
	[ -x "$CTL_IMAGETOOL" ] || { echo "ctr-image is not installed" >&2; return 1; }
	echo x >"/home/$ATK_A/x.tar"
	chown "$ATK_A" "/home/$ATK_A/x.tar"
	run ctl_as "$ATK_A" "$CTL_IMAGETOOL" import --name "pwn$ATK_TAG" "/home/$ATK_A/x.tar"
	[ "$status" != 0 ]
	run "$CTL_IMAGETOOL" list
	[[ "$output" != *"pwn$ATK_TAG"* ]]
	# Only the helper is setuid in the prefix.
	run find "$CTL_ROOT" -xdev -perm /6000 -type f
	[ "$output" = "$CTL_BIN" ]
}

@test "T2.2.2 (glob crossing '/' class): images = R grants every tag of R, never the registry host R:5000 nor R/sub" {
	atk_need_helper
	local r=probe$ATK_TAG n s1 o1 s2 o2 s3 o3
	for n in "$r:5000/other/repo:tag" "$r/sub:latest" "$r:anytag"; do
		ctl_image_busybox "$n"
	done
	{ atk_policy_default_text; echo "images = $r"; } | ctl_policy
	atk_run "$ATK_A" run "$r:5000/other/repo:tag" true
	s1=$status o1=$output
	atk_run "$ATK_A" run "$r/sub" true
	s2=$status o2=$output
	atk_run "$ATK_A" run "$r:anytag" true
	s3=$status o3=$output
	"$CTL_IMAGETOOL" rm "$r:5000/other/repo:tag" "$r/sub:latest" "$r:anytag" >/dev/null
	# Both images exist: the policy is what refuses them.
	status=$s1 output=$o1
	atk_refused
	[[ $output == *"not granted"* ]]
	status=$s2 output=$o2
	atk_refused
	[[ $output == *"not granted"* ]]
	status=$s3 output=$o3
	[ "$status" = 0 ] || { echo "$r:anytag refused: $output" >&2; false; }
}
