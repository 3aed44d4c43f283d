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
for f in LICENSE NEWS CITATION.cff README.md scenario.md experiments.md; do
  [ -f "$doc/$f" ] || { echo "# missing doc $f"; false; }
done
ok $? "docs, licence, news and citation installed"
"$bin" check -q "$share"/scenarios/*.yaml
ok $? "the installed program accepts the installed scenarios"
done_testing
