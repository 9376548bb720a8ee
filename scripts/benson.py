#!/usr/bin/env python3
"""The Benson signature from an attrition event log (Python standard library only).

Benson, Li & Shue (2019) find that a salesperson promoted for their sales manages
worse: doubling pre-promotion sales lowers each subordinate's sales by about 7.5%.
This estimates the model's counterpart from `events.csv` or `events.csv.gz`
(`attrition run --events` or `--events-gzip`): across the promotions of one arm
into the first level of managers (the level just above the individual
contributors, whose team output is the reports' craft output), the least-squares
slope of

    ln(team_output_after / team_output_before)  on  log2(performance)

where `performance` is the promoted person's output before the promotion and the
team outputs are the mean output per member of the team they now manage over the
year before the promotion and over their first year (see the README, "Output
files"). The slope is the change in log team output per doubling of pre-promotion
performance; 100 * (exp(slope) - 1) is the percentage change Benson et al. report.
Promotions whose year before or after does not fit in the run have no team output
and are left out. The standard error is clustered by trial (promotions within a
trial share their people); the plain OLS one is printed beside it.

Usage: scripts/benson.py EVENTS [--arm NAME] [--level N]
"""

import argparse
import csv
import gzip
import math
import sys
from collections import defaultdict


def read_promotions(path, arm, level):
    """(trial, x, y) per usable promotion of `arm` into `level` (None: the level
    above the bottom one seen in the log)."""
    opener = gzip.open if path.endswith(".gz") else open
    rows = []
    bottom = -1
    with opener(path, "rt", newline="") as file:
        for row in csv.DictReader(file):
            bottom = max(bottom, int(row["level"]))
            if row["event"] != "promotion" or row["arm"] != arm:
                continue
            if not row["team_output_before"] or not row["team_output_after"]:
                continue
            rows.append(row)
    if level is None:
        level = bottom - 1
    points = []
    for row in rows:
        if int(row["level"]) != level:
            continue
        before, after = float(row["team_output_before"]), float(row["team_output_after"])
        performance = float(row["performance"])
        if before > 0 and after > 0 and performance > 0:
            points.append((row["trial"], math.log2(performance), math.log(after / before)))
    return level, points


def regress(points):
    """Slope, plain OLS standard error and trial-clustered standard error."""
    n = len(points)
    mean_x = sum(x for _, x, _ in points) / n
    mean_y = sum(y for _, _, y in points) / n
    sxx = sum((x - mean_x) ** 2 for _, x, _ in points)
    slope = sum((x - mean_x) * (y - mean_y) for _, x, y in points) / sxx
    intercept = mean_y - slope * mean_x
    residuals = [(t, x, y - intercept - slope * x) for t, x, y in points]
    ols = math.sqrt(sum(e * e for _, _, e in residuals) / (n - 2) / sxx)
    # Cluster-robust (sandwich) variance of the slope, with the usual small-sample
    # factor G/(G-1) * (n-1)/(n-2).
    by_trial = defaultdict(float)
    for t, x, e in residuals:
        by_trial[t] += (x - mean_x) * e
    g = len(by_trial)
    meat = sum(s * s for s in by_trial.values())
    factor = g / (g - 1) * (n - 1) / (n - 2) if g > 1 else float("nan")
    clustered = math.sqrt(factor * meat) / sxx
    return slope, ols, clustered, g


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("events", help="events.csv or events.csv.gz")
    parser.add_argument("--arm", default="common practice", help="the arm (default: %(default)s)")
    parser.add_argument("--level", type=int, help="the level promoted into (default: the lowest managers)")
    args = parser.parse_args()
    level, points = read_promotions(args.events, args.arm, args.level)
    if len(points) < 3:
        sys.exit(f"error: {len(points)} usable promotions of arm {args.arm!r} into level {level}; need at least 3")
    slope, ols, clustered, trials = regress(points)
    pct = lambda b: 100 * (math.exp(b) - 1)
    print(f"arm {args.arm!r}, promotions into level {level}: {len(points)} from {trials} trials")
    print(f"slope of ln(team output after/before) on log2(pre-promotion performance): {slope:.4f}")
    print(f"  standard error: {clustered:.4f} clustered by trial ({ols:.4f} plain OLS)")
    low, high = slope - 1.96 * clustered, slope + 1.96 * clustered
    print(f"per doubling: {pct(slope):+.2f}% [95% CI {pct(low):+.2f}%, {pct(high):+.2f}%]; Benson et al.: -7.5%")


if __name__ == "__main__":
    main()
