# compare.gp: several experiments (or methods) in one figure: a summary
# metric, mean with 95 % CI bars, against a swept column, one line per
# (experiment, method). `dilemma plot DIR1 DIR2 ...` writes the data
# (analysis/compare.c) and calls it.
# Variables:
#   data      the rows: "x mean ci95", one block per line (two blank lines apart)
#   out       output path without extension: writes out.png and out.svg
#   n         number of lines (blocks)
#   titles    legend entries, one per block, double-quoted
#   title, caption, xlabel, ylabel, logx (0/1), logy (0/1)
if (!exists("title")) title = ""
if (!exists("caption")) caption = ""
if (!exists("logx")) logx = 0
if (!exists("logy")) logy = 0
set key below box noenhanced
set bmargin n + 5
set grid
set xlabel xlabel noenhanced
set ylabel ylabel noenhanced
set title title."\n".caption noenhanced
if (logx) { set logscale x; set format x "10^{%L}" }
if (logy) { set logscale y; set format y "10^{%L}" }
set autoscale fix
set offsets graph 0.03, graph 0.03, graph 0.06, graph 0.06
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 1000,650 enhanced font ",11" } else { set terminal svg size 1000,650 enhanced font ",11" }
  set output out.".".fmt
  plot for [i=1:n] data index (i-1) using 1:2:3 with yerrorlines lw 2 pt (i+5) title word(titles, i)
  unset output
}
