# paired.gp: a sweep with baselines, compared on equal terms. Left: the
# main (exact) method's completion time T, mean with 95 % CI over all runs
# of each point. Right: each baseline's T divided by the main method's T on
# the same run (same topology), mean with 95 % CI over the runs both solved;
# a baseline that is infeasible in some runs says in how many, in its
# legend entry. No baseline can look better than the optimum by being
# averaged over easier runs. Reads summary.csv as `dilemma run` writes it.
# Variables:
#   summary, out, title, xkey, xlabel, ylabel, logx (0/1), logy (0/1 for T)
#   main, main_title     the main method and its legend entry
#   baselines, btitles   the baselines and their legend entries (quoted)
#   ratio_logy (0/1)     log scale for the ratio panel; ratio_ylabel its label
#   caption              runs per point and what the bars are
# Writes out.png, out.svg and out.dat (the rows plotted: x mean ci95; the
# T block, then one ratio block per baseline).
if (!exists("title")) title = ""
if (!exists("caption")) caption = ""
if (!exists("logx")) logx = 0
if (!exists("logy")) logy = 0
if (!exists("ratio_logy")) ratio_logy = 0
if (!exists("xlabel")) xlabel = xkey
if (!exists("ylabel")) ylabel = "completion time T (s)"
filtercol = ""
filterval = ""
splitcol = "method"

splits = main
ycol = "objective_s"
load sprintf("%s/series.gp", dir)
$t << EOD
EOD
set print $t
print $series
unset print
nb = words(baselines)
if (nb > 0) {
  splits = baselines
  ycol = "paired_ratio"
  load sprintf("%s/series.gp", dir)
}
set print out.".dat"
print "# ".xkey." mean ci95: objective_s of ".main.", then paired_ratio of: ".baselines
print $t
if (nb > 0) { print $series }
unset print

# The T panel is logarithmic when the main method's means span more than a
# factor 50 (the baselines no longer share its axis).
stats $t using 2 nooutput
logy = STATS_max > 50 * STATS_min
set grid
set xlabel xlabel
set key box opaque noenhanced
set autoscale fix
set offsets graph 0.03, graph 0.03, graph 0.06, graph 0.06
if (logx) { set logscale x; set format x "10^{%L}" }
width = nb > 0 ? 1400 : 800
# Room under both panels for the x label and the legend below it (one
# line per entry: the baselines and the ratio = 1 line).
set bmargin nb + 6
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size width,600 enhanced font ",11" } else { set terminal svg size width,600 enhanced font ",11" }
  set output out.".".fmt
  if (nb > 0) { set multiplot layout 1,2 title title."\n".caption noenhanced } else { set title title."\n".caption noenhanced }
  if (logy) { set logscale y; set format y "%g" } else { unset logscale y; set format y "%g" }
  set ytics autofreq
  set ylabel ylabel
  set key below
  if (nb > 0) { set title "completion time, all runs" }
  plot $t index 0 using 1:2:3 with yerrorlines lw 2 pt 7 lc 1 title main_title
  if (nb > 0) {
    if (ratio_logy) { set logscale y; set ytics (1, 1.2, 1.5, 2, 3, 5, 10, 20, 50, 100, 200, 500) } else { unset logscale y; set ytics autofreq }
    set ylabel ratio_ylabel noenhanced
    set title "baselines on the runs both solved"
    set key below
    plot for [i=1:nb] $series index (i-1) using 1:2:3 with yerrorlines lw 2 pt (i+5) lc (i+1) title word(btitles, i), \
         1 with lines lw 1 dt 2 lc rgb "black" title "= optimum"
    unset multiplot
  }
  unset output
}
