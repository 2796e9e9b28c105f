#!/usr/bin/env bats
# ctr-image pull against Debian's docker-registry configured with
# "auth: token": Bearer tokens from a real token issuer
# (tests/integration/pull/tokenissuer.py, python3-jwt) that signs RS256 or
# ES256 JWTs with throwaway keys made by openssl, grants scoped tokens to
# valid Basic credentials only, and can hand out tokens that are expired
# or that claim to be old.  Registry and issuer speak HTTPS with a
# throwaway CA, trusted through registries.conf's "ca".

load lib

setup_file() {
	command -v docker-registry >/dev/null || skip "docker-registry not installed (make deps)"
	command -v skopeo >/dev/null || skip "skopeo not installed (make deps)"
	# Debian's python3 and python3-jwt, whatever else is on PATH
	export PY=/usr/bin/python3
	"$PY" -c 'import jwt, cryptography' 2>/dev/null ||
	    skip "python3-jwt or python3-cryptography not installed (make deps)"
	getent passwd ctr-pull >/dev/null ||
	    adduser --system --no-create-home --group ctr-pull >/dev/null
	export TAG=$(ctl_tag)
	export PD=$BATS_FILE_TMPDIR/tok
	export HELP=$CTL_SRC/tests/integration/pull
	export REGCONF=$CTL_ROOT/etc/ctr-launch/registries.conf
	export IS=$PD/issuer
	mkdir -p "$PD/fx/a/etc" "$PD/fx/b/srv" "$IS" "$PD/reg"
	echo "tok a $TAG" >"$PD/fx/a/etc/a"
	echo "tok b $TAG" >"$PD/fx/b/srv/b"
	python3 "$CTL_SRC/tests/mkarchive.py" --format oci --out "$PD/img.tar" \
	    --compress gzip --config '{"Cmd":["/bin/true"]}' "$PD/fx/a" "$PD/fx/b"
	# TLS for both servers; the token signing keys and their certificates
	bash "$HELP/mkca.sh" "$IS"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=token signer rsa" \
	    -keyout "$IS/rsa.key" -out "$IS/rsa.pem" 2>/dev/null
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -days 2 -subj "/CN=token signer ec" -keyout "$IS/ec.key" \
	    -out "$IS/ec.pem" 2>/dev/null
	cp "$IS/cert.pem" "$IS/key.pem" "$PD/reg/"
	cat "$IS/rsa.pem" "$IS/ec.pem" >"$PD/reg/signers.pem"
	setsid "$PY" "$HELP/tokenissuer.py" "$IS" >"$PD/issuer.out" 2>&1 &
	IPID=$!
	for _ in $(seq 100); do [ -e "$IS/port" ] && break; sleep 0.1; done
	IPORT=$(cat "$IS/port")
	read -r KPID KPORT < <(bash "$HELP/registry.sh" "$PD/reg" token \
	    "https://127.0.0.1:$IPORT/token")
	export IPID IPORT KPID KPORT K=127.0.0.1:$KPORT
	install -m 0644 "$IS/ca.pem" "$PD/ca.pem"
	printf '[registry "%s"]\nca = %s\n' "$K" "$PD/ca.pem" >"$REGCONF"
	skopeo copy -q --dest-tls-verify=false --dest-creds tokuser:tokpass \
	    "oci-archive:$PD/img.tar" "docker://$K/t$TAG/img:1"
	local u
	for u in tokuser:tokpass tokuser:wrong nopull:nopull; do
		printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$K" \
		    "$(printf %s "$u" | base64)" >"$PD/auth-${u%%:*}-${u#*:}.json"
		chmod 600 "$PD/auth-${u%%:*}-${u#*:}.json"
	done
	export GOOD=$PD/auth-tokuser-tokpass.json
}

teardown_file() {
	if [ -n "${KPID:-}" ]; then kill "$KPID" 2>/dev/null || true; fi
	if [ -n "${IPID:-}" ]; then kill "$IPID" 2>/dev/null || true; fi
	[ -z "${REGCONF:-}" ] || rm -f "$REGCONF"
	local n
	for n in $("$CTL_IMAGETOOL" list 2>/dev/null | awk 'NR > 1 {print $1}'); do
		case $n in *"t$TAG"* | "p$TAG"*) "$CTL_IMAGETOOL" rm "$n" >/dev/null 2>&1 ;; esac
	done
	"$CTL_IMAGETOOL" gc >/dev/null 2>&1 || true
}

setup() {
	rm -f "$IS/alg" "$IS/stale" "$IS/expire-first"
	: >"$IS/log"
}

state() {
	ls "$CTL_STORE/images" "$CTL_STORE/layers" 2>/dev/null
}

refused() {
	local before
	before=$(state)
	run "$CTL_IMAGETOOL" pull "$@"
	[ "$status" -eq 1 ]
	[ "$(printf '%s\n' "$output" | grep -c '^ctr-image: ')" -eq 1 ]
	[ "$(state)" = "$before" ]
}

fresh() { # forget the image and what dedup knows of its layers
	"$CTL_IMAGETOOL" rm "p$TAG-tok" >/dev/null 2>&1 || true
	"$CTL_IMAGETOOL" gc >/dev/null
}

@test "token issuer: an RS256 token for the auth.json credential, scoped to the repository, reused" {
	fresh
	run "$CTL_IMAGETOOL" pull --jobs 1 --authfile "$GOOD" --name "p$TAG-tok" "$K/t$TAG/img:1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"imported p$TAG-tok:latest"* ]]
	# one token, for pull of this repository only, reused for every blob
	[ "$(cat "$IS/log")" = "tokuser repository:t$TAG/img:pull RS256" ]
	run "$CTL_IMAGETOOL" inspect "p$TAG-tok"
	[[ "$output" == *"/bin/true"* ]]
}

@test "token issuer: ES256 tokens are used the same way" {
	fresh
	echo ES256 >"$IS/alg"
	run "$CTL_IMAGETOOL" pull --authfile "$GOOD" --name "p$TAG-tok" "$K/t$TAG/img:1"
	[ "$status" -eq 0 ]
	grep -qx "tokuser repository:t$TAG/img:pull ES256" "$IS/log"
	! grep -q RS256 "$IS/log" || false
}

@test "token issuer: a token past its lifetime is renewed before the next request" {
	fresh
	run "$CTL_IMAGETOOL" pull --jobs 1 --authfile "$GOOD" --name "p$TAG-tok" "$K/t$TAG/img:1"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^tokuser ' "$IS/log")" -eq 1 ]
	# Tokens that say they were issued ten minutes ago: one per request
	# (manifest, config, two layers), never reused.
	fresh
	: >"$IS/log"
	touch "$IS/stale"
	run "$CTL_IMAGETOOL" pull --jobs 1 --authfile "$GOOD" --name "p$TAG-tok" "$K/t$TAG/img:1"
	[ "$status" -eq 0 ]
	[ "$(grep -c '^tokuser ' "$IS/log")" -eq 4 ]
}

@test "token issuer: refused credentials, no credentials, a token without access, an expired token: one line each" {
	refused --authfile "$PD/auth-tokuser-wrong.json" "$K/t$TAG/img:1"
	[[ "$output" == *"token server https://127.0.0.1:$IPORT/token refused (HTTP 401)" ]]
	grep -qx 'refused Basic' "$IS/log"
	: >"$IS/log"
	refused "$K/t$TAG/img:1"
	[[ "$output" == *"refused (HTTP 401); no credentials for it in auth.json" ]]
	grep -qx 'refused -' "$IS/log"
	refused --authfile "$PD/auth-nopull-nopull.json" "$K/t$TAG/img:1"
	[[ "$output" == *"the registry refused the token from https://127.0.0.1:$IPORT/token (HTTP 401)"* ]]
	grep -qx "nopull repository:t$TAG/img:pull RS256" "$IS/log"
	touch "$IS/expire-first"
	refused --authfile "$GOOD" "$K/t$TAG/img:1"
	[[ "$output" == *"the registry refused the token"* ]]
	grep -qx "tokuser repository:t$TAG/img:pull RS256 expired" "$IS/log"
}

@test "token issuer: the credential goes to the token server over verified TLS only" {
	local saved
	saved=$(cat "$REGCONF")
	# the registry's CA not trusted: neither registry nor issuer is reached
	printf '[registry "%s"]\ninsecure = no\n' "$K" >"$REGCONF"
	refused --authfile "$GOOD" "$K/t$TAG/img:1"
	[[ "$output" == *"certificate"* ]]
	printf '%s\n' "$saved" >"$REGCONF"
	[ ! -s "$IS/log" ]
}
