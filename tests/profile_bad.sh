#!/bin/sh
# profile_bad.sh: corrupt and hostile safetensors files given to
# `dilemma profile`: each must exit 2 with an error naming the file and the
# problem (under valgrind, any memory error exits 99 instead).
. "$top_srcdir/tests/st_lib.sh"

n=0
bad() { # bad PHRASE LENGTH HEADER DATA: LENGTH "" means the header's own
  n=$((n + 1))
  f="$T/bad$n.safetensors"
  if [ -z "$2" ]; then st_ok "$f" "$3" "$4"; else st_file "$f" "$2" "$3" "$4"; fi
  run profile "$f" --pattern 'w.{N}.'
  [ $rc -eq 2 ] && grep -q -- "$f" "$T/err" && grep -q -- "$1" "$T/err"
  ok $? "corrupt file $n: $1"
  [ $rc -eq 2 ] || diag "exit $rc: $(cat "$T/err")"
}
A='"dtype":"F32","shape":[1]'

: >"$T/empty.safetensors"
run profile "$T/empty.safetensors"
[ $rc -eq 2 ] && grep -q "the file is empty" "$T/err"
ok $? "corrupt file: empty"
printf '\012\000\000' >"$T/short.safetensors"
run profile "$T/short.safetensors"
[ $rc -eq 2 ] && grep -q "fewer than the 8-byte header length" "$T/err"
ok $? "corrupt file: cut inside the length"

bad "extends past the end of the file" 1000 '{}' ''
bad "extends past the end of the file" 80 '{"w.0.a":{"dtype":"F32",' ''
bad "not valid JSON" '' '{"w.0.a":{"dtype":"F32" "shape":[1],"data_offsets":[0,4]}}' '\0\0\0\0'
bad "does not start with" '' 'garbage' ''
bad "duplicate" '' "{\"w.0.a\":{$A,\"data_offsets\":[0,4]},\"w.0.a\":{$A,\"data_offsets\":[0,4]}}" '\0\0\0\0'
bad "unknown dtype 'F4'" '' '{"w.0.a":{"dtype":"F4","shape":[1],"data_offsets":[0,4]}}' '\0\0\0\0'
bad "needs 8 bytes but data_offsets" '' '{"w.0.a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}' '\0\0\0\0'
bad "past the end of the data section" '' "{\"w.0.a\":{$A,\"data_offsets\":[4,8]}}" '\0\0\0\0'
bad "overlaps tensor" '' "{\"w.0.a\":{$A,\"data_offsets\":[0,4]},\"w.0.b\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[2,6]}}" '\0\0\0\0\0\0'
bad "belong to no tensor" '' "{\"w.0.a\":{$A,\"data_offsets\":[2,6]}}" '\0\0\0\0\0\0'
bad "but its tensors end at byte 4" '' "{\"w.0.a\":{$A,\"data_offsets\":[0,4]}}" '\0\0\0\0\0'
bad "not a non-negative integer" '' '{"w.0.a":{"dtype":"F32","shape":[-4],"data_offsets":[0,4]}}' '\0\0\0\0'
bad "overflows 64 bits" '' '{"w.0.a":{"dtype":"F32","shape":[65536,65536,65536,65536],"data_offsets":[0,4]}}' '\0\0\0\0'
bad "lacks 'data_offsets'" '' "{\"w.0.a\":{$A}}" ''
bad "outside \[2, 100000000\]" 1 '{' '\0\0\0\0'
bad "extends past the end of the file" 9223372036854775807 '{}' ''
# A finite header over a NaN weight: the data are wrong, not the layout.
bad "NaN or an infinite weight" '' '{"w.0.a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}}' '\000\074\000\176\000\074\000\074'

# Sharded checkpoints whose index lies.
st_ok "$T/s1.safetensors" "{\"w.0.a\":{$A,\"data_offsets\":[0,4]}}" '\0\0\0\0'
printf '{"weight_map":{"w.0.a":"../s1.safetensors"}}' >"$T/evil.index.json"
run profile "$T/evil.index.json"
[ $rc -eq 2 ] && grep -q "a file name beside the index" "$T/err"
ok $? "an index reaching outside its directory is refused"
printf '{"weight_map":{"w.0.a":"s1.safetensors","w.0.b":"s1.safetensors"}}' >"$T/lie.index.json"
run profile "$T/lie.index.json" --pattern 'w.{N}.'
[ $rc -eq 2 ] && grep -q "which has no such tensor" "$T/err"
ok $? "an index naming an absent tensor is refused"

tap_done
