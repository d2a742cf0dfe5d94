#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# soak.sh: run vigil agent for a long time under process churn, and say
# whether its memory stayed flat and every window was written.
#
# Usage: scripts/soak.sh [SECONDS [WINDOW_S [OUT_DIR]]]   (default 3600 60)
#
# The agent (a copy of ./vigil, as are the workloads, so a rebuild does not
# change them midway)
# profiles processes by name at 19 Hz, counts and times their syscalls and
# sends them to a real statsd on 127.0.0.1. The churn: every second, 50
# short-lived processes (build/workloads/forker, 3 ms of CPU each) and one
# agent_work run that makes 100 getppid and 100 failing openat calls, all
# of which statsd must receive: the agent finds each run at its exec. Both
# end by themselves; the script ends only the processes it started.
# Prints one line per window it read and a summary; exits 1 if RSS grew by
# more than 10% after the third window, or a window is missing.
set -euo pipefail

secs=${1:-3600}
window=${2:-60}
out=${3:-$(mktemp -d /tmp/vigil-soak.XXXXXX)}
root=$(cd "$(dirname "$0")/.." && pwd)
[[ -x $root/vigil && -x $root/build/workloads/forker && -x $root/build/workloads/agent_work ]] ||
	{ echo "soak: build first: make vigil tests" >&2; exit 2; }
mkdir -p "$out/windows"
cp "$root/vigil" "$root/build/workloads/forker" "$root/build/workloads/agent_work" "$out/"

port=$((20000 + RANDOM % 12000))
"$root/tests/statsd/run-statsd.sh" "$port" "$out/statsd.jsonl" 10000 $((port + 1)) \
	>"$out/statsd.log" 2>&1 &
statsd=$!
agent=
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup()
{
	if [[ -n $agent ]] && kill -TERM "$agent" 2>/dev/null; then
		wait "$agent" || true
	fi
	if kill -TERM "$statsd" 2>/dev/null; then
		wait "$statsd" || true
	fi
}
trap cleanup EXIT
sleep 1

"$out/vigil" agent -o "$out/windows" --window "$window" --interval 10 --no-syslog \
	--name forker --name agent_work --syscalls io=getppid,openat,nanosleep \
	--statsd "127.0.0.1:$port" \
	--rule 'errors: error_rate(*.syscall.openat) > 50% for 20s' 2>"$out/agent.log" &
agent=$!
start=$SECONDS
runs=0
while ((SECONDS - start < secs)); do
	"$out/forker" 50 >/dev/null
	"$out/agent_work" 100 0 >/dev/null
	((runs += 1))
	sleep 1
	kill -0 "$agent" 2>/dev/null || { echo "soak: the agent exited" >&2; exit 1; }
done
kill -TERM "$agent"
rc=0
wait "$agent" || rc=$?
agent=
((rc == 0)) || { echo "soak: the agent exited with status $rc" >&2; exit 1; }
# statsd writes what it holds when it stops: only then is its file whole
kill -TERM "$statsd"
wait "$statsd" || true

mapfile -t rss < <(sed -n -E 's/.*window [0-9T]+Z(-[0-9]+)?: .* RSS ([0-9.]+) MB.*/\2/p' "$out/agent.log")
n=$(find "$out/windows" -name '*.folded' | wc -l)
cpu=$(sed -n -E 's/.*own cost: CPU ([0-9.]+)%.*/\1/p' "$out/agent.log" | awk '{ s += $1 } END { printf "%.3f", s / NR }')
bpf=$(sed -n -E 's/.*BPF ([0-9.]+)% of a CPU.*/\1/p' "$out/agent.log" | awk '{ s += $1 } END { printf "%.3f", s / NR }')
procs=$(jq -s '[.[].counters["vigil.agent_work.syscall.getppid.calls"] // 0] | add' "$out/statsd.jsonl")
want=$((secs / window))
echo "soak: $secs s, windows of $window s: $n windows written (about $want expected), ${#rss[@]} logged"
echo "soak: RSS by window (MB): ${rss[*]}"
echo "soak: agent CPU ${cpu}% of a CPU on average, its BPF programs ${bpf}%"
echo "soak: statsd got $procs getppid calls of agent_work; its $runs runs made $((runs * 100))"
echo "soak: $(tail -n 1 "$out/agent.log")"
echo "soak: logs and windows in $out"
fail=0
if ((${#rss[@]} > 3)); then
	awk -v a="${rss[2]}" -v b="${rss[-1]}" 'BEGIN { exit !(b <= a * 1.10) }' ||
		{ echo "soak: RSS grew from ${rss[2]} MB to ${rss[-1]} MB" >&2; fail=1; }
fi
((n == ${#rss[@]} && n >= want - 1)) || { echo "soak: windows missing" >&2; fail=1; }
((procs == runs * 100)) || { echo "soak: calls lost: $procs of $((runs * 100))" >&2; fail=1; }
exit $fail
