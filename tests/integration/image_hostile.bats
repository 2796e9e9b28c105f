#!/usr/bin/env bats
# ctr-image against hostile archives: each case either refuses the import
# or sanitises it as ctr-image(8) documents, and nothing is ever written
# outside the store (a canary directory outside it stays empty).

load lib

setup_file() {
	export TAG=$(ctl_tag)
	export CANARY=$CTL_ROOT/canary-$TAG
	mkdir -p "$CANARY"
}

teardown_file() {
	for c in devices setuid xattrs; do
		"$CTL_IMAGETOOL" rm "t$TAG-$c" >/dev/null 2>&1 || true
	done
	rm -rf "$CANARY"
}

# hostile CASE: builds the case's tarball and imports it as t$TAG-CASE.
hostile() {
	python3 "$CTL_SRC/tests/mkarchive.py" hostile "$1" "$BATS_TEST_TMPDIR/$1.tar" "$CANARY"
	run "$CTL_IMAGETOOL" import --quiet --name "t$TAG-$1" "$BATS_TEST_TMPDIR/$1.tar"
}

# refused CASE REASON: the import fails with REASON and leaves no trace.
refused() {
	hostile "$1"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "ctr-image: import "*"$2"* ]]
	[ "$(echo "$output" | wc -l)" -eq 1 ]
	[ -z "$(ls -A "$CANARY")" ]
	[ ! -e "$CTL_STORE/images/t$TAG-$1%3Alatest" ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	[ ! -e /etc/passwd.pwned ]
}

diff_of() {
	h=$("$CTL_IMAGETOOL" inspect "t$TAG-$1" | awk '$1 == "1" && $2 ~ /^sha256:/ {print substr($2, 8)}')
	echo "$CTL_STORE/layers/$h/diff"
}

@test "absolute entry path is refused" {
	refused absolute "refused: absolute path"
}

@test "entry path climbing out with .. is refused" {
	refused dotdot 'refused: ".." component'
}

@test "entry path with .. inside is refused" {
	refused dotdot-inner 'refused: ".." component'
}

@test "write through an absolute symlink of the same layer is refused" {
	refused symlink-abs "its parent is a symlink"
}

@test "write through a relative symlink climbing out is refused" {
	refused symlink-rel "its parent is a symlink"
}

@test "a file replaced by a symlink, then written through, is refused" {
	refused symlink-dir-replace "its parent is a symlink"
}

@test "hardlink to an absolute path is refused" {
	refused hardlink-abs "hardlink target: absolute path"
}

@test "hardlink climbing out with .. is refused" {
	refused hardlink-dotdot 'hardlink target: ".." component'
}

@test "hardlink through a symlink is refused" {
	refused hardlink-symlink "hardlink target is not an earlier entry"
}

@test "hardlink to a missing entry is refused" {
	refused hardlink-missing "hardlink target is not an earlier entry"
}

@test "whiteout of .. is refused" {
	refused whiteout-dotdot "whiteout without a valid name"
}

@test "whiteout without a name is refused" {
	refused whiteout-empty "whiteout without a valid name"
}

@test "whiteout climbing out is refused" {
	refused whiteout-escape 'refused: ".." component'
}

@test "whiteout through a symlink is refused" {
	refused whiteout-symlink "its parent is a symlink"
}

@test "device nodes and FIFOs are dropped and reported" {
	hostile devices
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: "*"dropped 3 device nodes, FIFOs or sockets (first: dev/mem)"* ]]
	d=$(diff_of devices)
	[ -f "$d/after-devices" ]
	[ -z "$(find "$d" -type b -o -type c -o -type p)" ]
}

@test "setuid and setgid bits are cleared and reported" {
	hostile setuid
	[ "$status" -eq 0 ]
	[[ "$output" == *"cleared setuid/setgid bits on 2 entries"* ]]
	d=$(diff_of setuid)
	[ "$(stat -c %a "$d/bin/suid")" = 755 ]
	[ "$(stat -c %a "$d/bin/sgid")" = 755 ]
}

@test "trusted.* and security.* xattrs are dropped, user.* kept" {
	hostile xattrs
	[ "$status" -eq 0 ]
	[[ "$output" == *"dropped 3 extended attributes"* ]]
	d=$(diff_of xattrs)
	run python3 -c 'import os,sys; print(sorted(os.listxattr(sys.argv[1])))' "$d/file"
	[ "$output" = "['user.ok']" ]
}

@test "decompression bomb is refused by --max-size" {
	mkdir -p "$BATS_TEST_TMPDIR/bomb"
	truncate -s 200M "$BATS_TEST_TMPDIR/bomb/zeros"
	tar -C "$BATS_TEST_TMPDIR/bomb" -cf - zeros | gzip -1 >"$BATS_TEST_TMPDIR/bomb.tar.gz"
	rm -f "$BATS_TEST_TMPDIR/bomb/zeros"
	[ "$(stat -c %s "$BATS_TEST_TMPDIR/bomb.tar.gz")" -lt 1000000 ]
	run "$CTL_IMAGETOOL" import --quiet --max-size 50M --name "t$TAG-bomb" "$BATS_TEST_TMPDIR/bomb.tar.gz"
	[ "$status" -eq 1 ]
	[[ "$output" == *"--max-size"* ]]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	[ ! -e "$CTL_STORE/images/t$TAG-bomb%3Alatest" ]
}

@test "too many entries are refused by --max-entries" {
	mkdir -p "$BATS_TEST_TMPDIR/many"
	(cd "$BATS_TEST_TMPDIR/many" && touch $(seq 1 500))
	tar -C "$BATS_TEST_TMPDIR/many" -cf "$BATS_TEST_TMPDIR/many.tar" .
	run "$CTL_IMAGETOOL" import --quiet --max-entries 100 --name "t$TAG-many" "$BATS_TEST_TMPDIR/many.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"more than 100 entries"* ]]
}

@test "a hostile layer inside a docker save archive is refused the same way" {
	python3 "$CTL_SRC/tests/mkarchive.py" hostile symlink-abs "$BATS_TEST_TMPDIR/l.tar" "$CANARY"
	python3 "$CTL_SRC/tests/mkarchive.py" --format docker --out "$BATS_TEST_TMPDIR/d.tar" \
	    --tag "t$TAG-hd:1" "$BATS_TEST_TMPDIR/l.tar"
	run "$CTL_IMAGETOOL" import --quiet "$BATS_TEST_TMPDIR/d.tar"
	[ "$status" -eq 1 ]
	[[ "$output" == *"its parent is a symlink"* ]]
	[ -z "$(ls -A "$CANARY")" ]
}

# Terminal escapes in what an archive names reach the administrator's
# terminal escaped (\x1b), never as the byte, even with --quiet.
noesc() { # OUTPUT: no ESC or BEL byte, the escaped ESC shown
	! printf '%s' "$1" | grep -q $'[\033\007]' || false
	[[ "$1" == *'\x1b'* ]]
}

@test "a dropped device's name with terminal escapes is printed escaped" {
	python3 - "$BATS_TEST_TMPDIR/esc.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    d = tarfile.TarInfo("dev\x1b]0;pwned\x07\x1b[2J")
    d.type = tarfile.CHRTYPE
    d.devmajor, d.devminor = 1, 1
    t.addfile(d)
PY
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$BATS_TEST_TMPDIR/esc-oci.tar" \
	    "$BATS_TEST_TMPDIR/esc.tar"
	local st=0 stderr
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-esc" \
	    "$BATS_TEST_TMPDIR/esc-oci.tar" 2>"$BATS_TEST_TMPDIR/err" >/dev/null || st=$?
	"$CTL_IMAGETOOL" rm "t$TAG-esc" >/dev/null 2>&1 || true
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	echo "$stderr"
	[ "$st" -eq 0 ]
	noesc "$stderr"
	[[ "$stderr" == *'(first: dev\x1b]0;pwned\x07\x1b[2J)'* ]]
}

@test "a RepoTags name with terminal escapes is refused, printed escaped" {
	mkdir -p "$BATS_TEST_TMPDIR/l"
	echo x >"$BATS_TEST_TMPDIR/l/x"
	python3 "$CTL_SRC/tests/mkarchive.py" --format docker --out "$BATS_TEST_TMPDIR/tag.tar" \
	    --tag $'x\033[2J\033]0;pwned\007:1' "$BATS_TEST_TMPDIR/l"
	local st=0 stderr
	"$CTL_IMAGETOOL" import --quiet "$BATS_TEST_TMPDIR/tag.tar" \
	    2>"$BATS_TEST_TMPDIR/err" >/dev/null || st=$?
	stderr=$(cat "$BATS_TEST_TMPDIR/err")
	echo "$stderr"
	[ "$st" -eq 1 ]
	noesc "$stderr"
	[[ "$stderr" == 'ctr-image: import '*'x\x1b[2J\x1b]0;pwned\x07:1'* ]]
}

@test "a layer whose directories would hold more than 64 MiB of paths is refused" {
	# 19000 directories with 3.9 KB paths: 75 MB of pending times
	python3 - "$BATS_TEST_TMPDIR/dirs.tar" <<'PY'
import sys, tarfile
p = "/".join(["d" * 240] * 16)
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for k in range(16):
        d = tarfile.TarInfo("/".join(["d" * 240] * (k + 1)))
        d.type = tarfile.DIRTYPE
        t.addfile(d)
    for i in range(19000):
        d = tarfile.TarInfo("%s/%08d" % (p, i))
        d.type = tarfile.DIRTYPE
        t.addfile(d)
PY
	run /usr/bin/time -f 'maxrss %M' "$CTL_IMAGETOOL" import --quiet --name "t$TAG-dirs" "$BATS_TEST_TMPDIR/dirs.tar"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"refused: the layer's directories hold more than 64 MiB of paths"* ]]
	[ ! -e "$CTL_STORE/images/t$TAG-dirs%3Alatest" ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
}

@test "a sparse entry cannot place data past the size it declares (--max-size holds for sparse files)" {
	# pax sparse 0.1: 10 bytes declared, one byte mapped at 10^12.
	python3 -c '
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("big")
    ti.size = 1
    ti.pax_headers = {"GNU.sparse.size": "10", "GNU.sparse.numblocks": "1",
                      "GNU.sparse.map": sys.argv[2] + ",1", "GNU.sparse.name": "big"}
    t.addfile(ti, io.BytesIO(b"x"))
' "$BATS_TEST_TMPDIR/far.tar" 1000000000000
	run "$CTL_IMAGETOOL" import --quiet --name "t$TAG-sparse" "$BATS_TEST_TMPDIR/far.tar"
	echo "$output"
	h=$(sha256sum "$BATS_TEST_TMPDIR/far.tar" | cut -c1-64)
	ls -ls "$CTL_STORE/layers/$h/diff" || true
	[ "$status" -eq 1 ]
	[[ "$output" == *"\"big\": refused: data beyond its declared size"* ]]
	[ ! -e "$CTL_STORE/layers/$h" ]
	[ ! -e "$CTL_STORE/images/t$TAG-sparse%3Alatest" ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	# A block within the declared size is a sparse file of that size.
	python3 -c '
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    ti = tarfile.TarInfo("big")
    ti.size = 1
    ti.pax_headers = {"GNU.sparse.size": "10", "GNU.sparse.numblocks": "1",
                      "GNU.sparse.map": "9,1", "GNU.sparse.name": "big"}
    t.addfile(ti, io.BytesIO(b"x"))
' "$BATS_TEST_TMPDIR/near.tar"
	run "$CTL_IMAGETOOL" import --quiet --name "t$TAG-sparse" "$BATS_TEST_TMPDIR/near.tar"
	[ "$status" -eq 0 ]
	h=$(sha256sum "$BATS_TEST_TMPDIR/near.tar" | cut -c1-64)
	[ "$(stat -c %s "$CTL_STORE/layers/$h/diff/big")" -eq 10 ]
	[ "$(tail -c 1 "$CTL_STORE/layers/$h/diff/big")" = x ]
	"$CTL_IMAGETOOL" rm "t$TAG-sparse" >/dev/null
}
