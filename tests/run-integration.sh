#!/bin/bash
# Runs the bats suites against the installed test prefix and records counts.
# Usage: run-integration.sh TESTROOT BUILDDIR [GLOB]
# GLOB (e.g. 'tests/integration/run*.bats') limits the run to those files.
set -u
export CTL_ROOT=$1
export CTL_BUILDDIR=$2
export CTL_SRC=$PWD
out=$(mktemp)
# Also when the run is interrupted (a timeout, Ctrl-C).
trap 'rm -f "$out"' EXIT
# --timing: each test's duration on its line ("in N ms").
if [ -n "${3:-}" ]; then
	# shellcheck disable=SC2086 # the glob is meant to expand
	bats --tap --timing $3 | tee "$out"
else
	bats --tap --timing -r tests/integration | tee "$out"
fi
skip=$(grep -c '^ok .*# skip' "$out")
pass=$(( $(grep -c '^ok ' "$out") - skip ))
fail=$(grep -c '^not ok ' "$out")
rm -f "$out"
bash tests/integration/cleanup.sh "$CTL_ROOT"
echo "integration: $pass passed, $fail failed, $skip skipped"
[ -n "${CTL_COUNTS:-}" ] && echo "$pass $fail" >>"$CTL_COUNTS"
[ "$fail" = 0 ]
