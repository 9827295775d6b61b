"""Prints rounds that committed or failed since the last call, from `coordinator status --json` on stdin.

Usage: coordinator status --json | python3 scripts/demo-progress.py LAST_SHOWN_ROUND START_EPOCH_SECONDS
Prints the new last shown round on stdout and the progress lines on stderr.
"""
import json
import sys
import time

status = json.load(sys.stdin)
shown, started = int(sys.argv[1]), int(sys.argv[2])
for entry in status.get("rounds", []):
    if entry["round"] <= shown or entry["phase"] not in ("committed", "failed"):
        continue
    spent = ", ".join(f'{site["site"]} {site["epsilon_spent"]:.3f}' for site in status["sites"])
    c_index = entry.get("c_index")
    quality = f"C-index {c_index:.4f}" if c_index is not None else "C-index -"
    print(f'round {entry["round"]:>2} {entry["phase"]:<9} sites {entry.get("sites") or "-"}  {quality}'
          f'  | epsilon spent: {spent} | {int(time.time()) - started} s', file=sys.stderr)
    shown = entry["round"]
print(shown)
