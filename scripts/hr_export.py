#!/usr/bin/env python3
"""An HR export made from an attrition event log (Python standard library only).

Turns `events.csv` or `events.csv.gz` (`attrition run --events`) into the HR export
`attrition calibrate --hr-export` reads: one row per spell at a level of one arm,

    employee_id,level,hire_date,exit_date,exit_reason,birth_year,performance_rating,manager_id

with the measured period mapped onto calendar dates from ORIGIN (its first day;
default 2020-01-01), one year of the model being 365.2425 days. Each trial is a
separate firm of the same shape, so employee ids are prefixed with the trial
(`t3-117`). A promotion ends a spell with exit_reason `promotion` and starts the
next at the level above on the same day; a spell of the initial workforce is hired
at its entry tenure before ORIGIN. The rating is the employee's skill at their last
event (the engine's regretted quits are the top fifth of a level by skill), the
manager the one at their last event. Prints the `--window` that covers the measured
period.

Usage: scripts/hr_export.py EVENTS OUT.csv [--arm NAME] [--origin YYYY-MM-DD]
"""

import argparse
import csv
import datetime
import gzip
import sys

YEAR_DAYS = 365.2425
REASONS = {"quit": "voluntary", "dismissal": "dismissal", "retirement": "retirement"}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("events")
    parser.add_argument("out")
    parser.add_argument("--arm", help="the arm (default: the first in the log)")
    parser.add_argument("--origin", default="2020-01-01", help="the first measured day (YYYY-MM-DD)")
    args = parser.parse_args()
    origin = datetime.date.fromisoformat(args.origin)

    def date(year):
        return (origin + datetime.timedelta(days=round(float(year) * YEAR_DAYS))).isoformat()

    opener = gzip.open if args.events.endswith(".gz") else open
    employees = {}
    last_year = 0.0
    with opener(args.events, "rt", newline="") as file:
        for row in csv.DictReader(file):
            if args.arm is None:
                args.arm = row["arm"]
            if row["arm"] != args.arm:
                continue
            year = float(row["year"])
            last_year = max(last_year, year)
            key = f"t{row['trial']}-{row['employee']}"
            event = row["event"]
            employee = employees.setdefault(key, {"spells": []})
            spells = employee["spells"]
            if event == "start":
                spells.append({"level": row["level_name"], "hired": year - float(row["tenure"])})
            elif event == "hire":
                spells.append({"level": row["level_name"], "hired": year})
            elif event == "promotion":
                spells[-1]["exit"] = (year, "promotion")
                spells.append({"level": row["level_name"], "hired": year})
            elif event in REASONS:
                spells[-1]["exit"] = (year, REASONS[event])
            if row.get("age"):
                employee["birth"] = year - float(row["age"])
            employee["rating"] = row["skill"]
            spells[-1]["manager"] = f"t{row['trial']}-{row['manager']}" if row["manager"] else ""
    with open(args.out, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(
            ["employee_id", "level", "hire_date", "exit_date", "exit_reason", "birth_year", "performance_rating",
             "manager_id"]
        )
        for key, employee in employees.items():
            birth = origin.year + int(employee["birth"] // 1) if "birth" in employee else ""
            for spell in employee["spells"]:
                exit_year, reason = spell.get("exit", (None, ""))
                writer.writerow(
                    [key, spell["level"], date(spell["hired"]), "" if exit_year is None else date(exit_year), reason,
                     birth, employee["rating"], spell.get("manager", "")]
                )
    print(f"--window {args.origin}:{date(last_year)}", file=sys.stderr)


if __name__ == "__main__":
    main()
