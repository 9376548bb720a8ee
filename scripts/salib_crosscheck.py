#!/usr/bin/env python3
"""Cross-checks `attrition sensitivity --method sobol` against SALib (not run by the
test suite; needs `pip install SALib`, which brings numpy).

1. Ishigami (a = 7, b = 0.1): SALib's Saltelli sample and Sobol analysis of the exact
   function beside attrition's estimates (`--function ishigami`) and the exact
   indices. Both should cover the exact values within their intervals.
2. A scenario (default scenarios/ci/tech_org.toml): SALib's Saltelli sample written as
   a design table, run by `attrition run --design` (every point on the same trial
   seeds), the headline contrast of each point ("all three" - "common practice" on
   regretted attrition, from sweep_comparison.csv) analysed by SALib, beside
   `attrition sensitivity --method sobol` over the same ranges. The two use different
   base samples, so they agree only within their bootstrap intervals.

    python3 scripts/salib_crosscheck.py [--attrition target/release/attrition] [--samples 64]
"""

import argparse
import csv
import io
import subprocess
import sys
import tempfile
from pathlib import Path

from SALib.analyze import sobol
from SALib.sample import sobol as saltelli
from SALib.test_functions import Ishigami

EXACT = {"x1": (0.314, 0.558), "x2": (0.442, 0.442), "x3": (0.0, 0.244)}
RANGES = {
    "dynamics.overhead.tolerance": (0.075, 0.225),
    "dynamics.misfit.threshold": (0.25, 0.75),
    "dynamics.engagement.adjustment_rate": (1.0, 3.0),
}


def attrition_indices(rows):
    """{(parameter, index): (estimate, ci_low, ci_high)} from sensitivity.csv rows."""
    return {
        (r["parameter"], r["index"]): (float(r["estimate"]), float(r["ci_low"]), float(r["ci_high"]))
        for r in rows
    }


def ishigami(binary, samples):
    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-3.14159265359, 3.14159265359]] * 3}
    x = saltelli.sample(problem, samples, calc_second_order=False)
    salib = sobol.analyze(problem, Ishigami.evaluate(x), calc_second_order=False)
    out = subprocess.run(
        [binary, "sensitivity", "--function", "ishigami", "--method", "sobol", "--samples", str(samples)],
        check=True, capture_output=True, text=True,
    ).stdout
    ours = attrition_indices(csv.DictReader(io.StringIO(out)))
    print(f"Ishigami, N = {samples}: index, exact, SALib [95% CI], attrition [95% CI]")
    for i, name in enumerate(problem["names"]):
        for kind, key, conf, exact in (("S1", "S1", "S1_conf", EXACT[name][0]), ("ST", "ST", "ST_conf", EXACT[name][1])):
            s, c = salib[key][i], salib[conf][i]
            e, lo, hi = ours[(name, kind)]
            print(f"  {name} {kind}: {exact:.3f}  SALib {s:.3f} [{s - c:.3f}, {s + c:.3f}]  attrition {e:.3f} [{lo:.3f}, {hi:.3f}]")


def scenario(binary, path, samples, trials):
    names = list(RANGES)
    problem = {"num_vars": len(names), "names": names, "bounds": [list(RANGES[n]) for n in names]}
    x = saltelli.sample(problem, samples, calc_second_order=False)
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        with open(work / "points.csv", "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(names)
            writer.writerows([[repr(float(v)) for v in row] for row in x])
        subprocess.run(
            [binary, "run", path, "--design", str(work / "points.csv"), "--trials", str(trials),
             "--outputs", "csv", "--out", str(work / "design"), "-q"],
            check=True,
        )
        (directory,) = (work / "design").iterdir()
        rows = [
            r for r in csv.DictReader(open(directory / "sweep_comparison.csv"))
            if r["comparison"] == "baseline" and r["arm"] == "all three" and r["metric"] == "regretted_attrition"
        ]
        # One row per design point, in the design's order.
        y = [float(r["mean"]) for r in rows]
        assert len(y) == len(x), (len(y), len(x))
        import numpy
        salib = sobol.analyze(problem, numpy.array(y), calc_second_order=False)
        ranges = [f"--range={n}={lo}:{hi}" for n, (lo, hi) in RANGES.items()]
        subprocess.run(
            [binary, "sensitivity", path, "--method", "sobol", "--samples", str(samples), "--trials", str(trials),
             "--outputs", "csv", "--out", str(work / "ours"), "-q", *ranges],
            check=True,
        )
        (ours_dir,) = (work / "ours").iterdir()
        ours = attrition_indices(csv.DictReader(open(ours_dir / "sensitivity.csv")))
    print(f"{path}, N = {samples}, {trials} trials per point: SALib [95% CI] vs attrition [95% CI]")
    for i, name in enumerate(names):
        for kind, conf in (("S1", "S1_conf"), ("ST", "ST_conf")):
            s, c = salib[kind][i], salib[conf][i]
            e, lo, hi = ours[(name, kind)]
            print(f"  {name} {kind}: SALib {s:.3f} [{s - c:.3f}, {s + c:.3f}]  attrition {e:.3f} [{lo:.3f}, {hi:.3f}]")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attrition", default="target/release/attrition")
    parser.add_argument("--scenario", default="scenarios/ci/tech_org.toml")
    parser.add_argument("--samples", type=int, default=64)
    parser.add_argument("--trials", type=int, default=8)
    args = parser.parse_args()
    ishigami(args.attrition, 1024)
    scenario(args.attrition, args.scenario, args.samples, args.trials)
    return 0


if __name__ == "__main__":
    sys.exit(main())
