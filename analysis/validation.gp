# validation.gp: analytic completion time T against the time the
# discrete-event simulator measures when it replays the same placement, one
# point per (run, method), with the line y = x and the largest relative
# error in the key. Reads runs.csv.
# Variables: runs (runs.csv), out, title. Writes out.png, out.svg and
# out.dat (the points plotted: analytic T, simulated T).
if (!exists("title")) title = ""
set datafile separator ","
# Both axes share one range around the data, so y = x is the diagonal.
stats runs using (column("objective_s")) name "T" nooutput
stats runs using (strcol("sim_rel_error_frac") eq "" ? NaN : column("sim_rel_error_frac")) name "E" nooutput
# Communication's share of the analytic T: a replay that never sends
# anything between servers would not test the links.
stats runs using (strcol("sim_s") eq "" ? NaN : column("comm_s") / column("objective_s")) name "C" nooutput
lo = T_min * 0.95
hi = T_max * 1.05
if (T_max > 20 * T_min) { set logscale xy; set format x "10^{%L}"; set format y "10^{%L}" }
set xrange [lo:hi]
set yrange [lo:hi]
set samples 200
# The points plotted, one row per replay.
set table out.".dat"
plot runs using (column("objective_s")):(column("sim_s")) with table if (strcol("sim_s") ne "")
unset table
set grid
set xlabel "analytic T (s)"
set ylabel "simulated T (s)"
set key top left box opaque
set size ratio -1
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 700,700 enhanced font ",11" } else { set terminal svg size 700,700 enhanced font ",11" }
  set output out.".".fmt
  set title title noenhanced
  plot runs using (column("objective_s")):(strcol("sim_s") eq "" ? NaN : column("sim_s")) \
         with points pt 7 ps 0.7 title sprintf("%d replays, max |sim - T| / T = %.2g", E_records, E_max), \
       x with lines lw 1.5 dt 2 lc rgb "black" title "y = x", \
       NaN with points pt -1 title sprintf("communication share of T: %.2g %% to %.2g %%", 100 * C_min, 100 * C_max)
  unset output
}
