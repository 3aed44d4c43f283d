#!/bin/sh
# profile_cli.sh: `dilemma profile` end to end on a file written here:
# the exact table, -o and --json, and usage errors (exit 2).
. "$top_srcdir/tests/st_lib.sh"

# Two layers under the pattern layers.{N}.:
#   layers.0.w F16  [2,2] 0.5 -0.375 0.125 -0.0625 (0x3800 0xb600 0x3000 0xac00)
#   layers.1.w BF16 [1,2] 2 0.75                    (0x4000 0x3f40)
# Truncate with R = max|w|: the largest weight saturates, so each layer's
# max error is one step R 2^-b and max-abs-norm is R 4^-b:
#   block.0: 0.5/16 = 0.03125 (b=2), 0.5/64 = 0.0078125 (b=3)
#   block.1: 2/16 = 0.125 (b=2), 2/64 = 0.03125 (b=3)
H='{"layers.0.w":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]},"layers.1.w":{"dtype":"BF16","shape":[1,2],"data_offsets":[8,12]}}'
st_ok "$T/w.safetensors" "$H" '\000\070\000\266\000\060\000\254\000\100\100\077'
cat >"$T/want.csv" <<'CSV'
layer,name,bits,error
0,embed,2,0
0,embed,3,0
1,block.0,2,0.03125
1,block.0,3,0.0078125
2,block.1,2,0.125
2,block.1,3,0.03125
3,head,2,0
3,head,3,0
CSV

run profile --help
ok $rc "--help exits 0"
grep -q "Usage: dilemma profile WEIGHTS" "$T/out"
ok $? "--help prints the usage"

run profile "$T/w.safetensors" --pattern 'layers.{N}.' --bits 2,3
ok $rc "profile exits 0"
cmp -s "$T/out" "$T/want.csv"
ok $? "the table on standard output is exactly the hand-computed one"
[ -s "$T/out" ] || diag "stderr: $(cat "$T/err")"
[ ! -s "$T/err" ]
ok $? "nothing on stderr when it is not a terminal (no progress bar)"

run profile "$T/w.safetensors" -p 'layers.{N}.' -b 2:3 -o "$T/table.csv"
ok $rc "-o exits 0"
cmp -s "$T/table.csv" "$T/want.csv"
ok $? "-o writes the same table"
[ ! -e "$T/table.csv.tmp" ]
ok $? "no temporary file is left behind"
[ ! -s "$T/out" ]
ok $? "nothing on standard output with -o"

run profile "$T/w.safetensors" -p 'layers.{N}.' -b 2,3 --json
ok $rc "--json exits 0"
grep -q '"name": "block.1"' "$T/out" && grep -q '"error": \[0.125, 0.03125\]' "$T/out"
ok $? "--json holds the layers and their errors"

run profile "$T/w.safetensors" -p 'layers.{N}.' -b 2 -q rtn-sym -s channel -M rmse
ok $rc "rtn-sym per channel with rmse runs"

run profile "$T/w.safetensors" -p 'layers.{N}.' -b 2,3 -q rtn-asym -M rel-fro -s group -G 2
ok $rc "rtn-asym per group with rel-fro runs"

# Usage errors: exit 2 and a message that says what is wrong.
usage() { # usage PHRASE ARGS...
  phrase=$1
  shift
  run profile "$@"
  [ $rc -eq 2 ] && grep -q -- "$phrase" "$T/err"
  ok $? "usage error ($phrase) exits 2"
  [ $rc -eq 2 ] || diag "exit $rc: $(cat "$T/err")"
}
usage "give exactly one WEIGHTS path"
usage "give exactly one WEIGHTS path" "$T/w.safetensors" "$T/w.safetensors"
usage "unknown quantizer 'rtn'" "$T/w.safetensors" -q rtn
usage "unknown metric" "$T/w.safetensors" -M mse
usage "are not FROM:TO" "$T/w.safetensors" -b 8:4
usage "unknown model 'opt-13b'" "$T/w.safetensors" -m opt-13b
usage "unknown granularity" "$T/w.safetensors" -g layer
usage "unknown scale" "$T/w.safetensors" -s row
usage "--group takes" "$T/w.safetensors" -G 0
usage "--range takes" "$T/w.safetensors" -r -1
usage "applies to truncate only" "$T/w.safetensors" -q rtn-sym -r 1
usage "rtn-sym" "$T/w.safetensors" -q rtn-sym -b 1:4
usage "cannot open" "$T/absent.safetensors"
usage "no tensor is named like" "$T/w.safetensors"
usage "must be a block prefix" "$T/w.safetensors" -p 'layers.'
usage "give --model or --pattern" "$T/w.safetensors" -m opt-125m -p 'layers.{N}.'

run profile "$T/w.safetensors" -p 'layers.{N}.' -o "$T/no/such/dir/t.csv"
[ $rc -eq 1 ] && grep -q "cannot write" "$T/err"
ok $? "an unwritable output is a runtime error (exit 1)"

tap_done
