#!/usr/bin/env python3
"""pool.py CURVE RAWFILE: pools the timer's raw lines (measure -r) of
several passes into one summary line per point, in the order the points
first appear, in the timer's seq format prefixed with CURVE:
CURVE NAME OK FAILED MEDIAN_US MIN_US MAX_US MEAN_US PEAK_RSS_KIB ERROR."""
import statistics
import sys


def main():
    curve, path = sys.argv[1], sys.argv[2]
    pts = {}
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) < 3:
            continue
        p = pts.setdefault(f[0], {"t": [], "fail": 0, "rss": 0, "err": "-"})
        if f[1] == "FAIL":
            p["fail"] += 1
            if p["err"] == "-" and len(f) > 3:
                p["err"] = f[3]
            p["rss"] = max(p["rss"], int(f[2]))
        else:
            p["t"].append(int(f[1]))
            p["rss"] = max(p["rss"], int(f[2]))
    for name, p in pts.items():
        t = p["t"]
        if t:
            row = (len(t), p["fail"], int(statistics.median(t)), min(t),
                   max(t), int(statistics.mean(t)))
        else:
            row = (0, p["fail"], 0, 0, 0, 0)
        print("\t".join([curve, name] + [str(x) for x in row] +
                        [str(p["rss"]), p["err"]]))


if __name__ == "__main__":
    main()
