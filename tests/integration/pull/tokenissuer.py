#!/usr/bin/env python3
"""tokenissuer.py DIR: a small Docker registry token issuer for pull.bats.

Serves GET /token?service=S&scope=repository:NAME:ACTIONS over HTTPS on
127.0.0.1 (a free port, written to DIR/port once ready) with the
certificate DIR/cert.pem and key DIR/key.pem.  Basic credentials are
checked against USERS: "tokuser" gets the actions it asks for, "nopull"
gets a token granting nothing; anyone else (and no credential) gets 401.
Tokens are JWTs signed with DIR/rsa.key (RS256, the default) or
DIR/ec.key (ES256, when DIR/alg says ES256), carrying their certificate
(DIR/rsa.pem, DIR/ec.pem) in "x5c"; they expire after 60 seconds.  While
DIR/expire-first exists, the next token is issued already expired (and
the file removed): the registry refuses it.  While DIR/stale exists,
tokens say they were issued ten minutes ago ("issued_at"; the token
itself is valid): a client must use one for the request it was asked for
and ask again before the next.
One line per request goes to DIR/log: "USER SCOPE ALG" or "refused USER".
"""
import base64
import http.server
import json
import os
import socketserver
import ssl
import sys
import time
import urllib.parse
import uuid

import jwt
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

DIR = sys.argv[1]
ISSUER = "ctr-test-issuer"
USERS = {"tokuser": "tokpass", "nopull": "nopull"}


def read(name):
    with open(os.path.join(DIR, name), "rb") as f:
        return f.read()


def x5c(pem):
    der = x509.load_pem_x509_certificate(pem).public_bytes(Encoding.DER)
    return base64.b64encode(der).decode()


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def note(self, line):
        with open(os.path.join(DIR, "log"), "a") as f:
            f.write(line + "\n")

    def send(self, code, body):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def user(self):
        a = self.headers.get("Authorization", "")
        if not a.startswith("Basic "):
            return None
        try:
            u, _, p = base64.b64decode(a[6:]).decode().partition(":")
        except ValueError:
            return None
        return u if USERS.get(u) == p else None

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(url.query)
        if url.path != "/token":
            return self.send(404, b"{}")
        user = self.user()
        if user is None:
            self.note("refused %s" % (self.headers.get("Authorization", "-")
                                      .split(" ")[0]))
            return self.send(401, b'{"details":"bad credentials"}')
        access = []
        for scope in q.get("scope", []):
            parts = scope.split(":")
            if len(parts) != 3 or parts[0] != "repository":
                continue
            acts = [a for a in parts[2].split(",") if a in ("pull", "push")]
            if user == "nopull":
                acts = []
            access.append({"type": "repository", "name": parts[1],
                           "actions": acts})
        alg = "RS256"
        if os.path.exists(os.path.join(DIR, "alg")):
            alg = read("alg").decode().strip()
        key, cert = ("ec.key", "ec.pem") if alg == "ES256" else \
            ("rsa.key", "rsa.pem")
        now = int(time.time())
        exp = now + 60
        first = os.path.join(DIR, "expire-first")
        if os.path.exists(first):
            os.unlink(first)
            now, exp = now - 600, now - 300
        claims = {"iss": ISSUER, "sub": user,
                  "aud": q.get("service", [""])[0],
                  "iat": now, "nbf": now, "exp": exp,
                  "jti": uuid.uuid4().hex, "access": access}
        tok = jwt.encode(claims, read(key), algorithm=alg,
                         headers={"x5c": [x5c(read(cert))]})
        self.note("%s %s %s%s" % (user, ",".join(q.get("scope", ["-"])), alg,
                                  " expired" if exp < time.time() else ""))
        issued = now
        if os.path.exists(os.path.join(DIR, "stale")):
            issued = now - 600
        self.send(200, json.dumps({
            "token": tok, "access_token": tok, "expires_in": exp - now,
            "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                       time.gmtime(issued))}).encode())


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


srv = S(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(os.path.join(DIR, "cert.pem"), os.path.join(DIR, "key.pem"))
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
