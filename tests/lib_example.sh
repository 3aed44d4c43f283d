#!/bin/sh
# lib_example.sh: docs/example.c, compiled against the libdilemma just built
# (shared, and static with the dependencies dilemma.pc names), runs and
# agrees with the command line: the same objective as `dilemma solve` and a
# runs.csv byte-identical to `dilemma run` with the same overrides.
. "${top_srcdir:-.}/tests/lib.sh"
: "${top_builddir:=.}" "${CC:=cc}"
libs="$top_builddir/.libs"
sc="$top_srcdir/scenarios/quickstart.yaml"

# shellcheck disable=SC2086 # the flag lists are word lists
$CC $LIB_CFLAGS -I"$top_srcdir/api" "$top_srcdir/docs/example.c" -o "$TMP/example" \
  $SAN_LDFLAGS -L"$libs" -ldilemma -Wl,-rpath,"$(cd "$libs" && pwd)" 2> "$TMP/cc"
st=$?
ok $st "docs/example.c compiles against the shared library"
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/cc"
${DILEMMA_WRAP:-} "$TMP/example" "$sc" "$TMP/ex" > "$TMP/out" 2> "$TMP/err"
st=$?
ok $st "the example runs"
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/err"
contains "$TMP/out" "scenario quickstart: 4 sweep points x 2 runs" "the overrides reached the scenario"
contains "$TMP/out" "point 0, run 1: 26 layers on 5 servers" "servers.count=5 shapes the instance"

# The API's objective is the command's (both print the shortest round-trip
# form of the same double, so the text must match exactly).
api=$(sed -n 's/^  "objective_s": \(.*\),$/\1/p' "$TMP/out")
run solve "$sc" --set runs=2 --set servers.count=5 --point 0 --run 1 --method ilp --json > "$TMP/cli.json"
cli=$(sed -n 's/^  "objective_s": \(.*\),$/\1/p' "$TMP/cli.json")
[ -n "$api" ] && is "$api" "$cli" "dilemma_simulate's objective_s equals dilemma solve's objective_s"
run run "$sc" --set runs=2 --set servers.count=5 -o "$TMP/cli" --no-plot -q
cmp -s "$TMP/ex/runs.csv" "$TMP/cli/runs.csv"
ok $? "dilemma_experiment_run writes the runs.csv of dilemma run"
cmp -s "$TMP/ex/summary.csv" "$TMP/cli/summary.csv"
ok $? "... and its summary.csv"

# The shared library exports the API and nothing else.
if command -v nm > /dev/null 2>&1; then
  nm -D --defined-only "$libs/libdilemma.so" | awk '$2 == "T" { print $3 }' | grep -v '^dilemma_' > "$TMP/extra"
  is "$(wc -l < "$TMP/extra" | tr -d ' ')" 0 "libdilemma.so exports only dilemma_* symbols"
fi
done_testing
