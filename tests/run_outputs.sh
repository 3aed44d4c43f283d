#!/bin/sh
# run_outputs.sh: the files of an experiment directory besides runs.csv:
# metadata.json says what produced it (and stays out of the byte-identical
# CSV files), placements.csv holds every placement in long form, the same
# placements as runs.csv's compact column, byte-identical at any -j.
. "${top_srcdir:-.}/tests/lib.sh"
SC="$top_srcdir/scenarios/quickstart.yaml"

run run "$SC" -o "$TMP/a" --runs 2 -j 1 --no-plot -q --set 'servers.count=5'
ok $? "run"
M="$TMP/a/metadata.json"
[ -s "$M" ]
ok $? "metadata.json written"
if command -v python3 > /dev/null 2>&1; then
  python3 -m json.tool "$M" > /dev/null
  ok $? "metadata.json is valid JSON"
fi
version=$(run --version | cut -d' ' -f2)
contains "$M" "\"dilemma_version\": \"$version\"" "metadata: the version"
contains "$M" '"schema": 3' "metadata: the schema version"
contains "$M" '{"key": "links.omega_min", "column": "links_omega_min"}' "metadata: the swept key's column"
contains "$M" '"experiment": "quickstart"' "metadata: the experiment"
contains "$M" '"git_revision": "[0-9a-z-]*"' "metadata: the git revision (or unknown)"
contains "$M" "\"command_line\": \"dilemma run $SC -o $TMP/a --runs 2 -j 1 --no-plot -q --set servers.count=5\"" \
  "metadata: the command line as typed"
contains "$M" '"state": "complete"' "metadata: the state"
contains "$M" '"start_utc": "[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}Z"' "metadata: the start time, UTC"
contains "$M" '"end_utc": "[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}Z"' "metadata: the end time, UTC"
for dep in lp_solve gsl libyaml jansson; do
  contains "$M" "\"$dep\": \"[0-9][0-9.]*\"" "metadata: the $dep version"
done
contains "$M" '"name": "' "metadata: the host"

# placements.csv: rebuild runs.csv's run-length placement from the long rows
# and compare, row by row (an independent reading of both files).
P="$TMP/a/placements.csv"
is "$(head -n 1 "$P")" "point,run,method,model,layer,server,bits" "placements.csv header"
awk -F, '
function flush() { if (prev != "") out = out (out == "" ? "" : " ") prev (n > 1 ? "*" n : ""); prev = "" }
NR > 1 {
  key = $1 "," $2 "," $3 "," $4
  if (key != last) { flush(); if (last != "") print last "," out; last = key; out = ""; n = 0 }
  sb = $6 ":" $7
  if (sb == prev) { n++ } else { flush(); prev = sb; n = 1 }
  if ($5 != expect[key]++) bad = 1
} END {
  flush(); print last "," out
  if (bad) print "layers out of order" > "/dev/stderr"
}' "$P" > "$TMP/rebuilt" 2> "$TMP/awkerr"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
  $NF != "" { print $c["point"] "," $c["run"] "," $c["method"] "," $c["model"] "," $NF }' "$TMP/a/runs.csv" > "$TMP/want"
cmp -s "$TMP/rebuilt" "$TMP/want" && [ ! -s "$TMP/awkerr" ]
ok $? "placements.csv holds runs.csv's placements, layers in order"
[ "$(wc -l < "$TMP/want")" -gt 0 ]
ok $? "... of which there are some"
is "$(($(wc -l < "$P") - 1))" "$(($(wc -l < "$TMP/want") * 26))" "26 rows per placement (OPT-350m's layers)"

# timing.csv: the wall-clock solve time of every row of runs.csv (same
# keys, same order), a non-negative real; runs.csv itself has no time.
T="$TMP/a/timing.csv"
is "$(head -n 1 "$T")" "experiment,version,point,run,method,model,solve_s" "timing.csv header"
cut -d, -f1-6 "$T" | tail -n +2 > "$TMP/tkeys"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  { print $h["experiment"] "," $h["version"] "," $h["point"] "," $h["run"] "," $h["method"] "," $h["model"] }' \
  "$TMP/a/runs.csv" > "$TMP/rkeys"
cmp -s "$TMP/tkeys" "$TMP/rkeys" && [ -s "$TMP/rkeys" ]
ok $? "timing.csv has one row per row of runs.csv, in its order"
awk -F, 'NR > 1 && !($7 ~ /^[0-9.]+(e-?[0-9]+)?$/ && $7 ~ /[.e]/) { bad = 1 } END { exit bad }' "$T"
ok $? "every solve_s is a non-negative real"
head -n 1 "$TMP/a/runs.csv" | grep -q solve_s
is $? 1 "runs.csv has no wall-clock column"

run run "$SC" -o "$TMP/b" --runs 2 -j 2 --no-plot -q --set 'servers.count=5'
cmp -s "$P" "$TMP/b/placements.csv"
ok $? "placements.csv is byte-identical at -j 1 and -j 2"
cmp -s "$M" "$TMP/b/metadata.json"
is $? 1 "metadata.json differs between the two (command line, times): it is not a CSV"
done_testing
