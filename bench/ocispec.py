#!/usr/bin/env python3
"""ocispec.py SPEC_IN SPEC_OUT ROOTFS UID GID GIDS HOME CGPARENT [ARG...]

Adapts the config.json that `runc spec` / `crun spec` wrote so that runc and
crun do the work ctr-launch does for `run --rm --network none busybox
/bin/true`: the same busybox root (read-only, as ctr-launch's image layers
are), pid/net/ipc/uts/mount/cgroup namespaces, the caller's uid, gid and
groups, tmpfs /tmp, /var/tmp and /dev/shm, /sys read-only, the host's
resolv.conf and hosts, the caller's home bound read-write, the same cgroup
limits as the bench policy (1 CPU, 2G memory, 256 pids), no_new_privs, no
capabilities, and a seccomp deny list comparable in size to ctr-launch's.
ARG... replaces /bin/true as the container's command (bench/lifecycle.sh
keeps a container running to exec into).
"""
import json
import sys

DENY = """acct add_key bpf clock_adjtime clock_settime create_module delete_module
finit_module get_kernel_syms get_mempolicy init_module ioperm iopl kcmp
kexec_file_load kexec_load keyctl lookup_dcookie mbind mount move_pages
name_to_handle_at nfsservctl open_by_handle_at perf_event_open
personality pivot_root process_vm_readv process_vm_writev ptrace
query_module quotactl reboot request_key set_mempolicy setns settimeofday
stime swapoff swapon sysfs _sysctl umount umount2 unshare uselib
userfaultfd ustat vm86 vm86old fsopen fsconfig fsmount fspick move_mount
open_tree mount_setattr""".split()


def main():
    (src, dst, rootfs, uid, gid, gids, home, cgparent) = sys.argv[1:9]
    args = sys.argv[9:] or ["/bin/true"]
    c = json.load(open(src))
    c["root"] = {"path": rootfs, "readonly": True}
    p = c["process"]
    p["terminal"] = False
    p["args"] = args
    p["cwd"] = "/"
    p["user"] = {"uid": int(uid), "gid": int(gid)}
    extra = [int(g) for g in gids.split(",") if g and g != gid]
    if extra:
        p["user"]["additionalGids"] = extra
    p["env"] = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + home,
                "TERM=dumb"]
    p["noNewPrivileges"] = True
    p["capabilities"] = {k: [] for k in
                         ("bounding", "effective", "inheritable",
                          "permitted", "ambient")}
    p.pop("rlimits", None)
    c["hostname"] = "bench"
    mounts = [m for m in c["mounts"] if m["destination"] != "/dev/mqueue"]
    for d in ("/tmp", "/var/tmp", "/home"):
        mounts.append({"destination": d, "type": "tmpfs", "source": "tmpfs",
                       "options": ["nosuid", "nodev", "mode=1777",
                                   "size=256m"]})
    mounts.append({"destination": home, "type": "bind", "source": home,
                   "options": ["rbind", "rw", "nosuid", "nodev"]})
    for f in ("/etc/resolv.conf", "/etc/hosts"):
        mounts.append({"destination": f, "type": "bind", "source": f,
                       "options": ["bind", "ro", "nosuid", "nodev"]})
    c["mounts"] = mounts
    lx = c["linux"]
    ns = [n for n in lx["namespaces"] if n["type"] != "cgroup"]
    ns.append({"type": "cgroup"})
    lx["namespaces"] = ns
    if cgparent:
        lx["cgroupsPath"] = cgparent
    else:
        lx.pop("cgroupsPath", None)
    res = lx.setdefault("resources", {})
    res["memory"] = {"limit": 2 << 30}
    res["pids"] = {"limit": 256}
    res["cpu"] = {"quota": 100000, "period": 100000}
    lx["seccomp"] = {
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                          "SCMP_ARCH_X32"],
        "syscalls": [{"names": DENY, "action": "SCMP_ACT_ERRNO",
                      "errnoRet": 1}],
    }
    json.dump(c, open(dst, "w"), indent=1)


if __name__ == "__main__":
    main()
