#!/bin/sh
# figures.sh: every figure of every shipped scenario is drawn. Each
# scenario runs with 2 runs per point and its figures are drawn by the end
# of `dilemma run`; each expected figure must exist as PNG (by its magic
# bytes) and SVG, and its .dat file (the rows gnuplot plotted, written by
# the script itself) must hold, for each line of the figure in order, one
# row per point where summary.csv has a value for that line (a baseline
# infeasible at every run of a point has no paired ratio there).
. "${top_srcdir:-.}/tests/lib.sh"

if ! command -v gnuplot > /dev/null 2>&1; then
  echo "1..0 # SKIP gnuplot is not installed (a build dependency: bootstrap installs gnuplot-nox)"
  exit 0
fi

# blocks FILE: the number of data rows of each block of a .dat file, one
# block per line (blocks are separated by blank lines; comments and the
# NaN row that opens each block are skipped; empty blocks are not listed).
blocks() {
  awk '/^#/ || /^ *NaN/ { next }
       NF == 0 { if (n > 0) print n; n = 0; next }
       { n++ }
       END { if (n > 0) print n }' "$1"
}
# expect SUMMARY COLUMN METHOD...: for each method in turn, how many rows
# of summary.csv have a value in COLUMN (zeros are not listed, as blocks).
expect() {
  f=$1
  col=$2
  shift 2
  for m in "$@"; do
    awk -F, -v name="$col" -v m="$m" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == name) c = i; if ($i == "method") k = i }; next }
                                      $k == m && $c != "" { n++ } END { if (n > 0) print n }' "$f"
  done
}
# expect_key SUMMARY COLUMN KEY VALUE: rows of summary.csv whose KEY is
# VALUE with a value in COLUMN (nothing when none, as blocks).
expect_key() {
  awk -F, -v name="$2" -v key="$3" -v v="$4" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == name) c = i; if ($i == key) k = i }; next }
                                             $k == v && $c != "" { n++ } END { if (n > 0) print n }' "$1"
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
# rows DIR NAME WANT: the block sizes of NAME.dat are WANT (lines).
rows() {
  is "$(blocks "$1/figures/$2.dat" | tr '\n' ' ')" "$(echo "$3" | tr '\n' ' ')" \
    "$(basename "$1"): $2.dat holds the rows plotted ($(echo "$3" | tr '\n' ' '))"
}

# methods DIR: the methods of DIR/summary.csv, main first.
methods() {
  awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "method") k = i; next }
           !seen[$k]++ { print $k }' "$1/summary.csv"
}

# scenario NAME FIGURE KIND: run scenarios/NAME.yaml and check its sweep
# figure FIGURE, drawn by KIND: paired (T of the main method, then each
# baseline's paired ratio), fig3 (T, then the ratio, per method) or load
# (mean latency, p95, analytic T of the main method) or serving (TTFT p95,
# TPOT p95 and throughput per solver objective); then the validation
# figure when the runs were replayed (one point per replay).
scenario() {
  d="$TMP/$1"
  run run "$top_srcdir/scenarios/$1.yaml" -o "$d" --runs 2 -j 2 --quiet
  ok $? "$1: run and plot"
  s="$d/summary.csv"
  all=$(methods "$d")
  main=$(echo "$all" | head -n 1)
  base=$(echo "$all" | tail -n +2)
  case $3 in
    paired) want="$(expect "$s" objective_s_mean "$main"; expect "$s" paired_ratio_mean $base)" ;;
    fig3) want="$(expect "$s" objective_s_mean $all; expect "$s" quant_ratio_pct_mean $all)" ;;
    load) want="$(expect "$s" lat_mean_s_mean "$main"; expect "$s" lat_p95_s_mean "$main"; expect "$s" objective_s_mean "$main")" ;;
    policies) want="$(for p in static periodic threshold oracle; do
                        awk -F, -v p="$p" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "lat_mean_s_mean") c = i; if ($i == "simulation_controller_policy") k = i }; next }
                                           $k == p && $c != "" { n++ } END { if (n > 0) print n }' "$s"; done)" ;;
    serving) want="$(for c in ttft_p95_s_mean tpot_p95_s_mean throughput_tps_mean; do
                       for v in latency throughput; do expect_key "$s" "$c" solver_objective "$v"; done
                     done)" ;;
  esac
  figure "$d" "$2"
  rows "$d" "$2" "$want"
  n=$(replays "$d/runs.csv")
  if [ "$n" -gt 0 ]; then
    figure "$d" validation
    rows "$d" validation "$n"
  fi
}

scenario quickstart fig5 paired
scenario fig5-d2d-speed fig5 paired
scenario fig6-compute fig6 paired
scenario bench-solver objective paired
# Fig. 3 and Table 1: the objective and the quantization ratio per method,
# and Table 1 beside them with one row per delta.
for sc in fig3-delta table1-quant-ratio; do
  scenario $sc fig3 fig3
  is "$(($(wc -l < "$TMP/$sc/figures/table1.csv") - 1))" "$(distinct point "$TMP/$sc/summary.csv")" \
    "$sc: table1.csv has one row per delta"
  [ -s "$TMP/$sc/figures/table1.md" ]
  ok $? "$sc: table1.md written"
done
scenario validate-des load load
# The dynamic study: mean latency against link volatility, one line per policy.
scenario dynamic-links dynamic policies
[ "$(ls "$TMP/dynamic-links/timeseries" | wc -l)" -eq 24 ]
ok $? "dynamic-links: one latency time series per run and sweep point (24)"
figure "$TMP/dynamic-links" latency-time
# One block per policy at the highest volatility, each the rows of its series.
want=$(for p in 8 9 10 11; do echo $(($(wc -l < "$TMP/dynamic-links/timeseries/p$p-r0-ilp.csv") - 1)); done)
rows "$TMP/dynamic-links" latency-time "$want"
# The serving study: TTFT p95, TPOT p95 and throughput, one line per
# solver objective, over the stable runs.
scenario serving-load serving serving
# Every figure says what its bars are and over how many runs.
for f in quickstart/figures/fig5 fig5-d2d-speed/figures/fig5 fig6-compute/figures/fig6 \
         fig3-delta/figures/fig3 validate-des/figures/load serving-load/figures/serving; do
  contains "$TMP/$f.svg" "2 runs per point; bars: 95 % CI" "$f: caption states runs per point and the bars"
done
contains "$TMP/fig5-d2d-speed/figures/fig5.svg" "DILEMMA (optimal ILP)" "fig5: the exact method is labelled"
contains "$TMP/fig5-d2d-speed/figures/fig5.svg" "unquantized (b_max), optimal placement" "fig5: uniform is labelled"
contains "$TMP/fig5-d2d-speed/figures/fig5.svg" "best single server" "fig5: single is labelled"
contains "$TMP/validate-des/figures/validation.svg" "communication share of T" "validation: communication share shown"

# A sweep over link profiles (names): T and energy per token per method at
# each profile, and energy against T for every placement with an energy.
d="$TMP/edge-devices"
run run "$top_srcdir/scenarios/edge-devices.yaml" -o "$d" --runs 2 -j 2 --quiet
ok $? "edge-devices: run and plot"
all=$(methods "$d")
figure "$d" objective
rows "$d" objective "$(expect "$d/summary.csv" objective_s_mean $all)"
figure "$d" energy
rows "$d" energy "$(expect "$d/summary.csv" energy_j_per_token_mean $all)"
figure "$d" energy-latency
n=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "energy_j_per_token") c = i; next }
             $c != "" { n++ } END { print n + 0 }' "$d/runs.csv")
got=$(awk '!/^#/ && NF >= 2 && tolower($1) != "nan" && tolower($2) != "nan" { n++ } END { print n + 0 }' "$d/figures/energy-latency.dat")
is "$got" "$n" "edge-devices: energy-latency plots every placement with an energy ($n)"

# Several models (models:): the joint objective against the number of
# models, one line per method (the aggregate rows, model `all`), and each
# model's p95 latency under the exact method's placement, one line per
# model (a model appears from the point that places it).
d="$TMP/multi-llm"
run run "$top_srcdir/scenarios/multi-llm.yaml" -o "$d" --runs 2 -j 2 --quiet
ok $? "multi-llm: run and plot"
want=$(for m in $(methods "$d"); do
         awk -F, -v m="$m" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "objective_s_mean") c = i; if ($i == "method") k = i; if ($i == "model") o = i }; next }
                            $k == m && $o == "all" && $c != "" { n++ } END { if (n > 0) print n }' "$d/summary.csv"
       done)
figure "$d" multi
rows "$d" multi "$want"
want=$(for m in opt-1.3b opt-350m#1 opt-125m#2 llama-2-7b opt-350m#4 opt-125m#5; do
         awk -F, -v m="$m" 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "lat_p95_s_mean") c = i; if ($i == "method") k = i; if ($i == "model") o = i }; next }
                            $k == "ilp" && $o == m && $c != "" { n++ } END { if (n > 0) print n }' "$d/summary.csv"
       done)
figure "$d" multi-load
rows "$d" multi-load "$want"
contains "$d/figures/multi.svg" "DILEMMA (joint, exact)" "multi: the exact joint method is labelled"
contains "$d/figures/multi.svg" "2 runs per point; bars: 95 % CI" "multi: caption states runs per point and the bars"
# The joint solve's hardness: solve time and gap per point, and its table
# (figures/multi-solve.csv), whose proven counts must equal those counted
# here from runs.csv (model `all`, method ilp, status optimal).
figure "$d" multi-solve
got=$(awk -F, 'NR > 1 { printf "%s:%s/%s ", $2, $4, $3 }' "$d/figures/multi-solve.csv")
want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "method") k = i; if ($i == "model") o = i; if ($i == "status") s = i; if ($i == "models_used") x = i }; next }
                $k == "ilp" && $o == "all" { n[$x]++; p[$x] += $s == "optimal" }
                END { for (v = 1; v <= 6; v++) printf "%d:%d/%d ", v, p[v], n[v] }' "$d/runs.csv")
is "$got" "$want" "multi-solve: proven runs per point as runs.csv counts them"
contains "$d/figures/multi-solve.svg" "2 runs per point" "multi-solve: caption states runs per point"

# Every shipped scenario is drawn above: a new one must be added here.
for f in "$top_srcdir"/scenarios/*.yaml; do
  [ -d "$TMP/$(basename "$f" .yaml)" ]
  ok $? "$(basename "$f"): figures tested"
done
done_testing
