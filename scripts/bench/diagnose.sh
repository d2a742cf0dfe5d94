#!/usr/bin/env bash
# diagnose.sh: where vigil's own CPU goes while it profiles the whole machine at 999 Hz: perf
# record -g on the vigil process (not the machine) for SECONDS while build/bench/stacks keeps
# both CPUs busy, then perf's report of vigil's hottest functions, self and with callees.
# A helper for reading BENCHMARKS.md's case 1, not part of make bench.
#
# Usage: scripts/bench/diagnose.sh [SECONDS]   (default 6; run as root after make bench)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
secs=${1:-6}
B=build/bench
[[ -x ./vigil && -x $B/stacks ]] || { echo "diagnose: run make bench first" >&2; exit 1; }
dir=$(mktemp -d)
wpid='' vpid=''
cleanup() {
	[[ -n $vpid ]] && kill -INT "$vpid" 2>/dev/null && wait "$vpid" 2>/dev/null
	[[ -n $wpid ]] && kill "$wpid" 2>/dev/null && wait "$wpid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
# rounds of about 2 ms each: enough to outlast vigil's start and the recording
"$B/stacks" 2 $(((secs + 4) * 600)) 2000 >/dev/null &
wpid=$!
./vigil profile -F 999 -o "$dir/p.folded" 2>"$dir/v.err" &
vpid=$!
sleep 2 # attached, first files parsed
perf record -q -g -F 4999 -p "$vpid" -o "$dir/perf.data" -- sleep "$secs" 2>/dev/null
for mode in --no-children --children; do
	echo "== vigil's own CPU, $mode (perf record -g -p VIGIL, $secs s, vigil at 999 Hz)"
	perf report -i "$dir/perf.data" --stdio "$mode" -g none --percent-limit 1 --sort sym 2>/dev/null |
		grep -E '^ +[0-9]' | head -25
done
