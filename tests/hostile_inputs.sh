#!/bin/sh
# hostile_inputs.sh: every hostile input is answered in bounded time with
# exit 2 and a message naming the file and the key. The inputs are made
# here. Each command runs under `timeout 10`, so a hang fails the test
# (status 124) instead of stalling the suite; how fast the answers come is
# a benchmark's business, not a test's.
. "${top_srcdir:-.}/tests/lib.sh"

# Sanitizers and valgrind slow the program tenfold or more; the limit
# only has to tell a hang from an answer.
limit=10
[ -n "${DILEMMA_SANITIZED:-}" ] && limit=60
[ -n "${DILEMMA_WRAP:-}" ] && limit=300

# t NAME STATUS PATTERN ARGS...: `dilemma ARGS` exits with STATUS and its
# stderr matches PATTERN.
t() {
  name=$1 want=$2 pat=$3
  shift 3
  timeout "$limit" ${DILEMMA_WRAP:-} "$DILEMMA" "$@" > "$TMP/out" 2> "$TMP/err"
  is $? "$want" "$name: exit $want"
  contains "$TMP/err" "$pat" "$name: message"
}

# 2. Quadratic parsing: 200,000 levels of flow nesting (400 KB), 100,000
# keys and 100,000 repeats of one key.
awk 'BEGIN { n = 200000; s = "x: "; for (i = 0; i < n; i++) s = s "["; for (i = 0; i < n; i++) s = s "]"; print s }' \
  > "$TMP/deep.yaml"
t "200k levels of [ nesting" 2 "deep.yaml:1:[0-9]*: error: x\[\]\[\].*nested more than 64 deep" \
  check "$TMP/deep.yaml"
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "key%d: 1\n", i }' > "$TMP/keys.yaml"
t "100k distinct keys" 2 "keys.yaml:1:1: error: key0: unknown key" check "$TMP/keys.yaml"
awk 'BEGIN { for (i = 0; i < 100000; i++) print "runs: 1" }' > "$TMP/dup.yaml"
t "100k duplicate keys" 2 "dup.yaml:2:1: error: runs: duplicate key (first given at line 1)" \
  check "$TMP/dup.yaml"

# 3. The total parameter count overflows int64 with values inside the
# documented ranges: 9300 layers of params 1e15.
awk 'BEGIN { print "model:"; print "  layers:";
  for (i = 0; i < 9300; i++) printf "    - {name: l%d, params: 1.0e15, flops: 1.0e9, act_elems: 1024}\n", i }' \
  > "$TMP/params.yaml"
t "9300 layers of 1e15 params: check" 2 "params.yaml:[0-9:]*: error: model.layers: the parameter count overflows" \
  check "$TMP/params.yaml"
t "9300 layers of 1e15 params: solve" 2 "model.layers: the parameter count overflows" \
  solve "$TMP/params.yaml"
t "9300 layers of 1e15 params: models --json" 2 "model.layers: the parameter count overflows" \
  models "$TMP/params.yaml" --json

# 4. An error table that is not a regular file.
mkdir "$TMP/tabledir"
mkfifo "$TMP/fifo"
for tab in /dev/zero "$TMP/tabledir" "$TMP/fifo"; do
  printf 'quantization:\n  error: table\n  error_table: %s\n' "$tab" > "$TMP/tab.yaml"
  t "error table $tab: check" 2 "tab.yaml:3:16: error: quantization.error_table: '$tab' is .*; expected a regular file" \
    check "$TMP/tab.yaml"
done
# A table line longer than 511 characters is one line, not two.
long=$(awk 'BEGIN { s = ""; for (i = 0; i < 600; i++) s = s "x"; print s }')
printf 'layer,name,bits,error\n0,%s,4,0.5\n' "$long" > "$TMP/long.csv"
printf 'quantization:\n  error: table\n  error_table: long.csv\n' > "$TMP/long.yaml"
t "a 600-character table line" 2 "the error table has 1 layers but" solve "$TMP/long.yaml"

# 5. In-range values whose costs overflow.
printf 'servers: {ccs: 1.0e-300}\n' > "$TMP/ccs.yaml"
t "ccs 1e-300: solve" 2 "ccs.yaml: run 0: servers.ccs: the compute time of layer [0-9]* .* overflows" \
  solve "$TMP/ccs.yaml"
t "ccs 1e-300: run" 2 "ccs.yaml: run 0: servers.ccs: the compute time .* overflows" \
  run "$TMP/ccs.yaml" -o "$TMP/ccs-out" --runs 1 --quiet --no-plot

# 8. A FIFO or a directory given to profile: refused, not blocked in open().
t "profile on a FIFO" 2 "fifo: error: is a FIFO; expected a regular file" profile "$TMP/fifo"
t "profile on /dev/zero" 2 "/dev/zero: error: is a character device; expected a regular file" profile /dev/zero

# 6. A name that would lead the output out of results/.
printf 'name: ../../escaped\nruns: 1\n' > "$TMP/esc.yaml"
t "name: ../../escaped: check" 2 "esc.yaml:1:7: error: name: '../../escaped' is not a safe name" \
  check "$TMP/esc.yaml"
case $DILEMMA in /*) bin=$DILEMMA ;; *) bin=$PWD/$DILEMMA ;; esac
mkdir "$TMP/esc"
(cd "$TMP/esc" && timeout "$limit" ${DILEMMA_WRAP:-} "$bin" run ../esc.yaml --quiet --no-plot > /dev/null 2>&1)
is $? 2 "name: ../../escaped: run refuses it"
test ! -e "$TMP/escaped" && test ! -e "$TMP/esc/results"
ok $? "name: ../../escaped: nothing is written"

# 7. Unbounded work: the load simulation of a million tokens per request
# is refused by its event cap before it starts; a cap reached while
# running says so; a sweep whose rows cannot fit in memory is refused.
printf 'workload: {tokens: 1000000}\nsimulation: {load: true}\n' > "$TMP/tokens.yaml"
t "tokens 1e6 with load: check" 2 "tokens.yaml:1:1: error: simulation.max_events: the load simulation needs at least 1e+09 events" \
  check "$TMP/tokens.yaml"
t "tokens 1e6 with load: run" 2 "simulation.max_events: the load simulation needs at least" \
  run "$TMP/tokens.yaml" -o "$TMP/tokens-out" --runs 1 --quiet --no-plot
printf 'workload: {tokens: 20}\nsimulation: {load: true, requests: 200, max_events: 5000}\n' > "$TMP/cap.yaml"
t "event cap reached: simulate" 2 "cap.yaml: simulation.max_events: the simulation reached its cap of 5000 events" \
  simulate "$TMP/cap.yaml" --mode load
t "event cap reached: run" 2 "cap.yaml: run 0: load: simulation.max_events: the simulation reached its cap" \
  run "$TMP/cap.yaml" -o "$TMP/cap-out" --runs 1 --quiet --no-plot
printf 'runs: 1000000\nsweep:\n  - key: links.omega_min\n    linear: {from: 1.0e6, to: 1.0e9, points: 1000}\n  - key: quantization.delta\n    linear: {from: 1.0e-6, to: 1.0e-3, points: 100}\n' \
  > "$TMP/sweep.yaml"
t "100k points x 1e6 runs: check" 2 "sweep.yaml: runs: 100000 sweep points x 1000000 runs x 1 method = 1e+11 rows" \
  check "$TMP/sweep.yaml"

# 7, huge counts: a scenario whose routes and solver cost tables cannot fit
# in the memory available is refused with exit 2, naming the file,
# servers.count and both byte counts, before its topology is drawn. The
# available memory is the smaller of physical memory and the address-space
# limit, so `ulimit -v` makes the refusal the same on every machine. 1000
# servers and the default 26 layers x 15 widths need, by hand: routes
# 1000^2 x (6 doubles + 1 int) = 52,000,000 bytes; solver tables
# 8 x 1000^2 x (25 x 15 + 15) + 8 x 26 x 15 x 1000 = 3,123,120,000 bytes;
# together 3,175,120,000 bytes, against 1 GiB = 1,073,741,824 bytes.
# Sanitizers reserve terabytes of address space and valgrind its own, so
# these run on plain builds only.
# tv NAME KB PATTERN ARGS...: t under `ulimit -v KB`.
tv() {
  name=$1 kb=$2 pat=$3
  shift 3
  ( ulimit -v "$kb" && exec timeout "$limit" "$DILEMMA" "$@" ) > "$TMP/out" 2> "$TMP/err"
  is $? 2 "$name: exit 2"
  contains "$TMP/err" "$pat" "$name: message"
}
if [ -z "${DILEMMA_SANITIZED:-}" ] && [ -z "${DILEMMA_WRAP:-}" ]; then
  printf 'servers: {count: 1000}\n' > "$TMP/mem.yaml"
  want="mem.yaml: servers.count: 1000 servers need about 3175120000 bytes .* more than the 1073741824 bytes .* of memory available"
  for cmd in solve simulate check; do
    tv "1000 servers under ulimit -v 1 GiB: $cmd" 1048576 "$want" $cmd "$TMP/mem.yaml"
  done
  # A sweep reaching 1000 servers at its second point is refused by check too.
  printf 'sweep:\n  - key: servers.count\n    values: [8, 1000]\n' > "$TMP/memsweep.yaml"
  tv "a sweep to 1000 servers under ulimit -v 1 GiB: check" 1048576 \
    "memsweep.yaml: servers.count: 1000 servers need about 3175120000 bytes" check "$TMP/memsweep.yaml"
  tv "1000 servers under ulimit -v 1 GiB: run" 1048576 "$want" \
    run "$TMP/mem.yaml" -o "$TMP/mem-out" --runs 1 --quiet --no-plot
  test ! -e "$TMP/mem-out/runs.csv"
  ok $? "1000 servers under ulimit -v 1 GiB: run writes no runs.csv"
  # `topology` does not solve: its 52 MB of routes fit, so it answers. This
  # is not a refusal whose time is bounded: drawing 1000 servers' routes
  # takes about 5 s of CPU, which a loaded machine (a parallel `make check`)
  # can stretch past the 10 s the refusals get, so it gets six times that.
  ( ulimit -v 1048576 && exec timeout "$((limit * 6))" "$DILEMMA" topology "$TMP/mem.yaml" --json ) \
    > "$TMP/out" 2> "$TMP/err"
  is $? 0 "1000 servers under ulimit -v 1 GiB: topology is drawn"
  # The 4096-server maximum with a geometric topology: its routes (4096^2 x 52 = 872,415,232 bytes)
  # fit in 4 GiB and drawing them takes seconds; the solver's tables
  # (52 GB) do not. The refusal must come from the estimate before the
  # draw, which alone names the file and says so; the old order (draw,
  # then the solver's refusal without the file name) fails the pattern,
  # and at its 14 s the timeout too.
  printf 'servers: {count: 4096}\nlinks: {topology: geometric}\n' > "$TMP/max.yaml"
  for cmd in solve simulate; do
    tv "4096 geometric servers under ulimit -v 4 GiB: $cmd" 4194304 \
      "max.yaml: servers.count: 4096 servers need about 53230108672 bytes .*than the 4294967296 bytes .*refused before drawing the topology" \
      $cmd "$TMP/max.yaml"
  done
  # Under 512 MiB not even the topology's matrices (5 x 4096^2 x 8 bytes
  # allocated, 671 MB) can be had: the refusal still comes, with exit 2 and
  # the same message, so nothing was drawn before it (a draw would have
  # failed with "out of memory", exit 1). `topology` is refused for its
  # routes alone.
  for cmd in solve check; do
    tv "4096 geometric servers under ulimit -v 512 MiB: $cmd" 524288 \
      "max.yaml: servers.count: 4096 servers need about 53230108672 bytes .*refused before drawing the topology" \
      $cmd "$TMP/max.yaml"
  done
  tv "4096 geometric servers under ulimit -v 512 MiB: topology" 524288 \
    "max.yaml: servers.count: 4096 servers need about 872415232 bytes (0.872 GB) for the routes, more than the 536870912 bytes" \
    topology "$TMP/max.yaml"
fi

# 8. A file size limit (ulimit -f, in 512- or 1024-byte blocks by shell):
# SIGXFSZ used to kill the run mid-row (status 153). The scenario and its
# header fit in 4 blocks; the 72 rows of run-small do not.
( ulimit -f 4 && exec timeout "$limit" ${DILEMMA_WRAP:-} "$DILEMMA" run "$top_srcdir/tests/data/run-small.yaml" \
    -o "$TMP/fsize" --quiet --no-plot ) 2> "$TMP/err"
is $? 1 "ulimit -f: exit 1, not killed by SIGXFSZ"
contains "$TMP/err" "fsize/runs.csv: write failed: File too large (the file size limit" \
  "ulimit -f: the message names the file and the limit"
awk -F, 'NR == 1 { n = NF } NF != n { bad = 1 } END { exit bad }' "$TMP/fsize/runs.csv"
ok $? "ulimit -f: no torn row in runs.csv"
[ "$(tail -c 1 "$TMP/fsize/runs.csv" | od -An -c | tr -d ' ')" = '\n' ]
ok $? "ulimit -f: runs.csv ends with a whole line"
test ! -e "$TMP/fsize/summary.csv"
ok $? "ulimit -f: no summary"
done_testing
