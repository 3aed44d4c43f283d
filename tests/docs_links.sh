#!/bin/sh
# docs_links.sh: README.md and docs/*.md name only files that are in the
# repository, so the documents stand on their own and cannot point at a file
# that was moved or never shipped. Two kinds of mention are checked:
#   - a path under one of the project's folders (sim/..., solver/...,
#     analysis/..., tests/..., scenarios/..., bench/..., docs/...), taken
#     from the top of the source tree; a program built from NAME.c (as
#     bench/bench_des) counts as present, and a pattern (with *, <...> or
#     {...}) is skipped;
#   - the target of a Markdown link, [text](target), taken from the
#     document's own folder, unless it is a URL or an in-page anchor.
. "${top_srcdir:-.}/tests/lib.sh"

cd "$top_srcdir" || exit 99

# present PATH: the file or folder exists, or PATH is a program built from PATH.c.
present() {
  [ -e "$1" ] || [ -e "$1.c" ]
}

docs="README.md $(ls docs/*.md)"
n=0
for doc in $docs; do
  grep -oE '(^|[^A-Za-z0-9_./~$-])(sim|solver|analysis|tests|scenarios|bench|docs)/[A-Za-z0-9_.*/<>{}-]*' \
    "$doc" | sed -E 's/^[^a-z]//' | sort -u > "$TMP/paths"
  while read -r path; do
    # A sentence may end right after the path.
    path=${path%[.,:;]}
    case $path in
      *'*'* | *'<'* | *'{'*) continue ;;
    esac
    n=$((n + 1))
    present "$path"
    ok $? "$doc: $path exists"
  done < "$TMP/paths"

  dir=$(dirname "$doc")
  grep -oE '\]\([^)#[:space:]]+' "$doc" | sed 's/^](//' | sort -u > "$TMP/links"
  while read -r target; do
    case $target in
      *://* | mailto:*) continue ;;
    esac
    n=$((n + 1))
    present "$dir/$target"
    ok $? "$doc: link $target exists"
  done < "$TMP/links"
done
[ "$n" -gt 20 ]
ok $? "the documents name files ($n checked)"
done_testing
