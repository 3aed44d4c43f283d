#!/bin/sh
# cli_bad.sh: every malformed scenario in tests/bad/ is rejected by
# `dilemma check` with exit status 2 and the message in its .expect file
# (each line of the .expect file must appear in the error output); every
# scenario of tests/infeasible/ is valid but warned about, with its status.
. "${top_srcdir:-.}/tests/lib.sh"

count=0
for f in "$top_srcdir"/tests/bad/*.yaml; do
  count=$((count + 1))
  name=$(basename "$f" .yaml)
  expect="${f%.yaml}.expect"
  run check "$f" > "$TMP/out" 2> "$TMP/err"
  status=$?
  is "$status" 2 "$name: exit status 2"
  missing=""
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    grep -F -q -- "$line" "$TMP/err" || missing="$missing [$line]"
  done < "$expect"
  if [ -z "$missing" ]; then ok 0 "$name: message"; else
    ok 1 "$name: message"
    echo "#   missing:$missing"
    sed 's/^/#   stderr: /' "$TMP/err"
  fi
  [ -s "$TMP/out" ] && { ok 1 "$name: nothing on stdout"; } || ok 0 "$name: nothing on stdout"
done
# Valid scenarios in which the model cannot fit (tests/infeasible): the
# .expect file's first line is the exit status (3 when it fits at no sweep
# point, as `dilemma run` would exit; 0 when only some points are short),
# the other lines are parts of the warning.
for f in "$top_srcdir"/tests/infeasible/*.yaml; do
  name=$(basename "$f" .yaml)
  expect="${f%.yaml}.expect"
  run check -q "$f" > "$TMP/out" 2> "$TMP/err"
  st=$?
  is "$st" "$(sed -n '1s/^exit //p' "$expect")" "$name: exit status"
  missing=""
  tail -n +2 "$expect" > "$TMP/want"
  while IFS= read -r line; do
    [ -n "$line" ] || continue
    grep -F -q -- "$line" "$TMP/err" || missing="$missing [$line]"
  done < "$TMP/want"
  if [ -z "$missing" ]; then ok 0 "$name: warning"; else
    ok 1 "$name: warning"
    echo "#   missing:$missing"
    sed 's/^/#   stderr: /' "$TMP/err"
  fi
done
[ "$count" -ge 20 ]
ok $? "at least 20 malformed scenarios ($count)"
done_testing
