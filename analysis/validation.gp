# validation.gp: analytic completion time T against the time the
# discrete-event simulator measures when it replays the same placement, one
# point per (run, method), with the line y = x. Reads runs.csv.
# Variables: runs (runs.csv), out, title.
if (!exists("title")) title = ""
set datafile separator ","
set grid
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set xlabel "analytic T (s)"
set ylabel "simulated T (s)"
set key top left box opaque
set size ratio -1
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 700,700 enhanced font ",11" } else { set terminal svg size 700,700 enhanced font ",11" }
  set output out.".".fmt
  set title title noenhanced
  plot runs using (column("objective_s")):(strcol("sim_s") eq "" ? NaN : column("sim_s")) with points pt 7 ps 0.6 title "runs", \
       x with lines lw 2 dt 2 lc rgb "black" title "y = x"
  unset output
}
