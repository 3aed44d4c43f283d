#!/bin/sh
# resume_inputs.sh: --resume never mixes two experiments. The resolved
# scenario records the SHA-256 of every input file, so a table changed at
# the same path is refused, naming the file; a runs.csv whose
# scenario.resolved.yaml is missing cannot be checked and is refused too.
. "${top_srcdir:-.}/tests/lib.sh"

# An error table for opt-125m at block granularity (14 layers), every width
# the scenario allows (4..32 step 2); $1 scales the errors.
table() {
  awk -v s="$1" 'BEGIN { print "layer,name,bits,error";
    for (l = 0; l < 14; l++) for (b = 4; b <= 32; b += 2) printf "%d,l%d,%d,%.6g\n", l, l, b, s * 4 ^ -b }'
}
table 1 > "$TMP/table.csv"
cat > "$TMP/sc.yaml" <<'YAML'
name: resume-inputs
seed: 9
runs: 3
model: {name: opt-125m, granularity: block}
servers: {count: 4, ccs: {min: 1.0e9, max: 1.0e10}, storage: {min: 0.3, max: 0.8, unit: model_fp32}}
links: {omega_min: 1.0e7}
workload: {tokens: 16, batch: 4}
quantization: {error: table, error_table: table.csv, b_min: 4, b_max: 32, step: 2}
solver: {method: dp, baselines: [greedy]}
YAML

run run "$TMP/sc.yaml" -o "$TMP/out" --quiet --no-plot
ok $? "a run with an error table"
grep -q '^# input quantization.error_table: sha256 [0-9a-f]\{64\}$' "$TMP/out/scenario.resolved.yaml"
ok $? "scenario.resolved.yaml records the table's SHA-256"
run run "$TMP/sc.yaml" -o "$TMP/out" --resume --quiet --no-plot
ok $? "--resume with the same table is accepted"

# The same path, other content: the rows of two tables must not mix.
table 3 > "$TMP/table.csv"
run run "$TMP/sc.yaml" -o "$TMP/out" --resume --quiet --no-plot 2> "$TMP/e"
is $? 2 "--resume after the table changed at the same path: exit 2"
contains "$TMP/e" "scenario.resolved.yaml: line [0-9]*: input file quantization.error_table differs" \
  "the refusal names the file and the key that differ"

# A runs.csv without its scenario.resolved.yaml: the seed-9 rows must not
# be kept under a seed-5 scenario.
table 1 > "$TMP/table.csv"
run run "$TMP/sc.yaml" -o "$TMP/lost" --quiet --no-plot
ok $? "a seed-9 run"
rm "$TMP/lost/scenario.resolved.yaml"
sed 's/^seed: 9/seed: 5/' "$TMP/sc.yaml" > "$TMP/sc5.yaml"
cp "$TMP/lost/runs.csv" "$TMP/runs.before"
run run "$TMP/sc5.yaml" -o "$TMP/lost" --resume --quiet --no-plot 2> "$TMP/e"
is $? 2 "--resume with scenario.resolved.yaml missing next to runs.csv: exit 2"
contains "$TMP/e" "scenario.resolved.yaml: missing, but .*runs.csv exists" "the refusal names the missing file"
cmp -s "$TMP/runs.before" "$TMP/lost/runs.csv"
ok $? "and runs.csv is left untouched"

# A changed key is named with its dotted path and both values.
run run "$TMP/sc.yaml" -o "$TMP/keyed" --quiet --no-plot
sed 's/storage: {min: 0.3/storage: {min: 0.4/' "$TMP/sc.yaml" > "$TMP/sc-st.yaml"
run run "$TMP/sc-st.yaml" -o "$TMP/keyed" --resume --quiet --no-plot 2> "$TMP/e"
is $? 2 "--resume with servers.storage changed: exit 2"
contains "$TMP/e" "key servers.storage differs" "the refusal names the dotted key"
done_testing
