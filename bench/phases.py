#!/usr/bin/env python3
"""phases.py POLICY_PATH TRACE...
   phases.py --marks STDERR_FILE...
   phases.py --compare A_NAME B_NAME A_FILE... -- B_FILE...

Splits traced ctr-launch launches (`strace -f -ttt -o TRACE`) into the
launch sequence's phases by marker syscalls, and prints one markdown table:
the median over the traces of each phase's duration in milliseconds and its
share of the traced launch.  Markers (first occurrence, in this order):

  start    the first line (execve of ctr-launch)
  policy   open of the policy file (full path or, openat, its base name)
  pam      open of the PAM service file (pam.d/ctr-launch)
  cgroup   the first mkdir after the PAM marker (the cgroup layout's
           directories; the keeper's placement before PAM opens the
           cgroup hierarchies too)
  clone    clone/clone3 with CLONE_NEWNS or CLONE_NEWPID
  mounts   the first mount(2)-family call after the clone
  drop     the first setgroups/setresgid/setresuid by the mounting process
  seccomp  seccomp(2) or prctl(PR_SET_SECCOMP) by that process
  exec     the execve of the payload (/bin/true)
  gone     the payload's exit
  end      the front process's exit

A phase runs from its marker to the next marker that was found.  strace
slows every syscall, so absolute numbers are inflated; shares are the
useful part.

With --marks, the inputs are the stderr of launches of a tracing build
(CFLAGS=-DCTL_BENCH_TRACE): lines "ctr-launch-trace: STEP SECONDS" with
CLOCK_MONOTONIC stamps written by the helper itself at each step of the
launch sequence, by whichever process runs it.  Each step lasts until the
next stamp in time order; the last step ends at the launch's last stamp.
"""
import os
import re
import statistics
import sys

LINE = re.compile(r"^(\d+)\s+(\d+\.\d+)\s+(.*)$")
MOUNTS = ("mount(", "fsopen(", "open_tree(", "move_mount(", "fsmount(",
          "mount_setattr(", "pivot_root(")
ORDER = ["start", "policy", "pam", "cgroup", "clone", "mounts", "drop",
         "seccomp", "exec", "gone", "end"]
LABEL = {
    "start": "start-up (loader, hygiene, argv, identity)",
    "policy": "policy (open, parse, evaluate, image, plan)",
    "pam": "PAM (account, session)",
    "cgroup": "cgroup (create, limits, count)",
    "clone": "clone (namespaces) until first mount",
    "mounts": "mounts (binds, overlay, proc, dev, pivot_root)",
    "drop": "drop (groups, ids, caps, checks)",
    "seccomp": "seccomp, env, exec of the payload",
    "exec": "payload run (exec to exit)",
    "gone": "teardown until the front exits (init, keeper, cgroup, PAM)",
}


def markers(path, policy):
    m = {}
    front = None
    mounter = None
    payload = None
    for raw in open(path, errors="replace"):
        g = LINE.match(raw)
        if not g:
            continue
        pid, t, rest = int(g.group(1)), float(g.group(2)), g.group(3)
        if front is None:
            front = pid
            m["start"] = t
        if "policy" not in m and rest.startswith("open") and \
                ('"%s"' % policy in rest or
                 '"%s"' % os.path.basename(policy) in rest):
            m["policy"] = t
        elif "pam" not in m and "pam.d/ctr-launch" in rest and \
                "open" in rest:
            m["pam"] = t
        elif "cgroup" not in m and "pam" in m and \
                rest.startswith("mkdir"):
            m["cgroup"] = t
        elif "clone" not in m and rest.startswith("clone") and \
                ("CLONE_NEWNS" in rest or "CLONE_NEWPID" in rest):
            m["clone"] = t
        elif "clone" in m and "mounts" not in m and \
                rest.startswith(MOUNTS):
            m["mounts"] = t
            mounter = pid
        elif "mounts" in m and "drop" not in m and pid == mounter and \
                rest.startswith(("setgroups(", "setresgid(", "setresuid(")):
            m["drop"] = t
        elif "drop" in m and "seccomp" not in m and pid == mounter and \
                (rest.startswith("seccomp(") or "PR_SET_SECCOMP" in rest):
            m["seccomp"] = t
        elif "exec" not in m and rest.startswith('execve("/bin/true"'):
            m["exec"] = t
            payload = pid
        elif "exec" in m and "gone" not in m and pid == payload and \
                rest.startswith("+++ exited"):
            m["gone"] = t
        if pid == front and rest.startswith("+++ exited"):
            m["end"] = t
    return m


MARK = re.compile(r"^ctr-launch-trace: (\S+) (\d+\.\d+)(?: (\d+) (\d+))?")
FRONT = "front (P0, before it forks K)"
KEEPER = "keeper (K, at its last stamp)"
INIT = "container init (P1, before the payload's exec)"


def rss_main(files):
    """Peak RSS per process of the launch, from the stamps' getrusage:
    the front (the first stamping pid), the keeper (the pid stamping step
    4) and the container's init (step 8), each at its last stamp."""
    roles = {}
    for f in files:
        first, last, role_of = None, {}, {}
        for raw in open(f, errors="replace"):
            g = MARK.match(raw)
            if not g or g.group(3) is None:
                continue
            pid, rss, step = g.group(4), int(g.group(3)), g.group(1)
            first = first or pid
            last[pid] = max(last.get(pid, 0), rss)
            if step.startswith("4-"):
                role_of[pid] = KEEPER
            elif step.startswith("8-"):
                role_of[pid] = INIT
        if first:
            role_of.setdefault(first, FRONT)
        for pid, r in role_of.items():
            roles.setdefault(r, []).append(last.get(pid, 0))
    if not roles:
        return
    print()
    print("| process | peak RSS so far, KiB (median) |")
    print("|---|---:|")
    for r in (FRONT, KEEPER, INIT):
        if r in roles:
            print("| %s | %d |" % (r, statistics.median(roles[r])))


def marks_steps(files):
    """Per step (in first-seen order): durations in ms; and the totals."""
    per, order, totals = {}, [], []
    for f in files:
        stamps = []
        for raw in open(f, errors="replace"):
            g = MARK.match(raw)
            if g:
                stamps.append((float(g.group(2)), g.group(1)))
        stamps.sort()
        if len(stamps) < 2:
            continue
        totals.append((stamps[-1][0] - stamps[0][0]) * 1000)
        for (t, k), (t2, _) in zip(stamps, stamps[1:]):
            if k not in per:
                per[k] = []
                order.append(k)
            per[k].append((t2 - t) * 1000)
    return per, order, totals


def compare_main(a_files, b_files, a_name, b_name):
    """Steps whose median differs by more than 0.2 ms between two sets."""
    pa, order, ta = marks_steps(a_files)
    pb, _, tb = marks_steps(b_files)
    if not ta or not tb:
        print("phases: no trace stamps to compare")
        return
    print("| step | %s ms | %s ms | difference |" % (a_name, b_name))
    print("|---|---:|---:|---:|")
    for k in order:
        if k not in pb:
            continue
        x, y = statistics.median(pa[k]), statistics.median(pb[k])
        if abs(y - x) > 0.2:
            print("| %s | %.3f | %.3f | %+.3f |" % (k, x, y, y - x))
    x, y = statistics.median(ta), statistics.median(tb)
    print("| **first to last stamp** | %.3f | %.3f | %+.3f |" % (x, y, y - x))


def marks_main(files):
    per, order, totals = marks_steps(files)
    if not totals:
        print("phases: no trace stamps")
        return
    tot = statistics.median(totals)
    print("| step (helper's own CLOCK_MONOTONIC stamps) | ms (median of %d) "
          "| share |" % len(totals))
    print("|---|---:|---:|")
    names = {"spawn": "spawn: the timer's fork, exec of the setuid binary, "
             "dynamic loader",
             "16-Stay-as-the-init": "16-Stay-as-the-init (payload's exec "
             "and run, teardown, exit status to the front)"}
    for k in order:
        v = statistics.median(per[k])
        print("| %s | %.3f | %.0f%% |" % (names.get(k, k), v, 100 * v / tot))
    print("| **first to last stamp** | %.3f | 100%% |" % tot)
    rss_main(files)


DUR = re.compile(r"<([0-9.]+)>$")
CALL = re.compile(r"^(?:<\.\.\. )?([a-z_0-9]+)[( ]")
# Calls that wait for another process or for input: their time is
# somebody else's work.
BLOCKING = {"wait4", "waitid", "poll", "ppoll", "epoll_wait", "epoll_pwait",
            "read", "recvmsg", "recvfrom", "select", "pselect6", "nanosleep",
            "clock_nanosleep", "futex", "rt_sigtimedwait", "rt_sigsuspend",
            "pause", "execve"}


def slow_calls(traces, top=10):
    """Median over traces of the total time per syscall name (strace -T)."""
    per = {}
    for tr in traces:
        tot = {}
        for raw in open(tr, errors="replace"):
            g = LINE.match(raw)
            if not g:
                continue
            rest = g.group(3)
            d, c = DUR.search(rest), CALL.match(rest)
            if not d or not c or c.group(1) in BLOCKING:
                continue
            tot[c.group(1)] = tot.get(c.group(1), 0.0) + float(d.group(1))
        for k, v in tot.items():
            per.setdefault(k, []).append(v * 1000)
    n = len(traces)
    rows = sorted(((statistics.median(v + [0.0] * (n - len(v))), len(v), k)
                   for k, v in per.items()), reverse=True)[:top]
    print()
    print("| syscall (non-blocking, all processes) | traced ms per launch "
          "(median) |")
    print("|---|---:|")
    for med, _, k in rows:
        print("| %s | %.2f |" % (k, med))


def main():
    if sys.argv[1] == "--marks":
        marks_main(sys.argv[2:])
        return
    if sys.argv[1] == "--compare":
        # --compare A_NAME B_NAME A_FILE... -- B_FILE...
        rest = sys.argv[4:]
        cut = rest.index("--")
        compare_main(rest[:cut], rest[cut + 1:], sys.argv[2], sys.argv[3])
        return
    policy, traces = sys.argv[1], sys.argv[2:]
    per = {k: [] for k in ORDER[:-1]}
    totals = []
    for tr in traces:
        m = markers(tr, policy)
        if "start" not in m or "end" not in m:
            continue
        totals.append((m["end"] - m["start"]) * 1000)
        found = [k for k in ORDER if k in m]
        for a, b in zip(found, found[1:]):
            per[a].append((m[b] - m[a]) * 1000)
    if not totals:
        print("phases: no usable trace")
        return
    tot = statistics.median(totals)
    print("| phase | traced ms (median of %d) | share |" % len(totals))
    print("|---|---:|---:|")
    for k in ORDER[:-1]:
        if per[k]:
            v = statistics.median(per[k])
            print("| %s | %.2f | %.0f%% |" % (LABEL[k], v, 100 * v / tot))
        else:
            print("| %s | marker not seen | |" % LABEL[k])
    print("| **total (traced)** | %.2f | 100%% |" % tot)
    slow_calls(traces)


if __name__ == "__main__":
    main()
