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

run profile "$T/w.safetensors" --pattern 'layers.{N}.' -b 2:3 -o "$T/table.csv"
ok $rc "-o exits 0"
cmp -s "$T/table.csv" "$T/want.csv"
ok $? "-o writes the same table"
[ ! -e "$T/table.csv.tmp" ]
ok $? "no temporary file is left behind"
[ ! -s "$T/out" ]
ok $? "nothing on standard output with -o"

run profile "$T/w.safetensors" --pattern 'layers.{N}.' -b 2,3 --json
ok $rc "--json exits 0"
grep -q '"name": "block.1"' "$T/out" && grep -q '"error": \[0.125, 0.03125\]' "$T/out"
ok $? "--json holds the layers and their errors"

# row NAME BITS: the error column of that row of $T/out.
row() { awk -F, -v n="$1" -v b="$2" '$2 == n && $3 == b { print $4 }' "$T/out"; }
# near GOT WANT: |GOT - WANT| <= 1e-12 |WANT|. The errors below are exact
# binary fractions, so only the final sqrt and the 17-digit print round.
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(a != "" && d <= 1e-12 * b) }'; }

# rtn-sym at b = 2: qmax = 2^1 - 1 = 1, per output row s = max|w|, and w/s
# rounds half to even into {-1, 0, 1}.
#   block.0 row [0.5, -0.375], s = 0.5:      1 -> 1, -0.75 -> -1: errors 0, 0.125
#           row [0.125, -0.0625], s = 0.125: 1 -> 1, -0.5 -> 0:   errors 0, 0.0625
#     rmse = sqrt((0.125^2 + 0.0625^2) / 4) = 0.06987712429686843
#   block.1 row [2, 0.75], s = 2: 1 -> 1, 0.375 -> 0: errors 0, 0.75
#     rmse = sqrt(0.75^2 / 2) = 0.5303300858899106
run profile "$T/w.safetensors" --pattern 'layers.{N}.' -b 2 --quantizer rtn-sym -s channel -M rmse
ok $rc "rtn-sym per channel with rmse runs"
near "$(row block.0 2)" 0.06987712429686843
ok $? "rtn-sym block.0 rmse = 0.06987712429686843 (hand computed, 1e-12 relative)"
near "$(row block.1 2)" 0.5303300858899106
ok $? "rtn-sym block.1 rmse = 0.5303300858899106 (hand computed, 1e-12 relative)"
[ "$(row embed 2)" = 0 ] && [ "$(row head 2)" = 0 ] && [ "$(wc -l <"$T/out")" -eq 5 ]
ok $? "rtn-sym: embed and head (no tensors) are 0; a header and 4 rows"

# rtn-asym at b = 2 per group of 2: codes 0..3, zero point z = round(-lo/s).
#   block.0 group [0.5, -0.375]: s = 0.875/3 = 7/24, z = round(9/7) = 1;
#     0.5 -> code 3 -> 2s = 7/12, -0.375 -> code 0 -> -7/24: errors 1/12 each
#   group [0.125, -0.0625]: s = 0.0625, z = 1; both exact, errors 0
#   rel-fro = sqrt((2/144) / (0.25 + 0.140625 + 0.015625 + 0.00390625))
#           = 0.1840174824912944
run profile "$T/w.safetensors" --pattern 'layers.{N}.' -b 2,3 --quantizer rtn-asym -M rel-fro -s group -G 2
ok $rc "rtn-asym per group with rel-fro runs"
[ "$(wc -l <"$T/out")" -eq 9 ]
ok $? "rtn-asym: a header and 4 layers x 2 widths = 9 lines"
near "$(row block.0 2)" 0.1840174824912944
ok $? "rtn-asym block.0 rel-fro at 2 bits = 0.1840174824912944 (hand computed, 1e-12 relative)"

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
usage "unknown quantizer 'rtn'" "$T/w.safetensors" --quantizer rtn
usage "unknown metric" "$T/w.safetensors" -M mse
usage "are not FROM:TO" "$T/w.safetensors" -b 8:4
usage "unknown model 'opt-13b'" "$T/w.safetensors" -m opt-13b
usage "unknown granularity" "$T/w.safetensors" -g layer
usage "unknown scale" "$T/w.safetensors" -s row
usage "--group takes" "$T/w.safetensors" -G 0
usage "--range takes" "$T/w.safetensors" --range -1
usage "applies to truncate only" "$T/w.safetensors" --quantizer rtn-sym --range 1
usage "rtn-sym" "$T/w.safetensors" --quantizer rtn-sym -b 1:4
usage "cannot open" "$T/absent.safetensors"
usage "no tensor is named like" "$T/w.safetensors"
usage "must be a block prefix" "$T/w.safetensors" --pattern 'layers.'
usage "give --model or --pattern" "$T/w.safetensors" -m opt-125m --pattern 'layers.{N}.'

run profile "$T/w.safetensors" --pattern 'layers.{N}.' -o "$T/no/such/dir/t.csv"
[ $rc -eq 1 ] && grep -q "cannot write" "$T/err"
ok $? "an unwritable output is a runtime error (exit 1)"

tap_done
