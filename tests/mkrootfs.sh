#!/bin/bash
# mkrootfs.sh DIR: a minimal root filesystem made from busybox-static, for
# tests, the demo and the benchmark.  The image has its own /etc/passwd and
# /etc/group (root and nobody), as a Docker image would.
set -eu
d=$1
bb=/bin/busybox
[ -x "$bb" ] || { echo "mkrootfs: $bb missing (apt-get install busybox-static)" >&2; exit 1; }
file -L "$bb" 2>/dev/null | grep -q 'statically linked' || true
mkdir -p "$d"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,var/tmp,root,home,proc,sys,dev,work}
chmod 1777 "$d/tmp" "$d/var/tmp"
chmod 0700 "$d/root"
cp "$bb" "$d/bin/busybox"
for applet in $("$bb" --list-full); do
	case $applet in
	bin/busybox) continue ;;
	esac
	[ -e "$d/$applet" ] || ln -s /bin/busybox "$d/$applet"
done
cat >"$d/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat >"$d/etc/group" <<'G'
root:x:0:
nogroup:x:65534:
G
echo busybox >"$d/etc/hostname"
