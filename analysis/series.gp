# series.gp: loads summary rows into the datablock $series, one block per
# value in `splits` (separated by two blank lines, so `index i` selects one),
# each row "x mean ci95". Rows are filtered with gnuplot's `with table if`,
# which drops them instead of breaking the line with undefined points.
# Each block starts with a row "NaN NaN NaN", which plots nothing: a split
# without any row still makes a block, so `index i` stays the i-th split
# (gnuplot would merge the blank lines around an empty block into one
# separator and shift every later split by one).
# Reads: summary, xkey, ycol, splitcol, splits, filtercol, filterval.
set datafile separator ","
$series << EOD
EOD
ymean = ycol."_mean"
yci = ycol."_ci95"
do for [i=1:words(splits)] {
  s = word(splits, i)
  set print $series append
  print "NaN NaN NaN"
  unset print
  set table $series append
  plot summary using (column(xkey)):(column(ymean)):(strcol(yci) eq "" ? 0 : column(yci)) \
       with table if (strcol(splitcol) eq s && (filtercol eq "" || strcol(filtercol) eq filterval) && strcol(ymean) ne "")
  unset table
  set print $series append
  print ""
  print ""
  unset print
}
set datafile separator whitespace
