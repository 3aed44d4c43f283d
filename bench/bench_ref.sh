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
#
# Several models: bench/bench_ref.sh --multi DIR [LIMIT_S] [CSV] [GLOB]
#   solves the joint ILPs bench_multi exported (`bench_multi --write-mps DIR
#   --export-only`, files multi-M<M>-K<K>-r<R>.mps; GLOB, default
#   'multi-*.mps', picks some) and prints per (M, K) cell and solver the
#   same columns. REF_SOLVERS (default "cbc highs") picks the solvers.
#
# REF_CBC_TIME (default elapsed) is CBC's -timeMode: `cpu` gives CBC its
# limit in CPU seconds, which is the fair choice on a shared machine where
# the wall clock runs while other jobs hold the cores. In that mode the
# times printed and written are CBC's own CPU seconds (its "Total time
# (CPU seconds)" line), so that limit and times are on one clock; under
# `elapsed` they are wall times.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
solvers=${REF_SOLVERS:-cbc highs}
cbc_time=${REF_CBC_TIME:-elapsed}
case $cbc_time in elapsed | cpu) ;; *) echo "bench_ref.sh: REF_CBC_TIME must be elapsed or cpu, not '$cbc_time'" >&2; exit 2 ;; esac
case " $solvers " in *" cbc "*) want_cbc=1 ;; *) want_cbc=0 ;; esac
case " $solvers " in *" highs "*) want_highs=1 ;; *) want_highs=0 ;; esac
py=${PYTHON:-/usr/bin/python3}

# cbc_cpu LOG FALLBACK: the CPU seconds CBC reports at the end of LOG, or
# FALLBACK when the line is missing (CBC stopped before printing it).
cbc_cpu() {
  c=$(sed -n 's/^Total time (CPU seconds): *\([0-9.]*\).*/\1/p' "$1" | tail -1)
  echo "${c:-$2}"
}

# run_cbc FILE LIMIT: solves FILE with CBC; prints "status seconds objective bound".
run_cbc() {
  d=$(dirname "$1"); out=$(mktemp "${TMPDIR:-/tmp}/bench-ref-cbc.XXXXXX")
  t0=$(date +%s.%N)
  (cd "$d" && cbc "$(basename "$1")" -timeMode "$cbc_time" -sec "$2" -ratio 1e-9 -solve -quit) >"$out" 2>&1
  t1=$(date +%s.%N)
  st=timeout
  grep -q '^Result - Optimal solution found' "$out" && st=optimal
  grep -q '^Result - Linear relaxation infeasible\|^Result - Problem proven infeasible' "$out" && st=infeasible
  obj=$(sed -n 's/^Objective value: *//p' "$out" | head -1)
  bnd=$(sed -n 's/^Lower bound: *//p' "$out" | head -1)
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  [ "$cbc_time" = cpu ] && secs=$(cbc_cpu "$out" "$secs")
  rm -f "$out"
  echo "$st $secs ${obj:-nan} ${bnd:-nan}"
}

# summary CSV KEY LABEL SOLVER LIMIT: one table line over the CSV rows whose
# first field is KEY (runs stopped by the limit count at the limit).
summary() {
  awk -F, -v p="$1" -v s="$3" -v lim="$4" -v label="$2" '
    $1 == p && $3 == s { n++; if ($4 == "optimal" || $4 == "infeasible") k++; t[n] = ($4 == "optimal" || $4 == "infeasible") ? $5 : lim }
    END {
      if (n == 0) exit
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (t[j] < t[i]) { x = t[i]; t[i] = t[j]; t[j] = x }
      med = n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
      printf "%8s %-6s %5d %8d %10.3f %10.3f\n", label, s, n, k, med, t[n]
    }' "$5"
}

if [ "${1:-}" = "--multi" ]; then
  dir=${2:?usage: bench_ref.sh --multi DIR [LIMIT_S] [CSV] [GLOB]}
  limit=${3:-60}
  csv=${4:-bench-ref-multi.csv}
  glob=${5:-multi-*.mps}
  have_cbc=0; [ $want_cbc = 1 ] && command -v cbc >/dev/null 2>&1 && have_cbc=1
  have_highs=0
  [ $want_highs = 1 ] && "$py" -c 'from scipy.optimize import milp' >/dev/null 2>&1 && have_highs=1
  echo "cell,run,solver,status,seconds,objective,bound" >"$csv"
  cells=
  for f in "$dir"/$glob; do
    [ -f "$f" ] || continue
    b=$(basename "$f" .mps)                     # multi-M16-K3-r7
    cell=$(echo "$b" | sed 's/^multi-\(M[0-9]*-K[0-9]*\)-r.*/\1/')
    r=$(echo "$b" | sed 's/.*-r//')
    case " $cells " in *" $cell "*) ;; *) cells="$cells $cell" ;; esac
    if [ $have_cbc = 1 ]; then
      set -- $(run_cbc "$f" "$limit")
      echo "$cell,$r,cbc,$1,$2,$3,$4" >>"$csv"
    fi
    if [ $have_highs = 1 ]; then
      set -- $("$py" "$top/bench/ref_highs.py" "$f" "$limit" 2>/dev/null || echo other nan nan nan)
      echo "$cell,$r,highs,$1,$2,$3,$4" >>"$csv"
    fi
  done
  printf '%8s %-6s %5s %8s %10s %10s\n' cell solver runs proven "median s" "max s"
  for c in $cells; do
    for s in cbc highs; do summary "$c" "$c" "$s" "$limit" "$csv"; done
  done
  exit 0
fi
sc=${1:-$top/bench/bench-budget.yaml}
runs=${2:-3}
limit=${3:-60}
csv=${4:-bench-ref.csv}
points=${5:-}
dilemma=${DILEMMA:-$top/dilemma}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-ref.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
have_cbc=0; [ $want_cbc = 1 ] && command -v cbc >/dev/null 2>&1 && have_cbc=1
have_highs=0
[ $want_highs = 1 ] && "$py" -c 'from scipy.optimize import milp' >/dev/null 2>&1 && have_highs=1
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
      (cd "$tmp" && cbc "$(basename "$f")" -timeMode "$cbc_time" -sec "$limit" -ratio 1e-9 -solve -quit) >"$tmp/cbc.out" 2>&1
      t1=$(date +%s.%N)
      st=timeout
      grep -q '^Result - Optimal solution found' "$tmp/cbc.out" && st=optimal
      obj=$(sed -n 's/^Objective value: *//p' "$tmp/cbc.out" | head -1)
      bnd=$(sed -n 's/^Lower bound: *//p' "$tmp/cbc.out" | head -1)
      secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
      [ "$cbc_time" = cpu ] && secs=$(cbc_cpu "$tmp/cbc.out" "$secs")
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
