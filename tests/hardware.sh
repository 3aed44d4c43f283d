#!/bin/sh
# hardware.sh: the device catalogue, the calibrated cost model's fit and
# `dilemma validate`: the table covers every published measurement with its
# source, its median error is the one the fit states (and within the 15 %
# target), the fit is repeatable, and one prediction agrees with the model's
# formula evaluated here by hand from `dilemma models` and the catalogue.
. "${top_srcdir:-.}/tests/lib.sh"

data="$top_srcdir/data"
rows=$(grep -v '^#' "$data/measurements.csv" | tail -n +2 | grep -c .)

run validate > "$TMP/v" 2> "$TMP/err"
is "$?" 0 "validate exits 0"
# Table lines start with a device name and end with the source (a URL).
got=$(grep -c ' https://' "$TMP/v")
is "$got" "$rows" "validate prints one row per measurement ($rows)"
bad=$(awk 'NR > 1 && / https:\/\// && NF < 9' "$TMP/v" | wc -l)
is "$bad" 0 "every row has predicted, published, errors and source"

# The printed median (0.1 % resolution) matches the calibration file's stated
# median_error (4 decimals): |printed - 100 * stated| <= 0.05 + 0.005.
stated=$(awk '/median_error:/ && !/loo/ {print $2}' "$data/calibration.yaml")
printed=$(sed -n 's/.*Calibrated fit: median relative error \([0-9.]*\)%.*/\1/p' "$TMP/v")
loo=$(sed -n 's/.*out.*: median \([0-9.]*\)%.*/\1/p' "$TMP/v")
awk -v p="$printed" -v s="$stated" 'BEGIN { d = p - 100 * s; exit !(p != "" && d <= 0.055 && d >= -0.055) }'
ok $? "printed median $printed% is the fit's stated median (100 x $stated)"
awk -v p="$printed" 'BEGIN { exit !(p <= 15) }'
ok $? "median error $printed% within the 15% target"
awk -v p="$loo" 'BEGIN { exit !(p != "" && p <= 15) }'
ok $? "leave-one-device-out median $loo% within the 15% target"

# Repeatable: refitting gives the shipped file byte for byte.
run calibrate > "$TMP/cal.yaml"
is "$?" 0 "calibrate exits 0"
cmp -s "$TMP/cal.yaml" "$data/calibration.yaml"
ok $? "calibrate reproduces data/calibration.yaml"

# By hand: RTX 4090, Llama-2-7B at 4.537 bits/weight, context 64, fp16 KV.
# bytes = (params - embedding + one row) x bpw / 8 + 32 blocks x 8192 x 64 x 2
# t = bytes / (f_bw x 1008e9) + FLOPs / (1 x 165.2e12) + 34 x overhead
run models --model llama-2-7b --context 64 > "$TMP/m"
params=$(awk 'NR == 2 {print $3}' "$TMP/m")
gflop=$(awk 'NR == 2 {print $7}' "$TMP/m")
fbw=$(awk '/^gpu:/ {g = 1} g && /bw_fraction/ {print $2; exit}' "$data/calibration.yaml")
ovh=$(awk '/^gpu:/ {g = 1} g && /overhead/ {print $2; exit}' "$data/calibration.yaml")
want=$(awk -v p="$params" -v g="$gflop" -v f="$fbw" -v o="$ovh" 'BEGIN {
  bytes = (p - 131072000 + 4096) * 4.537 / 8 + 32 * 8192 * 64 * 2
  t = bytes / (f * 1008e9) + g * 1e9 / 165.2e12 + 34 * o
  printf "%.2f", 1 / t }')
got=$(awk '$1 == "rtx-4090" {print $4}' "$TMP/v")
# Only the GFLOP total is rounded (to 4 decimals of 13.25): far below 0.01 tok/s.
is "$got" "$want" "rtx-4090 prediction equals the formula by hand ($want tok/s)"

# The catalogue lists the issue's devices, each with bandwidth and memory.
run devices > "$TMP/d"
for d in orin-agx orin-nano pi5 m2-ultra rtx-4090 rtx-3090 a100-80gb; do
  contains "$TMP/d" "^$d " "catalogue has $d"
done
for l in gigabit-ethernet wifi5 wifi6 5g backhaul-10g; do
  contains "$TMP/d" "^$l " "catalogue has link $l"
done

# A user's catalogue adds a device; a misspelt key in it is refused.
cat > "$TMP/mine.yaml" <<'YAML'
devices:
  - name: my-board
    kind: cpu
    mem_bandwidth: 8.5e9
    memory: 4e9
YAML
run devices --catalog "$TMP/mine.yaml" > "$TMP/d2"
contains "$TMP/d2" "^my-board " "a user's device joins the catalogue"
cat > "$TMP/s.yaml" <<'YAML'
servers: {catalog: mine.yaml, devices: [my-board, pi5]}
cost: {model: calibrated}
YAML
run topology "$TMP/s.yaml" > "$TMP/t2"
awk '$NF == "my-board" && $4 == "8.500" {f = 1} END {exit !f}' "$TMP/t2"
ok $? "a scenario uses a device from its own catalogue file (8.5 GB/s)"
# A catalogue named relative to the scenario still resolves when the
# experiment's resolved scenario is read back from its own directory.
(cd "$TMP" && run run s.yaml --runs 1 --no-plot -o own > /dev/null 2>&1)
is "$?" 0 "a scenario with its own catalogue runs from a relative path"
run check "$TMP/own/scenario.resolved.yaml" > /dev/null 2>&1
is "$?" 0 "its resolved scenario names the catalogue by an absolute path"
printf 'devices:\n  - name: x\n    kind: cpu\n    mem_bandwith: 1e9\n    memory: 1e9\n' > "$TMP/bad.yaml"
run devices --catalog "$TMP/bad.yaml" > /dev/null 2> "$TMP/e"
is "$?" 2 "a bad catalogue key exits 2"
contains "$TMP/e" "bad.yaml:4:5: error: devices\[0\].mem_bandwith: unknown key 'mem_bandwith'; did you mean 'mem_bandwidth'?" "it names file, line, key and the nearest key"
# `dilemma topology` names each server's device.
run topology "$top_srcdir/scenarios/edge-devices.yaml" --run 1 > "$TMP/topo"
n_dev=$(awk 'NR > 1 && NF == 5 && $1 ~ /^s[0-9]/' "$TMP/topo" | wc -l)
is "$n_dev" 6 "topology lists the device of each of the 6 servers"

# Input errors exit 2 and name the file: a missing catalogue, a measurements
# file without its header, a row without its source.
run devices --catalog "$TMP/absent.yaml" > /dev/null 2> "$TMP/e"
is "$?" 2 "a missing catalogue file exits 2"
contains "$TMP/e" "absent.yaml: no such file" "and names it"
printf 'device,model\n' > "$TMP/m.csv"
run validate --measurements "$TMP/m.csv" > /dev/null 2> "$TMP/e"
is "$?" 2 "a measurements file without its header exits 2"
contains "$TMP/e" "m.csv:1: error: expected the header" "and says which header"
printf 'device,model,weights,bits_per_weight,tokens_per_s,source\npi5,llama-2-7b,q4_0,4.5,2.0,\n' > "$TMP/m.csv"
run calibrate --measurements "$TMP/m.csv" > /dev/null 2> "$TMP/e"
is "$?" 2 "a measurement without its source exits 2"
contains "$TMP/e" "m.csv:2: error:" "and names the line"

# The shipped study runs, with the energy columns, and its resolved scenario
# (devices as a mixture, a swept link profile) reads back.
run run "$top_srcdir/scenarios/edge-devices.yaml" --runs 2 --no-plot -o "$TMP/edge" > /dev/null 2>&1
is "$?" 0 "edge-devices runs"
head -1 "$TMP/edge/runs.csv" > "$TMP/h"
contains "$TMP/h" "energy_j_per_token,power_w,placement" "runs.csv has the energy columns"
contains "$TMP/edge/summary.csv" "energy_j_per_token_mean" "summary.csv summarizes them"
optimal=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["status"] == "optimal"' \
          "$TMP/edge/runs.csv" | wc -l)
empty=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                 $h["status"] == "optimal" && $h["power_w"] == ""' "$TMP/edge/runs.csv" | wc -l)
[ "$optimal" -gt 0 ] && [ "$empty" -eq 0 ]
ok $? "every optimal row ($optimal) has its average power"
run check "$TMP/edge/scenario.resolved.yaml" > /dev/null 2>&1
is "$?" 0 "the resolved scenario reads back"
done_testing
