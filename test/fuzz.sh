#!/usr/bin/env bash
# Runs every Go fuzz target in the module for the given -fuzztime each:
# a duration (10s) or an input count (20000x). make test uses a count:
# with a duration the go tool can report "context deadline exceeded" as
# a failure when the clock runs out mid-run, which is not a finding.
set -euo pipefail
fuzztime=${1:-10s}
cd "$(dirname "$0")/.."
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
  pkg=./$(dirname "${file#./}")
  for name in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$file" | cut -d' ' -f2); do
    echo "fuzz $pkg $name ($fuzztime)"
    go test -run='^$' -fuzz="^${name}\$" -fuzztime="$fuzztime" "$pkg" >/tmp/chronik-fuzz.log 2>&1 || { cat /tmp/chronik-fuzz.log; exit 1; }
  done
done
