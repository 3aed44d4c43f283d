#!/bin/sh
# plot_compare.sh: `dilemma plot DIR...` overlays experiments in one figure.
# Two quickstart experiments (2 and 3 runs per point, the second renamed)
# are drawn for two methods: PNG and SVG exist, the legend names each
# experiment and method, the caption says the run counts differ, and the
# rows plotted (OUT.dat) are summary.csv's means and CIs, line by line. With
# equal run counts the caption gives the one count. Bad requests name the
# directory and file.
. "${top_srcdir:-.}/tests/lib.sh"

if ! command -v gnuplot > /dev/null 2>&1; then
  echo "1..0 # SKIP gnuplot is not installed (a build dependency: bootstrap installs gnuplot-nox)"
  exit 0
fi
SC="$top_srcdir/scenarios/quickstart.yaml"
run run "$SC" --runs 2 -o "$TMP/a" -q --no-plot &&
  run run "$SC" --runs 3 -o "$TMP/b" -q --no-plot --set name=quick-b &&
  run run "$SC" --runs 2 -o "$TMP/c" -q --no-plot --set name=quick-c
ok $? "three experiments"

run plot "$TMP/a" "$TMP/b" --methods ilp,greedy -o "$TMP/cmp" 2> "$TMP/e"
ok $? "plot DIR DIR --methods ilp,greedy"
[ "$(head -c 8 "$TMP/cmp.png" | od -An -c | tr -d ' \n')" = '211PNG\r\n032\n' ]
ok $? "the figure is a PNG image"
grep -q '<svg' "$TMP/cmp.svg"
ok $? "and an SVG image"
contains "$TMP/cmp.svg" "quickstart: DILEMMA (optimal ILP) \[2 runs per point\]" "the legend names experiment and method"
contains "$TMP/cmp.svg" "quick-b: greedy, layer by layer \[3 runs per point\]" "... for every line"
contains "$TMP/e" "runs per point differ: quickstart 2, quick-b 3" "the caption says the run counts differ"
contains "$TMP/cmp.svg" "runs per point differ" "in the figure too"
# The rows plotted: for each line in legend order, x mean ci95 from the
# experiment's summary.csv (the same text).
want() {
  awk -F, -v m="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["method"] == m && $h["objective_s_mean"] != "" { print $h["links_omega_min"], $h["objective_s_mean"], $h["objective_s_ci95"] }' \
    "$1/summary.csv"
}
{ want "$TMP/a" ilp; echo; echo; want "$TMP/a" greedy; echo; echo; want "$TMP/b" ilp; echo; echo; want "$TMP/b" greedy; } > "$TMP/want"
grep -v '^#' "$TMP/cmp.dat" > "$TMP/got"
cmp -s "$TMP/want" "$TMP/got"
ok $? "cmp.dat holds each line's summary means and CIs, in legend order"
is "$(grep -c . "$TMP/got")" 16 "4 lines x 4 points"

run plot "$TMP/a" "$TMP/c" --metric sim_s -o "$TMP/same" 2> "$TMP/e"
ok $? "plot with --metric sim_s, every method"
contains "$TMP/e" "(2 runs per point; bars: 95 % CI)" "equal run counts: one count in the caption"
grep -q "differ" "$TMP/e"
is $? 1 "and no word of a difference"
is "$(grep -c '^# ' "$TMP/same.dat")" 1 "one header line in the data"
contains "$TMP/same.dat" "quickstart/ilp quickstart/greedy quick-c/ilp quick-c/greedy" \
  "a line per method with a value (single, infeasible in every run, has none)"

run plot "$TMP/a" --metric no_such_s -o "$TMP/x" 2> "$TMP/e"
is $? 2 "an unknown metric exits 2"
contains "$TMP/e" "$TMP/a/summary.csv: no column no_such_s_mean" "naming the file and the column"
run run "$top_srcdir/scenarios/table1-quant-ratio.yaml" --runs 1 -o "$TMP/t1" -q --no-plot
run plot "$TMP/a" "$TMP/t1" -o "$TMP/x" 2> "$TMP/e"
is $? 2 "experiments without a common x column exit 2"
contains "$TMP/e" "$TMP/t1/summary.csv: no column links_omega_min" "naming the one that lacks it"
run plot "$TMP/t1" "$TMP/a" --x point -o "$TMP/pt" 2> /dev/null
ok $? "--x point draws them against the point index"
# A directory of schema 2 (tests/data/schema2) is read in schema 3 beside a new one.
cp -r "$top_srcdir/tests/data/schema2" "$TMP/old" && chmod -R u+w "$TMP/old"
run plot "$TMP/old" "$TMP/a" --methods ilp -o "$TMP/mixed" 2> "$TMP/e"
ok $? "an older directory beside a new one"
contains "$TMP/e" "runs per point differ: quickstart 4, quickstart 2" "with its own run count"
# -o into a directory that does not exist: an I/O error (exit 1) naming the
# directory the user gave, not a temporary file, and nothing is written.
run plot "$TMP/a" -o "$TMP/nodir/sub/cmp" 2> "$TMP/e"
is $? 1 "-o into a missing directory exits 1"
contains "$TMP/e" "$TMP/nodir/sub/cmp: cannot write: the directory '$TMP/nodir/sub' does not exist" \
  "naming the directory and saying it does not exist"
grep -q '\.tmp' "$TMP/e"
is $? 1 "and no temporary file"
test ! -e "$TMP/nodir"
ok $? "and nothing is created"
printf 'garbage\n' > "$TMP/c/summary.csv"
run plot "$TMP/a" "$TMP/c" -o "$TMP/x" 2> "$TMP/e"
is $? 2 "a damaged summary.csv exits 2"
contains "$TMP/e" "$TMP/c/summary.csv: damaged" "naming the directory and the file"
done_testing
