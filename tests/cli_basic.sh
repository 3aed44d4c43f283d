#!/bin/sh
# cli_basic.sh: the command line's contract: help, version, exit codes,
# the scenarios we ship, models and topology output.
. "${top_srcdir:-.}/tests/lib.sh"

run --version > "$TMP/v"
ok $? "--version exits 0"
grep -q '^dilemma [0-9][0-9.]*$' "$TMP/v"
ok $? "--version prints 'dilemma X.Y.Z'"
run --help > /dev/null
ok $? "--help exits 0"
for cmd in check models topology; do
  run $cmd --help > "$TMP/h"
  ok $? "$cmd --help exits 0"
  grep -q "^Usage: dilemma $cmd" "$TMP/h"
  ok $? "$cmd --help shows its usage"
done
run > /dev/null 2>&1
is $? 2 "no command: exit 2"
run frobnicate > /dev/null 2> "$TMP/e"
is $? 2 "unknown command: exit 2"
grep -q "unknown command 'frobnicate'" "$TMP/e"
ok $? "unknown command is named"
run check --frob > /dev/null 2>&1
is $? 2 "unknown option: exit 2"
run check "$TMP/does-not-exist.yaml" 2> "$TMP/e"
is $? 2 "missing scenario file: exit 2"
grep -q "does-not-exist.yaml: cannot open" "$TMP/e"
ok $? "missing file is named"

# Every shipped scenario is valid.
for f in "$top_srcdir"/scenarios/*.yaml; do
  run check -q "$f"
  ok $? "$(basename "$f") is valid"
done

# check --resolved writes a scenario that loads back unchanged.
run check --resolved "$top_srcdir/scenarios/quickstart.yaml" > "$TMP/r1.yaml"
ok $? "check --resolved"
run check --resolved "$TMP/r1.yaml" > "$TMP/r2.yaml"
cmp -s "$TMP/r1.yaml" "$TMP/r2.yaml"
ok $? "the resolved scenario is a fixed point"

# models: OPT-350m as JSON, 26 block layers, the published count.
run models --model opt-350m --json > "$TMP/m.json"
ok $? "models --model opt-350m --json"
grep -q '"total_params": 331196416' "$TMP/m.json"
ok $? "OPT-350m has 331196416 parameters"
is "$(grep -c '"act_elems"' "$TMP/m.json")" 26 "OPT-350m has 26 block layers"
run models --model opt-350m --granularity linear --json | grep -c '"act_elems"' > "$TMP/n"
is "$(cat "$TMP/n")" 149 "OPT-350m has 149 linear layers"
run models "$top_srcdir/scenarios/quickstart.yaml" > /dev/null
ok $? "models on a scenario"
run models --model opt-999m > /dev/null 2> "$TMP/e"
is $? 2 "unknown model: exit 2"
grep -q "unknown model 'opt-999m'" "$TMP/e"
ok $? "unknown model is named"
run models --model opt-350m --granularity leaf > /dev/null 2>&1
is $? 2 "unknown granularity: exit 2"
run models --model opt-350m --context -3 > /dev/null 2>&1
is $? 2 "negative context: exit 2"

# topology: deterministic, and another run differs.
q="$top_srcdir/scenarios/quickstart.yaml"
run topology "$q" --run 4 --point 2 --json > "$TMP/t1"
ok $? "topology --json"
run topology "$q" --run 4 --point 2 --json > "$TMP/t2"
cmp -s "$TMP/t1" "$TMP/t2"
ok $? "topology is deterministic"
run topology "$q" --run 5 --point 2 --json > "$TMP/t3"
cmp -s "$TMP/t1" "$TMP/t3"
is $? 1 "another run gives another topology"
grep -q '"bandwidth"' "$TMP/t1" && grep -q '"latency"' "$TMP/t1" && grep -q '"storage"' "$TMP/t1"
ok $? "topology JSON has servers, bandwidth and latency"
run topology "$q" --point 99 > /dev/null 2> "$TMP/e"
is $? 2 "a sweep point that does not exist: exit 2"
run topology "$q" --run x > /dev/null 2>&1
is $? 2 "a malformed run index: exit 2"

# Under an MPI launcher, a build without MPI refuses to run rather than
# have every process run the whole experiment into one directory.
if [ -z "$DILEMMA_MPI" ]; then
  OMPI_COMM_WORLD_SIZE=2 run run "$q" -o "$TMP/launched" --runs 1 --quiet --no-plot > /dev/null 2> "$TMP/e"
  is $? 2 "run under mpirun without MPI: exit 2"
  grep -q "built without MPI (configure --with-mpi)" "$TMP/e"
  ok $? "and says the build has no MPI"
  [ ! -e "$TMP/launched" ]
  ok $? "and writes nothing"
fi

# No leaks in check and models (skipped under the sanitizers, which
# valgrind cannot run beside, and when valgrind already wraps every run).
if command -v valgrind > /dev/null 2>&1 && [ -z "$DILEMMA_SANITIZED" ] && [ -z "$DILEMMA_WRAP" ]; then
  vg="valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible"
  $vg "$DILEMMA" check "$q" "$top_srcdir/tests/bad/03-negative-bandwidth.yaml" > /dev/null 2>&1
  is $? 2 "valgrind: check is clean (exit 2 from the bad file, not 99)"
  $vg "$DILEMMA" models --model llama-3-8b --granularity linear --json > /dev/null
  is $? 0 "valgrind: models is clean"
  $vg "$DILEMMA" topology "$q" --run 1 > /dev/null
  is $? 0 "valgrind: topology is clean"
fi
done_testing
