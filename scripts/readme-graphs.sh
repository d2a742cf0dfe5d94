#!/usr/bin/env bash
# readme-graphs.sh: the README's flame graphs, from real runs of demo_work on this machine:
# docs/flame.svg (one run), docs/diff.svg (a run before compress_chunk was made faster, and
# one after, --fast-compress), and their folded profiles beside them.
# Usage: scripts/readme-graphs.sh   (as root, from the project root, after make)
set -euo pipefail

out=docs
seconds=5
mkdir -p "$out"
./vigil profile -d "$seconds" -o "$out/before.folded" -- build/workloads/demo_work "$seconds"
./vigil profile -d "$seconds" -o "$out/after.folded" -- \
	build/workloads/demo_work "$seconds" --fast-compress
./vigil flamegraph "$out/before.folded" -o "$out/flame.svg" --title "CPU flame graph: demo_work" \
	--subtitle "vigil profile -d $seconds -- demo_work $seconds, cpu-clock at 99 Hz"
./vigil diff --normalize "$out/before.folded" "$out/after.folded" -o "$out/diff.svg" \
	--title "demo_work, before and after compress_chunk was made faster" \
	--subtitle "vigil diff --normalize before.folded after.folded (shares of each run)"
./vigil diff --normalize "$out/before.folded" "$out/after.folded" --format folded \
	-o "$out/diff.folded"
echo "readme-graphs: $out/flame.svg, $out/diff.svg"
