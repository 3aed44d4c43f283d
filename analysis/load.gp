# load.gp: latency under load against the arrival rate: mean and p95
# end-to-end latency from the simulator, with the analytic T (one request
# alone) as a line. Variables: summary, out, xkey (the rate column), method,
# title, caption, n_unstable (runs with offered load rho >= 1, which the
# summary leaves out of the latency statistics: their queues never settle);
# writes out.png, out.svg and out.dat (the rows plotted).
if (!exists("title")) title = ""
if (!exists("caption")) caption = ""
if (!exists("n_unstable")) n_unstable = 0
splitcol = "method"
splits = method
filtercol = ""
filterval = ""
ycol = "lat_mean_s"
load sprintf("%s/series.gp", dir)
$mean << EOD
EOD
set print $mean
print $series
unset print
ycol = "lat_p95_s"
load sprintf("%s/series.gp", dir)
$p95 << EOD
EOD
set print $p95
print $series
unset print
ycol = "objective_s"
load sprintf("%s/series.gp", dir)
# The rows plotted: mean, p95 and analytic T blocks.
set print out.".dat"
print "# ".xkey." mean ci95: lat_mean_s, lat_p95_s, objective_s blocks"
print $mean
print $p95
print $series
unset print
set grid
set logscale x
set xlabel "arrival rate (requests/s)"
set ylabel "latency (s)"
set key top left box opaque noenhanced
set autoscale fix
set offsets graph 0.03, graph 0.03, graph 0.06, graph 0.06
left_out = n_unstable > 0 ? sprintf("%d run%s with {/Symbol r} >= 1 left out (unstable)", n_unstable, n_unstable == 1 ? "" : "s") : "no run unstable ({/Symbol r} < 1 in all)"
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 enhanced font ",11" } else { set terminal svg size 900,600 enhanced font ",11" }
  set output out.".".fmt
  set title title."\n".caption noenhanced
  set label 1 left_out at graph 0.02, graph 0.70 enhanced
  plot $mean using 1:2:3 with yerrorlines lw 2 pt 7 title "simulated mean latency", \
       $p95 using 1:2:3 with yerrorlines lw 2 pt 5 title "simulated p95 latency", \
       $series using 1:2 with lines lw 2 dt 2 lc rgb "black" title "analytic T (no queueing)"
  unset output
}
