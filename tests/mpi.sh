#!/bin/sh
# mpi.sh: `dilemma run` under mpirun (3 ranks on this machine, loopback):
# byte-identical output to -j 1; a job killed mid-sweep or a dead worker
# rank leaves whole rows that --resume (with or without MPI) completes to
# the same result. Skipped unless built with --with-mpi and mpirun exists.
. "${top_srcdir:-.}/tests/lib.sh"
if [ -z "$DILEMMA_MPI" ] || ! command -v mpirun > /dev/null 2>&1; then
  echo "1..0 # SKIP not built with --with-mpi, or no mpirun"
  exit 0
fi
# Open MPI refuses root unless told; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Loopback only: shared memory and TCP on lo, no network probing.
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
mpi() { mpirun --oversubscribe -n "$@"; }
sc="$top_srcdir/tests/data/run-small.yaml"

run run "$sc" -o "$TMP/j1" -j 1 --runs 40 --quiet --no-plot
ok $? "reference: -j 1"
mpi 3 "$DILEMMA" run "$sc" -o "$TMP/mpi" --runs 40 --quiet --no-plot
ok $? "mpirun -n 3 dilemma run"
cmp -s "$TMP/j1/runs.csv" "$TMP/mpi/runs.csv"
ok $? "runs.csv under MPI is byte-identical to -j 1"
cmp -s "$TMP/j1/summary.csv" "$TMP/mpi/summary.csv"
ok $? "summary.csv under MPI is byte-identical to -j 1"
mpi 2 "$DILEMMA" run "$sc" -o "$TMP/mpi2" --runs 40 -j 2 --quiet --no-plot
cmp -s "$TMP/j1/runs.csv" "$TMP/mpi2/runs.csv"
ok $? "2 ranks with 2 threads each: the same runs.csv"

# Kill the whole job mid-sweep, then resume under MPI.
mpi 3 "$DILEMMA" run "$sc" -o "$TMP/killed" --runs 400 --quiet --no-plot > /dev/null 2>&1 &
pid=$!
sleep 1
kill -TERM "$pid" 2> /dev/null
wait "$pid"
echo "# the killed job exited with status $?"
rows=$(($(wc -l < "$TMP/killed/runs.csv") - 1))
echo "# $rows rows survived"
awk -F, 'NR > 1 && NF != 18 {bad = 1} END {exit bad}' "$TMP/killed/runs.csv"
ok $? "every row left by the killed job is whole"
mpi 3 "$DILEMMA" run "$sc" -o "$TMP/killed" --runs 400 --resume --quiet --no-plot
ok $? "--resume under MPI completes the sweep"
run run "$sc" -o "$TMP/ref400" -j 2 --runs 400 --quiet --no-plot
cmp -s "$TMP/killed/runs.csv" "$TMP/ref400/runs.csv" && cmp -s "$TMP/killed/summary.csv" "$TMP/ref400/summary.csv"
ok $? "and equals the uninterrupted result"

# A worker rank dies: the job ends, rows stay, --resume without MPI finishes.
mpi 3 sh -c 'echo $$ > "$0/pid.$OMPI_COMM_WORLD_RANK"; exec "$1" run "$2" -o "$0/dead" --runs 400 --quiet --no-plot' \
  "$TMP" "$DILEMMA" "$sc" > /dev/null 2>&1 &
pid=$!
sleep 1
[ -s "$TMP/pid.1" ] && kill -KILL "$(cat "$TMP/pid.1")" 2> /dev/null
wait "$pid"
status=$?
echo "# the job with a killed rank exited with status $status"
run run "$sc" -o "$TMP/dead" --runs 400 --resume -j 2 --quiet --no-plot
ok $? "--resume without MPI completes a job whose worker died"
cmp -s "$TMP/dead/runs.csv" "$TMP/ref400/runs.csv"
ok $? "and equals the uninterrupted result"
done_testing
