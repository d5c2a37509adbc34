#!/usr/bin/env bash
# Runs every fuzz target for a short time (the committed corpora are also
# run by `make test` as ordinary tests). One worker: steadier on 2 cores.
set -euo pipefail
t="${1:-10s}"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-$(scripts/db.sh)}"
for dir in $(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do
  pkg="./${dir#./}"
  for f in $(cat "$dir"/*_test.go | grep -o '^func Fuzz[A-Za-z0-9_]*' | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $f ($t)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" -parallel 1 "$pkg" >/tmp/fuzz-$$.log 2>&1 || { cat /tmp/fuzz-$$.log; exit 1; }
  done
done
