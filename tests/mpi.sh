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
# The solve times travel with the rows: one timing.csv row per runs.csv row.
cut -d, -f3-6 "$TMP/mpi/timing.csv" > "$TMP/mpi.tkeys"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i }
         { print $h["point"] "," $h["run"] "," $h["method"] "," $h["model"] }' "$TMP/mpi/runs.csv" > "$TMP/mpi.rkeys"
cmp -s "$TMP/mpi.tkeys" "$TMP/mpi.rkeys"
ok $? "timing.csv under MPI has a solve time for every row of runs.csv"
mpi 2 "$DILEMMA" run "$sc" -o "$TMP/mpi2" --runs 40 -j 2 --quiet --no-plot
cmp -s "$TMP/j1/runs.csv" "$TMP/mpi2/runs.csv"
ok $? "2 ranks with 2 threads each: the same runs.csv"

# wait_rows FILE N PID: wait until FILE has N rows or PID is gone.
wait_rows() {
  while kill -0 "$3" 2> /dev/null; do
    [ $(($(cat "$1" 2> /dev/null | wc -l) - 1)) -ge "$2" ] && return 0
    sleep 0.01
  done
}
# tracked TAG ARGS...: `dilemma ARGS` on 3 ranks, each leaving its pid in
# $TMP/TAG.RANK, in the background.
tracked() {
  tag=$1
  shift
  mpi 3 sh -c 'echo $$ > "$0.$OMPI_COMM_WORLD_RANK"; shift; exec "$@"' "$TMP/$tag" - "$DILEMMA" "$@" \
    > /dev/null 2>&1 &
}
# wait_gone TAG: mpirun may return before its ranks do; a resumed run must
# not start while a rank of the killed job still writes (the directory lock
# would refuse it). Waits up to 20 s.
wait_gone() {
  for i in $(seq 2000); do
    alive=0
    for f in "$TMP/$1".*; do [ -s "$f" ] && kill -0 "$(cat "$f")" 2> /dev/null && alive=1; done
    [ $alive -eq 0 ] && return 0
    sleep 0.01
  done
  return 1
}
# These runs carry the load experiment (milliseconds each), so the kills
# below land in the middle of the sweep.
sl="$top_srcdir/tests/data/run-load.yaml"
"$DILEMMA" run "$sl" -o "$TMP/ref" -j 2 --runs 40 --quiet --no-plot
ok $? "reference for the fault tests"

# Kill the whole job mid-sweep as a resource manager does (every rank,
# SIGKILL: nothing graceful), then resume under MPI. mpirun itself is not the
# target: Open MPI's mpirun can exit on a signal and leave its ranks running.
tracked killed run "$sl" -o "$TMP/killed" --runs 40 --quiet --no-plot
pid=$!
wait_rows "$TMP/killed/runs.csv" 30 "$pid"
for f in "$TMP/killed".*; do kill -KILL "$(cat "$f")" 2> /dev/null; done
wait "$pid"
wait_gone killed
ok $? "every rank of the killed job has exited"
rows=$(($(wc -l < "$TMP/killed/runs.csv") - 1))
echo "# the job was killed with $rows of 240 rows written"
[ "$rows" -lt 240 ]
ok $? "the job was killed mid-sweep"
awk -F, 'NR == 1 { n = NF; next } NF != n { bad = 1 } END { exit bad }' "$TMP/killed/runs.csv"
ok $? "every row left by the killed job is whole"
mpi 3 "$DILEMMA" run "$sl" -o "$TMP/killed" --runs 40 --resume --quiet --no-plot
ok $? "--resume under MPI completes the sweep"
cmp -s "$TMP/killed/runs.csv" "$TMP/ref/runs.csv" && cmp -s "$TMP/killed/summary.csv" "$TMP/ref/summary.csv"
ok $? "and equals the uninterrupted result"

# A worker rank dies: the job ends, rows stay, --resume without MPI finishes.
tracked dead run "$sl" -o "$TMP/dead" --runs 40 --quiet --no-plot
pid=$!
wait_rows "$TMP/dead/runs.csv" 30 "$pid"
[ -s "$TMP/dead.1" ] && kill -KILL "$(cat "$TMP/dead.1")" 2> /dev/null
wait "$pid"
status=$?
wait_gone dead
rows=$(($(wc -l < "$TMP/dead/runs.csv") - 1))
echo "# with rank 1 killed the job exited with status $status and $rows rows"
[ "$status" -ne 0 ] && [ "$rows" -lt 240 ]
ok $? "killing a worker rank ends the job early with a failure status"
"$DILEMMA" run "$sl" -o "$TMP/dead" --runs 40 --resume -j 2 --quiet --no-plot
ok $? "--resume without MPI completes a job whose worker died"
cmp -s "$TMP/dead/runs.csv" "$TMP/ref/runs.csv"
ok $? "and equals the uninterrupted result"
done_testing
