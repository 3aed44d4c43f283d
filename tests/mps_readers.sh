#!/bin/sh
# mps_readers.sh: the exported MPS file is read as-is by other solvers.
# CBC (coinor-cbc) and GLPK (glpsol --freemps) solve the export of
# tests/solver/small.yaml, per_layer and (on two servers) under a binding
# error budget, to
# the optimum `dilemma solve` proves; and they read the larger export of
# bench-solver.yaml at M = 24 (column names past eight characters, which
# CBC took for fixed MPS and rejected as "Bad image" before the NAME line
# said FREE) without an error. Each reader is skipped when not installed.
set -u
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$TMP
srcdir=$top_srcdir
small=$srcdir/tests/solver/small.yaml
# Two servers, so that CBC and GLPK prove the budget instance in seconds.
sed -e 's/^  delta: 1.0e-5$/  accuracy: budget\n  budget: 3.0e-6/' -e 's/count: 4/count: 2/' \
  -e 's/min: 0.5, max: 1.0, unit/min: 0.35, max: 0.6, unit/' "$small" >"$tmp/budget.yaml"

# close A B NAME: |A - B| <= 1e-6 |A| (the solvers' own tolerances).
close() {
  if awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b != "" && d <= 1e-6 * a) }'
  then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$2', want '$1'"; fi
}

for sc in "$small" "$tmp/budget.yaml"; do
  name=$(basename "$sc" .yaml)
  run solve "$sc" --json --write-mps "$tmp/$name.mps" >"$tmp/$name.json" 2>"$tmp/err"
  is "$?" 0 "$name: solve and export exit 0"
  contains "$tmp/$name.json" '"status": "optimal"' "$name: proven optimal"
  want=$(sed -n 's/^  "objective_s": \([^,]*\),$/\1/p' "$tmp/$name.json")
  contains "$tmp/$name.mps" "^NAME dilemma FREE$" "$name: the header says free MPS"
  if command -v cbc >/dev/null 2>&1; then
    (cd "$tmp" && cbc "$name.mps" -solve -quit) >"$tmp/cbc.out" 2>&1
    contains "$tmp/cbc.out" "read with 0 errors" "$name: CBC reads the export without errors"
    got=$(sed -n 's/^Objective value: *//p' "$tmp/cbc.out")
    close "$want" "$got" "$name: CBC's optimum equals dilemma's ($want)"
  else
    ok 0 "# SKIP cbc not installed"
  fi
  if command -v glpsol >/dev/null 2>&1; then
    glpsol --freemps "$tmp/$name.mps" -o "$tmp/glpk.out" >"$tmp/glpk.log" 2>&1
    is "$?" 0 "$name: glpsol reads and solves the export"
    got=$(sed -n 's/^Objective: *R0 = *\([^ ]*\).*/\1/p' "$tmp/glpk.out")
    close "$want" "$got" "$name: GLPK's optimum equals dilemma's ($want)"
  else
    ok 0 "# SKIP glpsol not installed"
  fi
done

run solve "$srcdir/scenarios/bench-solver.yaml" --point 3 --write-mps "$tmp/m24.mps" \
  --time-limit 5 >/dev/null 2>"$tmp/err"
is "$?" 0 "bench-solver M = 24: export exits 0"
if command -v cbc >/dev/null 2>&1; then
  (cd "$tmp" && cbc m24.mps -quit) >"$tmp/cbc.out" 2>&1
  contains "$tmp/cbc.out" "read with 0 errors" "M = 24: CBC reads names past eight characters"
else
  ok 0 "# SKIP cbc not installed"
fi
if command -v glpsol >/dev/null 2>&1; then
  glpsol --freemps "$tmp/m24.mps" --check >"$tmp/glpk.log" 2>&1
  is "$?" 0 "M = 24: glpsol reads the export"
else
  ok 0 "# SKIP glpsol not installed"
fi
done_testing
