#!/usr/bin/env bash
# Runs every fuzz target in the module (each `func FuzzX` in a *_test.go
# file) for FUZZTIME each, one after the other:
#
#   scripts/fuzz.sh            # 30s each (make fuzz)
#   FUZZTIME=3s scripts/fuzz.sh # a smoke run (make fuzz-smoke)
#
# A failing input is saved under the package's testdata/fuzz/FuzzX/ by go
# test, and then runs as a regular test case: commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${FUZZTIME:-30s}"

targets=$(grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' . | sed -E 's#^\./(.*)/[^/]+_test\.go:func (Fuzz.*)$#\1 \2#' | sort -u)
if [ -z "$targets" ]; then
  echo "no fuzz targets found" >&2
  exit 1
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
start=$SECONDS
count=0
while read -r pkg name; do
  echo "fuzz: ./$pkg $name ($fuzztime)"
  go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$pkg" >"$log" 2>&1 || {
    cat "$log" >&2
    echo "fuzz: $name in ./$pkg failed" >&2
    exit 1
  }
  count=$((count + 1))
done <<< "$targets"
echo "fuzz: $count targets passed, $fuzztime each, in $((SECONDS - start))s"
