#!/bin/sh
# cli_simulate.sh: `dilemma simulate` end to end with --placement (so it does
# not depend on the solver): replay output against the hand-computed T of
# the two-layer case (test_serve.c), load output keys, traces, determinism,
# and bad input (exit 2 with a message) or a missing route (exit 3).
. "${top_srcdir:-.}/tests/lib.sh"
sim() { run simulate "$@"; }
# json_num KEY FILE: the first number after "KEY": in FILE.
json_num() { sed -n "s/.*\"$1\": \([-0-9.eE+]*\).*/\1/p" "$2" | head -n 1; }
# close A B TOL: |A - B| <= TOL * |B|
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; s = b < 0 ? -b : b; exit !(a != "" && d <= t * s) }'; }

cat > "$TMP/two.yaml" <<'YAML'
model:
  name: tiny
  layers:
    - {name: a, params: 1000, flops: 1.0e9, act_elems: 100, kv_elems: 10}
    - {name: b, params: 2000, flops: 2.0e9, act_elems: 200, kv_elems: 0}
servers: {count: 2, ccs: [1.0e9, 2.0e9], storage: 1.0e12}
links: {omega_min: 1.0e6, omega_ratio: 1, latency: 0.01}
workload: {tokens: 3, batch: 1, prompt: 0}
simulation: {rate: 0.1, requests: 200, compute_cv: 0.2}
YAML
printf '{"placement": [{"layer": 0, "server": 0, "bits": 32}, {"layer": 1, "server": 1, "bits": 32}]}\n' > "$TMP/p.json"

sim --help > "$TMP/help" 2>&1
ok $? "simulate --help exits 0"
grep -q -- "--placement" "$TMP/help"
ok $? "the help describes --placement"

# Replay: T = 3 passes x (1 + 0.0032 + 0.01 + 1) = 6.0396 s; compute_cv
# applies to replays too, so turn it off with a scenario copy.
sed 's/compute_cv: 0.2/compute_cv: 0/' "$TMP/two.yaml" > "$TMP/two0.yaml"
sim "$TMP/two0.yaml" --placement "$TMP/p.json" --json > "$TMP/replay.json"
ok $? "replay --json exits 0"
for k in objective_s sim_s sim_rel_error_frac events; do
  grep -q "\"$k\":" "$TMP/replay.json"
  ok $? "replay JSON has $k"
done
close "$(json_num objective_s "$TMP/replay.json")" 6.0396 1e-12
ok $? "objective_s (analytic T) = 6.0396 s (hand computed)"
close "$(json_num sim_s "$TMP/replay.json")" 6.0396 1e-12
ok $? "sim_s = 6.0396 s"
awk -v e="$(json_num sim_rel_error_frac "$TMP/replay.json")" 'BEGIN { exit !(e != "" && e <= 1e-9) }'
ok $? "sim_rel_error_frac <= 1e-9"
sim "$TMP/two0.yaml" --placement "$TMP/p.json" > "$TMP/replay.txt"
grep -q "^simulated T  6.0396 s" "$TMP/replay.txt"
ok $? "text replay prints the simulated T"

# Load, with both traces; twice for determinism.
sim "$TMP/two.yaml" --placement "$TMP/p.json" --mode load --json \
  --trace "$TMP/t1.csv" --trace-chrome "$TMP/t1.json" > "$TMP/load1.json"
ok $? "load --json with traces exits 0"
for k in latency_s ttft_s tpot_s throughput_tps throughput_rps load_mape_pct mean_gap_pct \
         servers links util_frac p50 p95 p99; do
  grep -q "\"$k\":" "$TMP/load1.json"
  ok $? "load JSON has $k"
done
[ "$(json_num completed "$TMP/load1.json")" = 200 ]
ok $? "load: all 200 requests complete"
head -n 1 "$TMP/t1.csv" | grep -q '^time,entity,event,request,token,layer$'
ok $? "CSV trace header"
[ "$(grep -c ',done,' "$TMP/t1.csv")" -eq 200 ]
ok $? "CSV trace: one done event per request"
grep -q '"traceEvents"' "$TMP/t1.json" && grep -q '"ph": "X"' "$TMP/t1.json"
ok $? "Chrome trace has traceEvents with slices"
sim "$TMP/two.yaml" --placement "$TMP/p.json" --mode load --json \
  --trace "$TMP/t2.csv" --trace-chrome "$TMP/t2.json" > "$TMP/load2.json"
cmp -s "$TMP/load1.json" "$TMP/load2.json" && cmp -s "$TMP/t1.csv" "$TMP/t2.csv" &&
  cmp -s "$TMP/t1.json" "$TMP/t2.json"
ok $? "same scenario and run: byte-identical output and traces"
sim "$TMP/two.yaml" --placement "$TMP/p.json" --mode load --json --run 1 > "$TMP/load3.json"
! cmp -s "$TMP/load1.json" "$TMP/load3.json"
ok $? "another run draws other random numbers"
sim "$TMP/two.yaml" --placement "$TMP/p.json" --mode load --json --rate 0.05 --requests 30 > "$TMP/load4.json"
[ "$(json_num completed "$TMP/load4.json")" = 30 ] && close "$(json_num rate_rps "$TMP/load4.json")" 0.05 0
ok $? "--rate and --requests override the scenario"

# Bad input: exit 2 and a message naming the problem.
bad() { # bad NAME PATTERN ARGS...
  name=$1; pat=$2; shift 2
  sim "$@" > "$TMP/out" 2> "$TMP/err"
  st=$?
  [ $st -eq 2 ] && grep -q -- "$pat" "$TMP/err"
  ok $? "$name (exit $st)"
}
bad "unknown mode" "replay or load" "$TMP/two.yaml" --placement "$TMP/p.json" --mode fast
bad "negative rate" "--rate" "$TMP/two.yaml" --placement "$TMP/p.json" --rate -1
bad "rate not a number" "--rate" "$TMP/two.yaml" --placement "$TMP/p.json" --rate abc
bad "zero requests" "--requests" "$TMP/two.yaml" --placement "$TMP/p.json" --requests 0
bad "bad run index" "--run" "$TMP/two.yaml" --placement "$TMP/p.json" --run -3
bad "no scenario" "exactly one scenario" --placement "$TMP/p.json"
bad "unknown option" "unknown option" "$TMP/two.yaml" --frobnicate
bad "missing scenario file" "nonexistent.yaml" "$TMP/nonexistent.yaml"
bad "sweep point out of range" "point" "$TMP/two.yaml" --placement "$TMP/p.json" --point 3
bad "missing placement file" "nope.json" "$TMP/two.yaml" --placement "$TMP/nope.json"
printf '{"placement": [' > "$TMP/broken.json"
bad "malformed placement JSON" "broken.json:1:" "$TMP/two.yaml" --placement "$TMP/broken.json"
printf '{"placement": [{"layer": 0, "server": 0, "bits": 32}]}\n' > "$TMP/short.json"
bad "placement missing a layer" "2 layers" "$TMP/two.yaml" --placement "$TMP/short.json"
printf '{"placement": [{"layer": 0, "server": 0, "bits": 7}, {"layer": 1, "server": 1, "bits": 32}]}\n' > "$TMP/w.json"
bad "placement width off the grid" "7 bits" "$TMP/two.yaml" --placement "$TMP/w.json"
bad "unwritable trace" "cannot write" "$TMP/two.yaml" --placement "$TMP/p.json" --trace "$TMP/no/dir/t.csv"

# A placement whose activations need a route that does not exist: exit 3.
# far.yaml is two.yaml with one CCS for both servers and a geometric
# topology whose radius (1e-6) links no two of them.
sed -e 's/ccs: \[1.0e9, 2.0e9\]/ccs: 1.0e9/' \
    -e 's/links: {omega_min: 1.0e6, omega_ratio: 1, latency: 0.01}/links: {omega_min: 1.0e6, topology: geometric, radius: 1.0e-6}/' \
    "$TMP/two.yaml" > "$TMP/far.yaml"
grep -q 'topology: geometric, radius: 1.0e-6' "$TMP/far.yaml" && grep -q 'ccs: 1.0e9,' "$TMP/far.yaml"
ok $? "far.yaml derived from two.yaml"
sim "$TMP/far.yaml" --placement "$TMP/p.json" > "$TMP/out" 2> "$TMP/err"
st=$?
[ $st -eq 3 ] && grep -q "does not exist" "$TMP/err"
ok $? "a placement needing a missing route is infeasible (exit $st)"

# Continuous batching: 40 requests arrive within 1 ns on the two-layer case
# with a batch limit of 1, so the pipeline saturates on s0's stage, 1 s of
# compute plus 0.0032 s of sending per pass: 1/1.0032 tokens/s within 2 %
# (120 passes at the bottleneck, fill and drain under 2 s). The series has
# one row per server step: 120 passes on each of the two servers.
sed -e "s/compute_cv: 0.2/compute_cv: 0, batching: continuous, horizon: 1.0e-9/" -e "s/requests: 200/requests: 40/" \
    "$TMP/two.yaml" > "$TMP/cont.yaml"
sim "$TMP/cont.yaml" --placement "$TMP/p.json" --mode load --json --series "$TMP/series.csv" > "$TMP/cont.json"
ok $? "continuous load --json --series exits 0"
for k in itl_s goodput_rps mean_batch mem_peak_bytes; do
  grep -q "\"$k\":" "$TMP/cont.json"
  ok $? "continuous JSON has $k"
done
close "$(json_num throughput_tps "$TMP/cont.json")" "$(awk 'BEGIN { print 1 / 1.0032 }')" 0.02
ok $? "continuous throughput is 1 / bottleneck stage within 2 %"
[ "$(head -n 1 "$TMP/series.csv")" = "time,server,batch,queue,memory_bytes" ] &&
  [ "$(wc -l < "$TMP/series.csv")" -eq 241 ]
ok $? "the series has its header and one row per step (240)"
sim "$TMP/cont.yaml" --placement "$TMP/p.json" --mode load --series /nonexistent/dir/s.csv > /dev/null 2> "$TMP/err"
[ $? -eq 2 ] && grep -q "cannot write" "$TMP/err"
ok $? "an unwritable --series is a usage error"

# dilemma run with continuous batching writes the serving columns, and with
# solver.objective: throughput the stage time it reports is the smaller one.
printf 'solver: {objective: throughput}\n' | cat "$TMP/cont.yaml" - > "$TMP/cont_tp.yaml"
sed -i 's/^simulation: {/simulation: {load: true, /' "$TMP/cont.yaml" "$TMP/cont_tp.yaml"
run run "$TMP/cont.yaml" --runs 1 --no-plot -o "$TMP/r_lat" > /dev/null 2>&1 &&
  run run "$TMP/cont_tp.yaml" --runs 1 --no-plot -o "$TMP/r_tp" > /dev/null 2>&1
ok $? "run with continuous batching, both objectives"
head -n 1 "$TMP/r_lat/runs.csv" | grep -q "ttft_p95_s,.*itl_p99_s,goodput_rps,mean_batch,mem_peak_frac,util_max_frac,util_mean_frac,stage_s,stage_tps,placement"
ok $? "runs.csv has the serving columns"
col() { awk -F, -v k="$1" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == k) c = i; next } { print $c; exit }' "$2"; }
s_lat=$(col stage_s "$TMP/r_lat/runs.csv"); s_tp=$(col stage_s "$TMP/r_tp/runs.csv")
awk -v a="$s_tp" -v b="$s_lat" 'BEGIN { exit !(a != "" && b != "" && a + 0 <= b + 0) }'
ok $? "the throughput objective's stage time ($s_tp s) is at most the latency objective's ($s_lat s)"

done_testing
