#!/usr/bin/env python3
"""instrument.py MAIN_C OUT_C: the benchmark's tracing copy of helper/main.c.

Writes OUT_C, a copy of MAIN_C with a stamp before each numbered step of the
launch sequence: every line that opens a comment "/* N. ...", "/* N.M. ..."
(a sub-step) or "/* N (first half). ..." gets, just before it and at its
indentation,
BENCH_MARK("N-first-words"); compiled only with -DCTL_BENCH_TRACE, the stamp
writes "ctr-launch-trace: LABEL SECONDS MAXRSS_KIB PID" (CLOCK_MONOTONIC,
getrusage) to stderr in one write(2).  Step 11 is skipped: it is P0 and K waiting, and P0's stamps would
interleave with K's work.  Steps 3 and 7 also get stamps before the calls
plan_policy, plan_run (the policy; the image and the plan), ns_clone and
cgroup_attach (K places P1 in its v1 cgroups; P1 waits for it).  The repository's helper/main.c is never touched:
make bench builds the tracing binary from a copy of the tree.
"""
import re
import sys

STEP = re.compile(r"^(\s+)/\* (\d+(?:\.\d+)?)( \([^)]*\))?\. (.*)$")

HOOK = r'''
#ifdef CTL_BENCH_TRACE
#include <sys/resource.h>
#include <time.h>
/* Benchmark build only (make bench): stamps each step on stderr, with the
 * process's peak RSS so far and its pid. */
static void
bench_mark(const char *step)
{
	struct timespec ts;
	struct rusage ru;
	char buf[128];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		ru.ru_maxrss = 0;
	n = snprintf(buf, sizeof(buf),
	    "ctr-launch-trace: %s %lld.%09ld %ld %ld\n", step,
	    (long long)ts.tv_sec, ts.tv_nsec, ru.ru_maxrss, (long)getpid());
	if (n > 0 && (size_t)n < sizeof(buf) &&
	    write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}
#define BENCH_MARK(step) bench_mark(step)
#else
#define BENCH_MARK(step) ((void)0)
#endif
'''


def label(num, part, text):
    text = re.split(r"[;:,.(]|\*/", text)[0]
    words = re.sub(r"[^A-Za-z0-9 ]", "", text).split()[:4]
    tag = num + ("a" if part and "." not in num else "")
    return "-".join([tag] + words)


def main():
    src, dst = sys.argv[1], sys.argv[2]
    lines = open(src).read().split("\n")
    out, last_include, n = [], -1, 0
    for line in lines:
        m = STEP.match(line)
        if m and m.group(2) != "11":
            out.append('%sBENCH_MARK("%s");' % (
                m.group(1), label(m.group(2), m.group(3), m.group(4))))
            n += 1
        else:
            # Step 3 splits: the policy, then the image and the plan.
            for call, tag in (("plan_policy", "3a-policy"),
                              ("plan_run", "3b-image-and-plan"),
                              ("ns_clone", "7b-clone"),
                              ("cgroup_attach", "7c-cgroup-attach")):
                if re.match(r"^\s+(\w+ = )?%s\(" % call, line):
                    out.append('%sBENCH_MARK("%s");' % (
                        re.match(r"^(\s+)", line).group(1), tag))
        if line.startswith("#include"):
            last_include = len(out)
        out.append(line)
    if last_include < 0 or n == 0:
        sys.exit("instrument: no #include or no numbered step in " + src)
    out.insert(last_include + 1, HOOK)
    open(dst, "w").write("\n".join(out))
    print("instrument: %d steps stamped" % n, file=sys.stderr)


if __name__ == "__main__":
    main()
