#!/bin/sh
# cli_set.sh: --set KEY=VALUE overrides a scenario key on every command that
# reads one, with the same validation and the key path in the message.
. "${top_srcdir:-.}/tests/lib.sh"
SC="$top_srcdir/scenarios/quickstart.yaml"

# bad KEY=VALUE | text expected in the message
while IFS='|' read -r set want; do
  run check --set "$set" "$SC" > /dev/null 2> "$TMP/e"
  st=$?
  [ $st -eq 2 ] && grep -q -F -- "$want" "$TMP/e"
  ok $? "--set $set: exit 2 and '$want'"
  [ $st -eq 2 ] || sed 's/^/#   /' "$TMP/e"
done <<'CASES'
runs=abc|--set runs=abc: error: runs: expected a number in [1, 1000000]
runs=0|--set runs=0: error: runs:
model.nme=opt-350m|--set model.nme=opt-350m: error: model.nme: unknown key; did you mean 'name'?
links.omega_min=-3|--set links.omega_min=-3: error: links.omega_min: -3 is out of range
model.name=opt-999m|model.name: sweep point 0 (links.omega_min = 1e+06): unknown model 'opt-999m'
servers.ccs.mni=1|--set servers.ccs.mni=1: error: servers.ccs.mni: unknown key
runs|--set runs: error: expected KEY=VALUE
=3|--set =3: error: expected KEY=VALUE
a..b=1|--set a..b=1: error: empty component
runs=[1|--set runs=[1: error: the value is not valid YAML
CASES

# A good override equals the same change written in the file.
sed 's/^runs: 20$/runs: 3/; s/omega_min: 1.0e8 /omega_min: 2.5e8 /' "$SC" > "$TMP/edited.yaml"
grep -q '^runs: 3$' "$TMP/edited.yaml" && grep -q 'omega_min: 2.5e8 ' "$TMP/edited.yaml"
ok $? "the edited copy has both changes"
run check --resolved "$TMP/edited.yaml" | sed 1,3d > "$TMP/a"
run check --resolved --set runs=3 --set links.omega_min=2.5e8 "$SC" | sed 1,3d > "$TMP/b"
cmp -s "$TMP/a" "$TMP/b"
ok $? "check --resolved: --set gives the scenario the edited file gives"
run solve "$TMP/edited.yaml" --json --point 1 --run 2 | grep -v solve_s > "$TMP/a"
run solve "$SC" --set links.omega_min=2.5e8 --json --point 1 --run 2 | grep -v solve_s > "$TMP/b"
cmp -s "$TMP/a" "$TMP/b"
ok $? "solve: --set gives the edited file's result"
run topology "$SC" --set servers.count=3 --json > "$TMP/t"
is "$(grep -c '"ccs"' "$TMP/t")" 3 "topology: --set servers.count=3 gives 3 servers"
run simulate "$SC" --set servers.count=3 --json > /dev/null
ok $? "simulate accepts --set"
run models "$SC" --set model.name=opt-125m --json | grep -q '"model": "opt-125m"'
ok $? "models: --set model.name"
# A whole YAML value, a key that is not in the file, later ones win.
run check --resolved --set 'sweep=[{key: servers.count, values: [2, 3]}]' --set 'simulation.rate=2' \
  --set runs=5 --set runs=6 "$SC" > "$TMP/r"
contains "$TMP/r" "^runs: 6$" "the last --set of a key wins"
contains "$TMP/r" "key: servers.count" "--set replaces a whole list with a YAML value"
contains "$TMP/r" "rate: 2" "--set adds a key the file does not have"
run run "$SC" -o "$TMP/o" --set runs=1 --set 'sweep=[{key: servers.count, values: [2, 3]}]' --no-plot -q
ok $? "run accepts --set"
is "$(($(wc -l < "$TMP/o/runs.csv") - 1))" 6 "run --set runs=1 and a 2-point sweep: two tasks of three methods"
contains "$TMP/o/scenario.resolved.yaml" "^runs: 1$" "the resolved scenario records the override"

done_testing
