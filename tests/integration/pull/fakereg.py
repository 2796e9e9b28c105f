#!/usr/bin/env python3
"""fakereg.py DIR: a small, partly hostile registry for pull.bats.

Listens on 127.0.0.1 (a free port, written to DIR/port once ready) and
logs one line per request to DIR/log: "HOST METHOD PATH AUTH RANGE" where
AUTH is "-", "basic" or "bearer" and RANGE the Range header or "-"; the
user of every Basic credential it is sent goes to DIR/creds ("HOST PATH
USER").  While DIR/basic exists, any /v2/ request without credentials
gets a Basic challenge (then, with any credential, is served as usual).
Repositories:

  private/img    Bearer token flow: /token wants Basic user:pass (user
                 "tok", password "secret"), tokens "t1", "t2", ... each
                 valid for TOKEN_USES request(s) (then 401: refresh)
  multi/img      an OCI index: linux/arm64 and linux/amd64 images
  schema1/img    a schema 1 manifest
  bigman/img     a 5 MiB manifest
  bigcfg/img     a manifest whose config declares 5 MiB
  biglayer/img   the layer blob sends more bytes than declared
  baddcd/img     a wrong Docker-Content-Digest header
  longdcd/img    a Docker-Content-Digest too long to be a sha256 (sha512:)
  badblob/img    the layer blob does not hash to its digest
  loop/img       the manifest redirects to itself
  slow/img       the manifest comes after 3 seconds
  stall/img      the layer blob stops after half its bytes (never ends)
  resume/img     the layer blob stops after half its bytes unless asked
                 for a Range, which it serves (206)
  many/img       four layers, each blob sent after 1 second; the most
                 blob requests it had in flight at once go to DIR/many-max
                 (counted afresh once a test removes that file)
  claim/img      its config claims the diff_id of private/img's layer
  redir/img      Bearer auth; blobs redirect to http://localhost:PORT/
                 (another host): the request there must carry no credential
"""
import base64
import gzip
import hashlib
import http.server
import io
import json
import os
import socketserver
import sys
import tarfile
import threading
import time

DIR = sys.argv[1]
TOKEN_USES = 1
inflight = {"now": 0, "max": 0, "lock": threading.Lock()}
blobs = {}
manifests = {}  # (repo, ref) -> (mediatype, bytes)


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def layer(name, content):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        ti = tarfile.TarInfo(name)
        ti.size = len(content)
        ti.mode = 0o644
        t.addfile(ti, io.BytesIO(content))
    raw = buf.getvalue()
    gz = gzip.compress(raw, mtime=0)
    blobs[sha(gz)] = gz
    return gz, sha(raw)


diffs = {}


def image(tag, arch="amd64", claim=None):
    gz, diff = layer("hello-" + tag, ("hello " + tag + "\n").encode())
    diffs[tag] = diff
    if claim is not None:
        diff = diffs[claim]
    cfg = json.dumps({"architecture": arch, "os": "linux",
                      "config": {"Cmd": ["/hello"], "Env": ["A=" + tag]},
                      "rootfs": {"type": "layers",
                                 "diff_ids": [diff]}}).encode()
    blobs[sha(cfg)] = cfg
    m = json.dumps({"schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                               "digest": sha(cfg), "size": len(cfg)},
                    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                                "digest": sha(gz), "size": len(gz)}]}).encode()
    return m


OCI_M = "application/vnd.oci.image.manifest.v1+json"
OCI_I = "application/vnd.oci.image.index.v1+json"


def image_many(n):
    gzs, ids = [], []
    for i in range(n):
        gz, diff = layer("many-%d" % i, ("layer %d\n" % i).encode())
        gzs.append(gz)
        ids.append(diff)
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"Cmd": ["/x"]},
                      "rootfs": {"type": "layers", "diff_ids": ids}}).encode()
    blobs[sha(cfg)] = cfg
    return json.dumps({
        "schemaVersion": 2, "mediaType": OCI_M,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": sha(cfg), "size": len(cfg)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                    "digest": sha(g), "size": len(g)} for g in gzs]}).encode()


def setup():
    manifests[("many/img", "1")] = (OCI_M, image_many(4))
    for repo in ("private", "biglayer", "baddcd", "longdcd", "loop",
                 "redir", "slow", "stall", "resume"):
        manifests[(repo + "/img", "1")] = (OCI_M, image(repo))
    # Its config claims the diff_id of private/img's layer; its blob is
    # another one.
    manifests[("claim/img", "1")] = (OCI_M, image("claim", claim="private"))
    arm, amd = image("arm", "arm64"), image("amd", "amd64")
    blobs[sha(arm)] = arm
    blobs[sha(amd)] = amd
    idx = json.dumps({"schemaVersion": 2, "mediaType": OCI_I, "manifests": [
        {"mediaType": OCI_M, "digest": sha(arm), "size": len(arm),
         "platform": {"os": "linux", "architecture": "arm64"}},
        {"mediaType": OCI_M, "digest": sha(amd), "size": len(amd),
         "platform": {"os": "linux", "architecture": "amd64"}}]}).encode()
    manifests[("multi/img", "1")] = (OCI_I, idx)
    manifests[("multi/img", sha(arm))] = (OCI_M, arm)
    manifests[("multi/img", sha(amd))] = (OCI_M, amd)
    manifests[("schema1/img", "1")] = (
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
        json.dumps({"schemaVersion": 1, "name": "schema1/img"}).encode())
    manifests[("bigman/img", "1")] = (OCI_M, b" " * (5 << 20) + b"{}")
    m = json.loads(image("bigcfg"))
    m["config"]["size"] = 5 << 20
    manifests[("bigcfg/img", "1")] = (OCI_M, json.dumps(m).encode())
    m = json.loads(image("badblob"))
    dg = m["layers"][0]["digest"]
    good = bytearray(blobs[dg])
    good[-9] ^= 1  # same size, another digest
    blobs["bad:" + dg] = bytes(good)
    manifests[("badblob/img", "1")] = (OCI_M, json.dumps(m).encode())
    for (repo, ref), (mt, body) in list(manifests.items()):
        manifests[(repo, sha(body))] = (mt, body)


tokens = {}


class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def log(self):
        a = self.headers.get("Authorization", "-").split(" ")[0].lower()
        with open(os.path.join(DIR, "log"), "a") as f:
            f.write("%s %s %s %s %s\n" % (
                self.headers.get("Host"), self.command, self.path, a,
                self.headers.get("Range", "-").replace(" ", "")))

    def creds(self):
        a = self.headers.get("Authorization", "")
        if not a.startswith("Basic "):
            return
        user = base64.b64decode(a[6:]).decode(errors="replace").split(":")[0]
        with open(os.path.join(DIR, "creds"), "a") as f:
            f.write("%s %s %s\n" % (self.headers.get("Host"), self.path, user))

    def send(self, code, body=b"", headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def challenge(self):
        port = self.server.server_address[1]
        self.send(401, b'{"errors":[]}', [(
            "WWW-Authenticate",
            'Bearer realm="http://127.0.0.1:%d/token",service="fake",'
            'scope="repository:x:pull"' % port)])

    def authorised(self):
        a = self.headers.get("Authorization", "")
        if not a.startswith("Bearer "):
            return False
        t = a[7:]
        if tokens.get(t, 0) <= 0:
            return False
        tokens[t] -= 1
        return True

    def do_token(self):
        want = "Basic " + base64.b64encode(b"tok:secret").decode()
        if self.headers.get("Authorization") != want:
            return self.send(401, b"{}")
        t = "t%d" % (len(tokens) + 1)
        tokens[t] = TOKEN_USES
        self.send(200, json.dumps({"token": t}).encode())

    def do_GET(self):
        self.log()
        self.creds()
        p = self.path.split("?")[0]
        if os.path.exists(os.path.join(DIR, "basic")) and \
                p.startswith("/v2/") and "Authorization" not in self.headers:
            return self.send(401, b"{}", [
                ("WWW-Authenticate", 'Basic realm="fake"')])
        if p == "/token":
            return self.do_token()
        if p.startswith("/redirected/"):
            return self.send(200, blobs[p[len("/redirected/"):]])
        if not p.startswith("/v2/"):
            return self.send(404)
        parts = p[4:].split("/")
        if len(parts) < 4:
            return self.send(200, b"{}")
        repo, kind, ref = "/".join(parts[:-2]), parts[-2], parts[-1]
        if repo in ("private/img", "redir/img") and not self.authorised():
            return self.challenge()
        if repo == "loop/img":
            return self.send(302, b"", [("Location", self.path)])
        if kind == "manifests":
            return self.manifest(repo, ref)
        return self.blob(repo, ref)

    def manifest(self, repo, ref):
        if (repo, ref) not in manifests:
            return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN"}]}')
        mt, body = manifests[(repo, ref)]
        if repo == "slow/img":
            time.sleep(3)
        dg = sha(body) if repo != "baddcd/img" else sha(b"other")
        if repo == "longdcd/img":
            dg = "sha512:" + hashlib.sha512(body).hexdigest()
        self.send(200, body, [("Content-Type", mt),
                              ("Docker-Content-Digest", dg)])

    def blob(self, repo, dg):
        if dg not in blobs:
            return self.send(404)
        if repo == "redir/img":
            port = self.server.server_address[1]
            return self.send(307, b"", [(
                "Location", "http://localhost:%d/redirected/%s" % (port, dg))])
        body = blobs.get("bad:" + dg, blobs[dg]) if repo == "badblob/img" \
            else blobs[dg]
        if repo == "many/img" and not body.startswith(b"{"):
            with inflight["lock"]:
                # A test removes the file to start counting afresh.
                if not os.path.exists(os.path.join(DIR, "many-max")):
                    inflight["max"] = 0
                inflight["now"] += 1
                inflight["max"] = max(inflight["max"], inflight["now"])
                with open(os.path.join(DIR, "many-max"), "w") as f:
                    f.write("%d\n" % inflight["max"])
            time.sleep(1)
            with inflight["lock"]:
                inflight["now"] -= 1
        rg = self.headers.get("Range", "")
        if repo == "resume/img" and rg.startswith("bytes=") and \
                not body.startswith(b"{"):
            start = int(rg[6:].rstrip("-"))
            part = body[start:]
            return self.send(206, part, [(
                "Content-Range",
                "bytes %d-%d/%d" % (start, len(body) - 1, len(body)))])
        if repo in ("stall/img", "resume/img") and not body.startswith(b"{"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:len(body) // 2])
            self.wfile.flush()
            time.sleep(120)
            return
        if repo == "biglayer/img" and not body.startswith(b"{"):
            body = body + b"\0" * 100000
        self.send(200, body)


class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


setup()
srv = S(("127.0.0.1", 0), H)
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
srv.serve_forever()
