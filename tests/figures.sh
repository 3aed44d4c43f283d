#!/bin/sh
# figures.sh: every figure of every shipped scenario is drawn. Each
# scenario runs with 2 runs per point and its figures are drawn by the end
# of `dilemma run`; each expected figure must exist as PNG (by its magic
# bytes) and SVG, and its .dat file (the rows gnuplot plotted, written by
# the script itself) must hold one row per point in each line of the
# figure: points x lines rows, with the points read back from summary.csv.
. "${top_srcdir:-.}/tests/lib.sh"

if ! command -v gnuplot > /dev/null 2>&1; then
  echo "1..0 # SKIP gnuplot is not installed (a build dependency: bootstrap installs gnuplot-nox)"
  exit 0
fi

# blocks FILE: the number of data rows of each block of a .dat file, one
# block per line (blocks are separated by blank lines; comments skipped).
blocks() {
  awk '/^#/ { next }
       NF == 0 { if (n > 0) print n; n = 0; next }
       { n++ }
       END { if (n > 0) print n }' "$1"
}
# repeat N COUNT: COUNT lines holding N.
repeat() {
  i=0
  while [ "$i" -lt "$2" ]; do echo "$1"; i=$((i + 1)); done
}
# distinct COLUMN FILE: how many distinct values a CSV column takes.
distinct() {
  awk -F, -v name="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == name) c = i; next }
                        !seen[$c]++ { n++ } END { print n + 0 }' "$2"
}
# replays FILE: rows of runs.csv with a simulated time.
replays() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "sim_s") c = i; next }
           c && $c != "" { n++ } END { print n + 0 }' "$1"
}
# figure DIR NAME: the PNG and SVG of DIR/figures/NAME exist and are images.
figure() {
  f="$1/figures/$2"
  [ "$(head -c 8 "$f.png" 2>/dev/null | od -An -c | tr -d ' \n')" = '211PNG\r\n032\n' ]
  ok $? "$(basename "$1"): $2.png is a PNG image"
  grep -q '<svg' "$f.svg" 2>/dev/null
  ok $? "$(basename "$1"): $2.svg is an SVG image"
}
# rows DIR NAME BLOCKS ROWS: NAME.dat has BLOCKS blocks of ROWS rows each.
rows() {
  is "$(blocks "$1/figures/$2.dat" | tr '\n' ' ')" "$(repeat "$4" "$3" | tr '\n' ' ')" \
    "$(basename "$1"): $2.dat holds $3 blocks of $4 rows"
}

# scenario NAME FIGURE LINES: run scenarios/NAME.yaml; its sweep figure is
# FIGURE with LINES blocks of one row per point: "m" for one block per
# method, "2m" for two, or a number.
scenario() {
  d="$TMP/$1"
  run run "$top_srcdir/scenarios/$1.yaml" -o "$d" --runs 2 -j 2 --quiet
  ok $? "$1: run and plot"
  points=$(distinct point "$d/summary.csv")
  m=$(distinct method "$d/summary.csv")
  case $3 in
    m) lines=$m ;;
    2m) lines=$((2 * m)) ;;
    *) lines=$3 ;;
  esac
  figure "$d" "$2"
  rows "$d" "$2" "$lines" "$points"
  n=$(replays "$d/runs.csv")
  if [ "$n" -gt 0 ]; then
    figure "$d" validation
    rows "$d" validation 1 "$n"
  fi
}

scenario quickstart fig5 m
scenario fig5-d2d-speed fig5 m
scenario fig6-compute fig6 m
scenario bench-solver objective m
# Fig. 3 and Table 1: the objective and the quantization ratio, two blocks
# per method, and Table 1 beside them with one row per delta.
for s in fig3-delta table1-quant-ratio; do
  scenario $s fig3 2m
  is "$(($(wc -l < "$TMP/$s/figures/table1.csv") - 1))" "$points" "$s: table1.csv has one row per delta"
  [ -s "$TMP/$s/figures/table1.md" ]
  ok $? "$s: table1.md written"
done
# The load figure: mean, p95 and the analytic T, one row per rate each.
scenario validate-des load 3

# Every shipped scenario is drawn above: a new one must be added here.
for f in "$top_srcdir"/scenarios/*.yaml; do
  [ -d "$TMP/$(basename "$f" .yaml)" ]
  ok $? "$(basename "$f"): figures tested"
done
done_testing
