#!/usr/bin/env python3
"""report.py OUTDIR: the markdown report of `make bench`.

Reads the timer's tab-separated results in OUTDIR (main.tsv, rate1.tsv,
rate2.tsv, scale.tsv) and the R_* variables bench/run.sh sets, and prints
one markdown document: the comparison table with ratios to ctr-launch,
launch rates, the targets of the benchmark (reported, never asserted),
the scale curves, the launch phases and the import times.
"""
import os
import platform
import random
import statistics
import subprocess
import sys
import time

RUNS_AS = {
    "floor": "user: fork+exec of busybox `true`",
    "kernel floor": "root: bench/kfloor.c, the kernel work only",
    "kernel floor, no cgroup": "root: the same without the cgroups",
    "setuid floor": "user: bench/kfloor.c installed setuid root",
    "ctr-launch version": "user: the setuid helper's start-up only",
    "ctr-launch": "user (setuid helper, shipped PAM config)",
    "ctr-launch (host net)": "user (setuid helper, shipped PAM config)",
    "bwrap": "user (unprivileged user namespace)",
    "crun": "root; spec drops to the user's uid/gid",
    "runc": "root; spec drops to the user's uid/gid",
    "firejail": "user (setuid)",
    "podman": "root",
}


def env(k, d=""):
    return os.environ.get(k, d)


def read_tsv(path):
    rows = []
    try:
        for line in open(path):
            line = line.rstrip("\n")
            if line:
                rows.append(line.split("\t"))
    except OSError:
        pass
    return rows


def ms(us):
    try:
        return "%.2f" % (int(us) / 1000.0)
    except ValueError:
        return "-"


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=10)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "not installed"


def ratio(a, b):
    try:
        a, b = float(a), float(b)
        return "%.2fx" % (a / b) if a > 0 and b > 0 else "-"
    except ValueError:
        return "-"


def read_raw(path):
    """NAME -> per-round times in us (None for a failed launch)."""
    raw = {}
    for r in read_tsv(path):
        if len(r) >= 3:
            raw.setdefault(r[0], []).append(None if r[1] == "FAIL"
                                            else int(r[1]))
    return raw


def ratio_ci(a, b, n=2000):
    """95% bootstrap interval of median(a) / median(b), resampling the
    interleaved rounds (the same rounds for both, as they ran together)."""
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if len(pairs) < 10:
        return None
    rnd = random.Random(1)
    k = len(pairs)
    est = []
    for _ in range(n):
        s = [pairs[rnd.randrange(k)] for _ in range(k)]
        est.append(statistics.median(x for x, _ in s) /
                   statistics.median(y for _, y in s))
    est.sort()
    return est[int(0.025 * n)], est[int(0.975 * n)]


def main():
    out = sys.argv[1]
    raw = read_raw(os.path.join(out, "main.raw"))
    main_rows = read_tsv(os.path.join(out, "main.tsv"))
    by = {r[0]: r for r in main_rows}
    reason = env("R_CTL_REASON")
    ctl = by.get("ctr-launch")
    ctl_ok = ctl is not None and int(ctl[1]) > 0
    p = print
    if env("BENCH_CGROUP") == "v2":
        p("# ctr-launch launch benchmark, cgroup v2 (tests/vm guest)")
        p()
        p("Measured inside the VM of tests/vm (a stock Debian kernel booted "
          "with cgroup_no_v1=all; %s): the launchers and the timer are the "
          "host's, the guest's CPU may be emulated, so only the ratios "
          "between rows of this table mean anything." % env("R_VM", "?"))
    else:
        p("# ctr-launch launch benchmark")
    p()
    p("%s; kernel %s; %d CPUs; %s; load average at start / end: %s "
      "(other work on the machine shows up as noise; compare medians "
      "and minima)." % (
          time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
          platform.release(), os.cpu_count() or 0,
          "quick mode" if env("R_QUICK") == "1" else "full mode",
          env("R_LOAD", "?")))
    p("Each launcher runs `/bin/true` in the same busybox-static root "
      "(tests/mkrootfs.sh), %s recorded launches each after %s warm-up "
      "rounds, interleaved round-robin; wall time from fork to the "
      "launcher's exit; peak RSS = largest ru_maxrss of any process of "
      "the launch's tree (the timer is a child subreaper)."
      % (env("R_RUNS"), env("R_WARM")))
    p("ctr-launch runs `ctr-launch run --rm %sbusybox /bin/true` as a "
      "throwaway user; bwrap, crun and runc get the same mounts (read-only "
      "busybox root, proc, dev, tmpfs /tmp /var/tmp /dev/shm, /sys "
      "read-only, resolv.conf, hosts, the user's home read-write) and "
      "pid/net/ipc/uts/mount namespaces; crun and runc also the same "
      "cgroup limits and a seccomp deny list, bwrap that deny list compiled to BPF (--seccomp); firejail runs --noprofile "
      "--chroot with --net=none, --seccomp and --caps.drop=all." % (
          env("R_NET") + " " if env("R_NET") else ""))
    p()
    if env("R_PAM"):
        p(env("R_PAM"))
        p()
    if reason:
        p("**ctr-launch: not runnable: %s**" % reason)
        p()
    p("## Launch time")
    p()
    p("| launcher | runs as | median ms | min ms | max ms | mean ms | "
      "peak RSS MiB | ctr-launch time ÷ this (95% CI) | "
      "ctr-launch RSS ÷ this | "
      "failed |")
    p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in main_rows:
        name, ok, fail, med, mn, mx, mean, rss, err = r[:9]
        rt = ratio(ctl[3], med) if ctl_ok and name != "ctr-launch" and \
            int(ok) > 0 else ("1.00x" if name == "ctr-launch" else "-")
        ci = ratio_ci(raw.get("ctr-launch", []), raw.get(name, [])) \
            if ctl_ok and name != "ctr-launch" else None
        if ci and rt != "-":
            rt += " (%.2f-%.2f)" % ci
        rr = ratio(ctl[7], rss) if ctl_ok and int(ok) > 0 else "-"
        p("| %s | %s | %s | %s | %s | %s | %.1f | %s | %s | %s |" % (
            name, RUNS_AS.get(name, ""), ms(med) if int(ok) else "-",
            ms(mn) if int(ok) else "-", ms(mx) if int(ok) else "-",
            ms(mean) if int(ok) else "-", int(rss) / 1024.0, rt, rr,
            fail if fail == "0" else "%s (%s)" % (fail, err)))
    if reason:
        p("| ctr-launch | not runnable: %s | | | | | | | | |" % reason)
    for line in env("R_NO").splitlines():
        if line.strip():
            p("| %s | | | | | | | | | |" % line)
    p()
    rate1 = {r[0]: r for r in read_tsv(os.path.join(out, "rate1.tsv"))}
    rate2 = {r[0]: r for r in read_tsv(os.path.join(out, "rate2.tsv"))}
    if rate1:
        p("## Launches per second (%s launches, back to back)" %
          env("R_RATE_N"))
        p()
        p("| launcher | 1 stream | 2 parallel streams | failed |")
        p("|---|---:|---:|---:|")
        for name in rate1:
            a, b = rate1[name], rate2.get(name)
            p("| %s | %s | %s | %s |" % (
                name, a[5] if a[3] == "0" else "%s (failed)" % a[5],
                (b[5] if b[3] == "0" else "%s (failed)" % b[5]) if b
                else "-",
                int(a[3]) + (int(b[3]) if b else 0)))
        p()
    scale = read_tsv(os.path.join(out, "scale.tsv"))
    curves = {}
    for r in scale:
        curves.setdefault(r[0], []).append(r[1:])
    p("## Targets (reported, not asserted)")
    p()
    p("Flatness verdicts use the ratio net of the interleaved controls "
      "(divided by the geometric mean of the controls' own ratios), so "
      "that the machine's drift between points does not count.")
    p()
    tgt = []
    if ctl_ok:
        c = float(ctl[3])

        def vs(name, limit, what):
            o = by.get(name)
            if o and int(o[1]) > 0:
                x = c / float(o[3])
                ci = ratio_ci(raw.get("ctr-launch", []), raw.get(name, []))
                tgt.append("| ctr-launch ÷ %s median | %.2fx%s | ≤ %.1fx | "
                           "%s |" % (what, x, " (95%% CI %.2f-%.2f)" % ci
                                     if ci else "", limit,
                                     "met" if x <= limit else "**missed**"))
            else:
                tgt.append("| ctr-launch ÷ %s median | %s not measured | "
                           "≤ %.1fx | - |" % (what, name, limit))
        if env("BENCH_CGROUP") == "v2":
            # In the v2 guest (tests/vm), where crun runs as it does on
            # current distributions; only ratios within the guest count.
            vs("bwrap", 1.0, "bwrap --unshare-all")
            vs("crun", 0.5, "crun")
        else:
            vs("bwrap", 0.6, "bwrap --unshare-all")
            vs("crun", 0.3, "crun")
        fl = by.get("floor")
        if fl and int(fl[1]) > 0:
            tgt.append("| ctr-launch ÷ plain exec median | %.1fx | "
                       "(reported) | - |" % (c / float(fl[3])))
        for name, limit, what in (
                ("kernel floor", 1.1, "kernel floor median (the helper's "
                 "own cost on top of the kernel work, as root)"),
                ("setuid floor", 1.5, "setuid floor median (the same "
                 "work as a minimal setuid launcher run by the user)")):
            kf = by.get(name)
            if kf and int(kf[1]) > 0:
                x = c / float(kf[3])
                tgt.append("| ctr-launch ÷ %s | %.2fx | ≤ %.1fx | %s |"
                           % (what, x, limit,
                              "met" if x <= limit else "**missed**"))
            else:
                tgt.append("| ctr-launch ÷ %s | not measured | ≤ %.1fx | "
                           "- |" % (what, limit))
        bw = by.get("bwrap")
        if bw:
            x, y = int(ctl[7]), int(bw[7])
            tgt.append("| peak RSS ctr-launch vs bwrap | %.1f vs %.1f MiB | "
                       "≤ bwrap | %s |" % (x / 1024, y / 1024,
                                           "met" if x <= y else
                                           "**missed**"))

        def flat(curve, a, b, what, judged=True):
            pts = {r[0]: r for r in curves.get(curve, [])}

            def rat(x, y):
                rx, ry = pts.get(x), pts.get(y)
                if rx and ry and int(rx[1]) > 0 and int(ry[1]) > 0:
                    return float(ry[3]) / float(rx[3])
                return None
            goal = "within 1.2x" if judged else "(reported)"
            x = rat(a, b)
            if x is None:
                tgt.append("| %s | not measured | %s | - |" % (what, goal))
                return
            # Net of the interleaved controls (geometric mean of their
            # ratios): what changed for ctr-launch beyond the machine.
            ctl = [r for r in (rat("%s [%s]" % (a, c), "%s [%s]" % (b, c))
                               for c in ("kernel floor", "bwrap")) if r]
            net = x / (statistics.geometric_mean(ctl)) if ctl else None
            judge = net if net is not None else x
            verdict = "-" if not judged else \
                "met" if abs(judge - 1) <= 0.2 else "**missed**"
            tgt.append("| %s | %.2fx%s | %s | %s |" % (
                what, x, " (%.2fx net of controls)" % net
                if net is not None else "", goal, verdict))
        if env("BENCH_MAIN") != "1":
            flat("running", "0 running", "50 running",
                 "launch time, 50 vs 0 running containers")
            flat("policy", "10 sections", "1000 sections",
                 "launch time, 1,000 vs 10 policy sections")
            flat("policy", "10 sections", "10000 sections",
                 "launch time, 10,000 vs 10 policy sections", False)
    if tgt:
        p("| target | measured | goal | |")
        p("|---|---:|---|---|")
        for t in tgt:
            p(t)
    else:
        p("ctr-launch did not run: no target can be evaluated.")
    p()
    if curves:
        p("## ctr-launch scale curves (%s launches per point)" %
          env("R_SCALE_RUNS"))
        p()
        titles = {"layers": "image layers", "binds": "`-v` binds",
                  "policy": "policy size ([user:]/[group:] sections)",
                  "running": "the user's containers already running"}
        p("Rows marked [kernel floor] and [bwrap] are controls measured "
          "interleaved with ctr-launch at the same point: they neither read "
          "the policy nor count containers, so their change is the "
          "machine's.")
        p()
        p("| curve | point | median ms | min ms | max ms | vs first | "
          "failed |")
        p("|---|---|---:|---:|---:|---:|---:|")
        for k, rows in curves.items():
            firsts = {}
            for r in rows:
                ser = r[0].split("[", 1)[1] if "[" in r[0] else ""
                if ser not in firsts and r[1] != "0":
                    firsts[ser] = r[3]
            for r in rows:
                ok = r[1] != "0"
                first = firsts.get(r[0].split("[", 1)[1] if "[" in r[0]
                                   else "")
                p("| %s | %s | %s | %s | %s | %s | %s |" % (
                    titles.get(k, k), r[0], ms(r[3]) if ok else "-",
                    ms(r[4]) if ok else "-", ms(r[5]) if ok else "-",
                    ratio(r[3], first) if ok and first else "-",
                    r[2] if r[2] == "0" else "%s (%s)" % (r[2], r[8])))
        p()
        if env("R_ALIVE"):
            p(env("R_ALIVE"))
            p()
    if env("R_PHASES"):
        p("## ctr-launch launch phases (strace -f -ttt markers)")
        p()
        p("strace stops the launcher at every syscall, so traced times are "
          "several times the real ones; the shares show where the time "
          "goes.")
        p()
        p(env("R_PHASES"))
        p()
    if env("BENCH_MAIN") != "1":
        p("## Image import")
        p()
        p(env("R_IMPORT") or "Not measured: %s." % (
            "ctr-launch not runnable" if reason else
            "bench/import.sh is not present"))
        p()
        p("## Image pull")
        p()
        p(env("R_PULL") or "Not measured: %s." % (
            "ctr-launch not runnable" if reason else
            "bench/pull.sh is not present"))
        p()
    if env("R_HYPER"):
        p("## Cross-check: hyperfine -N (as the user, not interleaved)")
        p()
        p(env("R_HYPER"))
        p()
    p("## Versions")
    p()
    for cmd in (["bwrap", "--version"], ["crun", "--version"],
                ["runc", "--version"], ["firejail", "--version"]):
        p("- %s: %s" % (cmd[0], version(cmd)))


if __name__ == "__main__":
    main()
