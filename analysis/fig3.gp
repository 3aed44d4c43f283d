# fig3.gp: the paper's Fig. 3 with Table 1's ratio beside it: the objective
# and the quantization ratio against the accuracy bound delta (log x), one
# line per method. Variables as in sweep.gp (summary, out, xkey, splits,
# splitcol, filtercol, filterval, title, titles); writes out.png, out.svg
# and out.dat (the rows plotted).
if (!exists("splitcol")) splitcol = "method"
if (!exists("filtercol")) filtercol = ""
if (!exists("filterval")) filterval = ""
if (!exists("title")) title = ""
if (!exists("titles")) titles = splits
ycol = "objective_s"
load sprintf("%s/series.gp", dir)
$objective << EOD
EOD
set print $objective
print $series
unset print
ycol = "quant_ratio_pct"
load sprintf("%s/series.gp", dir)
# The rows plotted: the objective blocks, then the ratio blocks.
set print out.".dat"
print "# ".xkey." mean ci95: objective_s blocks then quant_ratio_pct blocks, one per line: ".splits
print $objective
print $series
unset print

set grid
set logscale x
set format x "10^{%L}"
set xlabel "per-layer error bound {/Symbol d}"
if (!exists("caption")) caption = ""
set key below box opaque noenhanced
set bmargin 6
set autoscale fix
set offsets graph 0.03, graph 0.03, graph 0.06, graph 0.06
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 1200,500 enhanced font ",11" } else { set terminal svg size 1200,500 enhanced font ",11" }
  set output out.".".fmt
  set multiplot layout 1,2 title title."\n".caption noenhanced
  set ylabel "completion time T (s)"
  set title "objective (Fig. 3)"
  plot for [i=1:words(splits)] $objective index (i-1) using 1:2:3 with yerrorlines lw 2 pt (i+5) title word(titles, i)
  set ylabel "quantization ratio (%)"
  set title "quantization ratio (Table 1)"
  plot for [i=1:words(splits)] $series index (i-1) using 1:2:3 with yerrorlines lw 2 pt (i+5) title word(titles, i)
  unset multiplot
  unset output
}
