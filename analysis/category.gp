# category.gp: a summary column (mean with 95% CI error bars) against a key
# swept over names (model.name, links.profile, cost.model, ...), one line
# per method; the x axis is the sweep point, labelled with its value.
# Variables: as sweep.gp (xkey is "point"), plus
#   labels     space-separated values of the swept key, in point order (required)
# Writes out.png, out.svg and out.dat (the rows plotted: point mean ci95, one
# block per method).
if (!exists("ycol")) ycol = "objective_s"
if (!exists("splitcol")) splitcol = "method"
if (!exists("filtercol")) filtercol = ""
if (!exists("filterval")) filterval = ""
if (!exists("xlabel")) xlabel = ""
if (!exists("ylabel")) ylabel = ycol
if (!exists("title")) title = ""
if (!exists("logy")) logy = 0
if (!exists("titles")) titles = splits
if (!exists("caption")) caption = ""

load sprintf("%s/series.gp", dir)
# The rows plotted (x = the point's index), for tests and readers.
set print out.".dat"
print "# point ".ycol."_mean ".ycol."_ci95, one block per method: ".splits
print $series
unset print

set key below box noenhanced
# Room under the panel for the legend below the x label.
set bmargin 8
set grid
set xlabel xlabel noenhanced
set ylabel ylabel noenhanced
set title title."\n".caption noenhanced
set xtics ()
do for [i=1:words(labels)] { set xtics add (word(labels, i) i - 1) }
set xrange [-0.5:words(labels) - 0.5]
if (logy) { set logscale y; set format y "10^{%L}" }
set offsets 0, 0, graph 0.05, graph 0.05
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 enhanced font ",11" } else { set terminal svg size 900,600 enhanced font ",11" }
  set output out.".".fmt
  plot for [i=1:words(splits)] $series index (i-1) using ($1 + 0.06 * (i - (words(splits) + 1) / 2.0)):2:3 \
       with yerrorbars lw 2 pt (i+5) ps 1.3 title word(titles, i)
  unset output
}
