#!/bin/sh
# layout.sh: the dependency rule of docs/architecture.md, checked on the
# sources. Each folder may include the public headers of the folders listed
# for it and nothing else of ours; code outside a folder never includes that
# folder's internal headers (internal.h, internal_*.h; tests excepted);
# sim/ has no source at its top level.
# The table here and the one in docs/architecture.md say the same; when a
# folder gains a dependency both change together.
. "${top_srcdir:-.}/tests/lib.sh"

cd "$top_srcdir" || exit 99

allowed() {
  case $1 in
    sim/core) echo "" ;;
    sim/model | sim/des | sim/hardware) echo "sim/core" ;;
    sim/topology) echo "sim/core sim/hardware" ;;
    sim/weights) echo "sim/core sim/model" ;;
    solver) echo "sim/core sim/model sim/hardware sim/topology" ;;
    sim/serve) echo "sim/core sim/des solver" ;;
    sim/scenario) echo "sim/core sim/hardware sim/model sim/topology solver sim/serve" ;;
    analysis) echo "sim/core sim/scenario" ;;
    sim/run) echo "sim/core sim/model sim/des sim/hardware sim/topology sim/weights solver sim/serve sim/scenario analysis" ;;
    sim/cli) echo "sim/core sim/model sim/des sim/hardware sim/topology sim/weights solver sim/serve sim/scenario analysis sim/run" ;;
    api) echo "sim/core sim/model sim/des sim/hardware sim/topology sim/weights solver sim/serve sim/scenario analysis sim/run" ;;
  esac
}

for dir in sim/core sim/model sim/des sim/hardware sim/topology sim/weights solver sim/serve sim/scenario \
  analysis sim/run sim/cli api; do
  bad=""
  for f in "$dir"/*.c "$dir"/*.h; do
    [ -e "$f" ] || continue
    for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
      case $inc in config.h) continue ;; esac
      target=${inc%/*}
      [ "$target" = "$dir" ] && continue
      case " $(allowed "$dir") " in
        *" $target "*) ;;
        *) bad="$bad $f:$inc" ;;
      esac
      case $inc in */internal.h | */internal_*.h) bad="$bad $f:$inc(internal)" ;; esac
    done
  done
  is "$bad" "" "$dir includes only the folders it may depend on"
done

top=$(ls sim/*.c sim/*.h 2>/dev/null | tr '\n' ' ')
is "$top" "" "sim/ has no source at its top level"

done_testing
