#!/bin/sh
# schema_compat.sh: a directory written in schema 2 (tests/data/schema2, by
# dilemma 0.1.0) is still read: `dilemma plot` draws it without touching its
# files, and `--resume` rewrites its runs.csv in schema 3 with every value
# kept (compared column by column through the rename table, an independent
# reading of both files) and extends it. Also: `dilemma plot` on a damaged
# summary.csv or runs.csv names the directory and the file.
. "${top_srcdir:-.}/tests/lib.sh"
fixture="$top_srcdir/tests/data/schema2"

# --- plot ------------------------------------------------------------------
cp -r "$fixture" "$TMP/old"
chmod -R u+w "$TMP/old"
mkdir "$TMP/ptmp"
if command -v gnuplot > /dev/null 2>&1; then
  (TMPDIR="$TMP/ptmp"; export TMPDIR; run plot "$TMP/old" > /dev/null 2> "$TMP/plot.err")
  ok $? "plot draws a schema-2 directory"
  [ -s "$TMP/old/figures/fig5.png" ] && [ -s "$TMP/old/figures/fig5.svg" ]
  ok $? "with its fig5 (PNG and SVG)"
  # The main method's block of fig5.dat has the four omega_min points.
  is "$(awk '/^#/ || /NaN/ { next } NF == 0 { if (n) { print n; exit } next } { n++ }' "$TMP/old/figures/fig5.dat")" 4 \
    "fig5.dat plots the main method at the 4 points"
else
  tap_n=$((tap_n + 1)); echo "ok $tap_n - plot draws a schema-2 directory # SKIP gnuplot not found"
fi
cmp -s "$fixture/runs.csv" "$TMP/old/runs.csv" && cmp -s "$fixture/summary.csv" "$TMP/old/summary.csv"
ok $? "plot leaves the old files as they were"
is "$(ls -A "$TMP/ptmp")" "" "and its temporary copies (in TMPDIR) are gone"

# --- resume -----------------------------------------------------------------
run run "$TMP/old/scenario.resolved.yaml" -o "$TMP/old" --resume --runs 5 -q --no-plot
ok $? "--resume --runs 5 on a schema-2 directory"
new="$TMP/old/runs.csv"
is "$(head -n 1 "$new" | cut -d, -f1-4)" "experiment,version,point,links_omega_min" "runs.csv is now schema 3"
run run "$TMP/old/scenario.resolved.yaml" -o "$TMP/fresh" --runs 1 -q --no-plot
is "$(head -n 1 "$new")" "$(head -n 1 "$TMP/fresh/runs.csv")" "with exactly the header a new experiment has"
is "$(($(wc -l < "$new") - 1))" 60 "4 points x 5 runs x 3 methods: the 48 old rows kept, 12 computed"
# Every value of the 48 old rows, through the rename table: numbers equal
# as doubles (0 and 0.0 alike), text equal.
awk -F, '
  BEGIN { split("quant_ratio:quant_ratio_pct lower_bound:lower_bound_s gap:gap_frac sim_rel_error:sim_rel_error_frac", r, " ")
          for (i in r) { split(r[i], kv, ":"); now[kv[1]] = kv[2] } }
  FNR == 1 { for (i = 1; i <= NF; i++) { name[FILENAME, i] = $i; col[FILENAME, $i] = i }; nf[FILENAME] = NF; next }
  FILENAME == ARGV[1] { old[$1 "," $3 "," $5] = $0; next }
  {
    key = $col[FILENAME, "point"] "," $col[FILENAME, "run"] "," $col[FILENAME, "method"]
    if (!(key in old)) next
    seen++
    split(old[key], o, ",")
    for (i = 1; i <= nf[ARGV[1]]; i++) {
      n = name[ARGV[1], i]
      if (n == "solve_s") continue
      m = n in now ? now[n] : n; gsub(/\./, "_", m)
      c = col[FILENAME, m]
      if (!c) { print "no column " m; bad++; continue }
      if ($c != o[i] && !($c != "" && o[i] != "" && $c + 0 == o[i] + 0)) { print key ": " m " " $c " vs " o[i]; bad++ }
    }
    if ($col[FILENAME, "experiment"] != "quickstart" || $col[FILENAME, "version"] != "0.1.0" ||
        $col[FILENAME, "model"] != "opt-350m") { print key ": experiment, version or model"; bad++ }
  }
  END { if (seen != 48) print "matched " seen " rows"; exit bad > 0 || seen != 48 }' \
  "$fixture/runs.csv" "$new" > "$TMP/diff"
ok $? "the 48 old rows keep every value under their new names, with experiment, version and model"
[ -s "$TMP/diff" ] && sed 's/^/#   /' "$TMP/diff"
is "$(head -n 1 "$TMP/old/summary.csv" | cut -d, -f1-6)" "experiment,version,point,links_omega_min,method,model" \
  "summary.csv is rewritten in schema 3"
is "$(($(wc -l < "$TMP/old/timing.csv") - 1))" 12 "timing.csv holds the times of the 12 rows computed now"

# --- a damaged file is named --------------------------------------------------
run run "$top_srcdir/scenarios/quickstart.yaml" -o "$TMP/dmg" --runs 1 -q --no-plot
cp "$TMP/dmg/summary.csv" "$TMP/summary.good"
{ head -n 1 "$TMP/summary.good"; sed -n 2p "$TMP/summary.good" | head -c 40; } > "$TMP/dmg/summary.csv"
run plot "$TMP/dmg" > /dev/null 2> "$TMP/e"
is $? 2 "plot on a cut-short summary.csv exits 2"
contains "$TMP/e" "$TMP/dmg/summary.csv: damaged: line 2" "and names the directory, the file and the line"
printf 'garbage\n' > "$TMP/dmg/summary.csv"
run plot "$TMP/dmg" > /dev/null 2> "$TMP/e"
is $? 2 "plot on a summary.csv without a header exits 2"
contains "$TMP/e" "$TMP/dmg/summary.csv: damaged: its first line is not a header" "and says so"
cp "$TMP/summary.good" "$TMP/dmg/summary.csv"
sed -i '3s/,[^,]*$//' "$TMP/dmg/runs.csv"
run plot "$TMP/dmg" > /dev/null 2> "$TMP/e"
is $? 2 "plot on a runs.csv with a short row exits 2"
contains "$TMP/e" "$TMP/dmg/runs.csv: damaged: line 3 has not as many fields as the header" "and names it"
done_testing
