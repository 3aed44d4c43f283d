#!/bin/sh
# run_multi.sh: `dilemma run` on a scenario with models: (several LLMs
# sharing the servers). Per (point, run, method) one row per model placed
# and one aggregate row (model `all`); the aggregate objective is the
# weighted sum of the models' T; the exact joint solve is never beaten;
# each model's replay equals its T and its requests under load never beat
# it; the file is the same at -j 1 and -j 2 and after an interrupted run
# is resumed.
. "${top_srcdir:-.}/tests/lib.sh"
sc="$top_srcdir/tests/data/run-multi.yaml"

run run "$sc" -o "$TMP/j1" -j 1 --quiet --no-plot
ok $? "run -j 1"
run run "$sc" -o "$TMP/j2" -j 2 --quiet --no-plot
ok $? "run -j 2"
cmp -s "$TMP/j1/runs.csv" "$TMP/j2/runs.csv"
ok $? "runs.csv is byte-identical for -j 1 and -j 2"
cmp -s "$TMP/j1/summary.csv" "$TMP/j2/summary.csv"
ok $? "summary.csv is byte-identical for -j 1 and -j 2"
r="$TMP/j1/runs.csv"
# 3 runs x 4 methods x (2 + 1 rows at models_used 2, 3 + 1 at 3) = 36 + 48.
is "$(($(wc -l < "$r") - 1))" 84 "84 rows: one per model placed and one aggregate per method"
is "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } { print $h["method"] }' "$r" | sort -u | tr '\n' ' ')" \
   "ilp independent partitioned sequential " "the exact method and every multi-model baseline"
is "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["models_used"] == 3 { print $h["model"] }' "$r" | sort -u | tr '\n' ' ')" \
   "all opt-125m#0 opt-125m#2 opt-350m " "a repeated model is labelled by its entry"

# The aggregate objective is Σ weight·T: weights are the rates (2, 0.5)
# and 3 for the third entry; T summed in another order, so 1e-12 relative.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
         $h["objective_s"] == "" { next }
         { k = $h["point"] "," $h["run"] "," $h["method"]; m = $h["model"]; v = $h["objective_s"]
           if (m == "all") all[k] = v
           else s[k] += (m == "opt-125m#0" ? 2 : m == "opt-350m" ? 0.5 : 3) * v }
         END { for (k in all) { n++; d = all[k] - s[k]; if (d < 0) d = -d; if (d > 1e-12 * all[k]) bad++ }
               print n + 0, bad + 0 }' "$r" > "$TMP/agg"
read n bad < "$TMP/agg"
ok $((n < 12 || bad != 0)) "the aggregate objective is the weighted sum of the models' T ($n rows, $bad off)"

# The exact joint optimum is never beaten by a baseline on the same run.
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
         $h["model"] == "all" && $h["objective_s"] != "" { v[$h["point"] "," $h["run"] "," $h["method"]] = $h["objective_s"] }
         END { for (k in v) { split(k, a, ","); if (a[3] != "ilp") { n++; if (v[k] < v[a[1] "," a[2] ",ilp"] * (1 - 1e-9)) bad++ } }
               print n + 0, bad + 0 }' "$r" > "$TMP/opt"
read n bad < "$TMP/opt"
ok $((n < 6 || bad != 0)) "no baseline beats the exact joint solve ($n baseline rows, $bad below)"
is "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["method"] == "ilp" && $h["status"] != "optimal" { n++ } END { print n + 0 }' "$r")" \
   0 "every exact row is optimal"

# Replay alone equals T (relative error below 1e-12; the DES test derives
# events x DBL_EPSILON), and under load no request beats its T: the median
# is at least T less the histogram's resolution (2.5e-4).
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
         $h["model"] != "all" && $h["sim_s"] != "" { n++; if ($h["sim_rel_error_frac"] > 1e-12) bad++
           if ($h["lat_p50_s"] < $h["objective_s"] * (1 - 2.5e-4)) fast++ }
         END { print n + 0, bad + 0, fast + 0 }' "$r" > "$TMP/sim"
read n bad fast < "$TMP/sim"
ok $((n < 40 || bad != 0)) "every model's replay equals its T ($n replays, $bad off)"
is "$fast" 0 "no model's median latency under load is below its T"
is "$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $h["model"] != "all" && $h["status"] != "infeasible" && ($h["util_max_frac"] == "" || $h["lat_p99_s"] == "" || $h["ttft_s"] == "") { n++ } END { print n + 0 }' "$r")" \
   0 "every placed model has latency percentiles, TTFT and server utilization"
is "$(($(wc -l < "$TMP/j1/timing.csv") - 1))" 84 "timing.csv has a row per runs.csv row"

# Interrupted: keep the header and the first 20 rows, tear the last line,
# then resume; the result equals the uninterrupted run.
mkdir -p "$TMP/res"
cp "$TMP/j1/scenario.resolved.yaml" "$TMP/res/"
head -n 21 "$r" > "$TMP/res/runs.csv"
printf 'run-multi,0.1,1,3,2,9' >> "$TMP/res/runs.csv"
run run "$sc" -o "$TMP/res" -j 2 --resume --quiet --no-plot
ok $? "resume"
cmp -s "$r" "$TMP/res/runs.csv"
ok $? "the resumed runs.csv equals the uninterrupted one"
cmp -s "$TMP/j1/summary.csv" "$TMP/res/summary.csv"
ok $? "and so does summary.csv"
done_testing
