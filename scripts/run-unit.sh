#!/usr/bin/env bash
# run-unit.sh: run each CMocka unit test binary and close with one "N passed, N failed" line.
# Usage: scripts/run-unit.sh TEST_BINARY...
set -euo pipefail

# Unit tests never ask the user's debuginfod servers; the ones about debuginfod set their own.
export DEBUGINFOD_URLS=

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	rc=0
	"$t" >"$log" 2>&1 || rc=$?
	cat "$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0}))
	# A binary that crashed or failed without saying how many counts as one failure.
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		failed=$((failed + 1))
		echo "unit: $t exited with status $rc" >&2
	fi
done
echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
