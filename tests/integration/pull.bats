#!/usr/bin/env bats
# ctr-image pull: Debian's docker-registry (plain HTTP, listed insecure;
# htpasswd Basic auth) with images pushed by skopeo (OCI, docker v2s2,
# layers shared with a stored image), and a hostile registry in Python
# (tests/integration/pull/fakereg.py: Bearer tokens with refresh, an
# index, wrong digests, oversize documents, a redirect loop, a cross-host
# blob redirect).  Every failure: one line, exit 1, the store unchanged.
# A second docker-registry serves as a mirror that lacks a blob.

load lib

setup_file() {
	command -v docker-registry >/dev/null || skip "docker-registry not installed (make deps)"
	command -v skopeo >/dev/null || skip "skopeo not installed (make deps)"
	getent passwd ctr-pull >/dev/null ||
	    adduser --system --no-create-home --group ctr-pull >/dev/null
	export TAG=$(ctl_tag)
	export PD=$BATS_FILE_TMPDIR/pull
	export HELP=$CTL_SRC/tests/integration/pull
	export REGCONF=$CTL_ROOT/etc/ctr-launch/registries.conf
	mkdir -p "$PD/fx/base/etc" "$PD/fx/l2/etc" "$PD/fx/l3/srv" "$PD/fake"
	echo base >"$PD/fx/base/etc/base"
	echo two >"$PD/fx/l2/etc/two"
	echo three >"$PD/fx/l3/srv/three"
	mkdir -p "$PD/fx/mb/srv" "$PD/fx/bm/srv"
	echo "mirror $TAG" >"$PD/fx/mb/srv/mb"
	echo "blobmap $TAG" >"$PD/fx/bm/srv/bm"
	tar -C "$PD/fx/base" -cf "$PD/fx/base.tar" .
	local cfg='{"Cmd":["/bin/true"],"Env":["P=1"]}'
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$PD/oci.tar" \
	    --compress gzip --config "$cfg" "$PD/fx/base.tar" "$PD/fx/l2"
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$PD/share.tar" \
	    --compress gzip --config "$cfg" "$PD/fx/base.tar" "$PD/fx/l3"
	python3 "$CTL_SRC/tests/mkarchive.py" --format docker --out "$PD/docker.tar" \
	    --tag "x/y:1" --config "$cfg" "$PD/fx/base.tar" "$PD/fx/l3"
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$PD/mb.tar" \
	    --compress gzip --config "$cfg" "$PD/fx/base.tar" "$PD/fx/mb"
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$PD/bm.tar" \
	    --compress gzip --config "$cfg" "$PD/fx/base.tar" "$PD/fx/bm"
	read -r RPID RPORT < <(bash "$HELP/registry.sh" "$PD/reg")
	read -r MPID MPORT < <(bash "$HELP/registry.sh" "$PD/mreg")
	htpasswd -Bbn puller s3cret >"$PD/regauth.htpasswd"
	mkdir -p "$PD/regauth"
	mv "$PD/regauth.htpasswd" "$PD/regauth/htpasswd"
	read -r APID APORT < <(bash "$HELP/registry.sh" "$PD/regauth" htpasswd)
	bash "$HELP/mkca.sh" "$PD/regtls"
	read -r TPID TPORT < <(bash "$HELP/registry.sh" "$PD/regtls" tls)
	setsid python3 "$HELP/fakereg.py" "$PD/fake" >"$PD/fake.out" 2>&1 &
	FPID=$!
	for _ in $(seq 100); do [ -e "$PD/fake/port" ] && break; sleep 0.1; done
	FPORT=$(cat "$PD/fake/port")
	export RPID RPORT APID APORT FPID FPORT TPID TPORT MPID MPORT
	export R=127.0.0.1:$RPORT A=127.0.0.1:$APORT F=127.0.0.1:$FPORT
	export M=127.0.0.1:$MPORT
	export TL=127.0.0.1:$TPORT
	printf '[registry "%s"]\ninsecure = yes\n\n[registry "%s"]\ninsecure = yes\n\n[registry "%s"]\ninsecure = yes\n' \
	    "$R" "$A" "$F" >"$REGCONF"
	local sk=(skopeo copy -q --dest-tls-verify=false)
	"${sk[@]}" "oci-archive:$PD/oci.tar" "docker://$R/t$TAG/oci:1"
	"${sk[@]}" "oci-archive:$PD/share.tar" "docker://$R/t$TAG/share:1"
	"${sk[@]}" --format v2s2 "docker-archive:$PD/docker.tar" "docker://$R/t$TAG/v2s2:1"
	"${sk[@]}" "oci-archive:$PD/oci.tar" "docker://$TL/t$TAG/tls:1"
	"${sk[@]}" "oci-archive:$PD/mb.tar" "docker://$R/t$TAG/mb:1"
	"${sk[@]}" "oci-archive:$PD/mb.tar" "docker://$M/t$TAG/mb:1"
	"${sk[@]}" "oci-archive:$PD/bm.tar" "docker://$R/t$TAG/bm:1"
	"${sk[@]}" --dest-creds puller:s3cret "oci-archive:$PD/oci.tar" \
	    "docker://$A/t$TAG/private:1"
	printf '{"auths":{"%s":{"auth":"%s"},"%s":{"auth":"%s"}}}\n' \
	    "$A" "$(printf puller:s3cret | base64)" \
	    "$F" "$(printf tok:secret | base64)" >"$PD/auth.json"
	chmod 600 "$PD/auth.json"
}

teardown_file() {
	[ -n "${RPID:-}" ] && kill "$RPID" 2>/dev/null
	[ -n "${APID:-}" ] && kill "$APID" 2>/dev/null
	[ -n "${FPID:-}" ] && kill "$FPID" 2>/dev/null
	[ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null
	[ -n "${MPID:-}" ] && kill "$MPID" 2>/dev/null
	rm -f "$REGCONF"
	local n
	for n in $("$CTL_IMAGETOOL" list 2>/dev/null | awk 'NR > 1 {print $1}'); do
		case $n in *"t$TAG"* | "p$TAG"*) "$CTL_IMAGETOOL" rm "$n" >/dev/null 2>&1 ;; esac
	done
	"$CTL_IMAGETOOL" gc >/dev/null 2>&1 || true
}

state() { # what the store shows: images and layers
	ls "$CTL_STORE/images" "$CTL_STORE/layers" 2>/dev/null
}

# refused ARGS...: the pull fails with one line, exit 1, store unchanged.
refused() {
	local before
	before=$(state)
	run "$CTL_IMAGETOOL" pull "$@"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '^ctr-image: ')" -eq 1 ]
	[ "$(state)" = "$before" ]
}

blob_gets() { # LOG REPO: blob GETs of REPO in LOG
	grep -c "GET /v2/$2/blobs/sha256:" "$1" || true
}

top_layer() { # REF: the hex digest of the last layer blob of REF
	skopeo inspect --tls-verify=false --raw "docker://$1" |
	    python3 -c 'import json, sys; print(json.load(sys.stdin)["layers"][-1]["digest"][7:])'
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

@test "pull an OCI image from a plain-HTTP registry listed insecure" {
	run "$CTL_IMAGETOOL" pull "$R/t$TAG/oci:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"imported $R/t$TAG/oci:1"* ]]
	run "$CTL_IMAGETOOL" inspect "$R/t$TAG/oci:1"
	[[ "$output" == *"/bin/true"* ]]
	[[ "$output" == *"P=1"* ]]
	local hex
	hex=$("$CTL_IMAGETOOL" inspect "$R/t$TAG/oci:1" | awk '$1 == 2 && $2 ~ /^sha256:/ {print substr($2, 8)}')
	[ "$(cat "$CTL_STORE/layers/$hex/diff/etc/two")" = two ]
}

@test "list shows where an image came from; tag keeps it, rm drops it" {
	"$CTL_IMAGETOOL" pull -q --name "p$TAG-from" "$R/t$TAG/oci:1"
	"$CTL_IMAGETOOL" list | grep -E "^p$TAG-from:latest .* pulled from $R/t$TAG/oci:1\$"
	"$CTL_IMAGETOOL" import -q --name "p$TAG-imp" "$PD/oci.tar"
	"$CTL_IMAGETOOL" list | grep -E "^p$TAG-imp:latest .* imported from $PD/oci.tar\$"
	"$CTL_IMAGETOOL" tag "p$TAG-from" "p$TAG-from2"
	"$CTL_IMAGETOOL" list | grep -E "^p$TAG-from2:latest .* pulled from $R/t$TAG/oci:1\$"
	"$CTL_IMAGETOOL" rm "p$TAG-from2" "p$TAG-imp" >/dev/null
	! ls "$CTL_STORE/origin" | grep -q "p$TAG-from2" || false
}

@test "pull a docker v2 schema 2 image, with --name" {
	run "$CTL_IMAGETOOL" pull --name "p$TAG-v2s2" "$R/t$TAG/v2s2:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"imported p$TAG-v2s2:latest"* ]]
}

@test "no re-download: a layer whose blob was verified before is not fetched (access log)" {
	"$CTL_IMAGETOOL" pull -q "$R/t$TAG/oci:1"
	: >"$PD/reg/log.mark"
	local n0
	n0=$(wc -l <"$PD/reg/log")
	run "$CTL_IMAGETOOL" pull "$R/t$TAG/share:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"stored, not downloaded"* ]]
	tail -n +"$((n0 + 1))" "$PD/reg/log" >"$PD/share.log"
	# config + the new layer; the shared base layer is not fetched
	[ "$(blob_gets "$PD/share.log" "t$TAG/share")" -eq 2 ]
	# and a re-pull fetches no layer at all (the config only)
	n0=$(wc -l <"$PD/reg/log")
	run "$CTL_IMAGETOOL" pull "$R/t$TAG/share:1"
	[ "$status" -eq 0 ]
	tail -n +"$((n0 + 1))" "$PD/reg/log" >"$PD/share2.log"
	[ "$(blob_gets "$PD/share2.log" "t$TAG/share")" -eq 1 ]
}

@test "a config claiming a stored layer's diff_id gets its blob downloaded and refused" {
	"$CTL_IMAGETOOL" pull -q --authfile "$PD/auth.json" "$F/private/img:1"
	: >"$PD/fake/log"
	refused "$F/claim/img:1"
	[[ "$output" == *"diff_id mismatch"* ]]
	[ "$(blob_gets "$PD/fake/log" claim/img)" -eq 2 ]
}

@test "digest pinning: the right digest pulls, another one is refused" {
	local dg
	dg=$(skopeo inspect --tls-verify=false --raw "docker://$R/t$TAG/oci:1" | sha256sum | cut -d' ' -f1)
	run "$CTL_IMAGETOOL" pull --name "p$TAG-pinned" "$R/t$TAG/oci@sha256:$dg"
	[ "$status" -eq 0 ]
	refused "$R/t$TAG/oci@sha256:$(printf '%064d' 0)"
	[[ "$output" == *"not found"* || "$output" == *"mismatch"* ]]
}

@test "Basic auth: refused without credentials, pulled with --authfile" {
	refused "$A/t$TAG/private:1"
	[[ "$output" == *"authentication required"* ]]
	run "$CTL_IMAGETOOL" pull --authfile "$PD/auth.json" "$A/t$TAG/private:1"
	[ "$status" -eq 0 ]
	grep -q 'GET /v2/t'"$TAG"'/private/manifests/1' "$PD/regauth/log"
}

@test "an auth file readable by others or not owned by root is refused" {
	cp "$PD/auth.json" "$PD/auth-loose.json"
	chmod 644 "$PD/auth-loose.json"
	refused --authfile "$PD/auth-loose.json" "$A/t$TAG/private:1"
	[[ "$output" == *"must be a regular file owned by root, mode 0600"* ]]
	cp "$PD/auth.json" "$PD/auth-nobody.json"
	chown nobody "$PD/auth-nobody.json"
	refused --authfile "$PD/auth-nobody.json" "$A/t$TAG/private:1"
	[[ "$output" == *"owned by root"* ]]
}

@test "Bearer tokens: fetched with the credential, refreshed when expired" {
	: >"$PD/fake/log"
	run "$CTL_IMAGETOOL" pull --authfile "$PD/auth.json" --name "p$TAG-bearer" "$F/private/img:1"
	[ "$status" -eq 0 ]
	[ "$(grep -c 'GET /token?service=fake&scope=repository%3Ax%3Apull basic' "$PD/fake/log")" -ge 2 ]
	grep -q 'GET /v2/private/img/manifests/1 bearer' "$PD/fake/log"
	refused "$F/private/img:1"
	[[ "$output" == *"token server"*"no credentials"* ]]
}

@test "a blob redirect to another host carries no credential" {
	: >"$PD/fake/log"
	run "$CTL_IMAGETOOL" pull --authfile "$PD/auth.json" --name "p$TAG-redir" "$F/redir/img:1"
	[ "$status" -eq 0 ]
	grep -q "^localhost:$FPORT GET /redirected/" "$PD/fake/log"
	# field 4: the Authorization scheme sent, "-" for none
	[ -z "$(awk -v h="localhost:$FPORT" '$1 == h && $4 != "-"' "$PD/fake/log")" ]
	[ -n "$(awk -v h="127.0.0.1:$FPORT" '$3 ~ /blobs/ && $4 == "bearer"' "$PD/fake/log")" ]
}

@test "a multi-platform index: the host's platform, --platform, and none matching" {
	run "$CTL_IMAGETOOL" pull --name "p$TAG-amd" --platform linux/amd64 "$F/multi/img:1"
	[ "$status" -eq 0 ]
	run "$CTL_IMAGETOOL" inspect "p$TAG-amd"
	[[ "$output" == *"A=amd"* ]]
	run "$CTL_IMAGETOOL" pull --name "p$TAG-arm" --platform linux/arm64 "$F/multi/img:1"
	[ "$status" -eq 0 ]
	run "$CTL_IMAGETOOL" inspect "p$TAG-arm"
	[[ "$output" == *"A=arm"* ]]
	if [ "$(uname -m)" = x86_64 ]; then
		run "$CTL_IMAGETOOL" pull --name "p$TAG-host" "$F/multi/img:1"
		[ "$status" -eq 0 ]
		run "$CTL_IMAGETOOL" inspect "p$TAG-host"
		[[ "$output" == *"A=amd"* ]]
	fi
	refused --platform linux/s390x "$F/multi/img:1"
	[[ "$output" == *"no image for platform linux/s390x"* ]]
	refused --platform linux "$F/multi/img:1"
	[[ "$output" == *"--platform: expected OS/ARCH"* ]]
}

@test "hostile registry: every attack is one line, exit 1, store unchanged" {
	refused "$F/schema1/img:1"
	[[ "$output" == *"schema 1 manifests are not supported"* ]]
	refused "$F/bigman/img:1"
	[[ "$output" == *"refused: larger than 4194304 bytes"* ]]
	refused "$F/bigcfg/img:1"
	[[ "$output" == *"config larger than 4 MiB refused"* ]]
	refused "$F/biglayer/img:1"
	[[ "$output" == *"refused: larger than"* ]]
	refused "$F/baddcd/img:1"
	[[ "$output" == *"Docker-Content-Digest"*"does not match"* ]]
	# Too long to be kept: present all the same, and not the sha256.
	refused "$F/longdcd/img:1"
	[[ "$output" == *"Docker-Content-Digest (too long) does not match"* ]]
	refused "$F/badblob/img:1"
	[[ "$output" == *"digest mismatch"* ]]
	refused "$F/loop/img:1"
	[[ "$output" == *"redirect loop"* ]]
}

@test "bad references and unknown repositories" {
	refused "UPPER/Case:1"
	[[ "$output" == *"invalid image reference"* ]]
	refused "$R/t$TAG/nosuch:1"
	[[ "$output" == *"not found (HTTP 404)"* ]]
	refused "$R/t$TAG/oci:nosuchtag"
	[[ "$output" == *"not found (HTTP 404)"* ]]
}

@test "TLS is required of a registry not listed insecure" {
	local saved
	saved=$(cat "$REGCONF")
	printf '[registry "%s"]\ninsecure = no\n' "$F" >"$REGCONF"
	refused "$R/t$TAG/oci:1"
	[[ "$output" == *"https://$R/"* ]]
	printf '%s\n' "$saved" >"$REGCONF"
}

@test "TLS: refused unless its CA is trusted through registries.conf's ca" {
	local saved
	saved=$(cat "$REGCONF")
	refused "$TL/t$TAG/tls:1"
	[[ "$output" == *"https://$TL/"*"certificate"* ]]
	install -m 0644 "$PD/regtls/other-ca.pem" "$PD/other-ca.pem"
	printf '%s\n[registry "%s"]\nca = %s\n' "$saved" "$TL" "$PD/other-ca.pem" >"$REGCONF"
	refused "$TL/t$TAG/tls:1"
	[[ "$output" == *"certificate"* ]]
	install -m 0644 "$PD/regtls/ca.pem" "$PD/ca.pem"
	printf '%s\n[registry "%s"]\nca = %s\n' "$saved" "$TL" "$PD/ca.pem" >"$REGCONF"
	run "$CTL_IMAGETOOL" pull "$TL/t$TAG/tls:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"imported $TL/t$TAG/tls:1"* ]]
	chmod 666 "$PD/ca.pem"
	refused "$TL/t$TAG/tls:1"
	[[ "$output" == *"ca.pem: refused"* ]]
	printf '%s\n' "$saved" >"$REGCONF"
}

@test "a mirror in registries.conf serves a registry's images" {
	local saved
	saved=$(cat "$REGCONF")
	printf '%s\n[registry "docker.io"]\nmirror = %s\n' "$saved" "$R" >"$REGCONF"
	: >"$PD/reg/log.m"
	run "$CTL_IMAGETOOL" pull --name "p$TAG-mirror" "docker.io/t$TAG/oci:1"
	printf '%s\n' "$saved" >"$REGCONF"
	[ "$status" -eq 0 ]
	run "$CTL_IMAGETOOL" list
	[[ "$output" == *"p$TAG-mirror:latest"*"pulled from t$TAG/oci:1"* ]]
}

@test "registries.conf is read strictly and must be root-owned" {
	local saved
	saved=$(cat "$REGCONF")
	printf '[registry "%s"]\ninsecure = maybe\n' "$R" >"$REGCONF"
	refused "$R/t$TAG/oci:1"
	[[ "$output" == *"registries.conf:2: insecure: expected yes or no"* ]]
	printf 'insecure = yes\n' >"$REGCONF"
	refused "$R/t$TAG/oci:1"
	[[ "$output" == *"registries.conf:1: key outside a [registry] section"* ]]
	printf '%s\n' "$saved" >"$REGCONF"
	chmod 666 "$REGCONF"
	refused "$R/t$TAG/oci:1"
	[[ "$output" == *"not group/other-writable"* ]]
	chmod 644 "$REGCONF"
}

@test "the network child runs as ctr-pull with no_new_privs" {
	command -v strace >/dev/null || skip "strace not installed"
	local uid
	uid=$(id -u ctr-pull)
	run strace -f -qq -e trace=setresuid,setuid,prctl -o "$PD/strace" \
	    "$CTL_IMAGETOOL" pull --name "p$TAG-strace" "$R/t$TAG/oci:1"
	[ "$status" -eq 0 ]
	ctl_strace_has "$PD/strace" "setresuid\\($uid, $uid, $uid\\) += 0"
	ctl_strace_has "$PD/strace" 'prctl\(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0\) += 0'
	# the child checks that it cannot get root back
	ctl_strace_has "$PD/strace" 'setuid\(0\) += -1 EPERM'
}

@test "the network child: ctr-pull, no capabilities, no_new_privs, seccomp" {
	"$CTL_IMAGETOOL" pull -q --name "p$TAG-slow" "$F/slow/img:1" &
	local pid=$! child="" st=""
	for _ in $(seq 50); do
		child=$(pgrep -P "$pid" | head -n 1)
		[ -n "$child" ] && st=$(cat "/proc/$child/status" 2>/dev/null)
		[[ "$st" == *"Seccomp:"*2* ]] && break
		sleep 0.1
	done
	wait "$pid"
	[[ "$st" =~ Uid:[[:space:]]+$(id -u ctr-pull)[[:space:]] ]]
	[[ "$st" =~ Groups:[[:space:]]*$'\n' ]]
	[[ "$st" =~ CapEff:[[:space:]]+0000000000000000 ]]
	[[ "$st" =~ CapPrm:[[:space:]]+0000000000000000 ]]
	[[ "$st" =~ NoNewPrivs:[[:space:]]+1 ]]
	[[ "$st" =~ Seccomp:[[:space:]]+2 ]]
}

@test "the network child: its own session, no terminal descriptor, killed with root" {
	command -v script >/dev/null || skip "script(1) not installed"
	# root on a terminal (script's pty), the child in a slow pull
	script -qec "$CTL_IMAGETOOL pull --name p$TAG-sess $F/slow/img:1" /dev/null \
	    >/dev/null 2>&1 &
	local spid=$! root="" child="" st="" stat="" fd
	for _ in $(seq 50); do
		root=$(pgrep -f "^$CTL_IMAGETOOL pull --name p$TAG-sess " | head -n 1)
		[ -n "$root" ] && child=$(pgrep -P "$root" | head -n 1)
		[ -n "$child" ] && st=$(cat "/proc/$child/status" 2>/dev/null)
		[[ "$st" == *"Seccomp:"*2* ]] && break
		sleep 0.1
	done
	[[ "$st" == *"Seccomp:"*2* ]]
	stat=$(sed 's/.*) //' "/proc/$child/stat")
	local -a f=($stat)
	[ -n "$(readlink "/proc/$root/fd/0" | grep /dev/pts/)" ] # root has one
	[ "${f[3]}" = "$child" ]                                    # session
	[ "${f[4]}" = 0 ]                                           # no ctty
	for fd in "/proc/$child/fd/"*; do
		[[ "$(readlink "$fd")" != /dev/pts/* && "$(readlink "$fd")" != /dev/tty* ]]
	done
	[ "$(readlink "/proc/$child/fd/0")" = /dev/null ]
	kill -KILL "$root"
	gone() { [[ "$(awk '{print $3}' "/proc/$child/stat" 2>/dev/null)" =~ ^(Z|)$ ]]; }
	for _ in $(seq 10); do
		gone && break
		sleep 0.1
	done
	gone # PR_SET_PDEATHSIG: gone with root, not waiting for the registry
	wait "$spid" || true
}

@test "--max-size: layers declaring more are refused before any layer download" {
	"$CTL_IMAGETOOL" rm "p$TAG-max" >/dev/null 2>&1 || true
	rm -rf "$CTL_STORE/blobmap" "$CTL_STORE/partial"
	: >"$PD/fake/log"
	refused --max-size 100 --name "p$TAG-max" "$F/many/img:1"
	[[ "$output" == *"the layers declare more than --max-size (100 bytes) altogether"* ]]
	[ "$(blob_gets "$PD/fake/log" many/img)" -le 1 ] # the config only
	[ -z "$(ls -A "$CTL_STORE/partial" 2>/dev/null)" ]
}

@test "partial downloads are trimmed to the pull's --max-size, newest kept; other files there removed, never followed" {
	local a b c l
	"$CTL_IMAGETOOL" rm "p$TAG-max" >/dev/null 2>&1 || true
	rm -rf "$CTL_STORE/partial"
	mkdir -m 0700 "$CTL_STORE/partial"
	a=$(printf 'a%.0s' $(seq 64)) b=$(printf 'b%.0s' $(seq 64))
	c=$(printf 'c%.0s' $(seq 64)) l=$(printf 'd%.0s' $(seq 64))
	head -c 60 /dev/zero >"$CTL_STORE/partial/$a"
	head -c 60 /dev/zero >"$CTL_STORE/partial/$b"
	head -c 60 /dev/zero >"$CTL_STORE/partial/$c"
	touch -d '-3 hours' "$CTL_STORE/partial/$a"
	touch -d '-2 hours' "$CTL_STORE/partial/$b"
	touch -d '-1 hour' "$CTL_STORE/partial/$c"
	ln -s "$PD/victim" "$CTL_STORE/partial/$l"
	echo keep >"$PD/victim"
	refused --max-size 100 --name "p$TAG-max" "$F/many/img:1"
	# 100 bytes: the newest download only.
	[ -f "$CTL_STORE/partial/$c" ]
	[ ! -e "$CTL_STORE/partial/$b" ]
	[ ! -e "$CTL_STORE/partial/$a" ]
	[ ! -L "$CTL_STORE/partial/$l" ]
	[ "$(cat "$PD/victim")" = keep ]
	rm -rf "$CTL_STORE/partial" "$PD/victim"
}

@test "a stalled transfer fails after 30 seconds, store unchanged" {
	refused "$F/stall/img:1"
	[[ "$output" == *"stalled: no data for 30 seconds"* ]]
}

@test "an interrupted pull leaves nothing visible; the next one resumes the blob with Range" {
	local before pid
	rm -rf "$CTL_STORE/partial" # a previous run's
	before=$(state)
	: >"$PD/fake/log"
	"$CTL_IMAGETOOL" pull --name "p$TAG-resume" "$F/resume/img:1" >"$PD/resume.out" 2>&1 &
	pid=$!
	for _ in $(seq 50); do
		grep -q 'GET /v2/resume/img/blobs/.* - -$' "$PD/fake/log" &&
		    [ "$(grep -c 'GET /v2/resume/img/blobs/' "$PD/fake/log")" -ge 2 ] && break
		sleep 0.1
	done
	sleep 0.5
	kill -TERM "$pid"
	local st=0
	wait "$pid" || st=$?
	[ "$st" -eq 1 ]
	grep -q '^ctr-image: pull .*: interrupted$' "$PD/resume.out"
	[ "$(state)" = "$before" ]
	[ -n "$(ls -A "$CTL_STORE/partial")" ] # the half blob, kept
	: >"$PD/fake/log"
	run "$CTL_IMAGETOOL" pull --name "p$TAG-resume" "$F/resume/img:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"downloaded "*"(resumed at byte "* ]]
	grep -Eq 'GET /v2/resume/img/blobs/sha256:[0-9a-f]{64} - bytes=[1-9][0-9]*-$' "$PD/fake/log"
	# imported: nothing left to resume
	[ -z "$(ls -A "$CTL_STORE/partial")" ]
	# gc drops what an interrupted pull kept
	: >"$CTL_STORE/partial/$(printf '%064d' 1)"
	"$CTL_IMAGETOOL" gc >/dev/null
	[ ! -e "$CTL_STORE/partial" ]
}

@test "--jobs: layers download in parallel (4 by default), one at a time with --jobs 1" {
	# The fake registry records the most blob requests of many/img it
	# had in flight at once (each takes a second to answer).
	rm -f "$PD/fake/many-max"
	run "$CTL_IMAGETOOL" pull --name "p$TAG-many" "$F/many/img:1"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c 'downloaded')" -eq 4 ]
	[ "$(cat "$PD/fake/many-max")" = 4 ]
	"$CTL_IMAGETOOL" rm "p$TAG-many" >/dev/null
	"$CTL_IMAGETOOL" gc >/dev/null
	rm -rf "$CTL_STORE/blobmap"
	rm -f "$PD/fake/many-max"
	run "$CTL_IMAGETOOL" pull --jobs 1 --name "p$TAG-many" "$F/many/img:1"
	[ "$status" -eq 0 ]
	[ "$(cat "$PD/fake/many-max")" = 1 ]
	run "$CTL_IMAGETOOL" pull --jobs 17 "$F/many/img:1"
	[ "$status" -eq 1 ]
	[[ "$output" == "ctr-image: --jobs: a number from 1 to 16" ]]
}

@test "on a terminal: one line per layer, redrawn in place while they download" {
	command -v script >/dev/null || skip "script(1) not installed"
	"$CTL_IMAGETOOL" rm "p$TAG-many" >/dev/null 2>&1 || true
	"$CTL_IMAGETOOL" gc >/dev/null
	rm -rf "$CTL_STORE/blobmap"
	script -qec "$CTL_IMAGETOOL pull --name p$TAG-tty $F/many/img:1" "$PD/tty.out" >/dev/null
	grep -q $'\033\\[4A' "$PD/tty.out" # back up four lines: redrawn
	for i in 1 2 3 4; do
		grep -q "layer $i/4 sha256:[0-9a-f]\{12\}  downloaded" "$PD/tty.out"
	done
	grep -q "imported p$TAG-tty:latest" "$PD/tty.out"
}

@test "pull refuses to run as non-root" {
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$CTL_IMAGETOOL" pull "$R/t$TAG/oci:1"
	[ "$status" -eq 1 ]
	[[ "$output" == "ctr-image: must be run as root"* ]]
}

@test "a mirror that is down: pulled from the registry itself, with one note" {
	local saved down
	saved=$(cat "$REGCONF")
	down=127.0.0.1:$(free_port) # nothing listens there
	printf '[registry "%s"]\ninsecure = yes\nmirror = %s\n\n[registry "%s"]\ninsecure = yes\n' \
	    "$R" "$down" "$down" >"$REGCONF"
	local n0
	n0=$(wc -l <"$PD/reg/log")
	run "$CTL_IMAGETOOL" pull --name "p$TAG-mdown" "$R/t$TAG/oci:1"
	printf '%s\n' "$saved" >"$REGCONF"
	[ "$status" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c "^ctr-image: note: mirror $down failed (.*); pulling the image from $R\$")" -eq 1 ]
	[[ "$output" == *"imported p$TAG-mdown:latest"* ]]
	tail -n +"$((n0 + 1))" "$PD/reg/log" | grep -q "GET /v2/t$TAG/oci/manifests/1"
}

@test "a mirror that lacks a blob: that blob from the registry, the rest from the mirror" {
	local saved hex nm nr
	saved=$(cat "$REGCONF")
	hex=$(top_layer "$R/t$TAG/mb:1")
	rm -r "$PD/mreg/storage/docker/registry/v2/repositories/t$TAG/mb/_layers/sha256/$hex"
	printf '[registry "%s"]\ninsecure = yes\nmirror = %s\n\n[registry "%s"]\ninsecure = yes\n' \
	    "$R" "$M" "$M" >"$REGCONF"
	nm=$(wc -l <"$PD/mreg/log")
	nr=$(wc -l <"$PD/reg/log")
	run "$CTL_IMAGETOOL" pull --name "p$TAG-mblob" "$R/t$TAG/mb:1"
	printf '%s\n' "$saved" >"$REGCONF"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ctr-image: note: mirror $M failed ($M: blob sha256:$hex not found (HTTP 404)); fetching layer 2/2 sha256:${hex:0:12} from $R"* ]]
	tail -n +"$((nm + 1))" "$PD/mreg/log" >"$PD/m.log"
	tail -n +"$((nr + 1))" "$PD/reg/log" >"$PD/r.log"
	grep -q "GET /v2/t$TAG/mb/manifests/1" "$PD/m.log"
	grep -q "GET /v2/t$TAG/mb/blobs/sha256:$hex" "$PD/m.log"
	# the registry itself: that one blob only
	[ "$(grep -c 'GET /v2/' "$PD/r.log")" -eq 1 ]
	grep -q "GET /v2/t$TAG/mb/blobs/sha256:$hex" "$PD/r.log"
	run "$CTL_IMAGETOOL" inspect "p$TAG-mblob"
	[ "$status" -eq 0 ]
}

@test "a mirror gets the mirror's credential only, the registry its own only" {
	local saved
	saved=$(cat "$REGCONF")
	# the mirror (the fake, asking for Basic) lacks the image
	: >"$PD/fake/creds"
	touch "$PD/fake/basic"
	printf '[registry "%s"]\ninsecure = yes\nmirror = %s\n\n[registry "%s"]\ninsecure = yes\n' \
	    "$A" "$F" "$F" >"$REGCONF"
	run "$CTL_IMAGETOOL" pull --authfile "$PD/auth.json" --name "p$TAG-mcred" "$A/t$TAG/private:1"
	rm -f "$PD/fake/basic"
	[ "$status" -eq 0 ]
	[[ "$output" == *"note: mirror $F failed"* ]]
	grep -q " tok\$" "$PD/fake/creds"
	! grep -q puller "$PD/fake/creds" || false
	# the other way round: the Basic registry mirrors the Bearer one
	: >"$PD/fake/creds"
	local n0
	n0=$(wc -l <"$PD/regauth/log")
	printf '[registry "%s"]\ninsecure = yes\nmirror = %s\n\n[registry "%s"]\ninsecure = yes\n' \
	    "$F" "$A" "$A" >"$REGCONF"
	run "$CTL_IMAGETOOL" pull --authfile "$PD/auth.json" --name "p$TAG-mcred2" "$F/private/img:1"
	printf '%s\n' "$saved" >"$REGCONF"
	[ "$status" -eq 0 ]
	[[ "$output" == *"note: mirror $A failed ($A: manifest private/img:1 not found (HTTP 404))"* ]]
	# the mirror accepted its own credential (404, not 401) ...
	tail -n +"$((n0 + 1))" "$PD/regauth/log" | grep -q 'GET /v2/private/img/manifests/1 HTTP/1.1" 404'
	# ... and the registry got its own only
	grep -q "/token.* tok\$" "$PD/fake/creds"
	! grep -q puller "$PD/fake/creds" || false
}

@test "blob map: records of removed layers are pruned by rm, gc and the next pull" {
	local hex diff junk
	hex=$(top_layer "$R/t$TAG/bm:1")
	run "$CTL_IMAGETOOL" pull --name "p$TAG-bm" "$R/t$TAG/bm:1"
	[ "$status" -eq 0 ]
	diff=$(cat "$CTL_STORE/blobmap/$hex")
	[ -d "$CTL_STORE/layers/$diff" ]
	local nb
	nb=$(ls "$CTL_STORE/blobmap" | wc -l)
	run "$CTL_IMAGETOOL" rm "p$TAG-bm"
	[ "$status" -eq 0 ]
	[[ "$output" == *", pruned 1 blob map records"* ]]
	[ ! -d "$CTL_STORE/layers/$diff" ]
	# rm pruned that record, and that one only (the base layer is shared)
	[ ! -e "$CTL_STORE/blobmap/$hex" ]
	[ "$(ls "$CTL_STORE/blobmap" | wc -l)" -eq $((nb - 1)) ]
	# a record of a layer that is not stored: gc prunes it ...
	junk=$CTL_STORE/blobmap/$(printf '%064d' 8)
	printf '%064d\n' 7 >"$junk"
	run "$CTL_IMAGETOOL" gc
	[[ "$output" == *", pruned 1 blob map records"* ]]
	[ ! -e "$junk" ]
	# ... and so does the next pull, which downloads the layer again
	printf '%s\n' "$diff" >"$junk"
	printf '%s\n' "$diff" >"$CTL_STORE/blobmap/$hex"
	run "$CTL_IMAGETOOL" pull --name "p$TAG-bm" "$R/t$TAG/bm:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"layer 2/2 sha256:${hex:0:12}: downloaded"* ]]
	[ ! -e "$junk" ]
	[ "$(cat "$CTL_STORE/blobmap/$hex")" = "$diff" ]
}
