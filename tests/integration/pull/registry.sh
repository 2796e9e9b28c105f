#!/bin/bash
# registry.sh DIR [htpasswd|tls|token REALM]: starts Debian's
# docker-registry on 127.0.0.1 with a private config and storage under DIR
# (plain HTTP; with "htpasswd", Basic auth from DIR/htpasswd; with "tls",
# HTTPS with DIR/cert.pem and DIR/key.pem; with "token", HTTPS too and
# Bearer tokens from REALM, service "ctr-test", issuer "ctr-test-issuer",
# signed by a certificate in DIR/signers.pem).  Prints "PID PORT"; the access
# log goes to DIR/log.  The caller stops it with kill PID.
set -eu
dir=$1
auth=${2:-}
realm=${3:-}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$dir/storage"
{
	echo "version: 0.1"
	echo "log: {level: info, accesslog: {disabled: false}}"
	echo "storage: {filesystem: {rootdirectory: $dir/storage}, delete: {enabled: true}}"
	if [ "$auth" = tls ] || [ "$auth" = token ]; then
		echo "http: {addr: 127.0.0.1:$port, tls: {certificate: $dir/cert.pem, key: $dir/key.pem}}"
	else
		echo "http: {addr: 127.0.0.1:$port}"
	fi
	if [ "$auth" = htpasswd ]; then
		echo "auth: {htpasswd: {realm: test, path: $dir/htpasswd}}"
	fi
	if [ "$auth" = token ]; then
		echo "auth: {token: {realm: \"$realm\", service: ctr-test, issuer: ctr-test-issuer, rootcertbundle: $dir/signers.pem}}"
	fi
} >"$dir/config.yml"
setsid docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 </dev/null &
pid=$!
for _ in $(seq 100); do
	if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then
		echo "$pid $port"
		exit 0
	fi
	sleep 0.1
done
kill "$pid"
echo "registry did not start" >&2
exit 1
