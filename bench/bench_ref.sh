#!/bin/sh
# bench_ref.sh: reference points for the solver benchmark (`make bench`).
# Exports runs 0..R-1 of every sweep point of a scenario as MPS (`dilemma
# solve --write-mps`, the model after the presolve, before any bound-based
# fixing) and solves each file with CBC (the `cbc` command, coinor-cbc) and
# with HiGHS as bundled in SciPy (bench/ref_highs.py, scipy.optimize.milp),
# each with a time limit. Neither is a dependency: a missing one is skipped.
# Prints per point and solver the runs proven optimal within the limit and
# the median and maximum wall time (a run stopped by the limit counts at the
# limit), and writes one line per solve to the CSV file.
#
# Usage: bench/bench_ref.sh [SCENARIO] [RUNS] [LIMIT_S] [CSV] [POINTS]
#   defaults: bench/bench-budget.yaml, 3 runs, 60 s, bench-ref.csv, all
#   points (POINTS: space-separated point indices).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
sc=${1:-$top/bench/bench-budget.yaml}
runs=${2:-3}
limit=${3:-60}
csv=${4:-bench-ref.csv}
points=${5:-}
dilemma=${DILEMMA:-$top/dilemma}
py=${PYTHON:-/usr/bin/python3}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ref.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
have_cbc=0; command -v cbc >/dev/null 2>&1 && have_cbc=1
have_highs=0; "$py" -c 'from scipy.optimize import milp' >/dev/null 2>&1 && have_highs=1
[ $have_cbc = 1 ] || echo "cbc not installed: CBC column skipped"
[ $have_highs = 1 ] || echo "scipy.optimize.milp not available: HiGHS column skipped"
if [ -z "$points" ]; then
  n=$("$dilemma" solve "$sc" --point 1000000 2>&1 | sed -n 's/.*the scenario has \([0-9]*\).*/\1/p')
  points=$(seq 0 $(( ${n:-1} - 1 )))
fi
echo "point,run,solver,status,seconds,objective,bound" >"$csv"
printf '%6s %-6s %5s %8s %10s %10s\n' point solver runs proven "median s" "max s"
for p in $points; do
  for r in $(seq 0 $((runs - 1))); do
    f=$tmp/p${p}r$r.mps
    "$dilemma" solve "$sc" --point "$p" --run "$r" --write-mps "$f" --time-limit 0.5 --json \
      >"$tmp/d.json" 2>/dev/null
    if [ $have_cbc = 1 ]; then
      t0=$(date +%s.%N)
      (cd "$tmp" && cbc "$(basename "$f")" -timeMode elapsed -sec "$limit" -ratio 1e-9 -solve -quit) >"$tmp/cbc.out" 2>&1
      t1=$(date +%s.%N)
      st=timeout
      grep -q '^Result - Optimal solution found' "$tmp/cbc.out" && st=optimal
      obj=$(sed -n 's/^Objective value: *//p' "$tmp/cbc.out" | head -1)
      bnd=$(sed -n 's/^Lower bound: *//p' "$tmp/cbc.out" | head -1)
      secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
      echo "$p,$r,cbc,$st,$secs,${obj:-nan},${bnd:-nan}" >>"$csv"
    fi
    if [ $have_highs = 1 ]; then
      set -- $("$py" "$top/bench/ref_highs.py" "$f" "$limit" 2>/dev/null || echo other nan nan nan)
      echo "$p,$r,highs,$1,$2,$3,$4" >>"$csv"
    fi
    rm -f "$f"
  done
  for s in cbc highs; do
    awk -F, -v p="$p" -v s="$s" -v lim="$limit" '
      $1 == p && $3 == s { n++; if ($4 == "optimal") k++; t[n] = ($4 == "optimal") ? $5 : lim }
      END {
        if (n == 0) exit
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
        med = n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
        printf "%6s %-6s %5d %8d %10.3f %10.3f\n", p, s, n, k, med, t[n]
      }' "$csv"
  done
done
