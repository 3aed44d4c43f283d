# lib.sh: TAP helpers shared by the shell tests. Sourced, not run.
# Environment from the Makefile: top_srcdir, DILEMMA (the binary), and
# DILEMMA_WRAP (a valgrind command under --enable-valgrind, else empty).
tap_n=0
tap_failed=0

# ok STATUS NAME: STATUS 0 passes.
ok() {
  tap_n=$((tap_n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $tap_n - $2"
  else
    echo "not ok $tap_n - $2"
    tap_failed=1
  fi
}

# is GOT WANT NAME: string equality, printing both on failure.
is() {
  if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; echo "#   got '$1', want '$2'"; fi
}

# contains FILE PATTERN NAME: grep PATTERN in FILE, printing FILE on failure.
contains() {
  if grep -q -- "$2" "$1"; then ok 0 "$3"; else ok 1 "$3"; echo "#   '$2' not in:"; sed 's/^/#   /' "$1"; fi
}

done_testing() {
  echo "1..$tap_n"
  exit $tap_failed
}

# run ARGS...: the dilemma binary, under valgrind when configured so.
run() {
  ${DILEMMA_WRAP:-} "$DILEMMA" "$@"
}

: "${top_srcdir:=.}"
: "${DILEMMA:=./dilemma}"
TMP=$(mktemp -d "${TMPDIR:-/tmp}/dilemma-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
