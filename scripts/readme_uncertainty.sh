#!/bin/sh
# Regenerates the README's section "How sure are the essays' claims?": the tornado
# and Sobol charts of tech_org's headline over its unsourced parameters
# (docs/images/sensitivity_*_tech_org.{png,svg}) and the table of the essays'
# claims under parameter uncertainty (between the README's
# `<!-- table:uncertainty_claims -->` markers), with the sentence that reads each
# claim's verdict. Every number and verdict comes from the runs made here: rerun
# this after the model's defaults change.
#
#   scripts/readme_uncertainty.sh            # builds the release binary first
#   ATTRITION=target/debug/attrition scripts/readme_uncertainty.sh
#
# The settings are printed into the README beside the results; OAT_TRIALS,
# SOBOL_SAMPLES, SOBOL_TRIALS, REPLICATIONS and DRAWS override them. At the
# defaults it takes about 5 minutes of CPU (18 minutes on two busy cores). Nothing is written outside docs/images/, README.md and
# a temporary directory, which is removed.
set -eu
cd "$(dirname "$0")/.."
if [ -z "${ATTRITION:-}" ]; then
    cargo build --release --quiet
    ATTRITION=target/release/attrition
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# tech_org's parameters with no published anchor (docs/model.md), each at its
# documented default ±50% (the cap of overhead, at most 1, from 0.6 to 1).
RANGES="dynamics.overhead.tolerance=0.075:0.225
dynamics.overhead.max_share=0.6:1.0
dynamics.output.engagement_weight=0.25:0.75
dynamics.credit.manager_take=0.25:0.75
dynamics.credit.memory=0.5:1.5
dynamics.misfit.threshold=0.25:0.75
dynamics.misfit.hazard_weight=0.35:1.05
dynamics.engagement.adjustment_rate=1:3
dynamics.engagement.noise=0.05:0.15
dynamics.growth.patience=1:3"
range_flags=$(printf '%s\n' "$RANGES" | sed 's/^/--range /' | tr '\n' ' ')

# A shorter burn-in (10 years instead of 40) keeps the design to minutes; the
# trials of every point are the same (common random numbers).
SENSITIVITY_SET="--set simulation.burn_in=10"
OAT_TRIALS=${OAT_TRIALS:-40}
SOBOL_TRIALS=${SOBOL_TRIALS:-8}
SOBOL_SAMPLES=${SOBOL_SAMPLES:-24}
# shellcheck disable=SC2086
"$ATTRITION" sensitivity scenarios/ci/tech_org.toml --method oat $range_flags $SENSITIVITY_SET \
    --trials $OAT_TRIALS --out "$work/oat" -q
# shellcheck disable=SC2086
"$ATTRITION" sensitivity scenarios/ci/tech_org.toml --method sobol $range_flags $SENSITIVITY_SET \
    --trials $SOBOL_TRIALS --samples $SOBOL_SAMPLES --out "$work/sobol" -q
for method in oat sobol; do
    for ext in png svg; do
        cp "$work/$method/ci_tech_org_sensitivity/sensitivity_$method.$ext" \
            "docs/images/sensitivity_${method}_tech_org.$ext"
    done
done

# The essays' scenarios with [uncertainty] over the unsourced parameters their
# claims lean on: uniform over the same ±50% ranges.
UNCERTAINTY='"dynamics.overhead.tolerance" = { uniform = [0.075, 0.225] }
"dynamics.output.engagement_weight" = { uniform = [0.25, 0.75] }
"dynamics.credit.manager_take" = { uniform = [0.25, 0.75] }
"dynamics.credit.memory" = { uniform = [0.5, 1.5] }
"dynamics.misfit.threshold" = { uniform = [0.25, 0.75] }
"dynamics.misfit.hazard_weight" = { uniform = [0.35, 1.05] }
"dynamics.engagement.adjustment_rate" = { uniform = [1.0, 3.0] }
"dynamics.engagement.noise" = { uniform = [0.05, 0.15] }
"dynamics.growth.patience" = { uniform = [1.0, 3.0] }'
REPLICATIONS=${REPLICATIONS:-4}
DRAWS=${DRAWS:-50}
UNCERTAIN_TRIALS=$((REPLICATIONS * DRAWS))
for name in overhead_tax credit career_tracks; do
    sed "s/^\[simulation\]$/[simulation]\nreplications = $REPLICATIONS/" "scenarios/$name.toml" >"$work/$name.toml"
    printf '\n[uncertainty]\n%s\n' "$UNCERTAINTY" >>"$work/$name.toml"
    "$ATTRITION" run "$work/$name.toml" --trials $UNCERTAIN_TRIALS --outputs csv --out "$work/runs" -q
done

python3 - "$work" "$REPLICATIONS" "$DRAWS" "$OAT_TRIALS" "$SOBOL_TRIALS" "$SOBOL_SAMPLES" <<'EOF'
import csv, sys
from pathlib import Path

work, replications, draws, oat_trials, sobol_trials, sobol_samples = sys.argv[1:]
work = Path(work)
# The claim each scenario's essay makes: (arm, its baseline, what the claim says).
claims = {
    "overhead_tax": [("rota", "a rota loses fewer of the best than competence-weighted overhead")],
    "credit": [("accuracy 0.5", "credit at 0.5 accuracy loses more of the best than accurate credit"),
               ("accuracy 0.8", "credit at 0.8 accuracy loses more of the best than accurate credit")],
    "career_tracks": [("leadership assessed", "assessing leadership makes teams more productive than promoting the best"),
                      ("dual track", "a dual track makes teams more productive than promoting the best")],
}
# Which way each claim points: the arm better than the baseline (True) or worse.
arm_better = {"rota": True, "accuracy 0.5": False, "accuracy 0.8": False,
              "leadership assessed": True, "dual track": True}

def fmt(x):
    return f"{float(x):+.4f}"

rows = ["| scenario | arm vs baseline (metric) | Monte Carlo 95% CI | across draws: median [5%, 95%] | sd across draws: parameters, Monte Carlo | the claim holds in |",
        "|---|---|---|---|---|---|"]
readings = []
for scenario, arms in claims.items():
    table = list(csv.DictReader(open(work / "runs" / scenario / "uncertainty.csv")))
    for arm, claim in arms:
        stat = {r["statistic"]: r["estimate"] for r in table if r["arm"] == arm and r["quantity"] == "difference"}
        metric = next(r["metric"] for r in table if r["arm"] == arm)
        baseline = next(r["arm"] for r in table if r["quantity"] == "value" and
                        not any(s["arm"] == r["arm"] and s["quantity"] == "difference" for s in table))
        better = float(stat["share_better"])
        share = better if arm_better[arm] else float(stat["share_worse"])
        n_draws = int(float(stat["draws"]))
        if n_draws < 20:
            verdict = f"holds in {share:.0%} of {n_draws} draws: too few draws to judge"
        elif share >= 0.95:
            verdict = f"holds in {share:.0%} of draws: robust to these parameters"
        elif share >= 0.5:
            verdict = f"holds in {share:.0%} of draws, fails in {1 - share:.0%}: NOT shown robust to these parameters"
        else:
            verdict = f"holds in only {share:.0%} of draws: the parameters reverse it more often than not"
        parts = "n/a (one trial per draw)"
        note = ""
        if stat.get("parameter_sd") and stat.get("monte_carlo_sd"):
            parameters, noise = float(stat["parameter_sd"]), float(stat["monte_carlo_sd"])
            parts = f"{parameters:.4f}, {noise:.4f}"
            if share < 0.95 and noise >= parameters / 2:
                note = (f" Part of the draws' spread is Monte Carlo noise (sd {noise:.4f} of a draw's mean against "
                        f"{parameters:.4f} from the parameters), so more replications per draw would sharpen the share.")
        rows.append(f"| {scenario} | {arm} vs {baseline} ({metric}) | {fmt(stat['mc_mean'])} [{fmt(stat['mc_ci_low'])}, {fmt(stat['mc_ci_high'])}] "
                    f"| {fmt(stat['draw_p50'])} [{fmt(stat['draw_p5'])}, {fmt(stat['draw_p95'])}] | {parts} | {share:.0%} of {stat['draws'].split('.')[0]} draws |")
        readings.append(f"- *{claim}*: {verdict}.{note}")

settings = (f"Generated by `scripts/readme_uncertainty.sh`: each scenario at its own settings with "
            f"`simulation.replications = {replications}` and {int(replications) * int(draws)} trials "
            f"({draws} parameter draws), the nine parameters uniform over their default ±50%; "
            f"charts: `scenarios/ci/tech_org.toml` with a 10-year burn-in, OAT over {oat_trials} trials per point, "
            f"Sobol with N = {sobol_samples} and {sobol_trials} trials per point.")
def indices(method):
    return list(csv.DictReader(open(next((work / method).iterdir()) / "sensitivity.csv")))

def clear(r):
    return float(r["ci_low"]) > 0 or float(r["ci_high"]) < 0

oat = indices("oat")
swing = {}
for r in oat:
    if clear(r):
        swing[r["parameter"]] = max(swing.get(r["parameter"], 0.0), abs(float(r["estimate"])))
moved = sorted(swing, key=swing.get, reverse=True)
sobol_rows = indices("sobol")
total = sorted((r for r in sobol_rows if r["index"] == "ST" and clear(r)), key=lambda r: -float(r["estimate"]))
first = [r["parameter"] for r in sobol_rows if r["index"] == "S1" and clear(r)]
param = lambda p: "`" + p.removeprefix("dynamics.") + "`"
sensitivity = ("One at a time, the headline's change at an end of a parameter's range has a 95% interval "
               "clear of 0 for "
               + (f"{len(moved)} of the {len({r['parameter'] for r in oat})} parameters, the largest for "
                  + ", ".join(param(p) for p in moved[:3]) if moved else "none of the parameters")
               + ". Sobol total-order indices clear of 0: "
               + (", ".join(f"{param(r['parameter'])} ({float(r['estimate']):.2f})" for r in total) or "none")
               + "; first-order indices clear of 0: "
               + (", ".join(param(p) for p in first) or "none (at this N and these trials the first-order "
                  "intervals are too wide to rank the parameters: raise SOBOL_SAMPLES and SOBOL_TRIALS)")
               + ".")
body = "\n" + settings + "\n\n" + sensitivity + "\n\n" + "\n".join(rows) + "\n\nWhat it means for each claim:\n\n" + "\n".join(readings) + "\n"
readme = Path("README.md")
text = readme.read_text()
open_marker, close_marker = "<!-- table:uncertainty_claims -->", "<!-- /table:uncertainty_claims -->"
start = text.index(open_marker) + len(open_marker)
end = text.index(close_marker)
readme.write_text(text[:start] + body + text[end:])
print(body)
EOF
