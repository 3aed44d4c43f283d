#!/bin/sh
# run_determinism.sh: `dilemma run` gives byte-identical runs.csv and
# summary.csv for -j 1 and -j 2, and an experiment interrupted by SIGINT at a
# random moment and finished with --resume equals an uninterrupted one.
. "${top_srcdir:-.}/tests/lib.sh"
sc="$top_srcdir/tests/data/run-small.yaml"

run run "$sc" -o "$TMP/j1" -j 1 --quiet --no-plot
ok $? "run -j 1"
run run "$sc" -o "$TMP/j2" -j 2 --quiet --no-plot
ok $? "run -j 2"
cmp -s "$TMP/j1/runs.csv" "$TMP/j2/runs.csv"
ok $? "runs.csv is byte-identical for -j 1 and -j 2"
cmp -s "$TMP/j1/summary.csv" "$TMP/j2/summary.csv"
ok $? "summary.csv is byte-identical for -j 1 and -j 2"
is "$(wc -l < "$TMP/j1/runs.csv")" 73 "2 points x 12 runs x 3 methods = 72 rows and a header"
# The rows are real solves: every ilp row is optimal and was replayed.
is "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
                $h["method"] == "ilp" && $h["status"] == "optimal" && $h["sim_s"] != "" {n++} END {print n+0}' \
       "$TMP/j1/runs.csv")" 24 \
  "all 24 ilp rows are optimal and replayed"
test -s "$TMP/j1/scenario.resolved.yaml"
ok $? "scenario.resolved.yaml is written"
run check -q "$TMP/j1/scenario.resolved.yaml"
ok $? "and is a valid scenario"

# A dynamic run (link processes, a departure, re-planning) is as
# deterministic: runs.csv and every time series are the same for -j 1 and -j 2.
sd="$top_srcdir/tests/data/run-dynamic.yaml"
run run "$sd" -o "$TMP/d1" -j 1 --quiet --no-plot
ok $? "dynamic run -j 1"
run run "$sd" -o "$TMP/d2" -j 2 --quiet --no-plot
ok $? "dynamic run -j 2"
cmp -s "$TMP/d1/runs.csv" "$TMP/d2/runs.csv"
ok $? "dynamic runs.csv is byte-identical for -j 1 and -j 2"
diff -r "$TMP/d1/timeseries" "$TMP/d2/timeseries" > /dev/null
ok $? "dynamic time series are byte-identical for -j 1 and -j 2"
is "$(ls "$TMP/d1/timeseries" | wc -l | tr -d ' ')" 12 "one time series per point and run (4 x 3)"
# Something happened: the adaptive policies moved layers in some run.
is "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "migrations") c = i; next }
               $2 != "static" && $c > 0 { n++ } END { print (n > 0) }' "$TMP/d1/runs.csv")" 1 \
  "adaptive policies moved layers in some run"

# Interrupt a run at a random point: once runs.csv holds a random number of
# rows (10 to 150 of 360), send SIGINT; then resume. These runs carry the
# load experiment, so each takes milliseconds and the signal lands mid-sweep.
# They run outside valgrind (DILEMMA_WRAP), whose slowdown would make them
# minutes long; the small runs above cover memory checking.
sl="$top_srcdir/tests/data/run-load.yaml"
want=$(awk 'BEGIN { srand(); print 10 + int(rand() * 140) }')
"$DILEMMA" run "$sl" -o "$TMP/int" -j 2 --runs 60 --quiet --no-plot &
pid=$!
rows=0
while kill -0 "$pid" 2> /dev/null; do
  rows=$(($(cat "$TMP/int/runs.csv" 2> /dev/null | wc -l) - 1))
  [ "$rows" -ge "$want" ] && break
  sleep 0.01
done
kill -INT "$pid" 2> /dev/null
wait "$pid"
status=$?
echo "# SIGINT after $rows rows (aimed at $want) gave status $status"
is "$status" 130 "SIGINT mid-run ends it with status 130"
test ! -e "$TMP/int/summary.csv"
ok $? "an interrupted run writes no summary"
kept=$(($(wc -l < "$TMP/int/runs.csv") - 1))
[ "$kept" -gt 0 ] && [ "$kept" -lt 360 ] && [ $((kept % 3)) -eq 0 ]
ok $? "completed runs are kept, whole, all three methods each ($kept rows)"
awk -F, 'NR == 1 { n = NF } NF != n {bad = 1} END {exit bad}' "$TMP/int/runs.csv"
ok $? "every row kept has as many fields as the header"
"$DILEMMA" run "$sl" -o "$TMP/int" -j 2 --runs 60 --resume --quiet --no-plot
ok $? "--resume finishes the run"
"$DILEMMA" run "$sl" -o "$TMP/full" -j 1 --runs 60 --quiet --no-plot
ok $? "the uninterrupted run"
cmp -s "$TMP/int/runs.csv" "$TMP/full/runs.csv"
ok $? "resumed runs.csv equals the uninterrupted one"
cmp -s "$TMP/int/summary.csv" "$TMP/full/summary.csv"
ok $? "resumed summary.csv equals the uninterrupted one"

# A torn last line (a crash mid-write) is dropped and redone on resume.
head -c -7 "$TMP/full/runs.csv" > "$TMP/torn.csv"
mkdir -p "$TMP/torn" && cp "$TMP/full/scenario.resolved.yaml" "$TMP/torn/" && mv "$TMP/torn.csv" "$TMP/torn/runs.csv"
"$DILEMMA" run "$sl" -o "$TMP/torn" -j 2 --runs 60 --resume --quiet --no-plot
ok $? "--resume after a torn write"
cmp -s "$TMP/torn/runs.csv" "$TMP/full/runs.csv"
ok $? "the torn task is redone and the result is the same"

# Resuming with another scenario is refused.
run run "$top_srcdir/scenarios/quickstart.yaml" -o "$TMP/full" --resume --quiet --no-plot 2> "$TMP/e"
is $? 2 "--resume with a different scenario: exit 2"
grep -q "key name differs from the scenario this directory was run with" "$TMP/e"
ok $? "and names the first key that differs"
done_testing
