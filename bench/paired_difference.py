#!/usr/bin/env python3
"""Per-fold paired difference between a `site-agent train --folds` log and the Cox baseline.

Usage: paired_difference.py TRAIN.log COX_BASELINE.json

Reads the test C-index of each `fold=K train=... c_index=X` line of the log and
the per-fold C-index printed by bench/cox_baseline.py on the same folds, and
prints a Markdown table of both and their difference, with the mean and sample
standard deviation of the differences. Python standard library only.
"""
import json
import re
import statistics
import sys


def main():
    model = {}
    with open(sys.argv[1]) as log:
        for line in log:
            match = re.match(r"fold=(\d+) train=\d+ .* c_index=([0-9.]+)", line)
            if match:
                model[int(match.group(1))] = float(match.group(2))
    with open(sys.argv[2]) as f:
        baseline = {entry["fold"]: entry["c_index"] for entry in json.load(f)["folds"]}
    differences = []
    print("| fold | model | Cox baseline | difference |")
    print("|---|---|---|---|")
    for fold in sorted(model):
        difference = model[fold] - baseline[fold]
        differences.append(difference)
        print(f"| {fold} | {model[fold]:.4f} | {baseline[fold]:.4f} | {difference:+.4f} |")
    sd = statistics.stdev(differences) if len(differences) > 1 else 0.0
    print(f"| mean | {statistics.mean(model.values()):.4f} | {statistics.mean(baseline[f] for f in model):.4f} "
          f"| {statistics.mean(differences):+.4f} (sd {sd:.4f}, {sum(d > 0 for d in differences)}/{len(differences)} folds positive) |")


if __name__ == "__main__":
    main()
