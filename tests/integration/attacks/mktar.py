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
    elif kind == "digest-traversal":  # a: HOSTPREFIX (absolute)
        # A valid layer and config on the host, at HOSTPREFIX.layer.tar and
        # HOSTPREFIX.json, that the manifest names through ../: an importer
        # that opened a manifest's name as a path would import them.
        layer = io.BytesIO()
        with tarfile.open(fileobj=layer, mode="w") as lt:
            add(lt, "bin/busybox", open("/bin/busybox", "rb").read(),
                mode=0o755)
            add(lt, "pwned", b"pwned\n")
        lb = layer.getvalue()
        cfg = json.dumps({"architecture": "amd64", "os": "linux",
                          "config": {"Cmd": ["/bin/busybox", "cat", "/pwned"]},
                          "rootfs": {"type": "layers", "diff_ids": [
                              "sha256:" + hashlib.sha256(lb).hexdigest()]}}).encode()
        with open(a[0] + ".layer.tar", "wb") as f:
            f.write(lb)
        with open(a[0] + ".json", "wb") as f:
            f.write(cfg)
        manifest = json.dumps([{"Config": "../../../../../.." + a[0] + ".json",
                                "RepoTags": ["evil:latest"],
                                "Layers": ["../../../../../.." + a[0] + ".layer.tar"]}]).encode()
        with tarfile.open(out, "w") as tf:
            add(tf, "manifest.json", manifest)
    elif kind == "oci-digest-traversal":  # a: HOSTPREFIX (absolute)
        # An OCI layout whose index names its manifest by a digest that
        # climbs out of blobs/sha256 to HOSTPREFIX.manifest.json on the
        # host: a valid manifest of the layer and config in the archive.
        layer = io.BytesIO()
        with tarfile.open(fileobj=layer, mode="w") as lt:
            add(lt, "pwned", b"pwned\n")
        lb = layer.getvalue()
        lhex = hashlib.sha256(lb).hexdigest()
        cfg = json.dumps({"architecture": "amd64", "os": "linux",
                          "rootfs": {"type": "layers",
                                     "diff_ids": ["sha256:" + lhex]}}).encode()
        chex = hashlib.sha256(cfg).hexdigest()
        man = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                       "digest": "sha256:" + chex, "size": len(cfg)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar",
                        "digest": "sha256:" + lhex, "size": len(lb)}]}).encode()
        with open(a[0] + ".manifest.json", "wb") as f:
            f.write(man)
        index = json.dumps({"schemaVersion": 2, "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:../../../../../../../.." + a[0] + ".manifest.json",
            "size": len(man),
            "annotations": {"org.opencontainers.image.ref.name": "evil"}}]}).encode()
        with tarfile.open(out, "w") as tf:
            add(tf, "oci-layout", b'{"imageLayoutVersion": "1.0.0"}')
            add(tf, "index.json", index)
            add(tf, "blobs/sha256/" + chex, cfg)
            add(tf, "blobs/sha256/" + lhex, lb)
    else:
        sys.exit("mktar.py: unknown kind " + kind)


main()
