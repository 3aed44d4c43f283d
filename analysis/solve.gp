# solve.gp: how hard the exact solve was at each sweep point. Left: the
# median and the largest solve time (wall clock, s) with the time limit as
# a dashed line; a run that reached the limit stopped there. Right: the
# median and the largest gap between the incumbent and the proven bound at
# the end of the solve (%; 0 for a proven optimum), and above each point
# how many of its runs were proven optimal. Reads the table `dilemma plot`
# writes beside the figure (OUT.csv: point, x, runs, optimal, timeout,
# other, no_placement, solve_s_median, solve_s_max, gap_frac_median,
# gap_frac_max).
# Variables:
#   table, out, title, caption, xlabel (required: table, out)
#   limit    the solver's time limit (s); 0 draws no line
# Writes out.png and out.svg.
if (!exists("title")) title = ""
if (!exists("caption")) caption = ""
if (!exists("xlabel")) xlabel = "sweep point"
if (!exists("limit")) limit = 0

set datafile separator ","
set grid
set key below box opaque noenhanced
set xlabel xlabel noenhanced
set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.15
stats table using 2 nooutput
xlo = STATS_min
xhi = STATS_max
set xtics 1
set bmargin 6
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 1400,600 enhanced font ",11" } else { set terminal svg size 1400,600 enhanced font ",11" }
  set output out.".".fmt
  set multiplot layout 1,2 title title."\n".caption noenhanced
  set title "solve time"
  set logscale y
  set format y "%g"
  set ylabel "solve time (s), wall clock"
  if (limit > 0) {
    plot table skip 1 using 2:8 with linespoints lw 2 pt 7 lc 1 title "median", \
         table skip 1 using 2:9 with linespoints lw 2 pt 6 dt 3 lc 1 title "largest", \
         limit with lines lw 1 dt 2 lc rgb "black" title sprintf("time limit (%g s)", limit)
  } else {
    plot table skip 1 using 2:8 with linespoints lw 2 pt 7 lc 1 title "median", \
         table skip 1 using 2:9 with linespoints lw 2 pt 6 dt 3 lc 1 title "largest"
  }
  unset logscale y
  set title "gap to the proven bound when the solve stopped (n/N: runs proven optimal)"
  set ylabel "gap (%)"
  set yrange [0:*]
  plot table skip 1 using 2:(100 * $10) with linespoints lw 2 pt 7 lc 2 title "median", \
       table skip 1 using 2:(100 * $11) with linespoints lw 2 pt 6 dt 3 lc 2 title "largest", \
       table skip 1 using 2:(100 * $11):(sprintf("%d/%d", $4, $3)) with labels offset 0,1.2 notitle
  set autoscale y
  unset multiplot
  unset output
}
