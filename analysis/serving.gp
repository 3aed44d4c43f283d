# serving.gp: a serving study under continuous batching: p95 time to first
# token, p95 time per output token and throughput against the arrival rate,
# one line per value of the second swept key (e.g. the solver objective),
# for the main method. The throughput panel has the offered load (rate x
# tokens per request) as a dashed line: where a line leaves it is that
# configuration's knee. Variables: dir, summary, out, xkey, splitcol,
# splits, filtercol, filterval, title, caption, tokens (tokens x batch per
# request), n_unstable; writes out.png, out.svg and out.dat (the rows
# plotted: TTFT, TPOT and throughput blocks, one per value of the key).
if (!exists("title")) title = ""
if (!exists("caption")) caption = ""
if (!exists("tokens")) tokens = 1
if (!exists("n_unstable")) n_unstable = 0
ycol = "ttft_p95_s"
load sprintf("%s/series.gp", dir)
$ttft << EOD
EOD
set print $ttft
print $series
unset print
ycol = "tpot_p95_s"
load sprintf("%s/series.gp", dir)
$tpot << EOD
EOD
set print $tpot
print $series
unset print
ycol = "throughput_tps"
load sprintf("%s/series.gp", dir)
set print out.".dat"
print "# ".xkey." mean ci95: ttft_p95_s, tpot_p95_s, throughput_tps blocks, one per ".splitcol." in: ".splits
print $ttft
print $tpot
print $series
unset print
set grid
set logscale x
set key top left box opaque noenhanced
set xlabel "arrival rate (requests/s)"
left_out = n_unstable > 0 ? sprintf("%d run%s with {/Symbol r} >= 1 left out (unstable)", n_unstable, n_unstable == 1 ? "" : "s") : ""
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 1500,520 enhanced font ",11" } else { set terminal svg size 1500,520 enhanced font ",11" }
  set output out.".".fmt
  set multiplot layout 1,3 title title."\n".caption noenhanced
  set logscale y
  set ylabel "TTFT p95 (s)"
  set label 1 left_out at graph 0.02, graph 0.70 enhanced
  plot for [i=1:words(splits)] $ttft index (i-1) using 1:2:3 with yerrorlines lw 2 pt 7 title word(splits, i)
  unset label 1
  set ylabel "TPOT p95 (s)"
  plot for [i=1:words(splits)] $tpot index (i-1) using 1:2:3 with yerrorlines lw 2 pt 7 title word(splits, i)
  set ylabel "throughput (tokens/s)"
  plot for [i=1:words(splits)] $series index (i-1) using 1:2:3 with yerrorlines lw 2 pt 7 title word(splits, i), \
       $series index 0 using 1:($1 * tokens) with lines lw 1 dt 2 lc rgb "black" title "offered load"
  unset logscale y
  unset multiplot
  unset output
}
