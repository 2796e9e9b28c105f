#!/bin/bash
# Removes every user and group the suites recorded in $TESTROOT/created,
# with their processes and homes.  Safe to run more than once.
set -u
root=$1
list=$root/created
[ -f "$list" ] || exit 0
while read -r kind name; do
	case $kind in
	user)
		if getent passwd "$name" | cut -d: -f5 | grep -qx 'ctr-launch-test'; then
			pkill -KILL -u "$name" 2>/dev/null
			userdel -r -f "$name" 2>/dev/null
			rm -rf "/home/$name"
		fi ;;
	group)
		getent group "$name" >/dev/null && groupdel "$name" 2>/dev/null ;;
	esac
done <"$list"
rm -f "$list"
exit 0
