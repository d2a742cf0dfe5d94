#!/usr/bin/env bash
# bpf-cost.sh: BPF time per sample of vigil's on-CPU sampler, for each vigil
# binary given, one after the other on the same workload (a copy of
# demo_work, profiled with -p at 999 Hz for 4 s), as the kernel counts it
# with kernel.bpf_stats_enabled (set for the run, then put back).
#
# Usage: scripts/bpf-cost.sh [VIGIL...]     (default: ./vigil; run as root)
# Prints "VIGIL: N.NN us per sample (SAMPLES samples)" per binary.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
[[ $# -gt 0 ]] || set -- ./vigil
work=build/workloads/demo_work
[[ -x $work ]] || { echo "bpf-cost: $work is not built; run: make tests" >&2; exit 1; }
old=$(cat /proc/sys/kernel/bpf_stats_enabled)
out=$(mktemp)
trap 'echo "$old" >/proc/sys/kernel/bpf_stats_enabled; rm -f "$out"' EXIT
echo 1 >/proc/sys/kernel/bpf_stats_enabled

# the highest BPF program id now: programs loaded after it are the run's
last_id() { bpftool prog show | awk -F: '/^[0-9]+:/ { id = $1 } END { print id + 0 }'; }

for v in "$@"; do
	"$work" 6 >/dev/null &
	wpid=$!
	before=$(last_id)
	"$v" profile -F 999 -d 4 -p "$wpid" -o "$out" 2>/dev/null &
	vpid=$!
	sleep 3.5
	bpftool prog show | awk -v min="$before" -v v="$v" '
		/^[0-9]+:/ { split($1, a, ":"); id = a[1] + 0; mine = id > min && / name profile_sample / }
		mine && /run_time_ns/ {
			for (i = 1; i < NF; i++) {
				if ($i == "run_time_ns") t = $(i + 1)
				if ($i == "run_cnt") n = $(i + 1)
			}
			printf "%s: %.2f us per sample (%d samples)\n", v, t / n / 1000, n
		}'
	wait "$vpid" || true
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
done
