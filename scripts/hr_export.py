#!/usr/bin/env python3
"""An HR export made from an attrition event log (Python standard library only).

Turns `events.csv` or `events.csv.gz` (`attrition run --events`) into the HR export
`attrition calibrate --hr-export` reads: one row per employment spell of one arm,

    employee_id,level,hire_date,exit_date,exit_reason,birth_year

with the measured period mapped onto calendar dates from ORIGIN (its first day;
default 2020-01-01), one year of the model being 365.2425 days. Each trial is a
separate firm of the same shape, so employee ids are prefixed with the trial
(`t3-117`). A spell's level is the level it ended (or was censored) in; a spell of
the initial workforce is hired at its entry tenure before ORIGIN. Prints the
`--window` that covers the measured period.

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
    spells = {}
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
            spell = spells.setdefault(key, {"level": row["level_name"]})
            if event == "start":
                spell["hired"] = year - float(row["tenure"])
            elif event == "hire":
                spell["hired"] = year
            spell["level"] = row["level_name"]
            if row.get("age"):
                spell["birth"] = year - float(row["age"])
            if event in REASONS:
                spell["exit"] = (year, REASONS[event])
    with open(args.out, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["employee_id", "level", "hire_date", "exit_date", "exit_reason", "birth_year"])
        for key, spell in spells.items():
            exit_year, reason = spell.get("exit", (None, ""))
            birth = origin.year + int(spell["birth"] // 1) if "birth" in spell else ""
            writer.writerow(
                [key, spell["level"], date(spell["hired"]), "" if exit_year is None else date(exit_year), reason, birth]
            )
    print(f"--window {args.origin}:{date(last_year)}", file=sys.stderr)


if __name__ == "__main__":
    main()
