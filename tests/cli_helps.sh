#!/bin/sh
# cli_helps.sh: the command line helps a user who mistypes: suggestions for
# commands and options, options before the command, one meaning per short
# option across commands, progress that fits the terminal and shows in logs,
# and a loud exit when no run of a sweep is feasible.
. "${top_srcdir:-.}/tests/lib.sh"
SC="$top_srcdir/scenarios/quickstart.yaml"

run simulte "$SC" > /dev/null 2> "$TMP/e"
is $? 2 "misspelled command: exit 2"
contains "$TMP/e" "unknown command 'simulte'; did you mean 'simulate'?" "misspelled command gets a suggestion"
run -j 2 simulte "$SC" > /dev/null 2> "$TMP/e"
contains "$TMP/e" "did you mean 'simulate'" "misspelled command after options gets a suggestion"

run run --threads 2 "$SC" > /dev/null 2> "$TMP/e"
is $? 2 "--threads: exit 2"
contains "$TMP/e" "unknown option '--threads'; did you mean '--jobs'?" "--threads suggests --jobs"
run solve --metod ilp "$SC" > /dev/null 2> "$TMP/e"
contains "$TMP/e" "did you mean '--method'?" "a misspelled long option gets the nearest one"
run solve -j "$SC" > /dev/null 2> "$TMP/e"
is $? 2 "solve -j (no longer --json): exit 2"
contains "$TMP/e" "unknown option '-j'; did you mean '--json'?" "a dropped short option names its long one"
run solve "$SC" --time-limit > /dev/null 2> "$TMP/e"
contains "$TMP/e" "option '--time-limit' needs a value" "a missing value is named"

# Options before the command reach it: `dilemma -j 1 run ...`.
run -j 1 --runs 1 run "$SC" -o "$TMP/pre" --no-plot -q
ok $? "options before the command are the command's"
[ -s "$TMP/pre/runs.csv" ]
ok $? "... and the run wrote runs.csv"
run --set runs=1 check -q "$SC"
ok $? "--set before the command"

# One meaning per short option: every "-X, --long" in every command's help.
for cmd in check models profile topology solve simulate run plot devices calibrate validate; do
  run $cmd --help | sed -n 's/^ *-\([A-Za-z]\), --\([a-z-]*\).*/\1 \2/p'
done | sort -u > "$TMP/shorts"
dups=$(cut -d' ' -f1 "$TMP/shorts" | uniq -d | tr '\n' ' ')
is "$dups" "" "no short option has two meanings across commands"
grep -q '^j jobs$' "$TMP/shorts"
ok $? "-j is --jobs"

# Progress: a line every interval when stderr is a file (a batch log), and a
# bar no wider than the terminal.
run run "$SC" -o "$TMP/p1" --runs 2 --no-plot --progress-interval 0.000001 2> "$TMP/log"
ok $? "run with stderr to a file"
contains "$TMP/log" "^dilemma run: 8/8 runs" "progress lines in a log by default (auto), the last one complete"
[ "$(grep -c '^dilemma run: [0-9]*/8 runs' "$TMP/log")" -ge 2 ]
ok $? "more than one progress line at a short interval"
for cols in 60 200; do
  COLUMNS=$cols run run "$SC" -o "$TMP/b$cols" --runs 2 --no-plot --progress bar 2> "$TMP/bar"
  w=$(tr '\r' '\n' < "$TMP/bar" | grep '^\[' | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
  [ "$w" -gt 0 ] && [ "$w" -le "$cols" ]
  ok $? "the bar fits $cols columns (widest $w)"
done
run run "$SC" -o "$TMP/p2" --runs 1 --no-plot --progress none 2> "$TMP/none"
grep -q "runs  " "$TMP/none"
is $? 1 "--progress none prints no progress"
run run "$SC" -o "$TMP/p3" --progress sometimes > /dev/null 2> "$TMP/e"
is $? 2 "--progress with a bad mode: exit 2"

# A sweep where the model fits nowhere: written, warned, exit 3.
run run "$SC" -o "$TMP/nf" --runs 1 --no-plot -q \
  --set 'servers.storage={min: 0.01, max: 0.02, unit: model_fp32_share}' 2> "$TMP/e"
is $? 3 "no feasible run in the whole sweep: exit 3"
contains "$TMP/e" "warning: none of the 12 rows has a feasible placement" "... with a warning"
[ -s "$TMP/nf/summary.csv" ]
ok $? "... and the files are still written"

done_testing
