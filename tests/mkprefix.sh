#!/bin/bash
# Creates the root-owned test prefix TESTROOT.  Its parents must already be
# root-owned and not group/other-writable: the helper's trust check would
# rightly refuse anything else (never /tmp, never the clone's folder).
set -eu
root=$1
case $root in
/tmp/* | /var/tmp/* | /dev/shm/*)
	echo "mkprefix: $root: refusing a prefix under a world-writable directory" >&2
	exit 1 ;;
esac
d=$(dirname "$root")
while :; do
	if [ "$(stat -c %u "$d")" != 0 ] || [ $(( 0$(stat -c %a "$d") & 022 )) != 0 ]; then
		echo "mkprefix: $d: not root-owned or group/other-writable" >&2
		exit 1
	fi
	[ "$d" = / ] && break
	d=$(dirname "$d")
done
install -d -o root -g root -m 0755 "$root" "$root/usr" "$root/etc" \
    "$root/etc/ctr-launch" "$root/etc/pam.d" "$root/run"
install -d -o root -g root -m 0700 "$root/var" "$root/var/ctr-launch"
chmod 0755 "$root/var"
touch "$root/.ctr-launch-test"
