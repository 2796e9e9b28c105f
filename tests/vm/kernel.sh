#!/bin/bash
# Fetches a Debian kernel image package and unpacks it under VMDIR, once.
# Usage: kernel.sh VMDIR PKG
#
# PKG is a kernel image package (linux-image-6.1.0-N-amd64) or a
# metapackage (linux-image-amd64), which apt-cache resolves to the image it
# depends on today.  The package is fetched with `apt-get download` and
# unpacked with `dpkg-deb -x` into VMDIR/<image package>/, with a
# modules.dep made by busybox depmod: nothing is installed on the host, and
# nothing is fetched again while that directory is complete.  Prints the
# directory on stdout.
set -eu
dir=$1
pkg=$2
mkdir -p "$dir"

# resolve PKG: the kernel image package it names or depends on.
resolve() {
	case $1 in
	linux-image-[0-9]*) echo "$1" ;;
	*) apt-cache depends "$1" 2>/dev/null | sed -n \
	    's/^ *|\{0,1\}Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' |
	    head -n 1 ;;
	esac
}

img=$(resolve "$pkg")
if [ -z "$img" ]; then
	apt-get update -qq >&2 || true
	img=$(resolve "$pkg")
fi
[ -n "$img" ] || { echo "vm: $pkg names no kernel image package" >&2; exit 1; }
if [ -e "$dir/$img/.complete" ]; then
	echo "$dir/$img"
	exit 0
fi

echo "vm: fetching $img" >&2
tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fetch() {
	(cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root "$img") >&2
}
fetch || { apt-get update -qq >&2 && fetch; } ||
    { echo "vm: apt-get download $img failed" >&2; exit 1; }
dpkg-deb -x "$tmp"/*.deb "$tmp/x"
ver=$(ls "$tmp/x/lib/modules")
[ -n "$ver" ] && [ -e "$tmp/x/boot/vmlinuz-$ver" ] ||
    { echo "vm: $img: no kernel and modules in the package" >&2; exit 1; }
busybox depmod -b "$tmp/x" "$ver"
touch "$tmp/x/.complete"
# Published whole by one rename; a run that got there first wins.
if [ -e "$dir/$img" ] && [ ! -e "$dir/$img/.complete" ]; then
	rm -rf "${dir:?}/$img"
fi
mv -T "$tmp/x" "$dir/$img" 2>/dev/null || [ -e "$dir/$img/.complete" ] ||
    { echo "vm: cannot publish $dir/$img" >&2; exit 1; }
echo "$dir/$img"
