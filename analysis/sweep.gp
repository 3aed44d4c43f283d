# sweep.gp: a summary column (mean with 95% CI error bars) against a swept
# key, one line per value of a split column (usually the method). Reads
# summary.csv as `dilemma run` writes it. `dilemma plot` calls it as
#   gnuplot -e "summary='DIR/summary.csv'; out='DIR/figures/fig5'; xkey='links.omega_min'; ..." sweep.gp
# Variables:
#   summary    summary.csv to read (required)
#   out        output path without extension; writes out.png and out.svg (required)
#   xkey       column for x, a swept key (required)
#   ycol       metric whose _mean and _ci95 are plotted (default objective_s)
#   splitcol   column that separates the lines (default method)
#   splits     space-separated values of splitcol, one line each (required)
#   titles     legend entries, one per split, double-quoted when they hold
#              spaces (default: splits)
#   filtercol, filterval  keep only rows where filtercol equals filterval (optional)
#   xlabel, ylabel, title, logx (0/1), logy (0/1)
# Writes out.png, out.svg and out.dat (the rows plotted: x mean ci95, one
# block per split, blocks separated by two blank lines).
if (!exists("ycol")) ycol = "objective_s"
if (!exists("splitcol")) splitcol = "method"
if (!exists("filtercol")) filtercol = ""
if (!exists("filterval")) filterval = ""
if (!exists("xlabel")) xlabel = xkey
if (!exists("ylabel")) ylabel = ycol
if (!exists("title")) title = ""
if (!exists("logx")) logx = 0
if (!exists("logy")) logy = 0
if (!exists("keypos")) keypos = "top right"
if (!exists("titles")) titles = splits
if (!exists("caption")) caption = ""

load sprintf("%s/series.gp", dir)
# The rows plotted, for tests and for readers who redraw the figure.
set print out.".dat"
print "# ".xkey." ".ycol."_mean ".ycol."_ci95, one block per line: ".splits
print $series
unset print

set key @keypos box opaque noenhanced
set grid
set xlabel xlabel
set ylabel ylabel noenhanced
set title title."\n".caption noenhanced
if (logx) { set logscale x; set format x "10^{%L}" }
if (logy) { set logscale y; set format y "10^{%L}" }
set autoscale fix
set offsets graph 0.03, graph 0.03, graph 0.06, graph 0.06
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 enhanced font ",11" } else { set terminal svg size 900,600 enhanced font ",11" }
  set output out.".".fmt
  plot for [i=1:words(splits)] $series index (i-1) using 1:2:3 with yerrorlines lw 2 pt (i+5) title word(titles, i)
  unset output
}
