#!/usr/bin/env bats
# ctr-image: formats (docker save, OCI with gzip/zstd/none layers, rootfs
# tarballs), config round-trip, overlay whiteouts, dedup, 100 layers,
# digest verification, names, tag/rm/inspect, root only.

load lib

bats_require_minimum_version 1.5.0

setup_file() {
	export TAG=$(ctl_tag)
	export FX=$BATS_FILE_TMPDIR/fx
	mkdir -p "$FX"
	ctl_rootfs "$FX/base"
	mkdir -p "$FX/l2/etc" "$FX/l3/opt/old" "$FX/base/opt/old"
	echo old >"$FX/base/opt/old/f"
	echo gone >"$FX/base/etc/todelete"
	echo upper >"$FX/l2/etc/new"
	: >"$FX/l2/etc/.wh.todelete"
	: >"$FX/l3/opt/old/.wh..wh..opq"
	echo fresh >"$FX/l3/opt/old/g"
	mkdir -p "$FX/other/srv"
	echo other >"$FX/other/srv/x"
	# Config values full of the bytes an INI line could not carry.
	export CFG='{"Entrypoint":["/bin/sh","-c"],"Cmd":["echo \"a  b\"; x=1;y=2 % 100","","line1\nline2"],"Env":["PATH=/usr/bin:/bin","WEIRD=a=b;c \"d\" \u00e9\ttab"],"WorkingDir":"/work dir","User":"1000:1000","Labels":{"org.x":"v w"},"ExposedPorts":{"80/tcp":{}}}'
	python3 "$CTL_SRC/tests/mkarchive.py" --format docker --out "$FX/docker.tar" \
	    --tag "docker.io/library/t$TAG-docker:1" --config "$CFG" \
	    "$FX/base" "$FX/l2" "$FX/l3"
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$FX/oci.tar" \
	    --tag "localhost/t$TAG-oci:2" --compress gzip,zstd,none --config "$CFG" \
	    "$FX/base" "$FX/l2" "$FX/l3"
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$FX/oci-other.tar" \
	    --tag "t$TAG-other:latest" --compress gzip "$FX/base" "$FX/other"
	tar -C "$FX/base" -cf "$FX/rootfs.tar" .
}

teardown_file() {
	"$CTL_IMAGETOOL" rm "t$TAG-docker:1" "t$TAG-oci:2" "t$TAG-other" \
	    "t$TAG-rootfs" "t$TAG-rootfs2" "t$TAG-tagged:x" "t$TAG-stdin" \
	    "t$TAG-hundred" "t$TAG-cfg" >/dev/null 2>&1 || true
	"$CTL_IMAGETOOL" gc >/dev/null 2>&1 || true
}

store() {
	echo "$CTL_STORE"
}

layer_of() { # NAME INDEX(1-based): the layer's hex
	"$CTL_IMAGETOOL" inspect "$1" | awk -v i="$2" '$1 == i && $2 ~ /^sha256:/ {print substr($2, 8)}'
}

@test "ctr-image refuses to run as non-root" {
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL_IMAGETOOL" list
	[ "$status" -eq 1 ]
	[[ "$output" == "ctr-image: must be run as root"* ]]
}

@test "unknown command and bad usage exit 1" {
	run "$CTL_IMAGETOOL" frobnicate
	[ "$status" -eq 1 ]
	[[ "$output" == *"ctr-image: unknown command"* ]]
	run "$CTL_IMAGETOOL" inspect
	[ "$status" -eq 1 ]
	run "$CTL_IMAGETOOL" inspect "t$TAG-nonexistent"
	[ "$status" -eq 1 ]
	[[ "$output" == "ctr-image: no image t$TAG-nonexistent:latest" ]]
	run "$CTL_IMAGETOOL" inspect "../../etc/passwd"
	[ "$status" -eq 1 ]
	[[ "$output" == *"invalid image name"* ]]
	# A command's --help: the usage on stdout, 0, for anyone.
	local c
	for c in import pull list inspect rm gc tag; do
		run -0 --separate-stderr "$CTL_IMAGETOOL" $c --help
		[[ "$output" == "usage: ctr-image import"* ]]
		[ -z "$stderr" ]
	done
	run -0 setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL_IMAGETOOL" pull -h
	[[ "$output" == "usage: ctr-image import"* ]]
}

@test "docker save archive imports with its tag, config and whiteouts" {
	run "$CTL_IMAGETOOL" import "$FX/docker.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"imported t$TAG-docker:1"* ]]
	run "$CTL_IMAGETOOL" list
	[ "$status" -eq 0 ]
	echo "$output" | awk '{print $1}' | grep -qx "t$TAG-docker:1"
	run "$CTL_IMAGETOOL" inspect "docker.io/library/t$TAG-docker:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *'Entrypoint: ["/bin/sh", "-c"]'* ]]
	[[ "$output" == *'Cmd:        ["echo \"a  b\"; x=1;y=2 % 100", "", "line1\nline2"]'* ]]
	[[ "$output" == *'"WEIRD=a=b;c \"d\" \xc3\xa9\ttab"'* ]]
	[[ "$output" == *'WorkingDir: "/work dir"'* ]]
	[[ "$output" == *'Layers:     3,'* ]]
	# Whiteout: a 0/0 character device; opaque: the xattr.
	l2=$(layer_of "t$TAG-docker:1" 2)
	l3=$(layer_of "t$TAG-docker:1" 3)
	[ "$(stat -c '%F %t %T %u' "$CTL_STORE/layers/$l2/diff/etc/todelete")" = "character special file 0 0 0" ]
	run python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque"))' \
	    "$CTL_STORE/layers/$l3/diff/opt/old"
	[ "$output" = "b'y'" ]
	# The descriptor carries every byte exactly (percent-encoded).
	d="$CTL_STORE/images/t$TAG-docker%3A1"
	[ "$(stat -c '%a %u' "$d")" = "600 0" ]
	grep -q '^cmd line1%0Aline2$' "$d"
	grep -q '^cmd $' "$d"
	grep -q '^env WEIRD=a=b;c%20"d"%20%C3%A9%09tab$' "$d"
}

@test "the imported layers stack as overlayfs lowers through l/ links" {
	"$CTL_IMAGETOOL" import --quiet "$FX/docker.tar"
	links=$(awk '$1 == "layer" {print $3}' "$CTL_STORE/images/t$TAG-docker%3A1" | tac | paste -sd:)
	run unshare -m sh -c "mount --make-rprivate / && cd '$CTL_STORE/l' && mkdir -p '$BATS_TEST_TMPDIR/m' &&
	    mount -t overlay overlay -o 'lowerdir=$links' '$BATS_TEST_TMPDIR/m' &&
	    ls '$BATS_TEST_TMPDIR/m/etc' '$BATS_TEST_TMPDIR/m/opt/old'"
	[ "$status" -eq 0 ]
	[[ "$output" == *new* ]]
	[[ "$output" != *todelete* ]]
	[[ "$output" == *g* ]]
	[[ "$output" != *" f"* ]] && ! echo "$output" | grep -qx f
}

@test "OCI archive with gzip, zstd and plain layers shares the docker layers" {
	"$CTL_IMAGETOOL" import --quiet "$FX/docker.tar"
	n0=$(ls "$CTL_STORE/layers" | wc -l)
	run "$CTL_IMAGETOOL" import "$FX/oci.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"already present, verified"* ]]
	[[ "$output" == *"imported t$TAG-oci:2"* ]]
	[ "$(ls "$CTL_STORE/layers" | wc -l)" -eq "$n0" ]
	run "$CTL_IMAGETOOL" inspect "t$TAG-oci:2"
	[[ "$output" == *'"WEIRD=a=b;c \"d\" \xc3\xa9\ttab"'* ]]
}

@test "dedup: a second image with the same base grows the store by its own layer only" {
	"$CTL_IMAGETOOL" rm "t$TAG-other" >/dev/null 2>&1 || true
	"$CTL_IMAGETOOL" import --quiet "$FX/docker.tar"
	n0=$(ls "$CTL_STORE/layers" | wc -l)
	du0=$(du -sk "$CTL_STORE" | cut -f1)
	run "$CTL_IMAGETOOL" import "$FX/oci-other.tar"
	[ "$status" -eq 0 ]
	du1=$(du -sk "$CTL_STORE" | cut -f1)
	base=$(du -sk "$FX/base" | cut -f1)
	echo "store grew $((du1 - du0)) KiB; base is $base KiB" >&3
	[ "$(ls "$CTL_STORE/layers" | wc -l)" -eq $((n0 + 1)) ]
	[ $((du1 - du0)) -lt $((base / 4)) ]
	# list shows the shared size.
	"$CTL_IMAGETOOL" list | awk -v n="t$TAG-other:latest" '$1 == n && $4 != "0B" {f=1} END {exit !f}'
}

@test "rootfs tarball needs --name; --config sets Cmd, Env, WorkingDir" {
	run "$CTL_IMAGETOOL" import "$FX/rootfs.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"needs --name"* ]]
	echo '{"Cmd":["/bin/echo","hi there"],"Env":["A=1"],"WorkingDir":"/tmp"}' >"$BATS_TEST_TMPDIR/cfg.json"
	run "$CTL_IMAGETOOL" import --name "t$TAG-cfg" --config "$BATS_TEST_TMPDIR/cfg.json" "$FX/rootfs.tar"
	[ "$status" -eq 0 ]
	run "$CTL_IMAGETOOL" inspect "t$TAG-cfg"
	[[ "$output" == *'Cmd:        ["/bin/echo", "hi there"]'* ]]
	[[ "$output" == *'Entrypoint: (unset)'* ]]
	[[ "$output" == *'"A=1"'* ]]
	[[ "$output" == *'WorkingDir: "/tmp"'* ]]
	# --config is only for rootfs tarballs.
	run "$CTL_IMAGETOOL" import --config "$BATS_TEST_TMPDIR/cfg.json" "$FX/docker.tar"
	[ "$status" -eq 1 ]
}

@test "rootfs tarball from stdin, gzip-compressed" {
	gzip -c "$FX/rootfs.tar" >"$BATS_TEST_TMPDIR/rootfs.tar.gz"
	run "$CTL_IMAGETOOL" import --quiet --name "t$TAG-stdin" - <"$BATS_TEST_TMPDIR/rootfs.tar.gz"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	h=$(layer_of "t$TAG-stdin" 1)
	[ "$h" = "$(sha256sum "$FX/rootfs.tar" | cut -c1-64)" ]
	[ -x "$CTL_STORE/layers/$h/diff/bin/busybox" ]
	[ "$(stat -c %a "$CTL_STORE/layers/$h/diff/bin")" = 755 ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
}

@test "importing over an existing name replaces it" {
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-rootfs" "$FX/rootfs.tar"
	d1=$("$CTL_IMAGETOOL" inspect "t$TAG-rootfs" | awk '/^Digest:/ {print $2}')
	echo '{"Cmd":["/bin/true"]}' >"$BATS_TEST_TMPDIR/c.json"
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-rootfs" --config "$BATS_TEST_TMPDIR/c.json" "$FX/rootfs.tar"
	d2=$("$CTL_IMAGETOOL" inspect "t$TAG-rootfs" | awk '/^Digest:/ {print $2}')
	[ "$d1" != "$d2" ]
	[ "$("$CTL_IMAGETOOL" list | awk -v n="t$TAG-rootfs:latest" '$1 == n' | wc -l)" -eq 1 ]
}

@test "tag copies an image under a new name; rm removes only the name" {
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-rootfs2" "$FX/rootfs.tar"
	run "$CTL_IMAGETOOL" tag "t$TAG-rootfs2" "t$TAG-tagged:x"
	[ "$status" -eq 0 ]
	a=$("$CTL_IMAGETOOL" inspect "t$TAG-rootfs2" | grep -v '^Name:')
	b=$("$CTL_IMAGETOOL" inspect "t$TAG-tagged:x" | grep -v '^Name:')
	[ "$a" = "$b" ]
	h=$(layer_of "t$TAG-tagged:x" 1)
	run "$CTL_IMAGETOOL" rm "t$TAG-rootfs2"
	[ "$status" -eq 0 ]
	[ -d "$CTL_STORE/layers/$h" ]
	run "$CTL_IMAGETOOL" inspect "t$TAG-rootfs2"
	[ "$status" -eq 1 ]
	run "$CTL_IMAGETOOL" tag "t$TAG-nonexistent" "t$TAG-y"
	[ "$status" -eq 1 ]
	run "$CTL_IMAGETOOL" rm "t$TAG-nonexistent"
	[ "$status" -eq 1 ]
}

@test "a config whose diff_id does not match its layer is refused, nothing visible" {
	python3 "$CTL_SRC/tests/mkarchive.py" --format docker --out "$BATS_TEST_TMPDIR/bad.tar" \
	    --tag "t$TAG-bad:1" --bad-diffid 1 "$FX/base" "$FX/other"
	n0=$(ls "$CTL_STORE/layers" | wc -l)
	run "$CTL_IMAGETOOL" import "$BATS_TEST_TMPDIR/bad.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"diff_id mismatch"* ]]
	! "$CTL_IMAGETOOL" list | awk '{print $1}' | grep -qx "t$TAG-bad:1" || false
	[ ! -e "$CTL_STORE/images/t$TAG-bad%3A1" ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
}

@test "an OCI blob whose bytes do not match its digest is refused" {
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$BATS_TEST_TMPDIR/bad.tar" \
	    --tag "t$TAG-bad:2" --compress none --bad-blob 1 "$FX/base" "$FX/other"
	run "$CTL_IMAGETOOL" import "$BATS_TEST_TMPDIR/bad.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"digest mismatch"* || "$output" == *"diff_id mismatch"* ]]
	[ ! -e "$CTL_STORE/images/t$TAG-bad%3A2" ]
}

@test "an image of 100 layers imports and mounts as 100 overlay lowers" {
	mkdir -p "$BATS_TEST_TMPDIR/h"
	layers=("$FX/base")
	for i in $(seq 2 100); do
		mkdir -p "$BATS_TEST_TMPDIR/h/$i/data"
		echo "$i" >"$BATS_TEST_TMPDIR/h/$i/data/f$i"
		layers+=("$BATS_TEST_TMPDIR/h/$i")
	done
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --compress gzip \
	    --out "$BATS_TEST_TMPDIR/h.tar" --tag "t$TAG-hundred:latest" "${layers[@]}"
	run "$CTL_IMAGETOOL" import --quiet "$BATS_TEST_TMPDIR/h.tar"
	[ "$status" -eq 0 ]
	d="$CTL_STORE/images/t$TAG-hundred%3Alatest"
	[ "$(grep -c '^layer ' "$d")" -eq 100 ]
	links=$(awk '$1 == "layer" {print $3}' "$d" | tac | paste -sd:)
	[ "${#links}" -lt 4000 ]
	run unshare -m sh -c "mount --make-rprivate / && cd '$CTL_STORE/l' && mkdir -p '$BATS_TEST_TMPDIR/m' &&
	    mount -t overlay overlay -o 'lowerdir=$links' '$BATS_TEST_TMPDIR/m' &&
	    ls '$BATS_TEST_TMPDIR/m/data' | wc -l"
	[ "$status" -eq 0 ]
	[ "$output" -eq 99 ]
}

@test "docker >= 25 (OCI layout + manifest.json) and podman docker-archive layouts import" {
	for f in docker25 podman; do
		python3 "$CTL_SRC/tests/mkarchive.py" --format $f --out "$BATS_TEST_TMPDIR/$f.tar" \
		    --tag "t$TAG-$f:1" --config "$CFG" "$FX/base" "$FX/l2" "$FX/l3"
		run "$CTL_IMAGETOOL" import "$BATS_TEST_TMPDIR/$f.tar"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"imported t$TAG-$f:1"* ]]
		run "$CTL_IMAGETOOL" inspect "t$TAG-$f:1"
		[[ "$output" == *'Layers:     3,'* ]]
		"$CTL_IMAGETOOL" rm "t$TAG-$f:1"
	done
}

@test "importing over a name removes the replaced image's unused layers" {
	mkdir -p "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	echo a-$TAG >"$BATS_TEST_TMPDIR/a/f"
	echo b-$TAG >"$BATS_TEST_TMPDIR/b/f"
	tar -C "$BATS_TEST_TMPDIR/a" -cf "$BATS_TEST_TMPDIR/a.tar" .
	tar -C "$BATS_TEST_TMPDIR/b" -cf "$BATS_TEST_TMPDIR/b.tar" .
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-replace" "$BATS_TEST_TMPDIR/a.tar"
	ha=$(sha256sum "$BATS_TEST_TMPDIR/a.tar" | cut -c1-64)
	[ -d "$CTL_STORE/layers/$ha" ]
	run "$CTL_IMAGETOOL" import --name "t$TAG-replace" "$BATS_TEST_TMPDIR/b.tar"
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed 1 layers of the replaced image"* ]]
	[ ! -e "$CTL_STORE/layers/$ha" ]
	"$CTL_IMAGETOOL" rm "t$TAG-replace"
}

@test "a layer listed twice is kept once, at its topmost place" {
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$BATS_TEST_TMPDIR/dup.tar" \
	    --tag "t$TAG-dup:1" "$FX/l2" "$FX/other" "$FX/l2"
	run "$CTL_IMAGETOOL" import "$BATS_TEST_TMPDIR/dup.tar"
	[ "$status" -eq 0 ]
	d="$CTL_STORE/images/t$TAG-dup%3A1"
	[ "$(grep -c '^layer ' "$d")" -eq 2 ]
	top=$(grep '^layer ' "$d" | tail -n 1 | cut -d' ' -f2)
	[ -f "$CTL_STORE/layers/$top/diff/etc/new" ]
	"$CTL_IMAGETOOL" rm "t$TAG-dup:1"
}

@test "only gzip, bzip2, xz and zstd are decompressed; anything else is not a tar" {
	for c in "gzip -c" "bzip2 -c" "xz -c" "zstd -q -c"; do
		command -v ${c%% *} >/dev/null || continue
		$c "$FX/rootfs.tar" >"$BATS_TEST_TMPDIR/r"
		run "$CTL_IMAGETOOL" import --quiet --name "t$TAG-comp" "$BATS_TEST_TMPDIR/r"
		[ "$status" -eq 0 ]
	done
	"$CTL_IMAGETOOL" rm "t$TAG-comp" >/dev/null
	command -v lz4 >/dev/null || skip "lz4 not installed"
	lz4 -q -c "$FX/rootfs.tar" >"$BATS_TEST_TMPDIR/r.lz4"
	run "$CTL_IMAGETOOL" import --quiet --name "t$TAG-comp" "$BATS_TEST_TMPDIR/r.lz4"
	[ "$status" -eq 1 ]
	[[ "$output" == *"not a tar archive"* ]]
}

@test "a progress bar on a terminal, plain lines otherwise" {
	command -v script >/dev/null || skip "script(1) not installed"
	run script -qec "'$CTL_IMAGETOOL' import --name t$TAG-rootfs '$FX/rootfs.tar'" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *$'\r'"layer 1/1"*"["*"/s"* ]]
	run "$CTL_IMAGETOOL" import --name "t$TAG-rootfs" "$FX/rootfs.tar"
	[ "$status" -eq 0 ]
	[[ "$output" != *$'\r'* ]]
	[[ "$output" == *"layer 1/1 sha256:"*"already present, verified"* ]]
}

@test "archives written by a real tool (skopeo: oci-archive gzip/zstd, docker-archive)" {
	command -v skopeo >/dev/null || skip "skopeo not installed (make deps)"
	src="docker-archive:$FX/docker.tar"
	skopeo copy -q "$src" "oci-archive:$BATS_TEST_TMPDIR/sk-oci.tar:t$TAG-sk/oci:1"
	skopeo copy -q --dest-compress-format zstd "$src" \
	    "oci-archive:$BATS_TEST_TMPDIR/sk-zstd.tar:t$TAG-sk/zstd:1"
	skopeo copy -q "$src" "docker-archive:$BATS_TEST_TMPDIR/sk-docker.tar:t$TAG-sk/docker:1"
	for f in oci zstd docker; do
		run "$CTL_IMAGETOOL" import "$BATS_TEST_TMPDIR/sk-$f.tar"
		echo "$output"
		[ "$status" -eq 0 ]
		[[ "$output" == *"imported t$TAG-sk/$f:1 "* ]]
		run "$CTL_IMAGETOOL" inspect "t$TAG-sk/$f:1"
		[[ "$output" == *'Entrypoint: ["/bin/sh", "-c"]'* ]]
		[[ "$output" == *'Layers:     3,'* ]]
		"$CTL_IMAGETOOL" rm "t$TAG-sk/$f:1" >/dev/null
	done
}

@test "a multi-platform OCI index contributes this host's manifest" {
	[ "$(uname -m)" = x86_64 ] || skip "the fixture's platform is amd64"
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --multiarch --compress gzip \
	    --out "$BATS_TEST_TMPDIR/multi.tar" --tag "t$TAG-multi:1" "$FX/base" "$FX/other"
	run "$CTL_IMAGETOOL" import "$BATS_TEST_TMPDIR/multi.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"imported t$TAG-multi:1 "* ]]
	"$CTL_IMAGETOOL" rm "t$TAG-multi:1" >/dev/null
}

@test "a name too long for the store refuses the import before anything is written" {
	# 214 bytes, so a valid name, but each "/" is 3 bytes once encoded.
	long="t$TAG-long$(printf '/a%.0s' $(seq 100)):1"
	mkdir -p "$BATS_TEST_TMPDIR/own"
	echo "long $TAG" >"$BATS_TEST_TMPDIR/own/f"
	python3 "$CTL_SRC/tests/mkarchive.py" --format docker --out "$BATS_TEST_TMPDIR/two.tar" \
	    --tag "t$TAG-okname:1" --tag "$long" "$FX/base" "$BATS_TEST_TMPDIR/own"
	snap() { ls -A "$CTL_STORE/images" "$CTL_STORE/layers" "$CTL_STORE/l"; }
	before=$(snap)
	run "$CTL_IMAGETOOL" import "$BATS_TEST_TMPDIR/two.tar"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *imported* ]]
	[[ "$output" == *"name too long for the store"* ]]
	run "$CTL_IMAGETOOL" inspect "t$TAG-okname:1"
	[ "$status" -eq 1 ]
	[ "$(snap)" = "$before" ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	# --name and tag check it before they start.
	run "$CTL_IMAGETOOL" import --name "$long" "$FX/rootfs.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == "ctr-image: "*"$long: name too long for the store (416 bytes once encoded, at most 255)" ]]
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-okname:1" "$FX/rootfs.tar"
	run "$CTL_IMAGETOOL" tag "t$TAG-okname:1" "$long"
	[ "$status" -eq 1 ]
	[[ "$output" == *"name too long for the store"* ]]
	# The longest name the store holds is imported with its origin.
	edge="t$TAG-e$(printf 'x%.0s' $(seq 242)):1"
	[ "$(printf '%s' "$edge" | sed 's/:/%3A/' | wc -c)" -eq 255 ]
	run "$CTL_IMAGETOOL" import --quiet --name "$edge" "$FX/rootfs.tar"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	"$CTL_IMAGETOOL" list | grep -q "^$edge .* imported from "
	run "$CTL_IMAGETOOL" tag "t$TAG-okname:1" "$edge"
	[ "$status" -eq 0 ]
	"$CTL_IMAGETOOL" rm "$edge" "t$TAG-okname:1" >/dev/null
}
