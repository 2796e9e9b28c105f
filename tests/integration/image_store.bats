#!/usr/bin/env bats
# The image store: interrupted imports leave nothing visible and are
# cleaned by the next import or gc; gc removes unused layers and stale
# links; rm and gc skip a layer whose lock a running container holds.

load lib

setup_file() {
	export TAG=$(ctl_tag)
	export FX=$BATS_FILE_TMPDIR/fx
	mkdir -p "$FX/many"
	# ~9000 small files: long enough to be killed while unpacking.
	python3 -c '
import os, sys
for d in range(30):
    os.makedirs(f"{sys.argv[1]}/d{d}")
    for i in range(300):
        with open(f"{sys.argv[1]}/d{d}/f{i}", "wb") as f:
            f.write(os.urandom(2048))
' "$FX/many"
	tar -C "$FX/many" -cf "$FX/many.tar" .
	ctl_rootfs "$FX/root"
	tar -C "$FX/root" -cf "$FX/rootfs.tar" .
}

teardown_file() {
	"$CTL_IMAGETOOL" rm "t$TAG-many" "t$TAG-spool" "t$TAG-busy" "t$TAG-gc" "t$TAG-deep" >/dev/null 2>&1 || true
	"$CTL_IMAGETOOL" gc >/dev/null 2>&1 || true
}

nlayers() {
	ls "$CTL_STORE/layers" | wc -l
}

consistent() {
	# Every descriptor parses (list works), every layer it names exists
	# with its link, and no link dangles.
	run "$CTL_IMAGETOOL" list
	[ "$status" -eq 0 ]
	for d in "$CTL_STORE"/images/*; do
		[ -e "$d" ] || continue
		while read -r _ hex link _; do
			[ -d "$CTL_STORE/layers/$hex/diff" ]
			[ "$(readlink "$CTL_STORE/l/$link")" = "../layers/$hex/diff" ]
		done < <(grep '^layer ' "$d")
	done
	for l in "$CTL_STORE"/l/*; do
		[ -e "$l" ] || [ ! -L "$l" ]
	done
}

@test "kill -9 while unpacking leaves nothing visible; import again and gc" {
	n0=$(nlayers)
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-many" "$FX/many.tar" &
	pid=$!
	for _ in $(seq 1 500); do
		compgen -G "$CTL_STORE/tmp/w*/L1/diff/d1" >/dev/null && break
		sleep 0.01
	done
	kill -9 "$pid"
	wait "$pid" || true
	compgen -G "$CTL_STORE/tmp/w*/L1/diff/d1" >/dev/null # caught mid-unpack
	[ ! -e "$CTL_STORE/images/t$TAG-many%3Alatest" ]
	[ "$(nlayers)" -eq "$n0" ]
	! "$CTL_IMAGETOOL" list | awk '{print $1}' | grep -qx "t$TAG-many:latest" || false
	consistent
	# The next import cleans tmp/ and succeeds.
	run "$CTL_IMAGETOOL" import --quiet --name "t$TAG-many" "$FX/many.tar"
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	[ "$(nlayers)" -eq $((n0 + 1)) ]
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	consistent
	[ "$(find "$CTL_STORE/layers/$(sha256sum "$FX/many.tar" | cut -c1-64)/diff" -type f | wc -l)" -eq 9000 ]
}

@test "kill -9 while spooling stdin leaves only tmp/ garbage that gc removes" {
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	(head -c 5000000 "$FX/many.tar"; sleep 20) >"$BATS_TEST_TMPDIR/fifo" &
	writer=$!
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-spool" - <"$BATS_TEST_TMPDIR/fifo" &
	pid=$!
	for _ in $(seq 1 500); do
		[ "$(stat -c %s "$CTL_STORE"/tmp/w*/input 2>/dev/null || echo 0)" -ge 5000000 ] && break
		sleep 0.01
	done
	kill -9 "$pid"
	wait "$pid" || true
	kill "$writer" 2>/dev/null || true
	wait "$writer" 2>/dev/null || true
	[ -n "$(ls -A "$CTL_STORE/tmp")" ]
	[ ! -e "$CTL_STORE/images/t$TAG-spool%3Alatest" ]
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	consistent
}

@test "gc removes layers no image uses and dangling links, keeps used ones" {
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-gc" "$FX/rootfs.tar"
	h=$(sha256sum "$FX/rootfs.tar" | cut -c1-64)
	link=$(cat "$CTL_STORE/layers/$h/link")
	ln -s ../layers/0000000000000000000000000000000000000000000000000000000000000000/diff "$CTL_STORE/l/ZZZZZZZZZZ"
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[ -d "$CTL_STORE/layers/$h/diff" ]
	[ ! -L "$CTL_STORE/l/ZZZZZZZZZZ" ]
	[ "$(readlink "$CTL_STORE/l/$link")" = "../layers/$h/diff" ]
	# A layer no image names goes.
	cp -a "$CTL_STORE/layers/$h" "$CTL_STORE/layers/$(printf '%064d' 1)"
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed 1 layers"* ]]
	[ ! -e "$CTL_STORE/layers/$(printf '%064d' 1)" ]
	[ -d "$CTL_STORE/layers/$h/diff" ]
	consistent
}

@test "rm and gc skip a layer whose lock a running container holds" {
	"$CTL_IMAGETOOL" rm "t$TAG-gc" >/dev/null 2>&1 || true
	mkdir -p "$BATS_TEST_TMPDIR/u"
	echo unique-$TAG >"$BATS_TEST_TMPDIR/u/marker"
	tar -C "$BATS_TEST_TMPDIR/u" -cf "$BATS_TEST_TMPDIR/u.tar" .
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-busy" "$BATS_TEST_TMPDIR/u.tar"
	h=$(sha256sum "$BATS_TEST_TMPDIR/u.tar" | cut -c1-64)
	# What the launcher does: flock(LOCK_SH) on layers/<hex>.
	flock -o -s "$CTL_STORE/layers/$h" sleep 60 &
	holder=$!
	sleep 0.3
	run "$CTL_IMAGETOOL" rm "t$TAG-busy"
	[ "$status" -eq 0 ]
	[[ "$output" == *"in use by a running container; kept"* ]]
	[ -d "$CTL_STORE/layers/$h/diff" ]
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[[ "$output" == *"kept 1 busy layers"* ]]
	[ -d "$CTL_STORE/layers/$h/diff" ]
	pkill -P "$holder" # its sleep; flock then exits and unlocks
	wait "$holder" || true
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[ ! -e "$CTL_STORE/layers/$h" ]
	consistent
}

@test "the store and its parts are root-only" {
	"$CTL_IMAGETOOL" list >/dev/null
	[ "$(stat -c '%a %u' "$CTL_STORE")" = "700 0" ]
	for d in images layers l tmp; do
		[ "$(stat -c '%a %u' "$CTL_STORE/$d")" = "700 0" ]
	done
	for f in "$CTL_STORE"/images/*; do
		[ -e "$f" ] || continue
		[ "$(stat -c '%a %u' "$f")" = "600 0" ]
	done
}

@test "gc waits for a running import instead of wiping its work" {
	"$CTL_IMAGETOOL" rm "t$TAG-many" >/dev/null 2>&1 || true
	"$CTL_IMAGETOOL" gc >/dev/null
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-many" "$FX/many.tar" &
	pid=$!
	for _ in $(seq 1 500); do
		compgen -G "$CTL_STORE/tmp/w*/L1/diff/d1" >/dev/null && break
		sleep 0.01
	done
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	wait "$pid"
	"$CTL_IMAGETOOL" inspect "t$TAG-many" >/dev/null
	consistent
}

@test "gc refuses to collect while a descriptor is unreadable" {
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-gc" "$FX/rootfs.tar"
	cp -a "$CTL_STORE/layers/$(sha256sum "$FX/rootfs.tar" | cut -c1-64)" \
	    "$CTL_STORE/layers/$(printf '%064d' 2)"
	printf 'garbage\n' >"$CTL_STORE/images/t$TAG-garbage%3Alatest"
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 1 ]
	[[ "$output" == "ctr-image: "*"t$TAG-garbage"* ]]
	[ -d "$CTL_STORE/layers/$(printf '%064d' 2)" ]
	# rm removes even an unreadable descriptor; then gc collects.
	run "$CTL_IMAGETOOL" rm "t$TAG-garbage"
	[ "$status" -eq 0 ]
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[ ! -e "$CTL_STORE/layers/$(printf '%064d' 2)" ]
	consistent
}

@test "SIGTERM or SIGINT mid-import stops it and cleans tmp/ at once" {
	"$CTL_IMAGETOOL" rm "t$TAG-many" >/dev/null 2>&1 || true
	for sig in TERM INT; do
		"$CTL_IMAGETOOL" import --quiet --name "t$TAG-many" "$FX/many.tar" 2>"$BATS_TEST_TMPDIR/err" &
		pid=$!
		for _ in $(seq 1 500); do
			compgen -G "$CTL_STORE/tmp/w*/L1/diff/d1" >/dev/null && break
			sleep 0.01
		done
		kill -$sig "$pid"
		rc=0
		wait "$pid" || rc=$?
		[ "$rc" -eq 1 ]
		grep -q "interrupted" "$BATS_TEST_TMPDIR/err"
		[ -z "$(ls -A "$CTL_STORE/tmp")" ]
		[ ! -e "$CTL_STORE/images/t$TAG-many%3Alatest" ]
	done
	consistent
}

@test "disk full mid-import leaves nothing visible and tmp/ clean" {
	# A private mount namespace with a 4 MiB store: nobody else sees it.
	run unshare -m sh -c "
	    mount --make-rprivate / &&
	    mount -t tmpfs -o size=4m,mode=0700 tmpfs '$CTL_STORE' &&
	    '$CTL_IMAGETOOL' import --quiet --name t$TAG-full '$FX/many.tar';
	    echo rc=\$?;
	    ls -A '$CTL_STORE/images' '$CTL_STORE/layers' '$CTL_STORE/tmp' '$CTL_STORE/l'"
	echo "$output"
	[[ "$output" == *"No space left on device"* ]]
	[[ "$output" == *"rc=1"* ]]
	# Nothing listed under any of the four directories.
	[ "$(echo "$output" | grep -vcE '^(ctr-image: |rc=|/|$)')" -eq 0 ]
}

@test "a failed import leaves layers/, l/ and blobmap/ exactly as they were" {
	local fmt bad before
	snap() { ls -A "$CTL_STORE/layers" "$CTL_STORE/l" "$CTL_STORE/blobmap" 2>/dev/null; }
	for fmt in oci docker; do
		for bad in 0 1; do
			# two layers new to the store, one of them claiming
			# a wrong diff_id: whichever is read first
			mkdir -p "$BATS_TEST_TMPDIR/$fmt$bad/a" "$BATS_TEST_TMPDIR/$fmt$bad/b"
			echo "a $TAG $fmt $bad" >"$BATS_TEST_TMPDIR/$fmt$bad/a/a"
			echo "b $TAG $fmt $bad" >"$BATS_TEST_TMPDIR/$fmt$bad/b/b"
			python3 "$CTL_SRC/tests/mkarchive.py" --format "$fmt" \
			    --out "$BATS_TEST_TMPDIR/$fmt$bad.tar" --tag "t$TAG-half:1" \
			    --bad-diffid "$bad" "$BATS_TEST_TMPDIR/$fmt$bad/a" \
			    "$BATS_TEST_TMPDIR/$fmt$bad/b"
			before=$(snap)
			run "$CTL_IMAGETOOL" import --quiet "$BATS_TEST_TMPDIR/$fmt$bad.tar"
			echo "$fmt $bad: $output"
			[ "$status" -eq 1 ]
			[[ "$output" == *"diff_id mismatch"* ]]
			[ "$(snap)" = "$before" ]
			[ -z "$(ls -A "$CTL_STORE/tmp")" ]
		done
	done
}

@test "a layer 2000 directories deep is removed with 64 descriptors, and so is a failed import of it" {
	# a/a/.../a (4000 bytes of path, below PATH_MAX) with a file at the
	# bottom; the second archive ends with an entry that refuses it.
	python3 -c '
import io, sys, tarfile
for out, bad in ((sys.argv[1], False), (sys.argv[2], True)):
    with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as t:
        p = ""
        for _ in range(2000):
            p += "a/"
            ti = tarfile.TarInfo(p.rstrip("/"))
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            t.addfile(ti)
        ti = tarfile.TarInfo(p + "f")
        ti.size = 4
        t.addfile(ti, io.BytesIO(b"deep"))
        if bad:
            ti = tarfile.TarInfo("../escape")
            ti.size = 0
            t.addfile(ti, io.BytesIO(b""))
' "$BATS_TEST_TMPDIR/deep.tar" "$BATS_TEST_TMPDIR/deepbad.tar"
	few() { bash -c 'ulimit -n 64 && exec "$@"' few "$CTL_IMAGETOOL" "$@"; }
	run few import --quiet --name "t$TAG-deep" "$BATS_TEST_TMPDIR/deep.tar"
	echo "$output"
	[ "$status" -eq 0 ]
	h=$(sha256sum "$BATS_TEST_TMPDIR/deep.tar" | cut -c1-64)
	(cd "$CTL_STORE/layers/$h/diff" && [ "$(cat "$(printf 'a/%.0s' $(seq 2000))f")" = deep ])
	run few rm "t$TAG-deep"
	echo "$output"
	[ "$status" -eq 0 ]
	[ ! -e "$CTL_STORE/layers/$h" ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	run few import --quiet --name "t$TAG-deep" "$BATS_TEST_TMPDIR/deepbad.tar"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" != *"Too many open files"* ]]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	# The store works as before.
	run "$CTL_IMAGETOOL" import --quiet --name "t$TAG-deep" "$FX/rootfs.tar"
	[ "$status" -eq 0 ]
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	consistent
}

@test "a rolled-back import renames its layer into tmp/ before deleting it; a layer's link and size are synced before it enters layers/" {
	mkdir -p "$BATS_TEST_TMPDIR/rb"
	echo "rollback $TAG" >"$BATS_TEST_TMPDIR/rb/f"
	tar -C "$BATS_TEST_TMPDIR/rb" -cf "$BATS_TEST_TMPDIR/rb.tar" .
	h=$(sha256sum "$BATS_TEST_TMPDIR/rb.tar" | cut -c1-64)
	tr=$BATS_TEST_TMPDIR/trace
	before=$(ls -A "$CTL_STORE/layers" "$CTL_STORE/l")
	# The second syncfs (the one before the descriptors) fails: the
	# layer this import just put into layers/ is taken back.
	run strace -f -y -qq -o "$tr" -e trace=syncfs,fsync,renameat,renameat2,unlinkat \
	    -e inject=syncfs:error=EIO:when=2 \
	    "$CTL_IMAGETOOL" import --quiet --name "t$TAG-rb" "$BATS_TEST_TMPDIR/rb.tar"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"syncfs: Input/output error"* ]]
	[ "$(ls -A "$CTL_STORE/layers" "$CTL_STORE/l")" = "$before" ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	cat "$tr"
	grep -qE "rename(at|at2)\(.*/layers>, \"$h\"" "$tr" # it was committed
	# Nothing of it was deleted while it was in layers/.
	! grep -E "unlinkat\([0-9]+<[^>]*/layers/$h[/>]" "$tr" || false
	! grep -E "unlinkat\([0-9]+<[^>]*/layers>, \"$h\"" "$tr" || false
	# Its link and size were synced before it entered layers/.
	awk -v h="$h" '/fsync\(.*\/link>/ { l = 1 } /fsync\(.*\/size>/ { s = 1 }
	    /rename/ && index($0, "layers>, \"" h "\"") { ok = l && s; exit }
	    END { exit !ok }' "$tr"
}

@test "list shows the good images and warns once per bad descriptor; rm and gc go on but keep every layer" {
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-good" "$FX/rootfs.tar"
	h=$(sha256sum "$FX/rootfs.tar" | cut -c1-64)
	h3=$(printf '%064d' 3)
	im=$CTL_STORE/images
	good=$im/t$TAG-good%3Alatest
	# Layer h3 is named only by a descriptor cut short (no "end").
	cp -a "$CTL_STORE/layers/$h" "$CTL_STORE/layers/$h3"
	sed -e "s/$h/$h3/" -e '/^end/d' -e "s/t$TAG-good/t$TAG-trunc/" "$good" >"$im/t$TAG-trunc%3Alatest"
	: >"$im/t$TAG-empty%3Alatest"
	head -c 1100000 /dev/zero | tr '\0' x >"$im/t$TAG-huge%3Alatest"
	cp "$good" "$im/t$TAG-other%3Alatest" # names another image
	printf x >"$im/t$TAG%41bad"           # not an encoding the store writes
	mkfifo "$im/t$TAG-fifo%3Alatest"
	run timeout 20 bash -c '"$1" list 2>"$2"' list "$CTL_IMAGETOOL" "$BATS_TEST_TMPDIR/err"
	echo "$output"
	cat "$BATS_TEST_TMPDIR/err"
	[ "$status" -eq 1 ]
	[[ "$output" == *"t$TAG-good:latest "* ]]
	[ "$(grep -c '^ctr-image: warning: ' "$BATS_TEST_TMPDIR/err")" -eq 6 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/err")" -eq 6 ]
	grep -q "t$TAG-other%3Alatest: t$TAG-other:latest: descriptor names t$TAG-good:latest\$" "$BATS_TEST_TMPDIR/err"
	grep -q "t$TAG-fifo%3Alatest: .*not a regular file" "$BATS_TEST_TMPDIR/err"
	run timeout 20 "$CTL_IMAGETOOL" inspect "t$TAG-fifo"
	[ "$status" -eq 1 ]
	# rm removes the name; no layer goes while a descriptor is unreadable.
	run timeout 20 "$CTL_IMAGETOOL" rm "t$TAG-good"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"removed t$TAG-good:latest"* ]]
	[[ "$output" == *"kept every unused layer: 6 descriptors unreadable"* ]]
	[ -d "$CTL_STORE/layers/$h3" ]
	[ -d "$CTL_STORE/layers/$h" ]
	run timeout 20 "$CTL_IMAGETOOL" gc
	echo "$output"
	[ "$status" -eq 1 ]
	[ -d "$CTL_STORE/layers/$h3" ]
	[ -z "$(ls -A "$CTL_STORE/tmp")" ]
	# The bad ones removed, gc collects.
	run "$CTL_IMAGETOOL" rm "t$TAG-trunc" "t$TAG-empty" "t$TAG-huge" "t$TAG-other" "t$TAG-fifo"
	[ "$status" -eq 0 ]
	rm "$im/t$TAG%41bad"
	run "$CTL_IMAGETOOL" gc
	[ "$status" -eq 0 ]
	[ ! -e "$CTL_STORE/layers/$h3" ]
	consistent
}

@test "list and inspect share the store lock; a command that has to wait says so once" {
	"$CTL_IMAGETOOL" import --quiet --name "t$TAG-lock" "$FX/rootfs.tar"
	held() { ! flock -n -x "$CTL_STORE" true || false; }
	wait_line='ctr-image: waiting for the store lock (another ctr-image is running)'
	# What a running list holds: readers go on at once.
	flock -o -s "$CTL_STORE" sleep 60 &
	holder=$!
	ctl_wait_for held
	run timeout 10 "$CTL_IMAGETOOL" list
	[ "$status" -eq 0 ]
	[[ "$output" == *"t$TAG-lock:latest "* ]]
	[[ "$output" != *waiting* ]]
	run timeout 10 "$CTL_IMAGETOOL" inspect "t$TAG-lock"
	[ "$status" -eq 0 ]
	# A writer waits for it, saying so once.
	"$CTL_IMAGETOOL" gc >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	ctl_wait_for grep -q waiting "$BATS_TEST_TMPDIR/err"
	[ ! -s "$BATS_TEST_TMPDIR/out" ]
	pkill -P "$holder"
	wait "$holder" || true
	wait "$pid"
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "$wait_line" ]
	grep -q '^gc: removed' "$BATS_TEST_TMPDIR/out"
	# What an import holds: a reader waits, saying so once.
	flock -o -x "$CTL_STORE" sleep 60 &
	holder=$!
	ctl_wait_for held
	"$CTL_IMAGETOOL" list >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	ctl_wait_for grep -q waiting "$BATS_TEST_TMPDIR/err"
	pkill -P "$holder"
	wait "$holder" || true
	wait "$pid"
	[ "$(cat "$BATS_TEST_TMPDIR/err")" = "$wait_line" ]
	grep -q "^t$TAG-lock:latest " "$BATS_TEST_TMPDIR/out"
	"$CTL_IMAGETOOL" rm "t$TAG-lock" >/dev/null
}
