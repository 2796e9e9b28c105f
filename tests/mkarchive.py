#!/usr/bin/env python3
"""mkarchive.py: build docker-save and OCI image-layout archives for tests.

Usage:
  mkarchive.py --format docker|docker25|podman|oci --out FILE [--tag NAME]...
               [--compress none|gzip|zstd[,...]] [--config JSON]
               [--bad-diffid N] [--bad-blob N] [--multiarch] LAYER...

Each LAYER is a directory (tarred as is; OCI whiteouts are plain files
named .wh.NAME and .wh..wh..opq in it) or an existing .tar file used
verbatim.  --compress gives one compression per layer (the last one
repeats); docker archives always hold uncompressed layer.tar files in the
classic layout (<id>/layer.tar, <hex>.json).  --config is the image config's
"config" object (Entrypoint, Cmd, Env, WorkingDir, ...).  --bad-diffid N
corrupts the diff_id of layer N in the config; --bad-blob N flips a byte of
layer N's blob without renaming it (digest mismatch); --multiarch wraps
the OCI manifest in a linux/arm64 + linux/amd64 index.

Also: mkarchive.py hostile CASE OUT CANARY  (see HOSTILE below).
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile


def sha(b):
    return hashlib.sha256(b).hexdigest()


def tar_dir(path):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name in sorted(os.listdir(path)):
            t.add(os.path.join(path, name), arcname=name, recursive=True)
    return buf.getvalue()


def layer_bytes(spec):
    if os.path.isdir(spec):
        return tar_dir(spec)
    with open(spec, "rb") as f:
        return f.read()


def compress(data, how):
    if how == "gzip":
        return gzip.compress(data, mtime=0)
    if how == "zstd":
        return subprocess.run(["zstd", "-q", "-c"], input=data,
                              stdout=subprocess.PIPE, check=True).stdout
    return data


MEDIA = {
    "none": "application/vnd.oci.image.layer.v1.tar",
    "gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
    "zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
}


def add_bytes(t, name, data, mode=0o644):
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = mode
    info.mtime = 0
    t.addfile(info, io.BytesIO(data))


def add_dir(t, name):
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    t.addfile(info)


def image_config(diff_ids, cfg):
    return json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "created": "2024-05-06T07:08:09Z",
        "config": cfg,
        "rootfs": {"type": "layers",
                   "diff_ids": ["sha256:" + d for d in diff_ids]},
    }, sort_keys=True).encode()


def build(args):
    raws = [layer_bytes(s) for s in args.layers]
    comps = args.compress.split(",")
    comps = [comps[min(i, len(comps) - 1)] for i in range(len(raws))]
    diff_ids = [sha(r) for r in raws]
    if args.bad_diffid is not None:
        diff_ids[args.bad_diffid] = sha(b"not this layer")
    cfg = json.loads(args.config) if args.config else {}
    config = image_config(diff_ids, cfg)
    out = open(args.out, "wb") if args.out != "-" else sys.stdout.buffer
    with tarfile.open(fileobj=out, mode="w|", format=tarfile.PAX_FORMAT) as t:
        if args.format in ("docker25", "podman"):
            # docker >= 25: OCI layout plus manifest.json naming blobs;
            # podman/skopeo docker-archive: <hex>.tar layers, <hex>.json.
            names = []
            if args.format == "docker25":
                add_bytes(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            for i, r in enumerate(raws):
                name = ("blobs/sha256/" if args.format == "docker25" else "") \
                    + sha(r) + (".tar" if args.format == "podman" else "")
                add_bytes(t, name, r)
                names.append(name)
            cname = ("blobs/sha256/" + sha(config)) \
                if args.format == "docker25" else sha(config) + ".json"
            add_bytes(t, cname, config)
            man = [{"Config": cname, "RepoTags": args.tag or None,
                    "Layers": names}]
            add_bytes(t, "manifest.json", json.dumps(man).encode())
            if args.format == "docker25":
                add_bytes(t, "index.json", b'{"schemaVersion":2,"manifests":[]}')
        elif args.format == "docker":
            names = []
            for i, r in enumerate(raws):
                lid = sha(("layer%d" % i).encode() + r)
                add_dir(t, lid)
                data = r
                if args.bad_blob == i:
                    data = bytearray(r)
                    data[-1] ^= 1
                    data = bytes(data)
                add_bytes(t, lid + "/layer.tar", data)
                add_bytes(t, lid + "/VERSION", b"1.0")
                names.append(lid + "/layer.tar")
            cname = sha(config) + ".json"
            add_bytes(t, cname, config)
            man = [{"Config": cname, "RepoTags": args.tag or None,
                    "Layers": names}]
            add_bytes(t, "manifest.json", json.dumps(man).encode())
        else:
            add_bytes(t, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
            add_dir(t, "blobs")
            add_dir(t, "blobs/sha256")
            layers = []
            for i, r in enumerate(raws):
                blob = compress(r, comps[i])
                digest = sha(blob)
                if args.bad_blob == i:
                    blob = bytearray(blob)
                    blob[-1] ^= 1
                    blob = bytes(blob)
                add_bytes(t, "blobs/sha256/" + digest, blob)
                layers.append({"mediaType": MEDIA[comps[i]],
                               "digest": "sha256:" + digest,
                               "size": len(blob)})
            add_bytes(t, "blobs/sha256/" + sha(config), config)
            manifest = json.dumps({
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType":
                           "application/vnd.oci.image.config.v1+json",
                           "digest": "sha256:" + sha(config),
                           "size": len(config)},
                "layers": layers,
            }).encode()
            add_bytes(t, "blobs/sha256/" + sha(manifest), manifest)
            desc = {"mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "digest": "sha256:" + sha(manifest),
                    "size": len(manifest)}
            if args.multiarch:
                # A platform index: a missing arm64 manifest first, then ours.
                other = dict(desc, digest="sha256:" + sha(b"missing"),
                             platform={"os": "linux",
                                       "architecture": "arm64"})
                ours = dict(desc, platform={"os": "linux",
                                            "architecture": "amd64"})
                index = json.dumps({
                    "schemaVersion": 2,
                    "mediaType": "application/vnd.oci.image.index.v1+json",
                    "manifests": [other, ours]}).encode()
                add_bytes(t, "blobs/sha256/" + sha(index), index)
                desc = {"mediaType": "application/vnd.oci.image.index.v1+json",
                        "digest": "sha256:" + sha(index), "size": len(index)}
            if args.tag:
                desc["annotations"] = {
                    "org.opencontainers.image.ref.name": args.tag[0]}
            index = {"schemaVersion": 2, "manifests": [desc]}
            add_bytes(t, "index.json", json.dumps(index).encode())
    if out is not sys.stdout.buffer:
        out.close()


# Hostile single-layer tarballs (imported as root filesystem tarballs).
# CANARY is an absolute directory outside the store that must stay empty.
def hostile(case, out, canary):
    up = "../" * 40
    buf = io.BytesIO()
    t = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)

    def f(name, data=b"x", mode=0o644, pax=None):
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = mode
        if pax:
            info.pax_headers = pax
        t.addfile(info, io.BytesIO(data))

    def link(name, target, kind=tarfile.SYMTYPE):
        info = tarfile.TarInfo(name)
        info.type = kind
        info.linkname = target
        t.addfile(info)

    def special(name, kind, major=0, minor=0):
        info = tarfile.TarInfo(name)
        info.type = kind
        info.devmajor, info.devminor = major, minor
        t.addfile(info)

    f("ok")
    if case == "absolute":
        f(canary + "/absolute")
    elif case == "dotdot":
        f(up + canary.lstrip("/") + "/dotdot")
    elif case == "dotdot-inner":
        f("a/b/../../../" + up + canary.lstrip("/") + "/inner")
    elif case == "symlink-abs":
        link("evil", canary)
        f("evil/pwned")
    elif case == "symlink-rel":
        link("evil", up + canary.lstrip("/"))
        f("evil/pwned")
    elif case == "symlink-dir-replace":
        # a directory, then a symlink in its place, then a file below it
        t.addfile(tarfile.TarInfo("d"))  # placeholder regular file
        link("d", canary)
        f("d/pwned")
    elif case == "hardlink-abs":
        link("hl", "/etc/passwd", tarfile.LNKTYPE)
    elif case == "hardlink-dotdot":
        link("hl", up + "etc/passwd", tarfile.LNKTYPE)
    elif case == "hardlink-symlink":
        link("s", "/etc")
        link("hl", "s/passwd", tarfile.LNKTYPE)
    elif case == "hardlink-missing":
        link("hl", "not/there", tarfile.LNKTYPE)
    elif case == "devices":
        special("dev/mem", tarfile.CHRTYPE, 1, 1)
        special("dev/sda", tarfile.BLKTYPE, 8, 0)
        special("fifo", tarfile.FIFOTYPE)
        f("after-devices")
    elif case == "setuid":
        f("bin/suid", b"#!/bin/sh\n", 0o4755)
        f("bin/sgid", b"#!/bin/sh\n", 0o2755)
    elif case == "xattrs":
        f("file", b"x", 0o644, {
            "SCHILY.xattr.security.capability": "\x01\x00\x00\x02",
            "SCHILY.xattr.trusted.overlay.opaque": "y",
            "SCHILY.xattr.trusted.overlay.redirect": "/etc",
            "SCHILY.xattr.user.ok": "kept"})
    elif case == "whiteout-dotdot":
        f("d/.wh..")
    elif case == "whiteout-empty":
        f("d/.wh.")
    elif case == "whiteout-escape":
        f(up + canary.lstrip("/") + "/.wh.x")
    elif case == "whiteout-symlink":
        link("evil", canary)
        f("evil/.wh.victim")
    else:
        raise SystemExit("unknown case " + case)
    t.close()
    with open(out, "wb") as o:
        o.write(buf.getvalue())


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "hostile":
        hostile(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    p = argparse.ArgumentParser()
    p.add_argument("--format", choices=["docker", "docker25", "podman", "oci"],
                   required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--tag", action="append")
    p.add_argument("--compress", default="none")
    p.add_argument("--config")
    p.add_argument("--bad-diffid", type=int)
    p.add_argument("--bad-blob", type=int)
    p.add_argument("--multiarch", action="store_true")
    p.add_argument("layers", nargs="+")
    build(p.parse_args())


if __name__ == "__main__":
    main()
