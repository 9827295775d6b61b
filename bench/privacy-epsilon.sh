#!/usr/bin/env bash
# Times `privacy-audit epsilon` (PLD accounting, delta 1e-5, discretisation
# 1e-4) on a few cases, one run each, in a release build.
#
# Usage, from the package root: bash bench/privacy-epsilon.sh
set -euo pipefail

swift build -c release --product privacy-audit >/dev/null
binary=.build/release/privacy-audit

cases=(
    "--mechanism gaussian --noise-multiplier 1.1 --sampling-rate 0.01 --steps 1000"
    "--mechanism gaussian --noise-multiplier 0.8 --sampling-rate 0.1 --steps 1000"
    "--mechanism gaussian --noise-multiplier 4 --sampling-rate 1 --steps 1000"
    "--mechanism laplace --scale 2 --sampling-rate 0.01 --steps 1000"
    "--mechanism laplace --scale 0.8 --sampling-rate 0.1 --steps 1000"
)

printf '%-80s %10s %12s\n' "case" "seconds" "epsilon"
for arguments in "${cases[@]}"; do
    start=$(date +%s.%N)
    # shellcheck disable=SC2086
    epsilon=$("$binary" epsilon $arguments --delta 1e-5 --json | sed -E 's/.*"epsilon":([^,}]*).*/\1/')
    end=$(date +%s.%N)
    printf '%-80s %10.2f %12.6g\n' "$arguments" "$(echo "$end - $start" | bc)" "$epsilon"
done
