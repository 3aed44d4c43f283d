# st_lib.sh: helpers for the profile shell tests (sourced): TAP output,
# running the command (under valgrind when DILEMMA_WRAP is set) and writing
# safetensors files byte by byte.

tap_n=0
tap_fail=0
ok() { # ok STATUS DESCRIPTION: STATUS 0 passes
  tap_n=$((tap_n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $tap_n - $2"; else echo "not ok $tap_n - $2"; tap_fail=1; fi
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
tap_done() { echo "1..$tap_n"; exit $tap_fail; }

# Runs dilemma with stdout to $T/out and stderr to $T/err; sets rc.
run() {
  $DILEMMA_WRAP "$DILEMMA" "$@" >"$T/out" 2>"$T/err"
  rc=$?
}

# le64 N: N as 8 little-endian bytes.
le64() {
  n=$1
  i=0
  while [ $i -lt 8 ]; do
    printf "\\$(printf %03o $((n % 256)))"
    n=$((n / 256))
    i=$((i + 1))
  done
}

# st_file FILE HEADER_LEN HEADER DATA: DATA is a printf format of octal
# escapes ("\000\070"), or "" for none.
st_file() {
  { le64 "$2"; printf '%s' "$3"; printf "$4"; } >"$1"
}

# st_ok FILE HEADER DATA: a file whose length field is the header's length.
st_ok() {
  st_file "$1" "${#2}" "$2" "$3"
}

T=$(mktemp -d "${TMPDIR:-/tmp}/dilemma-sh.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
