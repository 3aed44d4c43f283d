#!/bin/sh
# docs_keys.sh: every key the scenario schema accepts is documented in
# docs/scenario.md (as `key.path`), so the reference cannot fall behind.
. "${top_srcdir:-.}/tests/lib.sh"

run check --keys > "$TMP/keys"
ok $? "dilemma check --keys runs"
n=0
while read -r key rest; do
  n=$((n + 1))
  grep -F -q -- "\`$key\`" "$top_srcdir/docs/scenario.md"
  ok $? "docs/scenario.md documents $key"
done < "$TMP/keys"
[ "$n" -gt 50 ]
ok $? "the schema lists its keys ($n)"
done_testing
