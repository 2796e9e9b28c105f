#!/bin/bash
# Runs the bats suites against the installed test prefix and records counts.
# Usage: run-integration.sh TESTROOT BUILDDIR
set -u
export CTL_ROOT=$1
export CTL_BUILDDIR=$2
export CTL_SRC=$PWD
out=$(mktemp)
bats --tap -r tests/integration | tee "$out"
skip=$(grep -c '^ok .*# skip' "$out")
pass=$(( $(grep -c '^ok ' "$out") - skip ))
fail=$(grep -c '^not ok ' "$out")
rm -f "$out"
bash tests/integration/cleanup.sh "$CTL_ROOT"
echo "integration: $pass passed, $fail failed, $skip skipped"
[ -n "${CTL_COUNTS:-}" ] && echo "$pass $fail" >>"$CTL_COUNTS"
[ "$fail" = 0 ]
