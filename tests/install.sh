#!/bin/sh
# install.sh: `make install DESTDIR=...` installs the program, the man page,
# the scenarios, the gnuplot scripts and the documentation, and the installed
# program reads the installed scenarios.
. "${top_srcdir:-.}/tests/lib.sh"
: "${top_builddir:=.}"
D="$TMP/dest"
${MAKE:-make} -s -C "$top_builddir" install DESTDIR="$D" > "$TMP/log" 2>&1
st=$?
ok $st "make install DESTDIR"
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/log"
bin=$(find "$D" -path '*/bin/dilemma' | head -n 1)
share=$(find "$D" -type d -path '*/share/dilemma' | head -n 1)
doc=$(find "$D" -type d -path '*/share/doc/dilemma' | head -n 1)
[ -x "$bin" ]
ok $? "bin/dilemma installed"
[ -n "$(find "$D" -path '*/man1/dilemma.1')" ]
ok $? "man page installed"
for f in quickstart fig3-delta fig5-d2d-speed fig6-compute table1-quant-ratio validate-des bench-solver; do
  [ -f "$share/scenarios/$f.yaml" ] || echo "# missing scenario $f"
done
[ -f "$share/scenarios/quickstart.yaml" ] && [ "$(ls "$share/scenarios" | wc -l)" -eq "$(ls "$top_srcdir"/scenarios/*.yaml | wc -l)" ]
ok $? "every scenario installed"
[ "$(ls "$share/analysis"/*.gp | wc -l)" -eq "$(ls "$top_srcdir"/analysis/*.gp | wc -l)" ]
ok $? "every gnuplot script installed"
missing=""
for f in LICENSE NEWS CITATION.cff README.md example.c "$top_srcdir"/docs/*.md; do
  [ -f "$doc/${f##*/}" ] || missing="$missing ${f##*/}"
done
is "$missing" "" "every page of docs/, the example, licence, news and citation installed"
"$bin" check -q "$share"/scenarios/*.yaml
ok $? "the installed program accepts the installed scenarios"

# The library: header, shared and static libraries and dilemma.pc, and the
# example built from them through pkg-config alone (prefix redefined to the
# DESTDIR copy; libdir is PREFIX/lib as configure sets it by default).
pc=$(find "$D" -name dilemma.pc | head -n 1)
[ -n "$pc" ] && [ -n "$(find "$D" -path '*/include/dilemma.h')" ]
ok $? "dilemma.pc and include/dilemma.h installed"
libdir=$(dirname "$(dirname "$pc")")
[ -f "$libdir/libdilemma.a" ] && [ -e "$libdir/libdilemma.so" ]
ok $? "libdilemma installed shared and static"
PKG_CONFIG_PATH="$(dirname "$pc")"
export PKG_CONFIG_PATH
pkgc() { ${PKG_CONFIG:-pkg-config} --define-variable=prefix="$(dirname "$libdir")" "$@" dilemma; }
flags=$(pkgc --cflags --libs)
ok $? "pkg-config --cflags --libs dilemma: $flags"
# shellcheck disable=SC2086
$CC $LIB_CFLAGS "$top_srcdir/docs/example.c" -o "$TMP/ex-shared" $SAN_LDFLAGS $flags 2> "$TMP/cc"
ok $? "the example builds against the installed shared library"
LD_LIBRARY_PATH="$libdir" ${DILEMMA_WRAP:-} "$TMP/ex-shared" "$share/scenarios/quickstart.yaml" "$TMP/o1" > "$TMP/out" 2>&1
ok $? "... and runs"
static=$(pkgc --static --libs | sed 's/-ldilemma/-Wl,-Bstatic -ldilemma -Wl,-Bdynamic/')
# shellcheck disable=SC2086
$CC $LIB_CFLAGS $(pkgc --cflags) "$top_srcdir/docs/example.c"   -o "$TMP/ex-static" $SAN_LDFLAGS $static 2> "$TMP/cc"
st=$?
ok $st "the example links statically with pkg-config --static"
[ $st -eq 0 ] || sed 's/^/#   /' "$TMP/cc"
${DILEMMA_WRAP:-} "$TMP/ex-static" "$share/scenarios/quickstart.yaml" "$TMP/o2" > /dev/null 2>&1
ok $? "... and runs"
cmp -s "$TMP/o1/runs.csv" "$TMP/o2/runs.csv"
ok $? "shared and static give the same runs.csv"
if command -v python3 > /dev/null 2>&1 && [ -z "${DILEMMA_SANITIZED:-}" ]; then
  py=$(find "$D" -path '*/dilemma/__init__.py' | head -n 1)
  [ -n "$py" ]
  ok $? "the Python package installed"
  DILEMMA_LIBRARY="$libdir/libdilemma.so" PYTHONPATH="$(dirname "$(dirname "$py")")" PYTHONDONTWRITEBYTECODE=1 \
    python3 -c 'import dilemma, sys; sys.exit(0 if dilemma.library_version() == sys.argv[1] else 1)' \
    "$("$bin" --version | cut -d' ' -f2)"
  ok $? "the installed package loads the installed library"
fi
done_testing
