#!/bin/bash
# Builds the VM's initramfs: busybox-static, tests/vm/init as /init, and
# the modules the guest needs (9p over virtio, overlay; inet_diag and
# tcp_diag, which hosts load on demand, for the owner check of published
# ports: this host may have no modprobe) with their
# dependencies, in load order (modules.load).
# Usage: initramfs.sh KERNELDIR OUT
# KERNELDIR is what kernel.sh printed; OUT an uncompressed newc cpio.
set -eu
kdir=$1
out=$2
MODULES="virtio_pci 9pnet_virtio 9p overlay inet_diag tcp_diag"

ver=$(ls "$kdir/lib/modules")
dep=$kdir/lib/modules/$ver/modules.dep
stage=$(mktemp -d "$out.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,dev,proc,sys,lib/modules}

bb=$(command -v busybox)
cp "$bb" "$stage/bin/busybox"
for a in $(busybox --list); do
	[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
done
mknod -m 0600 "$stage/dev/console" c 5 1
install -m 0755 "$(dirname "$0")/init" "$stage/init"

# add PATH: the dependencies of module PATH (relative to the modules
# directory), then PATH itself, each once.
add() {
	local d
	grep -qxF "${1##*/}" "$stage/modules.load" 2>/dev/null && return 0
	for d in $(sed -n "s|^${1//./\\.}: *||p" "$dep"); do
		add "$d"
	done
	cp "$kdir/lib/modules/$ver/$1" "$stage/lib/modules/"
	echo "${1##*/}" >>"$stage/modules.load"
}
for m in $MODULES; do
	p=$(grep -o "^[^:]*/$m\.ko:" "$dep" | head -n 1)
	[ -n "$p" ] || { echo "vm: no module $m in $kdir" >&2; exit 1; }
	add "${p%:}"
done

(cd "$stage" && find . -mindepth 1 | busybox cpio -o -H newc 2>/dev/null) \
    >"$out.new"
mv "$out.new" "$out"
