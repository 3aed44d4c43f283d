#!/bin/sh
# cli_multi.sh: `dilemma solve` on scenarios with models: (several LLMs on
# shared servers). One model with no load under models: gives exactly the
# single-model result; the shipped three-model scenario is solved to a
# proven optimum that the baselines (sequential, partitioned) cannot beat,
# the independent baseline's union breaks a shared row there (exit 3), the
# joint model exports, and the commands that handle one model refuse
# models: with exit 2.
set -u
. "${top_srcdir:-.}/tests/lib.sh"
tmp=$TMP
srcdir=$top_srcdir
small=$srcdir/tests/solver/small.yaml
multi=$srcdir/scenarios/multi-llm.yaml

# JSON number of the first "key": value in a file.
num() { sed -n "s/.*\"$1\": \([-0-9.eE+]*\).*/\1/p" "$2" | head -n 1; }

# --- one model under models: is the single-model problem ------------------
sed -e 's/^model:/models:/' -e 's/^  name: opt-125m/  - name: opt-125m/' \
    -e 's/^  granularity: block/    granularity: block\n    rate: 0/' "$small" > "$tmp/one.yaml"
run check -q "$tmp/one.yaml"
ok $? "a one-entry models: scenario is valid"
run solve "$small" --json > "$tmp/single.json"
is "$?" 0 "single-model solve"
run solve "$tmp/one.yaml" --json > "$tmp/one.json"
is "$?" 0 "one-model models: solve"
is "$(num objective "$tmp/one.json")" "$(num objective "$tmp/single.json")" \
   "the same objective to the last digit"
sed -n '/"placement"/,/]/p' "$tmp/single.json" | grep '"layer"' | tr -d ' \n' > "$tmp/p1"
sed -n '/"placement"/,/]/p' "$tmp/one.json" | grep '"layer"' | tr -d ' \n' > "$tmp/p2"
cmp -s "$tmp/p1" "$tmp/p2"
ok $? "the same placement"

# --- the shipped three-model scenario --------------------------------------
run solve "$multi" --json > "$tmp/m.json"
is "$?" 0 "multi-llm solves"
contains "$tmp/m.json" '"status": "optimal"' "proven optimal"
is "$(grep -c '"T_alone"' "$tmp/m.json")" 3 "three models reported"
# The objective is Σ weight·T over the models (weights are the rates here).
sum=$(awk '/"weight"/ { gsub(/[",]/, ""); w = $2 } /"T":/ { gsub(/[",]/, ""); s += w * $2 }
           END { printf "%.9g", s }' "$tmp/m.json")
obj=$(num objective "$tmp/m.json")
awk -v a="$sum" -v b="$obj" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-9 * b) }'
ok $? "objective $obj is the weighted sum of the models' T ($sum)"
run solve "$multi" --method sequential --json > "$tmp/s.json"
is "$?" 0 "sequential baseline places all three"
awk -v a="$(num objective "$tmp/s.json")" -v b="$obj" 'BEGIN { exit !(a >= b * (1 - 1e-9)) }'
ok $? "the sequential baseline does not beat the proven optimum"
run solve "$multi" --method partitioned --json > "$tmp/g.json"
is "$?" 0 "partitioned baseline: each model fits its server group"
contains "$tmp/g.json" '"method": "partitioned"' "and names its method"
awk -v a="$(num objective "$tmp/g.json")" -v b="$obj" 'BEGIN { exit !(a >= b * (1 - 1e-9)) }'
ok $? "the partitioned baseline does not beat the proven optimum"
run solve "$multi" --method independent --json > "$tmp/i.json" 2> "$tmp/i.err"
is "$?" 3 "each model alone: the union does not fit (exit 3)"
contains "$tmp/i.json" '"joint_feasible": false' "the union breaks a shared row"
awk -v a="$(num objective "$tmp/i.json")" -v b="$obj" 'BEGIN { exit !(a < b) }'
ok $? "the infeasible union is cheaper than the joint optimum"
# Under solver.aggregate: max the objective is the slowest model's T.
sed 's/aggregate: sum/aggregate: max/' "$multi" > "$tmp/max.yaml"
run solve "$tmp/max.yaml" --json > "$tmp/x.json"
is "$?" 0 "multi-llm solves under aggregate: max"
worst=$(awk '/"T":/ { gsub(/[",]/, ""); if ($2 > w) w = $2 } END { printf "%.17g", w }' "$tmp/x.json")
awk -v a="$worst" -v b="$(num objective "$tmp/x.json")" \
    'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-12 * b) }'
ok $? "under max the objective is the largest T ($worst)"
run solve "$multi" --method max > /dev/null 2> "$tmp/e"
is "$?" 2 "an unknown multi-model method exits 2"
contains "$tmp/e" "unknown method 'max' for several models" "and says so"
run solve "$multi" --write-lp "$tmp/m.lp" --time-limit 30 > /dev/null
is "$?" 0 "solve with --write-lp"
grep -q 'x_2_0_' "$tmp/m.lp"
ok $? "the LP file has the third model's columns"

# --- one-model commands refuse models: -------------------------------------
for cmd in run simulate topology; do
  run $cmd "$multi" > /dev/null 2> "$tmp/e"
  is "$?" 2 "$cmd refuses models: (exit 2)"
  contains "$tmp/e" "places them jointly" "$cmd says why"
done
done_testing
