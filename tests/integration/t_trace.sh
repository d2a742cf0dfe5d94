# SPDX-License-Identifier: GPL-2.0
# Integration tests of vigil trace: every call of the traced functions
# counted and timed, checked against workloads that make known calls in
# known numbers and print them (TRUTH lines): trace_calls (C functions),
# tick_caller (a shared library's function, in two processes), usdt_prog
# (USDT probes, one behind a semaphore) and pycalls.py (Python functions,
# through CPython 3.11's USDT probes). Sourced by run.sh, which defines T,
# ROOT and the helpers; truth, calc, jqs and need_jq are t_offcpu.sh's.
# jq filters (through jqs) name their $variables in single quotes.
# shellcheck shell=bash disable=SC2154,SC2016
#
# Every JSON run is checked for what holds by definition whatever the
# workload (check_trace_json): numbers where numbers belong, primitive
# calls no more than calls, depth 0 the primitive calls and their time the
# cumulative time, self time no more than the cumulative time, on-CPU plus
# waiting the cumulative time, min <= p50 <= p90 <= p99 <= max, a USDT
# probe's times 0, a histogram's buckets adding up to the calls, and the
# call edges into a function adding up to its calls (each call has one
# caller: the nearest traced function on its stack, or <root>). Where
# vigil says that only timed_calls of the calls were timed (the others
# seen at their return only: CPython 3.11 without a profiler; or entered
# but never returned to a probe), the depths, histogram and edges hold the
# timed ones, and the primitive calls hold some untimed ones too.
#
# Times are compared with the workloads' own measures, taken around each
# call by its caller (or inside it): vigil's time of a call, from its entry
# probe to its return probe, lies inside the first and outside the second,
# give or take the probes' own cost.

PYTHON311=/usr/bin/python3.11	# Debian's, with its USDT probes; not python3 in PATH

# ---------------------------------------------------------------- helpers

# fcalc EXPR: EXPR evaluated, to six decimals (calc rounds to an integer).
fcalc()
{
	awk "BEGIN { printf \"%.6f\n\", $1 }"
}

# need_workloads NAME...: the workloads are built (vigil would only say it
# cannot find them).
need_workloads()
{
	local w

	for w in "$@"; do
		[[ -x $WORKLOADS/$w ]] || fail "workload $w not built (run: make integration)"
	done
}

# check_trace_json FILE: FILE is a complete vigil trace JSON output that
# holds together (see the header).
check_trace_json()
{
	local file=$1 bad

	[[ -f $file ]] || fail "no trace written to $file (stderr: $(first_line "$T/err"))"
	jq empty "$file" 2>"$T/jq.err" || fail "trace is no JSON: $(first_line "$T/jq.err"): $(head -c 300 "$file")"
	bad=$(jqs "$file" '
		def num: type == "number" and . >= 0;
		def abs: if . < 0 then -. else . end;
		# rounding: 1 us, or 0.1%
		def le($a; $b): $a <= $b + 1 + 0.001 * ($b | abs);
		def near($a; $b): le($a; $b) and le($b; $a);
		def times: ["tottime_us", "cumtime_us", "tottime_percall_us", "cumtime_percall_us",
			    "cpu_us", "wait_us", "min_us", "max_us", "p50_us", "p90_us", "p99_us"];
		[.functions[]? | .name] as $names |
		if (.target | type) != "string" then "target is not a string"
		elif (.duration_s | type) != "number" or .duration_s <= 0 then "duration_s \(.duration_s)"
		elif (.probe_cost_us | type) != "number" or .probe_cost_us <= 0 then "probe_cost_us \(.probe_cost_us)"
		elif (.overhead_s | num | not) then "overhead_s \(.overhead_s)"
		elif (.functions | type) != "array" or (.functions | length) == 0 then "no functions array"
		elif (.calls | type) != "array" then "no calls array (the call edges)"
		elif (.lost | type) != "object" or
		     (.lost | has("abandoned_entries", "functions_full", "in_progress", "thread_exits_in_call",
			"threads_full", "too_deep", "unmatched_returns") | not) or
		     any(.lost[]; num | not) then "lost lacks one of the seven counts: \(.lost)"
		else
		(.functions[] |
		 if (.name | type) != "string" or (.file | type) != "string" or
		    (.kind | IN("uprobe", "usdt", "python") | not) then "function \(.name): name, file or kind \(.kind)"
		 elif (.calls | num | not) or (.primitive_calls | num | not) then "\(.name): calls \(.calls), primitive_calls \(.primitive_calls)"
		 elif . as $f | any(times[]; . as $k | $f[$k] | num | not) then "\(.name): a time missing or negative: \(tojson)"
		 elif .primitive_calls > .calls then "\(.name): primitive_calls \(.primitive_calls) > calls \(.calls)"
		 elif (.timed_calls // .calls | num | not) or (.timed_calls // .calls) > .calls
			then "\(.name): timed_calls \(.timed_calls) of \(.calls) calls"
		 elif (.depths | type) != "array" or (.depths | length) > 8 then "\(.name): depths \(.depths | tojson)"
		 elif any(.depths[]; (.depth | num | not) or (.calls | num | not) or (.total_us | num | not))
		      then "\(.name): a depth without depth, calls and total_us: \(.depths | tojson)"
		 elif [.depths[].depth] != [range(.depths | length)] then "\(.name): depths not 0, 1, 2...: \(.depths | tojson)"
		 elif ([.depths[].calls] | add // 0) > .calls then "\(.name): depths hold more calls than \(.calls)"
		 elif (.hist != null) and ((.hist | type) != "array" or any(.hist[]; length != 3 or .[0] >= .[1] or (.[2] | num | not)) or
		      ([.hist[][2]] | add // 0) != (.timed_calls // .calls))
			then "\(.name): hist \(.hist | tojson) does not hold its \(.timed_calls // .calls) timed calls"
		 elif .kind == "usdt" then
			(if . as $f | any(times[]; . as $k | $f[$k] != 0) then "\(.name): a USDT point probe with times: \(tojson)"
			 else empty end)
		 elif (.timed_calls // .calls) == 0 then empty
		 elif (.depths | length) == 0 or .depths[0].calls > .primitive_calls or
		      (.timed_calls == .calls and .depths[0].calls != .primitive_calls)
			then "\(.name): depth 0 has \(.depths[0].calls) calls, primitive_calls \(.primitive_calls), \(.calls - (.timed_calls // .calls)) of them untimed"
		 elif (near(.depths[0].total_us; .cumtime_us) | not)
			then "\(.name): depth 0 totals \(.depths[0].total_us) us, cumtime_us \(.cumtime_us)"
		 elif (le(.tottime_us; .cumtime_us) | not) then "\(.name): tottime_us \(.tottime_us) > cumtime_us \(.cumtime_us)"
		 elif (le(.cpu_us; .cumtime_us) | not) then "\(.name): cpu_us \(.cpu_us) > cumtime_us \(.cumtime_us)"
		 elif (near(.cpu_us + .wait_us; .cumtime_us) | not)
			then "\(.name): cpu_us \(.cpu_us) + wait_us \(.wait_us) is not cumtime_us \(.cumtime_us)"
		 elif (le(.min_us; .p50_us) and le(.p50_us; .p90_us) and le(.p90_us; .p99_us) and le(.p99_us; .max_us) | not)
			then "\(.name): not min <= p50 <= p90 <= p99 <= max: \(.min_us) \(.p50_us) \(.p90_us) \(.p99_us) \(.max_us)"
		 else empty end),
		(.calls[] |
		 if (.caller | type) != "string" or (.callee | type) != "string" or (.calls | num | not) or .calls == 0 or
		    (.tottime_us | num | not) or (.cumtime_us | num | not) then "edge \(tojson)"
		 elif (.caller != "<root>" and (.caller | IN($names[]) | not)) or (.callee | IN($names[]) | not)
			then "edge \(.caller) -> \(.callee): not traced functions"
		 else empty end),
		(. as $all | .functions[] | select(.kind != "usdt") | . as $f |
		 ([$all.calls[] | select(.callee == $f.name) | .calls] | add // 0) as $in |
		 select($in != ($f.timed_calls // $f.calls)) |
		 "\($f.name): \($f.timed_calls // $f.calls) timed calls, its edges from callers add up to \($in)")
		end')
	[[ -z $bad ]] || fail "trace $file: $bad"
}

# run_trace OUT ARGS...: vigil trace --format json -o $T/out/OUT ARGS to its
# end, exit 0, OUT the only file written and checked; the traced command's
# output, with its TRUTH lines, is $T/stdout.
run_trace()
{
	local out=$1

	shift
	need_jq
	need_workloads trace_calls usdt_prog
	run_vigil "$T/stdout" "$T/err" trace --format json -o "$T/out/$out" "$@"
	expect_rc 0 "trace $*"
	only_file "$T/out" "$out"
	check_trace_json "$T/out/$out"
	TRUTH_FILE=$T/stdout
}

# trace_fn FILE NAME FILTER [JQ ARGS...]: FILTER of the one function named
# NAME in trace FILE: NAME itself, or FILE:NAME (vigil qualifies the names
# when it traces several files).
trace_fn()
{
	local v

	v=$(jqs "$1" "[.functions[] | select(.name == \$n)] as \$exact |
		(if (\$exact | length) > 0 then \$exact else [.functions[] | select(.name | endswith(\":\" + \$n))] end) |
		if length == 1 then .[0] | $3 else \"none \\(length)\" end" --arg n "$2" "${@:4}")
	[[ $v != "none "* ]] ||
		fail "trace: ${v#none } functions named $2, expected one: $(jq -c '[.functions[].name]' "$1")"
	printf '%s\n' "$v"
}

# py_name FILE NAME: the name of the one Python function NAME of
# pycalls.py in trace FILE: "FILE:LINE(NAME)" as pstats has it, or
# "FILE:NAME" (vigil's, as the probes give the LINE of the frame's start
# only at an entry, and a generator's resumptions start at a yield).
py_name()
{
	local v

	v=$(jqs "$1" '[.functions[] | select(.kind == "python" and (.file | endswith("/pycalls.py")) and
		(.name | endswith("(" + $n + ")") or endswith(":" + $n)))] |
		if length == 1 then .[0].name else "none \(length)" end' --arg n "$2")
	[[ $v != "none "* ]] ||
		fail "trace: ${v#none } Python functions $2 of pycalls.py, expected one: $(jq -c '[.functions[] | select(.kind == "python" and (.file | endswith("/pycalls.py"))) | .name]' "$1")"
	printf '%s\n' "$v"
}

# trace_edge FILE CALLER CALLEE FIELD: FIELD of the edge CALLER -> CALLEE, or 0.
trace_edge()
{
	jqs "$1" '[.calls[] | select(.caller == $a and .callee == $b)] | if length == 0 then 0 else .[0].'"$4"' end' \
		--arg a "$2" --arg b "$3"
}

# expect_edge FILE CALLER CALLEE CALLS: the edge CALLER -> CALLEE has CALLS
# calls; CALLER and CALLEE are <root> or names for trace_fn.
expect_edge()
{
	local got a=$2 b=$3

	[[ $a == "<root>" ]] || a=$(trace_fn "$1" "$a" .name)
	b=$(trace_fn "$1" "$b" .name)
	got=$(trace_edge "$1" "$a" "$b" calls)
	[[ $got == "$4" ]] ||
		fail "edge $2 -> $3: $got calls, expected $4; edges: $(jq -c '[.calls[] | "\(.caller)->\(.callee):\(.calls)"]' "$1")"
}

# expect_calls FILE NAME CALLS [PRIMITIVE]: function NAME has CALLS calls,
# PRIMITIVE (default CALLS) of them primitive.
expect_calls()
{
	local got

	got=$(trace_fn "$1" "$2" '"\(.calls) \(.primitive_calls)"')
	[[ $got == "$3 ${4:-$3}" ]] || fail "$2: calls and primitive_calls $got, expected $3 ${4:-$3}"
}

# expect_lost FILE KEY=N...: the lost counts (check_trace_json has seen
# the seven there); those not named, and any others, must be 0.
expect_lost()
{
	local file=$1 kv want=() got

	shift
	for kv in "$@"; do
		want+=("$kv")
	done
	for kv in $(jqs "$file" '.lost | keys | join(" ")'); do
		[[ " $* " == *" $kv="* ]] || want+=("$kv=0")
	done
	got=$(jqs "$file" '[.lost | to_entries[] | "\(.key)=\(.value)"] | sort | join(" ")')
	[[ $got == "$(printf '%s\n' "${want[@]}" | LC_ALL=C sort | paste -s -d ' ' -)" ]] ||
		fail "lost: $got, expected $*${*:+, }the rest 0"
}

# wait_attached ERR PID: wait up to 20 s for vigil trace -v, running as
# PID, to say on ERR that its probes are attached (a line "vigil: trace:
# ... attached ..."); fail if it ends first.
wait_attached()
{
	local deadline=$((SECONDS + 20))

	until grep -q -E '^vigil: trace: .*attached' "$1" 2>/dev/null; do
		is_running "$2" || fail "vigil trace ended before it attached: $(tr '\n' '|' <"$1")"
		((SECONDS < deadline)) || fail "vigil trace -v said nothing attached within 20 s: $(tr '\n' '|' <"$1")"
		sleep 0.05
	done
}

# wait_for_match FILE ERE TIMEOUT: wait up to TIMEOUT seconds for a line
# of FILE matching ERE.
wait_for_match()
{
	local deadline=$((SECONDS + $3))

	until grep -q -E -- "$2" "$1" 2>/dev/null; do
		((SECONDS < deadline)) || fail "no line matching '$2' in $1 within $3 s: $(tr '\n' '|' <"$1")"
		sleep 0.05
	done
}

# text_row FILE NAME COUNT: FILE has a line with the field NAME (or one
# ending in ":NAME") and the field COUNT; arrows, bars, commas and
# brackets between them do not count.
text_row()
{
	awk -v n="$2" -v c="$3" '
	{
		gsub(/(-+>|<-+|[<>|,()])/, " ")
		hn = hc = 0
		for (i = 1; i <= NF; i++) {
			if ($i == n || substr($i, length($i) - length(n)) == ":" n)
				hn = 1
			if ($i == c)
				hc = 1
		}
		if (hn && hc) {
			found = 1
			exit
		}
	}
	END { exit !found }' "$1"
}

# bpf_ids: the IDs of the BPF programs and links loaded now, one a line.
bpf_ids()
{
	{
		bpftool -j prog show | jq -r '.[] | "prog \(.id) \(.type) \(.name // "")"'
		bpftool -j link show | jq -r '.[] | "link \(.id) \(.type)"'
	} | LC_ALL=C sort
}

# expect_nothing_left BEFORE: no BPF program or link that was not in the
# bpf_ids output BEFORE is left, after the grace period in which the
# kernel frees detached programs (up to 5 s).
expect_nothing_left()
{
	local i left

	for ((i = 0; i < 50; i++)); do
		left=$(bpf_ids | LC_ALL=C comm -13 "$1" - | paste -s -d ',' -)
		[[ -z $left ]] && return 0
		sleep 0.1
	done
	fail "BPF programs or links left 5 s after vigil trace failed: $left"
}

# ---------------------------------------------------------------- C functions

# f() calls g() M times, N times over, all seen from the exec on: exact
# counts, self and cumulative times that add up, and the two call edges.
test_trace_calls_are_exact()
{
	local f=$T/out/c.json n=100 m=7 exe got tf cf cg tg total cost over

	run_trace c.json "$WORKLOADS/trace_calls:f" "$WORKLOADS/trace_calls:g" -- \
		"$WORKLOADS/trace_calls" calls "$n" "$m"
	[[ $(truth calls f) == "$n" && $(truth calls g) == $((n * m)) ]] ||
		fail "trace_calls did not make its calls: $(tr '\n' '|' <"$TRUTH_FILE")"
	expect_calls "$f" f "$n"
	expect_calls "$f" g $((n * m))
	exe=$(readlink -f "$WORKLOADS/trace_calls")
	for got in f g; do
		[[ $(trace_fn "$f" "$got" '"\(.kind) \(.file)"') == "uprobe $exe" ]] ||
			fail "$got: kind and file $(trace_fn "$f" "$got" '"\(.kind) \(.file)"'), expected uprobe $exe"
		[[ $(trace_fn "$f" "$got" '.depths | map("\(.depth):\(.calls)") | join(" ")') == "0:$(truth calls "$got")" ]] ||
			fail "$got: depths $(trace_fn "$f" "$got" '.depths | tojson'), expected all its calls at depth 0"
	done
	got=$(jqs "$f" .functions\|length)
	((got == 2)) || fail "$got functions listed for the probes f and g: $(jq -c '[.functions[].name]' "$f")"

	# f's time is its own plus g's: g is all f calls, and g calls nothing
	tf=$(trace_fn "$f" f .tottime_us)
	cf=$(trace_fn "$f" f .cumtime_us)
	tg=$(trace_fn "$f" g .tottime_us)
	cg=$(trace_fn "$f" g .cumtime_us)
	in_range "$cf" "$(calc "$tf + $cg - 2")" "$(calc "1.01 * ($tf + $cg) + 2")" ||
		fail "cumtime(f) $cf us, tottime(f) $tf + cumtime(g) $cg = $(calc "$tf + $cg") us: should be equal"
	in_range "$tg" "$(calc "0.99 * $cg - 1")" "$cg" ||
		fail "g calls no traced function, yet tottime(g) $tg us is not its cumtime $cg us"
	(($(calc "$tf * 1000") > 0 && $(calc "$cg * 1000") > 0)) || fail "tottime(f) $tf us or cumtime(g) $cg us is 0"
	# per call: the total / calls (rounded, to 0.5 us or 1%)
	for got in f g; do
		total=$(trace_fn "$f" "$got" '"\(.tottime_us) \(.tottime_percall_us) \(.cumtime_us) \(.cumtime_percall_us) \(.calls)"')
		awk -v s="$total" 'BEGIN { split(s, v, " ")
			d1 = v[1] / v[5] - v[2]; d2 = v[3] / v[5] - v[4]
			if (d1 < 0) d1 = -d1
			if (d2 < 0) d2 = -d2
			exit !(d1 <= 0.5 + 0.01 * v[2] && d2 <= 0.5 + 0.01 * v[4]) }' ||
			fail "$got: tottime, percall, cumtime, percall, calls = $total: a per-call time is not the total / calls"
	done

	expect_edge "$f" "<root>" f "$n"
	expect_edge "$f" f g $((n * m))
	got=$(jqs "$f" .calls\|length)
	((got == 2)) || fail "$got call edges, expected <root> -> f and f -> g: $(jq -c .calls "$f")"
	got=$(trace_edge "$f" "$(trace_fn "$f" f .name)" "$(trace_fn "$f" g .name)" cumtime_us)
	in_range "$got" "$(calc "0.99 * $cg - 1")" "$(calc "1.01 * $cg + 1")" ||
		fail "edge f -> g: cumtime $got us, g's cumtime is $cg us"
	expect_lost "$f"

	# the overhead estimate: calls x the cost of one
	cost=$(jqs "$f" .probe_cost_us)
	over=$(jqs "$f" .overhead_s)
	in_range "$over" "$(fcalc "0.9 * ($n + $n * $m) * $cost / 1e6 - 0.006")" "$(fcalc "1.1 * ($n + $n * $m) * $cost / 1e6 + 0.006")" ||
		fail "overhead_s $over, expected $((n + n * m)) calls x $cost us = $(fcalc "($n + $n * $m) * $cost / 1e6") s"
	in_range "$cost" 0.05 1000 || fail "probe_cost_us $cost, expected a measure of a traced call (0.05..1000 us)"
}

# The default text table, --callers and --callees, --sort with --top,
# and the command's own exit status.
test_trace_text_callers_and_callees()
{
	local f=$T/out/t.txt n=100 m=7

	need_workloads trace_calls
	run_vigil "$T/stdout" "$T/err" trace -o "$f" "$WORKLOADS/trace_calls:f" "$WORKLOADS/trace_calls:g" -- \
		"$WORKLOADS/trace_calls" calls "$n" "$m" 3
	expect_rc 3 "trace -- trace_calls calls $n $m 3 (the command's exit status)"
	only_file "$T/out" t.txt
	grep -i -E -q 'calls.*tot.*cum|calls.*cum.*tot' "$f" ||
		fail "no header with CALLS, TOTTIME and CUMTIME columns: $(head -n 3 "$f" | tr '\n' '|')"
	text_row "$f" f "$n" || fail "no row for f with its $n calls: $(tr '\n' '|' <"$f")"
	text_row "$f" g $((n * m)) || fail "no row for g with its $((n * m)) calls: $(tr '\n' '|' <"$f")"

	run_vigil "$T/stdout" "$T/err" trace --callers g -o "$f" "$WORKLOADS/trace_calls:f" "$WORKLOADS/trace_calls:g" -- \
		"$WORKLOADS/trace_calls" calls "$n" "$m"
	expect_rc 0 "trace --callers g"
	text_row "$f" f $((n * m)) || fail "--callers g: no line naming f with the $((n * m)) calls it made: $(tr '\n' '|' <"$f")"

	run_vigil "$T/stdout" "$T/err" trace --callees f -o "$f" "$WORKLOADS/trace_calls:f" "$WORKLOADS/trace_calls:g" -- \
		"$WORKLOADS/trace_calls" calls "$n" "$m"
	expect_rc 0 "trace --callees f"
	text_row "$f" g $((n * m)) || fail "--callees f: no line naming g with its $((n * m)) calls: $(tr '\n' '|' <"$f")"

	# to check against the real command: --top cuts the text table's rows
	run_vigil "$T/stdout" "$T/err" trace --sort calls --top 1 -o "$f" "$WORKLOADS/trace_calls:f" \
		"$WORKLOADS/trace_calls:g" -- "$WORKLOADS/trace_calls" calls "$n" "$m"
	expect_rc 0 "trace --sort calls --top 1"
	text_row "$f" g $((n * m)) || fail "--sort calls --top 1: no row for g: $(tr '\n' '|' <"$f")"
	! text_row "$f" f "$n" || fail "--sort calls --top 1: a row for f too: $(tr '\n' '|' <"$f")"
}

# sleepy() sleeps 10 ms, off the CPU; spinny() spins 10 ms of CPU. A
# function with no calls is listed all the same, a libc function named by
# its library's short name is traced too, and --hist buckets every call.
test_trace_sleep_and_spin_cpu()
{
	local f=$T/out/s.json n=50 wall cpu cum truth_wall truth_cpu got lo cost

	run_trace s.json --hist "$WORKLOADS/trace_calls:sleepy" "$WORKLOADS/trace_calls:spinny" libc:nanosleep -- \
		"$WORKLOADS/trace_calls" sleep "$n"
	expect_calls "$f" sleepy "$n"
	expect_calls "$f" spinny 0
	expect_calls "$f" nanosleep "$n"
	got=$(trace_fn "$f" nanosleep .file)
	[[ $got == */libc.so.6 ]] || fail "libc:nanosleep traced in $got, not libc.so.6"
	expect_edge "$f" sleepy nanosleep "$n"
	expect_edge "$f" "<root>" sleepy "$n"
	truth_wall=$(truth wall_us sleepy)
	cum=$(trace_fn "$f" sleepy .cumtime_us)
	in_range "$cum" $((n * 10000)) $((truth_wall + n)) ||
		fail "sleepy: cumtime $cum us for $n sleeps of 10 ms, which took $truth_wall us as their caller saw"
	got=$(trace_fn "$f" sleepy .p50_us)
	in_range "$got" 10000 15000 || fail "sleepy: p50 $got us, expected 10..15 ms"
	got=$(trace_fn "$f" sleepy .min_us)
	in_range "$got" 9999 15000 || fail "sleepy: min $got us, but every call sleeps 10 ms"
	cpu=$(trace_fn "$f" sleepy .cpu_us)
	in_range "$cpu" 0 $((n * 1000)) || fail "sleepy: cpu_us $cpu over $n calls, expected < 1 ms a call"
	got=$(trace_fn "$f" sleepy .wait_us)
	in_range "$got" "$(calc "0.9 * $cum")" "$cum" || fail "sleepy: wait_us $got of cumtime $cum us"
	got=$(trace_fn "$f" nanosleep .cumtime_us)
	in_range "$got" $((n * 10000)) "$cum" || fail "nanosleep: cumtime $got us, sleepy's (its only caller) $cum us"
	got=$(trace_fn "$f" spinny '"\(.tottime_us) \(.cumtime_us) \([.depths[].calls] | add // 0)"')
	[[ $got =~ ^0(\.0+)?\ 0(\.0+)?\ 0$ ]] || fail "spinny, never called: tottime, cumtime, calls by depth $got"
	# every call lasts 10 ms or more: its bucket reaches past 10 ms
	got=$(trace_fn "$f" sleepy '[.hist[] | select(.[2] > 0 and .[1] <= 10000000)] | length')
	((got == 0)) || fail "sleepy: hist buckets below 10 ms hold calls: $(trace_fn "$f" sleepy '.hist | tojson')"
	got=$(trace_fn "$f" sleepy '[.hist[] | select(.[2] > 0 and .[0] > 1000 * $max)] | length' \
		--argjson max "$(trace_fn "$f" sleepy .max_us)")
	((got == 0)) || fail "sleepy: hist buckets above its max hold calls: $(trace_fn "$f" sleepy '.hist | tojson')"

	rm -f "$f"
	run_trace p.json "$WORKLOADS/trace_calls:spinny" -- "$WORKLOADS/trace_calls" spin "$n"
	expect_calls "$T/out/p.json" spinny "$n"
	got=$(trace_fn "$T/out/p.json" spinny '"\(.cumtime_us) \(.cpu_us)"')
	read -r wall cpu <<<"$got"
	truth_wall=$(truth wall_us spinny)
	truth_cpu=$(truth cpu_us spinny)
	# a call's time includes part of its two traps: up to one probe's cost
	cost=$(jqs "$T/out/p.json" .probe_cost_us)
	# 5%: on a busy VM the switch-based CPU time once ran 5% over the thread clock
	in_range "$cpu" $((n * 9500)) "$(calc "1.05 * $truth_cpu + $n * (20 + $cost)")" ||
		fail "spinny: cpu_us $cpu for $n spins of 10 ms of CPU; the thread clock says $truth_cpu us (expected 9.5..12 ms a call)"
	in_range "$cpu" 0 $((n * 12000)) || fail "spinny: cpu_us $cpu, more than 12 ms a call"
	in_range "$wall" "$cpu" $((truth_wall + n)) ||
		fail "spinny: cumtime $wall us, cpu_us $cpu us, its caller measured $truth_wall us"
	# on a VM the hypervisor's steal is wall time; what the workload saw bounds it
	lo=$(awk -v c="$truth_cpu" -v w="$truth_wall" 'BEGIN { r = 0.9 * c / w; print (r < 0.8 ? r : 0.8) }')
	in_range "$(ratio "$cpu" "$wall")" "$lo" 1.01 ||
		fail "spinny: cpu/wall $(ratio "$cpu" "$wall") ($cpu/$wall us), expected >= $lo (the workload's own: $(ratio "$truth_cpu" "$truth_wall"))"
}

# rec(6) recurses six deep, R times, a 1 ms sleep a level: each depth
# its R calls, their times (6 - d) ms each, primitive calls the outermost.
test_trace_recursion_depths()
{
	local f=$T/out/r.json r=20 d got want lo hi tot cum

	run_trace r.json "$WORKLOADS/trace_calls:rec" -- "$WORKLOADS/trace_calls" recurse "$r"
	expect_calls "$f" rec $((6 * r)) "$r"
	got=$(trace_fn "$f" rec '.depths | length')
	((got == 6)) || fail "rec: $got depths, expected 6: $(trace_fn "$f" rec '.depths | tojson')"
	for ((d = 0; d < 6; d++)); do
		got=$(trace_fn "$f" rec ".depths[$d].calls")
		((got == r)) || fail "rec: depth $d has $got calls, expected $r: $(trace_fn "$f" rec '.depths | tojson')"
		got=$(trace_fn "$f" rec ".depths[$d].total_us")
		want=$(truth wall_us "rec.d$d")
		# never less than its sleeps, nor than what rec measured inside
		lo=$(calc "$r * (6 - $d) * 1000")
		((want > lo)) && lo=$(calc "0.99 * $want")
		hi=$(calc "$want + $r * (6 - $d) * 50 + 200")
		in_range "$got" "$lo" "$hi" ||
			fail "rec: depth $d totals $got us for $r calls, rec measured $want us inside: expected $lo..$hi"
		in_range "$got" "$lo" "$(calc "$r * ((6 - $d) * 1500 + 500)")" ||
			fail "rec: depth $d: $(calc "$got / $r") us a call, expected $((6 - d)) ms (up to $(((6 - d) * 1500 + 500)) us)"
	done
	tot=$(trace_fn "$f" rec .tottime_us)
	cum=$(trace_fn "$f" rec .cumtime_us)
	in_range "$tot" "$(calc "0.99 * $cum - 1")" "$cum" ||
		fail "rec: tottime $tot us, cumtime $cum us: all of a recursion's time is rec's own"
	in_range "$cum" $((r * 6000)) "$(calc "$r * 9500")" || fail "rec: cumtime $cum us for $r recursions of 6 ms"
	got=$(trace_fn "$f" rec .max_us)
	# six 1 ms sleeps: a busy host's late wake-ups can double them, not more
	in_range "$got" 6000 30000 || fail "rec: max $got us, expected the 6 ms of an outermost call"
	got=$(trace_fn "$f" rec .min_us)
	in_range "$got" 1000 3000 || fail "rec: min $got us, expected the 1 ms of an innermost call"
	# as pstats: tottime per call over all calls, cumtime per primitive call
	got=$(trace_fn "$f" rec .tottime_percall_us)
	in_range "$got" "$(calc "0.99 * $tot / (6 * $r) - 1")" "$(calc "1.01 * $tot / (6 * $r) + 1")" ||
		fail "rec: tottime_percall $got us, tottime $tot us / $((6 * r)) calls"
	got=$(trace_fn "$f" rec .cumtime_percall_us)
	in_range "$got" "$(calc "0.99 * $cum / $r - 1")" "$(calc "1.01 * $cum / $r + 1")" ||
		fail "rec: cumtime_percall $got us, expected cumtime $cum us / $r primitive calls (as pstats)"
	expect_edge "$f" "<root>" rec "$r"
	expect_edge "$f" rec rec $((5 * r))
	expect_lost "$f"
}

# inner() longjmp()s out, past its return, N times; doomed() ends its
# thread inside: both are told apart, and the calls around them stay exact.
test_trace_longjmp_and_thread_exit()
{
	local f=$T/out/j.json n=100 got

	run_trace j.json "$WORKLOADS/trace_calls:outer" "$WORKLOADS/trace_calls:inner" -- \
		"$WORKLOADS/trace_calls" longjmp "$n"
	expect_calls "$f" outer "$n"
	got=$(trace_fn "$f" outer '.depths | map("\(.depth):\(.calls)") | join(" ")')
	[[ $got == "0:$n" ]] || fail "outer: depths $got, expected all $n calls outermost (an abandoned inner left open?)"
	expect_edge "$f" "<root>" outer "$n"
	got=$(jqs "$f" '[.calls[] | select(.caller == $i)] | length' --arg i "$(trace_fn "$f" inner .name)")
	((got == 0)) || fail "edges from inner, which never returned: $(jq -c .calls "$f")"
	# inner's calls, unwound past, are counted and not timed
	got=$(trace_fn "$f" inner '"\(.calls) \(.timed_calls) \(.primitive_calls)"')
	[[ $got == "$n 0 $n" ]] || fail "inner: calls, timed and primitive $got, expected $n 0 $n"
	got=$(trace_fn "$f" outer .max_us)
	in_range "$got" 0 5000 || fail "outer: max $got us, for a setjmp and a longjmp"
	expect_lost "$f" abandoned_entries="$n"

	# a call outer makes after the jump has outer for its caller, not the
	# inner it jumped out of: open calls below its stack pointer are gone
	rm -f "$f"
	run_trace j.json "$WORKLOADS/trace_calls:outer" "$WORKLOADS/trace_calls:inner" \
		"$WORKLOADS/trace_calls:after_jump" -- "$WORKLOADS/trace_calls" longjmp "$n"
	expect_edge "$f" outer after_jump "$n"
	expect_calls "$f" after_jump "$n"
	expect_lost "$f" abandoned_entries="$n"
	# through libc's setjmp family, which cannot be probed, unharmed
	rm -f "$f"
	run_trace j.json "libc:*jmp*" -- "$WORKLOADS/trace_calls" longjmp "$n"
	[[ $(truth calls outer) == "$n" ]] || fail "trace_calls longjmp under libc:*jmp*: $(tr '\n' '|' <"$TRUTH_FILE")"
	grep -q 'cannot be traced safely' "$T/err" || fail "libc:*jmp*: the setjmp family not said to be left out: $(tr '\n' '|' <"$T/err")"
	rm -f "$f"

	f=$T/out/x.json
	run_trace x.json "$WORKLOADS/trace_calls:g" "$WORKLOADS/trace_calls:doomed" -- \
		"$WORKLOADS/trace_calls" threadexit
	[[ $(truth calls g) == 8 && $(truth calls doomed) == 1 ]] ||
		fail "trace_calls threadexit did not make its calls: $(tr '\n' '|' <"$TRUTH_FILE")"
	expect_calls "$f" g 8
	expect_edge "$f" "<root>" g 8
	got=$(trace_fn "$f" doomed '"\(.calls) \(.timed_calls)"')
	[[ $got == "1 0" ]] || fail "doomed: calls and timed $got, expected 1 0 (open when its thread exited)"
	expect_lost "$f" thread_exits_in_call=1
}

# ---------------------------------------------------------------- shared library

# start_tick_callers K...: one tick_caller per K, all waiting for $T/go;
# their PIDs in TICK_PIDS, the stdout of the i-th in $T/tick.i.
TICK_PIDS=()
start_tick_callers()
{
	local k i=0

	TICK_PIDS=()
	for k in "$@"; do
		start_workload tick_caller "$k" "$T/go" "$T/stop" 60
		# the workload keeps writing to the file under its new name
		mv "$T/tick_caller.stdout" "$T/tick.$i"
		TICK_PIDS+=("$WL_PID")
		i=$((i + 1))
	done
}

# trace_ticks OUT PIDS...: trace libtick:lib_tick in PIDS (comma-separated),
# let every tick caller make its calls, and wait for all to end.
trace_ticks()
{
	local out=$1 pids=$2 vigil i

	need_jq
	start_vigil "$T/stdout" "$T/err" trace -v -p "$pids" -d 3 --format json -o "$T/out/$out" libtick:lib_tick
	vigil=$VIGIL_PID
	wait_attached "$T/err" "$vigil"
	touch "$T/go"
	for ((i = 0; i < ${#TICK_PIDS[@]}; i++)); do
		wait_for_match "$T/tick.$i" '^TRUTH name=lib_tick calls=' 20
	done
	wait_vigil "$vigil" 30 "vigil trace -p $pids -d 3"
	expect_rc 0 "trace -p $pids -d 3 libtick:lib_tick"
	touch "$T/stop"
	for i in "${TICK_PIDS[@]}"; do
		wait_pid "$i" 20 tick_caller
		((WAIT_STATUS == 0)) || fail "tick_caller $i exited with $WAIT_STATUS"
	done
	only_file "$T/out" "$out"
	check_trace_json "$T/out/$out"
}

# Two processes call one library function, 300 and 500 times: tracing
# one by -p (its library named by its short name) counts its 300 only.
test_trace_shared_library_pid_filter()
{
	local f=$T/out/l.json want got

	start_tick_callers 300 500
	trace_ticks l.json "${TICK_PIDS[0]}"
	TRUTH_FILE=$T/tick.0
	want=$(truth calls lib_tick)
	expect_calls "$f" lib_tick "$want"
	got=$(trace_fn "$f" lib_tick '"\(.kind) \(.file)"')
	[[ $got == "uprobe $(readlink -f "$WORKLOADS/libtick.so")" ]] || fail "lib_tick: kind and file $got"
	expect_edge "$f" "<root>" lib_tick "$want"
	expect_lost "$f"
}

# A pid given twice is one target: its calls are counted once.
test_trace_pid_given_twice()
{
	local f=$T/out/l.json

	start_tick_callers 300
	trace_ticks l.json "${TICK_PIDS[0]},${TICK_PIDS[0]}"
	expect_calls "$f" lib_tick 300
}

# Recursion deeper than the kernel's 64 return probes a thread: the calls
# beyond are counted, not timed; the 64 outer levels are timed, and the
# stack stays in step (no open call left, none taken for another).
test_trace_recursion_deeper_than_64()
{
	local f=$T/out/d.json got

	run_trace d.json "$WORKLOADS/trace_calls:deep" -- "$WORKLOADS/trace_calls" deep 3 100
	[[ $(truth calls deep) == 303 ]] || fail "trace_calls deep did not make its calls: $(tr '\n' '|' <"$TRUTH_FILE")"
	got=$(trace_fn "$f" deep '"\(.calls) \(.primitive_calls) \(.timed_calls)"')
	[[ $got == "303 3 192" ]] || fail "deep: calls, primitive and timed $got, expected 303 3 192 (64 levels timed of 101, 3 times)"
	got=$(trace_fn "$f" deep '.depths | map("\(.depth):\(.calls)") | join(" ")')
	[[ $got == "0:3 1:3 2:3 3:3 4:3 5:3 6:3 7:3" ]] || fail "deep: depths $got, expected 3 calls at each"
	expect_lost "$f" too_deep=111
}

# Python under a profiler, recursing past the 64 frames kept: the calls
# beyond are counted at their entry, their returns matched to them (the
# profiler's own callback returns in between, seen at its return only).
test_trace_python_deeper_than_64()
{
	local f=$T/out/pd.json got

	[[ -x $PYTHON311 ]] || fail "$PYTHON311 is not installed"
	printf '%s\n' 'def d(n):' '    return d(n - 1) + 1 if n > 0 else 0' 'for i in range(3):' '    d(100)' >"$T/pydeep.py"
	run_trace pd.json --python -- "$PYTHON311" -c \
		"import sys, runpy; sys.setprofile(lambda *a: None); runpy.run_path('$T/pydeep.py', run_name='__main__')"
	got=$(trace_fn "$f" "$T/pydeep.py:d" '"\(.calls) \(.primitive_calls)"')
	[[ $got == "303 3" ]] || fail "d: calls and primitive $got, expected 303 3"
	got=$(jqs "$f" '.lost | "\(.too_deep) \(.unmatched_returns) \(.in_progress)"')
	got=${got%% *}
	((got > 0)) || fail "no call was deeper than the frames kept: $(jq -c .lost "$f")"
	got=$(jqs "$f" '.lost | .unmatched_returns + .in_progress + .abandoned_entries')
	((got == 0)) || fail "returns out of step: $(jq -c .lost "$f")"
}

# A tail call (tailer jumps to g): g returns for both, and both are timed,
# tailer g's caller; tailer is not taken for a call left by a jump.
test_trace_tail_call()
{
	local f=$T/out/t.json

	run_trace t.json "$WORKLOADS/trace_calls:tailer" "$WORKLOADS/trace_calls:g" -- \
		"$WORKLOADS/trace_calls" tail 100
	expect_calls "$f" tailer 100
	expect_calls "$f" g 100
	expect_edge "$f" tailer g 100
	[[ $(trace_fn "$f" tailer .timed_calls) == 100 ]] || fail "tailer: not all calls timed"
	expect_lost "$f"
}

# An exec from inside a call ends it: each image's f is counted and timed,
# the call that exec'd counted, untimed, once per exec.
test_trace_exec_ends_open_calls()
{
	local f=$T/out/e.json got

	run_trace e.json "$WORKLOADS/trace_calls:f" "$WORKLOADS/trace_calls:exec_self" \
		"$WORKLOADS/trace_calls:main" -- "$WORKLOADS/trace_calls" reexec 3
	got=$(grep -c '^TRUTH name=image ' "$TRUTH_FILE")
	((got == 4)) || fail "trace_calls reexec 3 ran $got images, expected 4"
	got=$(trace_fn "$f" f '"\(.calls) \(.timed_calls)"')
	[[ $got == "4 4" ]] || fail "f: calls and timed $got, expected 4 4 (one per image)"
	got=$(trace_fn "$f" exec_self '"\(.calls) \(.timed_calls)"')
	[[ $got == "3 0" ]] || fail "exec_self: calls and timed $got, expected 3 0"
	# each image's main is its own, not a recursion inside the one before
	got=$(trace_fn "$f" main '"\(.calls) \(.primitive_calls) \(.timed_calls)"')
	[[ $got == "4 4 1" ]] || fail "main: calls, primitive and timed $got, expected 4 4 1 (3 ended by exec)"
	expect_lost "$f" thread_exits_in_call=6
}

# GCC's .cold part of a function, jumped to, not called, is never probed:
# a glob over the program leaves it out, says so, and its result is kept.
test_trace_cold_part_left_out()
{
	local f=$T/out/c.json

	run_trace c.json "$WORKLOADS/hot_cold:*" -- "$WORKLOADS/hot_cold"
	grep -q '^TRUTH name=hot_cold calls=103 sum=5755$' "$TRUTH_FILE" ||
		fail "hot_cold's result changed under tracing: $(tr '\n' '|' <"$TRUTH_FILE")"
	grep -q 'hot_cold.cold (is a cold part of a function' "$T/err" ||
		fail "the cold part not said to be left out: $(tr '\n' '|' <"$T/err")"
	[[ $(jqs "$f" '[.functions[].name | select(endswith(".cold"))] | length') == 0 ]] ||
		fail "a .cold part was probed: $(jq -c '[.functions[].name]' "$f")"
	expect_calls "$f" hot_cold 103
}

# A glob over a whole program leaves out its entry point, which is jumped
# to (a return probe would overwrite argc): the command runs unharmed.
test_trace_glob_leaves_out_the_entry_point()
{
	local f=$T/out/a.json got

	run_trace a.json "$WORKLOADS/trace_calls:*" -- "$WORKLOADS/trace_calls" calls 10 3
	[[ $(truth calls f) == 10 && $(truth calls g) == 30 ]] ||
		fail "trace_calls did not make its calls under a glob of all its functions: $(tr '\n' '|' <"$TRUTH_FILE") $(first_line "$T/err")"
	got=$(jqs "$f" '[.functions[].name | select(test("(^|:)_start$"))] | length')
	((got == 0)) || fail "_start was probed: $(jq -c '[.functions[].name]' "$f")"
	expect_calls "$f" f 10
	expect_calls "$f" g 30
	expect_calls "$f" main 1
}

# -p with a list: the calls of the processes listed, and none of the other.
test_trace_shared_library_pid_list()
{
	local f=$T/out/l.json

	start_tick_callers 300 500 700
	trace_ticks l.json "${TICK_PIDS[0]},${TICK_PIDS[2]}"
	expect_calls "$f" lib_tick 1000
	expect_lost "$f"
}

# ---------------------------------------------------------------- USDT

# usdt_fn FILE PROBE FILTER: FILTER of the one USDT function whose name
# ends in PROBE (vtest:tick, tick, ...).
usdt_fn()
{
	local v

	v=$(jqs "$1" '[.functions[] | select(.kind == "usdt" and (.name | endswith($p)))] |
		if length == 1 then .[0] | '"$3"' else "none \(length)" end' --arg p "$2")
	[[ $v != "none "* ]] || fail "trace: ${v#none } USDT probes named *$2: $(jq -c '[.functions[].name]' "$1")"
	printf '%s\n' "$v"
}

# usdt_prog is traced by -p before its rounds start: every firing of
# both probes counted (tock fires only while its semaphore is raised), and
# the semaphore is back to 0 once vigil has exited.
test_trace_usdt_with_and_without_semaphore()
{
	local f=$T/out/u.json n=200 pid vigil got

	need_jq
	start_workload usdt_prog "$n" "$T/go" "$T/stop" 60
	pid=$WL_PID
	start_vigil "$T/stdout" "$T/err" trace -v -p "$pid" -d 2 --format json -o "$f" \
		"usdt:$WORKLOADS/usdt_prog:vtest:tick" "usdt:$WORKLOADS/usdt_prog:vtest:tock"
	vigil=$VIGIL_PID
	wait_attached "$T/err" "$vigil"
	touch "$T/go"
	wait_for_match "$T/usdt_prog.stdout" '^TRUTH name=tock ' 20
	wait_vigil "$vigil" 30 "vigil trace -p $pid -d 2 usdt:..."
	expect_rc 0 "trace -p $pid -d 2 usdt:...:vtest:tick usdt:...:vtest:tock"
	touch "$T/stop"
	wait_pid "$pid" 20 usdt_prog
	((WAIT_STATUS == 0)) || fail "usdt_prog exited with $WAIT_STATUS: $(first_line "$T/usdt_prog.stderr")"
	TRUTH_FILE=$T/usdt_prog.stdout
	only_file "$T/out" u.json
	check_trace_json "$f"
	got=$(usdt_fn "$f" tick .calls)
	((got == n)) || fail "vtest:tick: $got firings counted, it fired $n times"
	got=$(truth calls tock)
	((got == n)) || fail "vtest:tock fired in $got of $n rounds: its semaphore was not raised all along (max $(truth max_semaphore tock))"
	got=$(usdt_fn "$f" tock .calls)
	((got == n)) || fail "vtest:tock: $got firings counted, it fired $(truth calls tock) times"
	got=$(truth semaphore after)
	((got == 0)) || fail "vtest:tock's semaphore is $got after vigil exited, expected 0"
	got=$(usdt_fn "$f" tick .file)
	[[ $got == "$(readlink -f "$WORKLOADS/usdt_prog")" ]] || fail "vtest:tick: file $got"
	expect_lost "$f"
}

# A command started by vigil: its semaphore is raised from its exec on;
# a probe not asked for keeps its semaphore down.
test_trace_usdt_command()
{
	local f=$T/out/u.json n=100 got

	run_trace u.json "usdt:$WORKLOADS/usdt_prog:vtest:tick" "usdt:$WORKLOADS/usdt_prog:vtest:tock" -- \
		"$WORKLOADS/usdt_prog" "$n"
	got=$(truth calls tock)
	((got == n)) || fail "vtest:tock fired in $got of $n rounds of a command traced from its exec"
	[[ $(usdt_fn "$f" tick .calls) == "$n" ]] || fail "vtest:tick: $(usdt_fn "$f" tick .calls) firings, expected $n"
	[[ $(usdt_fn "$f" tock .calls) == "$n" ]] || fail "vtest:tock: $(usdt_fn "$f" tock .calls) firings, expected $n"

	rm -f "$f"
	run_trace u.json "usdt:$WORKLOADS/usdt_prog:vtest:tick" -- "$WORKLOADS/usdt_prog" "$n"
	got=$(truth calls tock)
	((got == 0)) || fail "vtest:tock's semaphore raised in $got rounds although only vtest:tick was traced"
	[[ $(usdt_fn "$f" tick .calls) == "$n" ]] || fail "vtest:tick alone: $(usdt_fn "$f" tick .calls) firings, expected $n"
	got=$(jqs "$f" '.functions | length')
	((got == 1)) || fail "$got functions listed for one probe: $(jq -c '[.functions[].name]' "$f")"
}

# ---------------------------------------------------------------- Python

# expect_pycalls FILE [SKIP...]: the functions of pycalls.py but SKIP
# have the calls its TRUTH lines (TRUTH_FILE) say, and where all of a
# function's calls were timed (seen at their entry too), the primitive
# calls; a name in pstats' form "FILE:LINE(NAME)" has the LINE of the
# function's def.
#
# Certain (CPython 3.11.2's probes, counted with gdb, see pycalls.py):
# function__return fires once per frame exit (return, yield, exception),
# so the calls are exact from the returns alone; function__entry, when it
# fires, fires once per frame start and generator resumption, for calls
# from Python and from C alike. It fires only on the eval loop's tracing
# path: under sys.setprofile/sys.settrace, or while the python:line
# probe's semaphore is raised.
expect_pycalls()
{
	local file=$1 name got line timed

	for name in leaf loop leaf2 key from_c gen consume Box __init__ get methods boom catch rec recurse slow main; do
		[[ " ${*:2} " != *" $name "* ]] || continue
		got=$(py_name "$file" "$name")
		line=$(truth line "$name")
		[[ $got != *")" || $got == *":$line($name)" ]] ||
			fail "Python function $name is listed as $got, expected FILE:$line($name)"
		timed=$(trace_fn "$file" "$got" '.timed_calls // .calls')
		if [[ $timed == "$(truth calls "$name")" ]]; then
			expect_calls "$file" "$got" "$(truth calls "$name")" "$(truth primitive "$name")"
		else
			expect_calls "$file" "$got" "$(truth calls "$name")" "$(trace_fn "$file" "$got" .primitive_calls)"
		fi
	done
}

# pycalls.py run by vigil: every call of its functions, from Python or
# from C, counted exactly, under their .py file.
test_trace_python_counts()
{
	local f=$T/out/py.json got

	[[ -x $PYTHON311 ]] || fail "$PYTHON311 is not installed"
	run_trace py.json --python -- "$PYTHON311" tests/workloads/pycalls.py
	grep -q '^TRUTH name=main ' "$T/stdout" || fail "pycalls.py printed no TRUTH lines: $(first_line "$T/stdout")"
	expect_pycalls "$f"
	got=$(jqs "$f" '[.functions[] | select(.kind == "python" and (.file | endswith("/pycalls.py"))) | .file] | unique | join(" ")')
	[[ $got == "$ROOT/tests/workloads/pycalls.py" ]] || fail "pycalls.py's functions are of the files $got"
	# seen from the exec on, no frame's return comes without its start
	expect_lost "$f"
}

# Under a profiler (sys.setprofile), CPython 3.11 fires function__entry
# too: every call is timed, with its callers, depths, and time off the CPU.
test_trace_python_profiled()
{
	local f=$T/out/py.json d got rec slow cum cpu

	[[ -x $PYTHON311 ]] || fail "$PYTHON311 is not installed"
	run_trace py.json --python -- "$PYTHON311" -c "import sys, runpy; sys.setprofile(lambda *a: None);
runpy.run_path('$ROOT/tests/workloads/pycalls.py', run_name='__main__')"
	grep -q '^TRUTH name=main ' "$T/stdout" || fail "pycalls.py printed no TRUTH lines: $(first_line "$T/stdout")"
	got=$(jqs "$f" '[.functions[] | select(.kind == "python" and (.file | endswith("/pycalls.py")) and
		(.name | endswith("<module>") or endswith("(<module>)") | not) and .timed_calls != null and
		.timed_calls != .calls) | "\(.name): \(.timed_calls) of \(.calls)"] | join(", ")')
	[[ -z $got ]] || fail "calls not timed under a profiler: $got"
	expect_pycalls "$f"
	rec=$(py_name "$f" rec)
	for ((d = 0; d < 6; d++)); do
		got=$(trace_fn "$f" "$rec" ".depths[$d].calls // 0")
		((got == 50)) || fail "rec: depth $d has $got calls, expected 50: $(trace_fn "$f" "$rec" '.depths | tojson')"
	done
	got=$(trace_fn "$f" "$rec" '.depths | length')
	((got == 6)) || fail "rec: $got depths, expected 6"
	expect_edge "$f" "$(py_name "$f" loop)" "$(py_name "$f" leaf)" 1000
	expect_edge "$f" "$(py_name "$f" from_c)" "$(py_name "$f" leaf2)" 300
	expect_edge "$f" "$(py_name "$f" from_c)" "$(py_name "$f" key)" 200
	expect_edge "$f" "$(py_name "$f" consume)" "$(py_name "$f" gen)" 51
	expect_edge "$f" "$(py_name "$f" methods)" "$(py_name "$f" get)" 200
	expect_edge "$f" "$(py_name "$f" catch)" "$(py_name "$f" boom)" 100
	expect_edge "$f" "$(py_name "$f" recurse)" "$rec" 50
	expect_edge "$f" "$rec" "$rec" 250
	slow=$(py_name "$f" slow)
	expect_edge "$f" "$(py_name "$f" main)" "$slow" 5
	cum=$(trace_fn "$f" "$slow" .cumtime_us)
	in_range "$cum" 100000 150000 || fail "slow: cumtime $cum us for 5 sleeps of 20 ms"
	cpu=$(trace_fn "$f" "$slow" .cpu_us)
	in_range "$cpu" 0 "$(calc "0.2 * $cum")" || fail "slow: cpu_us $cpu of cumtime $cum us, for sleeps"
	got=$(trace_fn "$f" "$slow" .min_us)
	in_range "$got" 20000 30000 || fail "slow: min $got us, for a sleep of 20 ms"
}

# -p on a Python process waiting to start its calls: they are all seen.
test_trace_python_pid()
{
	local f=$T/out/py.json pid vigil i

	need_jq
	[[ -x $PYTHON311 ]] || fail "$PYTHON311 is not installed"
	"$PYTHON311" tests/workloads/pycalls.py "$T/go" 60 >"$T/py.stdout" 2>"$T/py.stderr" &
	pid=$!
	track "$pid"
	for ((i = 0; i < 200; i++)); do
		[[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$PYTHON311")" ]] && break
		sleep 0.01
	done
	((i < 200)) || fail "$PYTHON311 (pid $pid) did not start"
	start_vigil "$T/stdout" "$T/err" trace -v --python -p "$pid" -d 8 --format json -o "$f"
	vigil=$VIGIL_PID
	wait_attached "$T/err" "$vigil"
	touch "$T/go"
	wait_pid "$pid" 30 pycalls.py
	((WAIT_STATUS == 0)) || fail "pycalls.py exited with $WAIT_STATUS: $(first_line "$T/py.stderr")"
	wait_vigil "$vigil" 20 "vigil trace --python -p $pid -d 8"
	expect_rc 0 "trace --python -p $pid -d 8"
	only_file "$T/out" py.json
	check_trace_json "$f"
	TRUTH_FILE=$T/py.stdout
	# Box's class body ran at import, before the go file and vigil
	expect_pycalls "$f" Box
	# the frames begun before vigil attached (the module's, wait_go's)
	# may return unmatched: no other lost counts
	[[ $(jqs "$f" '.lost.abandoned_entries + .lost.too_deep + .lost.threads_full + .lost.functions_full') == 0 ]] ||
		fail "lost: $(jq -c .lost "$f")"
}

# ---------------------------------------------------------------- bad input

# expect_bad_trace WHAT RCS ARGS...: vigil trace ARGS fails with one of the
# exit statuses RCS ("1 2"), one line on stderr, no output file, and the
# command it was given not run.
expect_bad_trace()
{
	local what=$1 rcs=" $2 "

	shift 2
	rm -f "$T/stdout"
	run_vigil "$T/stdout" "$T/err" trace --format json -o "$T/out/bad.json" "$@"
	[[ $rcs == *" $VIGIL_RC "* ]] ||
		fail "$what: exit status $VIGIL_RC, expected one of$rcs(stderr: $(first_line "$T/err"))"
	one_error_line "$T/err"
	empty_dir "$T/out"
	! grep -q '^TRUTH' "$T/stdout" || fail "$what: the command ran although vigil trace failed"
}

# Bad input, each: one line, the usual status, no output, the command not
# started, and nothing left attached.
test_trace_bad_input()
{
	local before=$T/bpf.before run=("$WORKLOADS/trace_calls" calls 2 2)

	need_jq
	need_workloads trace_calls usdt_prog
	bpf_ids >"$before"
	printf '#!/bin/sh\necho TRUTH name=script\n' >"$T/notelf.sh"
	chmod +x "$T/notelf.sh"
	printf 'f\ng\n' >"$T/notelf.txt"

	expect_bad_trace "a function not in the binary" "1 2" \
		"$WORKLOADS/trace_calls:f" "$WORKLOADS/trace_calls:no_such_function" -- "${run[@]}"
	expect_bad_trace "a glob matching nothing" "1 2" "$WORKLOADS/trace_calls:zz*qq" -- "${run[@]}"
	expect_bad_trace "a shell script" "1 2" "$T/notelf.sh:main" -- "$T/notelf.sh"
	expect_bad_trace "a text file" "1 2" "$T/notelf.txt:f" -- "${run[@]}"
	expect_bad_trace "a file that does not exist" "1 2" "$T/nonexistent:f" -- "${run[@]}"
	expect_bad_trace "a library no target maps" "1 2" "libnosuchlib_vigil:f" -- "${run[@]}"
	expect_bad_trace "a USDT probe that does not exist" "1 2" \
		"usdt:$WORKLOADS/usdt_prog:vtest:tick" "usdt:$WORKLOADS/usdt_prog:vtest:nosuch" -- "$WORKLOADS/usdt_prog" 5
	expect_bad_trace "a USDT probe of a binary without any" "1 2" \
		"usdt:$WORKLOADS/trace_calls:vtest:tick" -- "${run[@]}"
	expect_bad_trace "a process that does not exist" 1 -p 999999999 -d 1 "$WORKLOADS/trace_calls:f"
	expect_bad_trace "no probe" 2 -d 1
	expect_bad_trace "--sort nothing" 2 --sort nothing "$WORKLOADS/trace_calls:f" -- "${run[@]}"
	expect_bad_trace "--format xml" 2 --format xml "$WORKLOADS/trace_calls:f" -- "${run[@]}"
	expect_bad_trace "--python on a program that is not CPython" "1 2" --python -- "${run[@]}"
	expect_bad_trace "the entry point, named" 2 "$WORKLOADS/trace_calls:_start" -- "${run[@]}"
	expect_bad_trace "a function that returns twice" 2 "libc:_setjmp" -- "${run[@]}"
	expect_bad_trace "the only function refused by the kernel" 1 "$WORKLOADS/trace_calls:trap_point" -- "${run[@]}"
	expect_nothing_left "$before"
}

# trap_point() begins with an int3, on which the kernel puts no uprobe:
# it is left out, and said so, whether the program runs already (-p) or
# is started by vigil (when the kernel refuses only at the exec: to check
# against the real command); the other function is traced all the same,
# and the target carries on unharmed.
test_trace_refused_function_left_out()
{
	local f=$T/out/r.json pid vigil got

	run_trace r.json "$WORKLOADS/trace_calls:sleepy" "$WORKLOADS/trace_calls:trap_point" -- \
		"$WORKLOADS/trace_calls" sleep 20
	expect_calls "$f" sleepy 20
	grep -q 'trap_point' "$T/err" || fail "-- trace_calls: trap_point, never probed, not said to be left out: $(tr '\n' '|' <"$T/err")"
	got=$(jqs "$f" '[.functions[] | select(.name | endswith("trap_point")) | .calls] | add // 0')
	((got == 0)) || fail "trap_point, never probed, has $got calls"

	rm -f "$f"
	start_workload trace_calls sleep 100
	pid=$WL_PID
	start_vigil "$T/stdout" "$T/err" trace -v -p "$pid" -d 20 --format json -o "$f" \
		"$WORKLOADS/trace_calls:sleepy" "$WORKLOADS/trace_calls:trap_point"
	vigil=$VIGIL_PID
	wait_pid "$pid" 20 "trace_calls sleep 100"
	((WAIT_STATUS == 0)) || fail "trace_calls, traced with a function left out, exited with $WAIT_STATUS"
	grep -q '^TRUTH name=sleepy calls=100 ' "$T/trace_calls.stdout" ||
		fail "trace_calls did not make its 100 calls: $(first_line "$T/trace_calls.stdout")"
	# its target gone, vigil ends
	wait_vigil "$vigil" 20 "vigil trace -p $pid -d 20"
	expect_rc 0 "trace -p $pid -d 20 trace_calls:sleepy trace_calls:trap_point"
	only_file "$T/out" r.json
	check_trace_json "$f"
	grep -q 'trap_point' "$T/err" || fail "-p: trap_point not said to be left out: $(tr '\n' '|' <"$T/err")"
	got=$(trace_fn "$f" sleepy .calls)
	in_range "$got" 1 100 || fail "sleepy: $got calls seen of the 100 made"
}

ALL_TESTS+=(
	trace_cold_part_left_out
	trace_tail_call
	trace_exec_ends_open_calls
	trace_python_deeper_than_64
	trace_pid_given_twice
	trace_recursion_deeper_than_64
	trace_glob_leaves_out_the_entry_point
	trace_calls_are_exact
	trace_text_callers_and_callees
	trace_sleep_and_spin_cpu
	trace_recursion_depths
	trace_longjmp_and_thread_exit
	trace_shared_library_pid_filter
	trace_shared_library_pid_list
	trace_usdt_with_and_without_semaphore
	trace_usdt_command
	trace_python_counts
	trace_python_profiled
	trace_python_pid
	trace_bad_input
	trace_refused_function_left_out
)
