# energy.gp: energy per generated token against the request's completion
# time T, one point per placement (run and method) of runs.csv, one colour
# per method: where each method sits between fast and frugal.
# Writes out.png, out.svg and out.dat (the points plotted).
# Variables: runs (runs.csv), out, title, splits (methods, space-separated),
# titles (their legend entries, double-quoted; default: splits).
if (!exists("title")) title = ""
if (!exists("titles")) titles = splits
set datafile separator ","
set grid
set xlabel "completion time T of a request (s)"
set ylabel "energy per generated token (J)"
set key below box noenhanced
# Room under the panel for the legend below the x label.
set bmargin 8
stats runs using (column("objective_s")) name "T" nooutput
# The points plotted (T, J per token; one block per method), for tests.
set table out.".dat"
plot for [i=1:words(splits)] runs \
     using (strcol("method") eq word(splits, i) && strcol("energy_j_per_token") ne "" ? column("objective_s") : NaN):(column("energy_j_per_token")) \
     with table
unset table
if (T_max > 20 * T_min) { set logscale x; set format x "10^{%L}" }
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 enhanced font ",11" } else { set terminal svg size 900,600 enhanced font ",11" }
  set output out.".".fmt
  set title title noenhanced
  plot for [i=1:words(splits)] runs \
       using (strcol("method") eq word(splits, i) && strcol("energy_j_per_token") ne "" ? column("objective_s") : NaN):(column("energy_j_per_token")) \
       with points pt (i+5) ps 0.9 title word(titles, i)
  unset output
}
