#!/usr/bin/env bash
# offcpu-cost.sh: what following context switches costs the switching
# threads. A pipe ping-pong (tests/workloads/pingpong) pinned to one CPU
# runs alone, then under each vigil configuration, interleaved ROUNDS
# times; the median rates give a ratio to the run without vigil and a cost
# per context switch: (1/rate - 1/base) / 2, two switches a round trip.
#
# Usage: scripts/offcpu-cost.sh [ROUNDS]   (default 3; run as root)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
rounds=${1:-3}
work=build/workloads/pingpong
[[ -x $work && -x ./vigil ]] || { echo "offcpu-cost: run make tests first" >&2; exit 1; }
out=$(mktemp -d)
idle_pid=
cleanup() { [[ -n $idle_pid ]] && kill "$idle_pid" 2>/dev/null; rm -rf "$out"; }
trap cleanup EXIT
sleep 600 &
idle_pid=$!

configs=("none" "--clock off" "--clock off -U" "--clock off -K" "--clock off --min-block 1000"
	"--clock off -p $idle_pid" "--clock wall")
names=("without vigil" "off, whole system" "off, -U (user stacks only)"
	"off, -K (kernel stacks only)" "off, --min-block 1000" "off, -p another process"
	"wall, whole system (99 Hz)")

for ((r = 0; r < rounds; r++)); do
	for i in "${!configs[@]}"; do
		if [[ ${configs[$i]} == none ]]; then
			taskset -c 0 "$work" 200000 >>"$out/$i"
			continue
		fi
		# shellcheck disable=SC2086 # the configuration is words
		./vigil profile ${configs[$i]} -d 30 -o "$out/p.folded" 2>/dev/null &
		vpid=$!
		sleep 1.5 # attached, first drain done
		taskset -c 0 "$work" 200000 >>"$out/$i"
		kill -INT "$vpid"
		wait "$vpid" || true
	done
done

median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base=$(median "$out/0")
printf '%-32s %12s %8s %14s\n' configuration "round trips/s" ratio "us per switch"
for i in "${!configs[@]}"; do
	rate=$(median "$out/$i")
	awk -v n="${names[$i]}" -v r="$rate" -v b="$base" 'BEGIN {
		printf "%-32s %12d %8.2f %14.2f\n", n, r, r / b, (1 / r - 1 / b) / 2 * 1e6 }'
done
