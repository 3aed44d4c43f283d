# timeseries.gp: latency over time of one run of a dynamic experiment, one
# line per file in `files` (the run's time series of several sweep points,
# decimated by the simulator), with vertical lines at the times in `marks`
# (a server leaving, the phase boundary).
# Variables: files (space-separated CSV paths, `time_s,latency_s`), titles
# (one quoted legend entry per file), marks (times, s, may be empty), out,
# title, caption. Writes out.png, out.svg and out.dat (every point plotted,
# one block per file).
if (!exists("title")) title = ""
if (!exists("caption")) caption = ""
set datafile separator ","
$pts << EOD
EOD
do for [i=1:words(files)] {
  set table $pts append
  plot word(files, i) using (column("time_s")):(column("latency_s")) with table
  unset table
  set print $pts append
  print ""
  print ""
  unset print
}
set print out.".dat"
print $pts
unset print
set grid
set xlabel "completion time of the request (s)"
set ylabel "latency (s)"
set key outside bottom center horizontal box
set logscale y
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 900,600 enhanced font ",11" } else { set terminal svg size 900,600 enhanced font ",11" }
  set output out.".".fmt
  set title title."\n".caption noenhanced
  unset arrow
  do for [k=1:words(marks)] {
    set arrow from first word(marks, k) + 0, graph 0 to first word(marks, k) + 0, graph 1 nohead dt 2 lc rgb "black"
  }
  plot for [i=1:words(files)] word(files, i) using (column("time_s")):(column("latency_s")) \
       with linespoints pt 7 ps 0.4 title word(titles, i)
  unset output
}
