#!/bin/bash
# mkca.sh DIR: a throwaway CA (DIR/ca.pem) and a certificate for 127.0.0.1
# signed by it (DIR/cert.pem, DIR/key.pem), plus a second, unrelated CA
# (DIR/other-ca.pem).
set -eu
d=$1
mkdir -p "$d"
cd "$d"
for ca in ca other-ca; do
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=ctr-launch test $ca" \
	    -keyout "$ca.key" -out "$ca.pem" 2>/dev/null
done
openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout key.pem \
    -out req.pem 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >ext.cnf
openssl x509 -req -in req.pem -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 2 -extfile ext.cnf -out cert.pem 2>/dev/null
