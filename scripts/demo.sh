#!/usr/bin/env bash
# demo.sh: profile the whole machine while a bundled CPU workload runs; keep the profile, its flame
# graph and a summary.
# Usage: scripts/demo.sh [OUTPUT_DIR]   (run as root from the project root, after make)
set -euo pipefail

out=${1:-demo-out}
seconds=5
mkdir -p "$out"

build/workloads/demo_work $((seconds + 2)) &
work=$!
trap 'kill "$work" 2>/dev/null || true' EXIT
sleep 0.5

echo "demo: profiling the whole machine for $seconds s at 99 Hz while demo_work (pid $work) runs"
./vigil profile -d "$seconds" -o "$out/profile.folded" --summary "$out/summary.txt"
wait "$work"
trap - EXIT
# the same profile drawn: open profile.svg in a browser (hover, click to zoom, Search)
./vigil flamegraph "$out/profile.folded" -o "$out/profile.svg" --title "CPU flame graph: make demo" \
	--subtitle "whole system, cpu-clock at 99 Hz, $seconds s, while demo_work ran"

echo
cat "$out/summary.txt"
echo
echo "demo: folded profile, flame graph (profile.svg) and summary are in $(cd "$out" && pwd)"
