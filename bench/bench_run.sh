#!/bin/sh
# bench_run.sh: wall time and runs/s of the paper's Fig. 5 sweep
# (scenarios/fig5-d2d-speed.yaml: 9 points x 100 runs, the ILP and three
# baselines, DES replay) on -j 2, and the share of the threads' time the
# solver takes (sum of solve_s of timing.csv / (wall x threads)).
set -e
# Columns are found by name in the header: a swept key shifts them.
dilemma=${DILEMMA:-./dilemma}
src=${top_srcdir:-.}
jobs=${JOBS:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t0=$(date +%s.%N)
"$dilemma" run "$src/scenarios/fig5-d2d-speed.yaml" -o "$tmp/fig5" -j "$jobs" -q --no-plot
t1=$(date +%s.%N)
# Solve times from timing.csv, statuses from runs.csv (schema 3).
awk -F, -v wall="$(awk "BEGIN { print $t1 - $t0 }")" -v jobs="$jobs" '
  FNR == 1 { for (i = 1; i <= NF; i++) { if ($i == "solve_s") c = i; if ($i == "method") m = i; if ($i == "status") s = i }; next }
  FILENAME ~ /timing.csv$/ { solve += $c; per[$m] += $c; next }
  { rows++; if ($m == "ilp") runs++; if ($s == "timeout") to++ }
  END {
    printf "fig5-d2d-speed: %d runs (points x runs), %d rows, -j %d\n", runs, rows, jobs
    printf "  wall %.1f s, %.2f runs/s, %d timeouts\n", wall, runs / wall, to
    printf "  solver share %.1f %% of thread time (", 100 * solve / (wall * jobs)
    sep = ""
    for (k in per) { printf "%s%s %.1f s", sep, k, per[k]; sep = ", " }
    printf ")\n"
  }' "$tmp/fig5/timing.csv" "$tmp/fig5/runs.csv"
