#!/bin/sh
# python.sh: the Python package (python/dilemma) under unittest, against the
# libdilemma of this build. Skipped when there is no python3, and under the
# sanitizers (an instrumented library cannot be loaded into an uninstrumented
# interpreter).
. "${top_srcdir:-.}/tests/lib.sh"
: "${top_builddir:=.}"
if ! command -v python3 > /dev/null 2>&1; then
  echo "1..0 # SKIP python3 not found"
  exit 0
fi
if [ -n "${DILEMMA_SANITIZED:-}" ] || [ -n "${DILEMMA_WRAP:-}" ]; then
  echo "1..0 # SKIP the library is instrumented (sanitizers or valgrind)"
  exit 0
fi
DILEMMA_LIBRARY="$(cd "$top_builddir/.libs" && pwd)/libdilemma.so"
PYTHONPATH="$top_srcdir/python${PYTHONPATH:+:$PYTHONPATH}"
PYTHONDONTWRITEBYTECODE=1
export DILEMMA_LIBRARY PYTHONPATH PYTHONDONTWRITEBYTECODE
python3 -m unittest discover -v -s "$top_srcdir/python/tests" -t "$top_srcdir/python/tests" > "$TMP/out" 2>&1
st=$?
# One TAP line per unittest case: "test_x (module.Class.test_x) ... ok".
while IFS= read -r line; do
  case "$line" in
    *" ... ok") ok 0 "${line% ... ok}" ;;
    *" ... skipped"*) tap_n=$((tap_n + 1)); echo "ok $tap_n - ${line%% ... *} # SKIP ${line#* ... skipped }" ;;
    *" ... FAIL" | *" ... ERROR") ok 1 "${line% ... *}" ;;
  esac
done < "$TMP/out"
ok $st "python3 -m unittest exits 0"
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/out"
done_testing
