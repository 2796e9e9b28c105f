#!/usr/bin/env python3
"""mkimage.py ROOTFS_TAR LAYERS NAME OUT.tar

Writes a `docker save` archive of NAME with LAYERS layers: the first is
ROOTFS_TAR (a plain root-filesystem tarball), each further one adds a
small file /etc/layers/NNN, so every layer is a real, distinct overlay
lower directory.  Used by bench/run.sh for the launch-time-vs-layers
curve.
"""
import hashlib
import io
import json
import sys
import tarfile
import time


def small_layer(i):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for d in ("etc", "etc/layers"):
            ti = tarfile.TarInfo(d)
            ti.type = tarfile.DIRTYPE
            ti.mode = 0o755
            ti.mtime = 0
            t.addfile(ti)
        data = ("layer %d\n" % i).encode()
        ti = tarfile.TarInfo("etc/layers/%03d" % i)
        ti.size = len(data)
        ti.mode = 0o644
        ti.mtime = 0
        t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def add(out, name, data):
    ti = tarfile.TarInfo(name)
    ti.size = len(data)
    ti.mode = 0o644
    ti.mtime = int(time.time())
    out.addfile(ti, io.BytesIO(data))


def main():
    rootfs, n, name, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
        sys.argv[4]
    layers = [open(rootfs, "rb").read()]
    layers += [small_layer(i) for i in range(2, n + 1)]
    diff_ids, paths = [], []
    with tarfile.open(dst, "w", format=tarfile.PAX_FORMAT) as out:
        for data in layers:
            h = hashlib.sha256(data).hexdigest()
            diff_ids.append("sha256:" + h)
            paths.append(h + "/layer.tar")
            add(out, h + "/layer.tar", data)
        cfg = json.dumps({
            "architecture": "amd64", "os": "linux",
            "config": {"Cmd": ["/bin/sh"],
                       "Env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": "bench layer %d" % i}
                        for i in range(1, n + 1)],
        }).encode()
        ch = hashlib.sha256(cfg).hexdigest()
        add(out, ch + ".json", cfg)
        tag = name if ":" in name else name + ":latest"
        add(out, "manifest.json", json.dumps([{
            "Config": ch + ".json", "RepoTags": [tag],
            "Layers": paths}]).encode())


if __name__ == "__main__":
    main()
