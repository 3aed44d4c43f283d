#!/bin/sh
# bench_mpi.sh: the cost of distributing `dilemma run` over MPI ranks on this
# machine (loopback). Run by `make bench` when built with --with-mpi.
#  1. scaling: a sweep whose runs take >= 50 ms each (bench/mpi-heavy.yaml),
#     wall time on 1 and 2 ranks, parallel efficiency T1 / (2 T2);
#  2. overhead: trivial runs (bench/mpi-trivial.yaml, microseconds each);
#     the marginal cost of a run is (W(20,000 runs) - W(10,000 runs)) / 10,000,
#     measured without MPI (-j 1) and with 2 ranks, and their difference is
#     what distributing one run costs.
set -e
dilemma=${DILEMMA:-./dilemma}
src=${top_srcdir:-.}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
# wall CMD...: seconds taken by CMD.
wall() { t0=$(now); "$@" > /dev/null; t1=$(now); calc "$t1 - $t0"; }
# calc EXPR: floating-point arithmetic (awk, so nothing beyond POSIX is needed).
calc() { awk "BEGIN { print $1 }"; }

echo "MPI scaling: bench/mpi-heavy.yaml (40 runs, one solve and 40,000 simulated requests each)"
t1=$(wall mpirun --oversubscribe -n 1 "$dilemma" run "$src/bench/mpi-heavy.yaml" -o "$tmp/h1" -q --no-plot)
t2=$(wall mpirun --oversubscribe -n 2 "$dilemma" run "$src/bench/mpi-heavy.yaml" -o "$tmp/h2" -q --no-plot)
cmp -s "$tmp/h1/runs.csv" "$tmp/h2/runs.csv" || { echo "outputs differ"; exit 1; }
printf "  1 rank  %7.2f s  (%.0f ms per run)\n" "$t1" "$(calc "$t1 * 1000 / 40")"
printf "  2 ranks %7.2f s  parallel efficiency %.1f %%\n" "$t2" "$(calc "100 * $t1 / (2 * $t2)")"

echo "MPI overhead: bench/mpi-trivial.yaml (trivial runs)"
p1=$(wall "$dilemma" run "$src/bench/mpi-trivial.yaml" -o "$tmp/p1" -j 1 -q --no-plot --runs 10000)
p2=$(wall "$dilemma" run "$src/bench/mpi-trivial.yaml" -o "$tmp/p2" -j 1 -q --no-plot --runs 20000)
m1=$(wall mpirun --oversubscribe -n 2 "$dilemma" run "$src/bench/mpi-trivial.yaml" -o "$tmp/m1" -q --no-plot --runs 10000)
m2=$(wall mpirun --oversubscribe -n 2 "$dilemma" run "$src/bench/mpi-trivial.yaml" -o "$tmp/m2" -q --no-plot --runs 20000)
cmp -s "$tmp/p2/runs.csv" "$tmp/m2/runs.csv" || { echo "outputs differ"; exit 1; }
plain=$(calc "($p2 - $p1) * 1000000 / 10000")
mpi=$(calc "($m2 - $m1) * 1000000 / 10000")
printf "  10,000 runs: %.2f s without MPI (-j 1), %.2f s on 2 ranks\n" "$p1" "$m1"
printf "  marginal cost of a run: %.1f us without MPI, %.1f us on 2 ranks\n" "$plain" "$mpi"
printf "  distribution overhead: %.1f us per run (negative: the second rank's work outweighs it)\n" \
  "$(calc "$mpi - $plain")"
