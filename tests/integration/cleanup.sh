#!/bin/bash
# Removes every user and group the suites recorded in $TESTROOT/created,
# with their processes, homes and empty ctr-launch cgroups.  Safe to run
# more than once.
set -u

# rm_cgroups UID: rmdir the empty container cgroups of ctr-launch/u<UID>,
# then u<UID>, in every hierarchy; nothing else.  A container whose keeper
# a test killed empties once its processes have died (PDEATHSIG, just
# after the pkill): each directory gets 3 s.
rm_cgroups() {
	local u c i
	for u in /sys/fs/cgroup/*/ctr-launch/u"$1" /sys/fs/cgroup/ctr-launch/u"$1"; do
		[ -d "$u" ] && [ ! -L "$u" ] || continue
		for c in "$u"/*/ "$u"; do
			for i in $(seq 30); do
				[ -d "$c" ] || break
				rmdir "$c" 2>/dev/null && break
				sleep 0.1
			done
		done
	done
	return 0
}

root=$1
list=$root/created
[ -f "$list" ] || exit 0
while read -r kind name; do
	case $kind in
	user)
		if getent passwd "$name" | cut -d: -f5 | grep -qx 'ctr-launch-test'; then
			uid=$(id -u "$name")
			pkill -KILL -u "$name" 2>/dev/null
			rm_cgroups "$uid"
			userdel -r -f "$name" 2>/dev/null
			rm -rf "/home/$name"
		fi ;;
	group)
		getent group "$name" >/dev/null && groupdel "$name" 2>/dev/null ;;
	esac
done <"$list"
rm -f "$list"
exit 0
