#!/bin/sh
# run_outdir.sh: an output directory that already holds runs is never
# silently emptied: refused without --resume or --force; --resume can extend
# the run count to the same rows a fresh run with that count writes.
. "${top_srcdir:-.}/tests/lib.sh"
SC="$top_srcdir/scenarios/quickstart.yaml"

run run "$SC" -o "$TMP/d" --runs 2 --no-plot -q
ok $? "first run"
cp "$TMP/d/runs.csv" "$TMP/first.csv"
run run "$SC" -o "$TMP/d" --runs 2 --no-plot -q 2> "$TMP/e"
is $? 2 "rerun into a directory holding runs: exit 2"
contains "$TMP/e" "already holds 24 rows of an earlier run; resume it (--resume), replace it (--force)" \
  "the refusal says how many rows and what to do"
cmp -s "$TMP/d/runs.csv" "$TMP/first.csv"
ok $? "the refused rerun left runs.csv alone"
run run "$SC" -o "$TMP/d" --runs 2 --no-plot -q --resume --force 2> "$TMP/e"
is $? 2 "--resume with --force: exit 2"

run run "$SC" -o "$TMP/d" --runs 4 --no-plot -q --resume
ok $? "--resume with more runs extends the experiment"
run run "$SC" -o "$TMP/fresh" --runs 4 --no-plot -q
cmp -s "$TMP/d/runs.csv" "$TMP/fresh/runs.csv"
ok $? "extended runs.csv is byte-identical to a fresh run with --runs 4"
cmp -s "$TMP/d/summary.csv" "$TMP/fresh/summary.csv"
ok $? "... and so is summary.csv"

run run "$SC" -o "$TMP/d" --runs 1 --no-plot -q --force
ok $? "--force replaces the runs"
is "$(($(wc -l < "$TMP/d/runs.csv") - 1))" 12 "... with the new experiment's 12 rows"

# A directory with only a header (a run stopped before any task) is no loss.
mkdir -p "$TMP/h" && head -n 1 "$TMP/first.csv" > "$TMP/h/runs.csv"
run run "$SC" -o "$TMP/h" --runs 1 --no-plot -q
ok $? "a runs.csv with only its header is not refused"

done_testing
