#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Integration tests: run the real ./vigil as root against workloads whose
# CPU profile is known by construction (tests/workloads/*.c).
#
# usage: tests/integration/run.sh [TEST...]
#
# Runs every test (or only the named ones) from the project root and prints
# "ok NAME" or "FAIL NAME: reason" per test, then "integration: N passed,
# N failed". Needs root; VIGIL_SKIP_KERNEL_TESTS=1 skips instead of failing
# when not root. VIGIL_IT_KEEP=1 keeps the temporary folder for inspection.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
# No vigil run asks the user's debuginfod servers: set empty, DEBUGINFOD_URLS
# turns debuginfod off. The tests of debuginfod start their own server on
# loopback and set it for their own runs only.
export DEBUGINFOD_URLS=
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
source tests/integration/lib.sh

# Each tests/integration/t_*.sh defines test_NAME functions and appends
# their names to ALL_TESTS, in the order they run.
ALL_TESTS=()
for f in tests/integration/t_*.sh; do
	# shellcheck disable=SC1090
	source "$f"
done

# ================================================================ driver

# run_test NAME: run test_NAME in a subshell of its own with errexit on, its
# own folder in T, and its processes ended when it ends.
run_test()
{
	local name=$1 rc=0

	T=$TMP/$name
	mkdir -p "$T/out"
	set +e
	(
		set -eEuo pipefail
		trap 'on_test_error "$LINENO" "$BASH_COMMAND"' ERR
		trap stop_started EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		"test_$name"
	) >"$T/log" 2>&1
	rc=$?
	set -e
	if ((rc == 130 || rc == 143)); then
		echo "FAIL $name: interrupted"
		exit "$rc"
	fi
	if ((rc == 0)); then
		echo "ok $name"
		PASSED=$((PASSED + 1))
	else
		echo "FAIL $name: $(cat "$T/reason" 2>/dev/null || echo "exit status $rc")"
		FAILED=$((FAILED + 1))
	fi
	# what the test measured (lib.sh's note), indented under its result
	[[ -s $T/notes ]] && sed 's/^/    /' "$T/notes"
	return 0
}

# Last resort on exit: end workloads, vigil runs, statsd or browser runs a
# test left behind (only PIDs we started that still run one of our
# binaries, one a test built in the temporary folder, or node on our statsd
# or flame-browser.js, whose Chromium exits when its pipe to node closes),
# then drop the folder.
cleanup()
{
	local pid exe argv

	if [[ -n ${PID_FILE-} && -f $PID_FILE ]]; then
		while read -r pid; do
			exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
			mapfile -t -d '' argv 2>/dev/null <"/proc/$pid/cmdline" || argv=()
			[[ $exe == "$ROOT"/* || $exe == "$TMP"/* ||
				${argv[1]-} == "$ROOT/tests/statsd/node_modules/statsd/stats.js" ||
				${argv[1]-} == "$ROOT/tests/js/flame-browser.js" ]] &&
				kill -KILL "$pid" 2>/dev/null
		done <"$PID_FILE"
	fi
	if [[ ${VIGIL_IT_KEEP-} == 1 ]]; then
		echo "integration: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}

check_prerequisites()
{
	local w

	if ((EUID != 0)); then
		if [[ ${VIGIL_SKIP_KERNEL_TESTS-} == 1 ]]; then
			echo "integration: skipped (VIGIL_SKIP_KERNEL_TESTS=1, kernel tests need root)"
			exit 0
		fi
		echo "integration: must run as root (BPF and perf events); set VIGIL_SKIP_KERNEL_TESTS=1 to skip" >&2
		exit 1
	fi
	for w in "$VIGIL" "$WORKLOADS"/{cpu_ratio,spin,late_threads,uselib}; do
		[[ -x $w ]] || { echo "integration: $w is not built; run: make integration" >&2; exit 1; }
	done
}

main()
{
	local name tests=("$@")

	check_prerequisites
	((${#tests[@]})) || tests=("${ALL_TESTS[@]}")
	for name in "${tests[@]}"; do
		declare -F "test_$name" >/dev/null || { echo "integration: no test '$name'" >&2; exit 2; }
	done

	TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigil-integration.XXXXXX")
	PID_FILE=$TMP/pids
	trap cleanup EXIT
	trap 'echo "integration: interrupted" >&2; exit 130' INT
	trap 'echo "integration: terminated" >&2; exit 143' TERM

	PASSED=0
	FAILED=0
	for name in "${tests[@]}"; do
		run_test "$name"
	done
	echo "integration: $PASSED passed, $FAILED failed"
	((FAILED == 0))
}

main "$@"
