# SPDX-License-Identifier: GPL-2.0
# Integration tests of vigil profile --clock off and --clock wall: every
# off-CPU span classified, checked against tests/workloads/waits, whose
# threads each wait in one known way and measure it themselves. Sourced by
# run.sh, which defines T and the helpers.
# jq filters (through jqs) name their $variables in single quotes.
# shellcheck shell=bash disable=SC2154,SC2016
#
# An off-CPU folded line is "THREAD;user...;kernel_[k]...;[wait:CLASS] US"
# (in --clock wall also "...;[cpu] US"), US in microseconds, with
# "[cut at start]" or "[cut at end]" just before the class frame of a
# block the run's start or end cut; with --per-thread, THREAD is NAME/TID.
#
# The tolerances follow from what waits measures (see its header): a
# waiting call's wall time (wait_us) also holds the CPU time and runqueue
# time spent inside it, so the part truly blocked lies between
# wait_us - cpu_us - rq_us and wait_us; 10% on top of that is for
# measurement. Runqueue time is schedstat's, the same a profiler timing
# context switches sees. On-CPU time is bounded below by the thread clock
# (cpu_us, which leaves out time a hypervisor stole) and above by
# wall_us - rq_us (which counts it): on the 2-CPU test VM a busy virtual
# CPU loses a quarter of its time, in slices of ~30 ms.

WAIT_CLASSES=(disk net lock sleep runqueue other)

# The threads whose off-CPU time is all of one class, checked class by class.
WAIT_THREADS=(w_sleep w_disk w_net w_lock w_runq1 w_runq2)
# Helpers whose waits are mostly one class; only that class is checked.
HELPER_THREADS=(w_netpeer w_holder)

declare -gA OWN_CLASS=(
	[w_sleep]=sleep [w_disk]=disk [w_net]=net [w_lock]=lock
	[w_runq1]=runqueue [w_runq2]=runqueue [w_netpeer]=sleep [w_holder]=sleep
)
# The function of waits.c each thread's stacks hold.
declare -gA LOOP_FN=(
	[w_sleep]=sleeper_loop [w_disk]=disk_loop [w_net]=net_loop [w_lock]=lock_loop
	[w_runq1]=runq_loop [w_runq2]=runq_loop [w_netpeer]=netpeer_loop
	[w_holder]=holder_loop [w_cpu]=cpu_loop
)
# Kernel functions (6.18) on the path of each kind of block, any of them.
declare -gA KERNEL_FNS=(
	[sleep]="hrtimer_nanosleep_[k]|do_nanosleep_[k]"
	[lock]="futex_wait_[k]|__futex_wait_[k]"
	[net]="tcp_recvmsg_[k]|sk_wait_data_[k]"
	[disk]="__iomap_dio_rw_[k]|iomap_dio_rw_[k]|blk_io_schedule_[k]|io_schedule_[k]"
)

TRUTH_FILE=	# the workload's stdout, with its TRUTH lines
SPANS=		# check_offcpu_folded: the N, D, L and M of the stderr line
DROPPED=
LOST=
UNSEEN=

# ---------------------------------------------------------------- helpers

# calc EXPR: EXPR (numbers and + - * /) evaluated, rounded to an integer.
calc()
{
	awk "BEGIN { printf \"%.0f\n\", $1 }"
}

# truth FIELD THREAD: FIELD of THREAD's "TRUTH name=THREAD ..." line.
truth()
{
	local v

	v=$(awk -v field="$1" -v name="$2" '
	$1 == "TRUTH" {
		split("", kv)
		for (i = 2; i <= NF; i++) {
			k = v = $i
			sub(/=.*/, "", k)
			sub(/^[^=]*=/, "", v)
			kv[k] = v
		}
		if (kv["name"] == name && field in kv) {
			print kv[field]
			exit
		}
	}' "$TRUTH_FILE")
	[[ $v =~ ^-?[0-9]+$ ]] || fail "no $1 for $2 in the workload's output: $(first_line "$TRUTH_FILE")"
	printf '%s\n' "$v"
}

# stack_sum FILE THREAD CLASS [FRAMES]: "US LINES" of the lines of THREAD
# (NAME, or NAME/TID; NAME also matches every NAME/TID) whose class frame
# is CLASS's (disk ... other, cpu for [cpu], or * for any) and, if given,
# that hold one of FRAMES ("a|b|c") outside the thread and class frames.
stack_sum()
{
	awk -v thread="$2" -v class="$3" -v frames="${4-}" '
	BEGIN {
		want = class == "cpu" ? "[cpu]" : "[wait:" class "]"
		nf = split(frames, fr, "|")
		for (i = 1; i <= nf; i++)
			set[fr[i]] = 1
	}
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		n = split(stack, f, ";")
		t = f[1]
		if (t != thread) {
			sub(/\/[0-9]+$/, "", t)
			if (t != thread)
				next
		}
		if (class != "*" && f[n] != want)
			next
		if (nf) {
			hit = 0
			for (i = 2; i < n; i++)
				if (f[i] in set) {
					hit = 1
					break
				}
			if (!hit)
				next
		}
		us += $NF
		lines++
	}
	END { print us + 0, lines + 0 }' "$1"
}

# class_us FILE THREAD CLASS [FRAMES]: the US of stack_sum.
class_us()
{
	local r

	r=$(stack_sum "$@")
	printf '%s\n' "${r% *}"
}

# heaviest FILE THREAD [CLASS]: THREAD's three heaviest lines, for messages.
heaviest()
{
	awk -v thread="$2" -v class="${3-}" '
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		n = split(stack, f, ";")
		t = f[1]
		sub(/\/[0-9]+$/, "", t)
		if ((f[1] == thread || t == thread) &&
		    (class == "" || f[n] == (class == "cpu" ? "[cpu]" : "[wait:" class "]")))
			print $NF "\t" $0
	}' "$1" | sort -rn | head -n 3 | cut -f2- | paste -s -d '|' -
}

# offcpu_counts ERR [system]: SPANS, DROPPED, LOST and UNSEEN from the
# last "vigil: off-CPU: N spans, D below --min-block dropped, L lost, M
# switches unseen" on ERR. The tracepoint does not report a few switches
# (the kernel's own sched_switch event misses them too); vigil counts
# those and leaves the spans around them out. UNSEEN is held to 1% of the
# spans of the test's own threads: more would mean vigil loses them
# itself. A whole-system run ("system") is not bounded.
offcpu_counts()
{
	local line re='^vigil: off-CPU: ([0-9]+) spans, ([0-9]+) below --min-block dropped, ([0-9]+) lost, ([0-9]+) switches unseen$'

	line=$(grep -E "$re" "$1" | tail -n 1 || true)
	[[ $line =~ $re ]] ||
		fail "no 'vigil: off-CPU: N spans, D below --min-block dropped, L lost, M switches unseen' line on stderr: $(tr '\n' '|' <"$1")"
	SPANS=${BASH_REMATCH[1]}
	DROPPED=${BASH_REMATCH[2]}
	LOST=${BASH_REMATCH[3]}
	UNSEEN=${BASH_REMATCH[4]}
	[[ ${2:-} != system ]] || return 0
	((UNSEEN * 100 <= SPANS)) ||
		fail "$UNSEEN context switches unseen in $SPANS spans, more than 1%"
}

# check_offcpu_folded FILE ERR CLOCK: FILE is a complete off-CPU (CLOCK
# off) or wall-clock (CLOCK wall) profile: every line "STACK US" with US
# > 0, no stack twice, the last frame a class ([cpu] only in wall), cut
# frames only right before it, no user frame after a kernel frame; and ERR
# has the off-CPU counts, left in SPANS, DROPPED and LOST.
#
# With a fourth argument "system" (a whole-system run), the unseen switches
# are not bounded: on these machines some threads of other processes (the
# sandbox agent's, pid 1) are switched in again and again without the
# tracepoint ever reporting them switched out (the kernel's own tracefs
# sched_switch event shows the same), so their count is vigil's report of
# the machine, not a fault of vigil's.
check_offcpu_folded()
{
	local file=$1 err=$2 clock=$3 bad

	[[ -f $file ]] || fail "no profile written to $file (stderr: $(first_line "$err"))"
	[[ -s $file ]] || fail "empty profile $file (stderr: $(first_line "$err"))"
	bad=$(grep -v -n -E '^[^;].* [0-9]+$' "$file" | head -n 1 || true)
	[[ -z $bad ]] || fail "line not in folded format: $bad"
	bad=$(awk -v clock="$clock" '
	{
		s = $0
		sub(/ [0-9]+$/, "", s)
		if (seen[s]++) {
			print NR ": stack listed twice: " s
			exit
		}
		if ($NF + 0 <= 0) {
			print NR ": a line of 0 us: " $0
			exit
		}
		n = split(s, f, ";")
		if (n < 2) {
			print NR ": no class frame: " $0
			exit
		}
		c = f[n]
		if (c != "[wait:disk]" && c != "[wait:net]" && c != "[wait:lock]" &&
		    c != "[wait:sleep]" && c != "[wait:runqueue]" && c != "[wait:other]" &&
		    !(clock == "wall" && c == "[cpu]")) {
			print NR ": last frame " c " is no class of --clock " clock
			exit
		}
		cut = 0
		for (i = n - 1; i >= 2 && (f[i] == "[cut at start]" || f[i] == "[cut at end]"); i--)
			cut++
		if (cut > 2 || (cut == 2 && f[n - 1] == f[n - 2]) || (cut && c == "[cpu]")) {
			print NR ": cut frames out of place: " $0
			exit
		}
		k = 0
		for (i = 2; i < n - cut; i++) {
			if (f[i] == "[cut at start]" || f[i] == "[cut at end]") {
				print NR ": cut frame not next to the class frame: " $0
				exit
			}
			if (f[i] ~ /_\[k\]$/)
				k = 1
			else if (k && f[i] !~ /^\[/) {
				print NR ": user frame " f[i] " after a kernel frame"
				exit
			}
		}
	}' "$file")
	[[ -z $bad ]] || fail "$bad"
	offcpu_counts "$err" "${4:-}"
}

# run_waits OUT ARGS...: vigil profile ARGS -o $T/out/OUT -- waits -d $T,
# to its end; the workload's output, with its TRUTH lines, is $T/stdout.
run_waits()
{
	local out=$1

	shift
	[[ -x $WORKLOADS/waits ]] || fail "workload waits not built (run: make integration)"
	run_vigil "$T/stdout" "$T/err" profile "$@" -o "$T/out/$out" -- "$WORKLOADS/waits" -d "$T"
	expect_rc 0 "profile $* -- waits"
	TRUTH_FILE=$T/stdout
	grep -q '^TRUTH name=w_cpu ' "$TRUTH_FILE" ||
		fail "waits printed no TRUTH lines through vigil: $(first_line "$T/stdout")"
}

need_jq()
{
	command -v jq >/dev/null || fail "jq is not installed (run: scripts/install-deps.sh)"
}

# jqs FILE FILTER [JQ ARGS...]: the first line of jq -r FILTER on summary
# FILE; jq failing (a field missing, or of another type) fails the test.
jqs()
{
	local file=$1 filter=$2

	shift 2
	jq -r "$@" "$filter" "$file" >"$T/jq.out" 2>"$T/jq.err" ||
		fail "summary: jq $filter: $(first_line "$T/jq.err"); summary: $(head -c 300 "$file")"
	head -n 1 "$T/jq.out"
}

# expect_own_class FILE KEY NAME: thread KEY (NAME or NAME/TID) has its own
# class's time where the truth of thread NAME puts it, from its loop
# function and (but for runqueue) through the kernel's path for that class.
expect_own_class()
{
	local file=$1 key=$2 name=$3 own=${OWN_CLASS[$3]} wait cpu rq got lo hi part

	wait=$(truth wait_us "$name")
	cpu=$(truth cpu_us "$name")
	rq=$(truth rq_us "$name")
	got=$(class_us "$file" "$key" "$own")
	if [[ $own == runqueue ]]; then
		lo=$(calc "0.9 * $wait")
	else
		lo=$(calc "$wait - $cpu - $rq - 0.1 * $wait")
	fi
	hi=$(calc "1.1 * $wait")
	in_range "$got" "$lo" "$hi" ||
		fail "$key: [wait:$own] holds $got us; waits measured $wait us in its waiting calls ($cpu us on the CPU, $rq us runnable), so expected $lo..$hi us; heaviest: $(heaviest "$file" "$key")"
	part=$(class_us "$file" "$key" "$own" "${LOOP_FN[$name]}")
	in_range "$(ratio "$part" "$got")" 0.9 1 ||
		fail "$key: only $part of its $got us of [wait:$own] are under ${LOOP_FN[$name]}; heaviest: $(heaviest "$file" "$key" "$own")"
	[[ $own == runqueue ]] && return 0
	part=$(class_us "$file" "$key" "$own" "${KERNEL_FNS[$own]}")
	in_range "$(ratio "$part" "$got")" 0.9 1 ||
		fail "$key: only $part of its $got us of [wait:$own] pass through one of ${KERNEL_FNS[$own]}; heaviest: $(heaviest "$file" "$key" "$own")"
}

# expect_no_other_class FILE KEY NAME: thread KEY spends next to nothing in
# any class but its own: under 10% of its truth each, runqueue up to the
# runqueue time it measured on top.
expect_no_other_class()
{
	local file=$1 key=$2 name=$3 own=${OWN_CLASS[$3]} wait rq c got limit

	wait=$(truth wait_us "$name")
	rq=$(truth rq_us "$name")
	for c in "${WAIT_CLASSES[@]}"; do
		[[ $c == "$own" ]] && continue
		if [[ $c == runqueue ]]; then
			limit=$(calc "$rq + 0.1 * $wait")
		else
			limit=$(calc "0.1 * $wait")
		fi
		got=$(class_us "$file" "$key" "$c")
		in_range "$got" 0 "$limit" ||
			fail "$key: [wait:$c] holds $got us, expected under $limit us: its $wait us of waits are all $own (runnable $rq us); heaviest: $(heaviest "$file" "$key" "$c")"
	done
}

# expect_classes FILE: every thread of WAIT_THREADS and HELPER_THREADS as
# its truth says (see expect_own_class, expect_no_other_class).
expect_classes()
{
	local name

	for name in "${WAIT_THREADS[@]}"; do
		expect_own_class "$1" "$name" "$name"
		expect_no_other_class "$1" "$name" "$name"
	done
	for name in "${HELPER_THREADS[@]}"; do
		expect_own_class "$1" "$name" "$name"
	done
}

# expect_no_cut_blocks FILE: no w_ thread has a block cut by the run, as
# all live and die inside it.
expect_no_cut_blocks()
{
	local bad

	bad=$(grep -m 1 -E '^w_[^;]*;.*\[cut at (start|end)\]' "$1" || true)
	[[ -z $bad ]] || fail "a block cut, in a thread that lived inside the run: $bad"
}

# expect_oncpu WHAT GOT NAME: GOT us on the CPU are within 10% of thread
# NAME's own CPU clock (CLOCK_THREAD_CPUTIME_ID), which leaves out what the
# hypervisor took, as the scheduler's runtime and the cpu-clock samples do.
expect_oncpu()
{
	local cpu wall rq lo hi

	cpu=$(truth cpu_us "$3")
	wall=$(truth wall_us "$3")
	rq=$(truth rq_us "$3")
	lo=$(calc "0.9 * $cpu")
	hi=$(calc "1.1 * $cpu")
	in_range "$2" "$lo" "$hi" ||
		fail "$1: $2 us on the CPU, expected $lo..$hi ($3 measured $cpu us of thread clock, $wall us wall, $rq us runnable)"
}

# ================================================================ tests

# Each thread's waits land in its own class, in the amount it measured.
test_offcpu_classes_match_truth()
{
	local f=$T/out/off.folded

	run_waits off.folded --clock off
	check_offcpu_folded "$f" "$T/err" off
	((LOST == 0)) || fail "$LOST spans lost in a run of a few thousand ($SPANS spans)"
	((DROPPED == 0)) || fail "$DROPPED spans dropped below --min-block without --min-block"
	# w_sleep, w_net and w_lock block 100 times each, w_netpeer and w_holder 200
	((SPANS >= 700)) || fail "only $SPANS off-CPU spans, expected at least 700"
	expect_classes "$f"
	expect_no_cut_blocks "$f"
}

# The wall clock adds [cpu] samples: w_cpu's match the time it ran, and
# each runq thread's run and wait together fill its wall time.
test_wall_clock_classes_and_cpu()
{
	local f=$T/out/wall.folded name got wall cpu rq lo hi part

	need_jq
	run_waits wall.folded --clock wall -F 499 --summary "$T/out/s.json" --summary-format json
	check_offcpu_folded "$f" "$T/err" wall
	((LOST == 0)) || fail "$LOST spans lost ($SPANS spans)"
	expect_classes "$f"
	expect_no_cut_blocks "$f"

	got=$(class_us "$f" w_cpu cpu)
	expect_oncpu "w_cpu's [cpu] at 499 Hz" "$got" w_cpu
	part=$(class_us "$f" w_cpu cpu "${LOOP_FN[w_cpu]}")
	in_range "$(ratio "$part" "$got")" 0.9 1 ||
		fail "only $part of w_cpu's $got us of [cpu] are under cpu_loop; heaviest: $(heaviest "$f" w_cpu cpu)"
	for name in w_runq1 w_runq2; do
		got=$(($(class_us "$f" "$name" cpu) + $(class_us "$f" "$name" runqueue)))
		wall=$(truth wall_us "$name")
		cpu=$(truth cpu_us "$name")
		rq=$(truth rq_us "$name")
		lo=$(calc "0.9 * ($cpu + $rq)")
		hi=$(calc "1.1 * $wall")
		in_range "$got" "$lo" "$hi" ||
			fail "$name: [cpu] + [wait:runqueue] = $got us, expected $lo..$hi ($cpu us cpu + $rq us runnable, $wall us wall)"
	done
	# A thread that mostly waits is accounted for all its life.
	for name in "${WAIT_THREADS[@]:0:4}" "${HELPER_THREADS[@]}"; do
		got=$(class_us "$f" "$name" '*')
		wall=$(truth wall_us "$name")
		in_range "$got" "$(calc "0.9 * $wall")" "$(calc "1.1 * $wall")" ||
			fail "$name: its lines sum to $got us in a wall-clock profile, its loop took $wall us"
	done

	got=$(jqs "$T/out/s.json" .clock)
	[[ $got == wall ]] || fail "summary of --clock wall: clock is $got"
}

# summary_thread FILE TID FILTER: FILTER of the one thread TID in summary FILE.
summary_thread()
{
	local v

	v=$(jqs "$1" "[.processes[].threads[] | select(.tid == \$tid)] | if length == 1 then .[0] | $3 else \"none\" end" \
		--argjson tid "$2")
	[[ $v != none ]] || fail "summary has not exactly one thread $2"
	printf '%s\n' "$v"
}

# The JSON summary of a per-thread profile says per thread and class what
# the profile's lines of that TID add up to, and fits the run.
test_offcpu_summary_agrees_with_profile()
{
	local f=$T/out/pt.folded s=$T/out/s.json bad name tid got cpu wall dur pid

	need_jq
	run_waits pt.folded --clock off --per-thread --summary "$s" --summary-format json
	check_offcpu_folded "$f" "$T/err" off
	jq empty "$s" 2>"$T/jq.err" || fail "summary is no JSON: $(first_line "$T/jq.err")"
	got=$(jqs "$s" .clock)
	[[ $got == off ]] || fail "summary: clock is $got"
	bad=$(jqs "$s" '
		def six: (.waits_us | type == "object") and
			([.waits_us | keys[]] | sort) == (["disk", "lock", "net", "other", "runqueue", "sleep"]) and
			all(.waits_us[]; type == "number" and . >= 0);
		if (.duration_us | type) != "number" or .duration_us <= 0 then "duration_us"
		elif (.processes | type) != "array" or (.processes | length) == 0 then "processes"
		else (.processes[] | select((.pid | type) != "number" or (.name | type) != "string" or
					    (.cpu_us | type) != "number" or (six | not) or
					    (.threads | type) != "array") | "process \(.pid)"),
		     (.processes[].threads[] | select((.tid | type) != "number" or (.name | type) != "string" or
						      (.cpu_us | type) != "number" or (.cut_us | type) != "number" or
						      (six | not)) | "thread \(.tid)")
		end')
	[[ -z $bad ]] || fail "summary: $bad lacks a field or has one of the wrong type: $(head -c 300 "$s")"

	# the workload's process: the one with w_sleep's thread
	tid=$(truth tid w_sleep)
	pid=$(jqs "$s" '[.processes[] | select(any(.threads[]; .tid == $tid)) | .pid] | .[0] // "none"' \
		--argjson tid "$tid")
	[[ $pid != none ]] || fail "summary has no process with w_sleep's thread $tid"
	got=$(jqs "$s" '.processes[] | select(.pid == $pid) | .name' --argjson pid "$pid")
	[[ $got == waits ]] || fail "summary names process $pid $got, not waits"
	for name in "${WAIT_THREADS[@]}" "${HELPER_THREADS[@]}" w_cpu; do
		tid=$(truth tid "$name")
		got=$(summary_thread "$s" "$tid" .name)
		[[ $got == "$name" ]] || fail "summary: thread $tid is named $got, not $name"
	done

	# per TID and class: the summary's waits_us and the folded lines' sum
	jq -r '.processes[].threads[] | .tid as $t | .waits_us | to_entries[] | "\($t) \(.key) \(.value)"' \
		"$s" >"$T/summary.tsv" || fail "summary: cannot list the threads' waits_us"
	bad=$(awk '
	FNR == NR {
		want[$1 " " $2] = $3
		next
	}
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		n = split(stack, f, ";")
		if (f[n] !~ /^\[wait:/)
			next
		tid = f[1]
		sub(/.*\//, "", tid)
		k = tid " " substr(f[n], 7, length(f[n]) - 7)
		got[k] += $NF
		lines[k]++
	}
	END {
		for (k in got)
			if (!(k in want))
				want[k] = 0
		for (k in want) {
			d = want[k] - got[k]
			if (d < 0)
				d = -d
			# 1 us of rounding a line, and lines below 0.5 us left out
			if (d > lines[k] + 2 + 0.001 * want[k]) {
				print "thread " k ": summary " want[k] " us, folded " got[k] + 0 " us in " lines[k] + 0 " lines"
				exit
			}
		}
	}' "$T/summary.tsv" "$f")
	[[ -z $bad ]] || fail "summary and profile disagree: $bad"

	# a process's figures are its threads' added up
	bad=$(jqs "$s" '.processes[] | . as $p | (["cpu_us"] + [.waits_us | keys[] | "waits_us." + .])[] as $k |
		($k | split(".")) as $path |
		([$p.threads[] | getpath($path)] | add // 0) as $sum | ($p | getpath($path)) as $v |
		select(($v - $sum) > ($p.threads | length) + 1 or ($sum - $v) > ($p.threads | length) + 1) |
		"process \($p.pid) \($k): \($v), its threads add up to \($sum)"')
	[[ -z $bad ]] || fail "summary: $bad"

	for name in w_cpu w_runq1 w_runq2; do
		cpu=$(summary_thread "$s" "$(truth tid "$name")" .cpu_us)
		expect_oncpu "summary: $name's cpu_us" "$cpu" "$name"
	done
	dur=$(jqs "$s" .duration_us)
	bad=$(jqs "$s" '.processes[].threads[] |
		select(.cpu_us + ([.waits_us[]] | add) > $dur + 10) |
		"thread \(.tid) (\(.name)): cpu_us \(.cpu_us) + waits_us \([.waits_us[]] | add) > duration_us \($dur)"' \
		--argjson dur "$dur")
	[[ -z $bad ]] || fail "summary: $bad"
	# a thread that mostly waits is accounted for all its life
	for name in "${WAIT_THREADS[@]:0:4}" "${HELPER_THREADS[@]}"; do
		tid=$(truth tid "$name")
		wall=$(truth wall_us "$name")
		cpu=$(summary_thread "$s" "$tid" '.cpu_us + ([.waits_us[]] | add)')
		in_range "$cpu" "$(calc "0.9 * $wall")" "$dur" ||
			fail "summary: $name's cpu_us + waits_us = $cpu us, its loop took $wall us (run: $dur us)"
	done
}

# --per-thread: the first frame is NAME/TID, with the workload's own TIDs.
test_offcpu_per_thread()
{
	local f=$T/out/pt.folded bad name tid tids others

	run_waits pt.folded --clock off --per-thread
	check_offcpu_folded "$f" "$T/err" off
	bad=$(awk '{ split($0, f, ";"); if (f[1] !~ /.\/[0-9]+$/) { print; exit } }' "$f")
	[[ -z $bad ]] || fail "first frame is not NAME/TID: $bad"
	for name in "${WAIT_THREADS[@]}" "${HELPER_THREADS[@]}" w_cpu; do
		tid=$(truth tid "$name")
		tids=$(awk -v name="$name" '{ split($0, f, ";"); t = f[1]; sub(/\/[0-9]+$/, "", t)
			if (t == name) { sub(/.*\//, "", f[1]); print f[1] } }' "$f" | sort -u | tr '\n' ' ')
		[[ $tids == "$tid " ]] ||
			fail "$name: lines of TIDs ${tids:-none}, the workload says its TID is $tid"
	done
	[[ $(truth tid w_runq1) != "$(truth tid w_runq2)" ]] || fail "w_runq1 and w_runq2 have one TID"
	# lines under the main thread's name: the main thread itself, and the
	# other threads before they named themselves
	tids=" $(awk '$1 == "TRUTH" { sub(/.* tid=/, ""); sub(/ .*/, ""); printf "%s ", $0 }' "$TRUTH_FILE")"
	others=$(awk '{ split($0, f, ";"); t = f[1]; sub(/\/[0-9]+$/, "", t)
		if (t == "waits") { sub(/.*\//, "", f[1]); print f[1] } }' "$f" | sort -u |
		while read -r tid; do [[ $tids == *" $tid "* ]] || echo "$tid"; done | wc -l)
	((others <= 1)) || fail "lines of $others threads named waits that are not the workload's threads"
	for name in "${WAIT_THREADS[@]}"; do
		tid=$(truth tid "$name")
		expect_own_class "$f" "$name/$tid" "$name"
		expect_no_other_class "$f" "$name/$tid" "$name"
	done
}

# --min-block 5000: the 10 ms sleeps, locks and recvs stay whole; the
# runqueue waits of two threads sharing a CPU (a tick each, 4 ms at
# HZ=250, longer only where a hypervisor stole the CPU meanwhile) go.
test_offcpu_min_block_drops_short()
{
	local f=$T/out/mb.folded name got rq

	run_waits mb.folded --clock off --min-block 5000
	check_offcpu_folded "$f" "$T/err" off
	((DROPPED > 0)) || fail "stderr says $DROPPED spans dropped below --min-block 5000 (of $SPANS)"
	for name in w_sleep w_net w_lock; do
		expect_own_class "$f" "$name" "$name"
	done
	for name in w_runq1 w_runq2; do
		got=$(class_us "$f" "$name" runqueue)
		rq=$(truth rq_us "$name")
		in_range "$got" 0 "$(calc "0.5 * $rq")" ||
			fail "$name: $got us of [wait:runqueue] left with --min-block 5000, of $rq us runnable; expected under half"
	done
}

# -p follows only the target, whose threads start after attaching; and
# vigil's own waits never show, even profiling the whole system.
test_offcpu_pid_filter_and_no_self()
{
	local f=$T/out/p.folded pid bad nap

	[[ -x $WORKLOADS/waits ]] || fail "workload waits not built (run: make integration)"
	# 1 s asleep before the threads start: vigil attaches meanwhile
	start_workload waits -w 1000 -d "$T"
	pid=$WL_PID
	run_vigil "$T/stdout" "$T/err" profile --clock off -p "$pid" -d 4 -o "$f"
	expect_rc 0 "profile --clock off -p $pid -d 4"
	wait_pid "$pid" 20 waits
	((WAIT_STATUS == 0)) || fail "waits exited with $WAIT_STATUS: $(first_line "$T/waits.stderr")"
	TRUTH_FILE=$T/waits.stdout
	check_offcpu_folded "$f" "$T/err" off
	bad=$(awk '{ split($0, f, ";")
		if (f[1] !~ /^(waits|w_sleep|w_disk|w_net|w_netpeer|w_lock|w_holder|w_runq1|w_runq2|w_cpu)$/) {
			print; exit } }' "$f")
	[[ -z $bad ]] || fail "a line not of the workload's threads in a profile of pid $pid: $bad"
	expect_own_class "$f" w_sleep w_sleep
	expect_own_class "$f" w_lock w_lock
	# The main thread was in its 1 s nap when vigil attached: that wait,
	# seen only when it ends, still gets its class and kernel stack.
	nap=$(class_us "$f" waits sleep "[cut at start]")
	in_range "$nap" 300000 1000000 ||
		fail "the main thread's nap, begun before the profile: $nap us of [cut at start];[wait:sleep], expected 0.3..1 s; its lines: $(grep '^waits;' "$f" | grep 'cut at start' | tr '\n' '|')"
	(($(class_us "$f" waits sleep "hrtimer_nanosleep_[k]") >= nap)) ||
		fail "the main thread's nap has no hrtimer_nanosleep_[k] frame: $(grep '^waits;' "$f" | grep 'cut at start' | tr '\n' '|')"

	run_vigil "$T/sys.folded" "$T/err" profile --clock off -d 1
	expect_rc 0 "profile --clock off -d 1 (whole system)"
	check_offcpu_folded "$T/sys.folded" "$T/err" off system
	bad=$(grep -m 1 -E '^vigil[^;]*;' "$T/sys.folded" || true)
	[[ -z $bad ]] || fail "vigil's own waits in a whole-system profile: $bad"
}

# A process asleep all through the run: one block, cut at both ends, as
# long as the run.
test_offcpu_cut_blocks()
{
	local f=$T/out/cut.folded s=$T/out/s.json pid i bad total lines dur cut

	need_jq
	sleep 30 &
	pid=$!
	track "$pid"
	for ((i = 0; i < 200; i++)); do
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) == sleep ]] &&
			[[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) == S ]] && break
		sleep 0.01
	done
	((i < 200)) || fail "sleep 30 (pid $pid) did not start sleeping"
	run_vigil "$T/stdout" "$T/err" profile --clock off -p "$pid" -d 1 -o "$f" --summary "$s" --summary-format json
	expect_rc 0 "profile --clock off -p $pid -d 1"
	is_running "$pid" || fail "sleep 30 ended during the run"
	kill -TERM "$pid"
	wait_pid "$pid" 10 "sleep 30"
	check_offcpu_folded "$f" "$T/err" off
	bad=$(grep -v -m 1 -E '^sleep;.*\[cut at (start|end)\];\[wait:[a-z]+\] [0-9]+$' "$f" || true)
	[[ -z $bad ]] || fail "a line of the sleeping process without a cut frame: $bad"
	read -r total lines < <(stack_sum "$f" sleep '*')
	dur=$(jqs "$s" .duration_us)
	[[ $dur =~ ^[0-9]+$ ]] || fail "summary: duration_us is $dur"
	in_range "$total" "$(calc "0.9 * $dur")" $((dur + lines)) ||
		fail "the sleeping process's cut block: $total us in $lines lines, the run $dur us; expected 90..100% of it"
	cut=$(jqs "$s" '[.processes[] | select(.pid == $pid) | .threads[].cut_us] | add // "none"' --argjson pid "$pid")
	[[ $cut != none ]] || fail "summary has no process $pid"
	in_range "$cut" $((total - lines - 1)) $((total + lines + 1)) ||
		fail "summary: cut_us $cut of the sleeping process, its cut lines hold $total us"
}

# 5000 threads sleeping at once bring more distinct stacks than the counts
# map holds: the time of spans with no room for their stacks stays with
# their thread and class, in the profile and in the summary alike.
test_offcpu_full_map_keeps_time_with_threads()
{
	local f=$T/out/full.folded s=$T/out/s.json n=5000 rounds=5 bad want sleep folded

	need_jq
	[[ -x $WORKLOADS/sleepers ]] || fail "workload sleepers not built (run: make integration)"
	run_vigil "$T/stdout" "$T/err" profile --clock off -o "$f" --summary "$s" --summary-format json \
		-- "$WORKLOADS/sleepers" "$n" "$rounds"
	expect_rc 0 "profile --clock off -- sleepers $n"
	check_offcpu_folded "$f" "$T/err" off
	grep -q 'span parts had no room in the counts map' "$T/err" ||
		fail "$n threads did not fill the counts map (stderr: $(tr '\n' '|' <"$T/err"))"
	bad=$(grep -m 1 -F '[lost span: counts map full]' "$f" | grep -v '^sleepers;' || true)
	[[ -z $bad ]] || fail "a lost span without its thread: $bad"
	grep -q '^sleepers;\[lost span: counts map full\];\[wait:sleep\] ' "$f" ||
		fail "no lost span kept as the threads' sleep: $(grep -F 'lost span' "$f" | tr '\n' '|')"
	# every thread slept rounds x 20 ms at least, each sleep as long or longer
	want=$((n * rounds * 20000))
	sleep=$(jqs "$s" '[.processes[].threads[].waits_us.sleep] | add')
	in_range "$sleep" "$(calc "0.99 * $want")" "$(calc "1.5 * $want")" ||
		fail "summary: the threads slept $sleep us, expected $want us or a little more"
	folded=$(class_us "$f" sleepers sleep)
	in_range "$folded" $((sleep - 100)) $((sleep + 100)) ||
		fail "the profile has $folded us of sleep, the summary $sleep us"
}

# A thread other than the main one execs, and carries on under the main
# thread's TID: its time moves with it, and no thread is taken for one
# that ran all along.
test_offcpu_exec_from_a_thread()
{
	local f=$T/out/te.folded s=$T/out/s.json bad slept

	need_jq
	[[ -x $WORKLOADS/thread_exec ]] || fail "workload thread_exec not built (run: make integration)"
	run_vigil "$T/stdout" "$T/err" profile --clock off -o "$f" --summary "$s" --summary-format json \
		-- "$WORKLOADS/thread_exec"
	expect_rc 0 "profile --clock off -- thread_exec"
	check_offcpu_folded "$f" "$T/err" off
	bad=$(jqs "$s" '.duration_us as $d | .processes[].threads[] |
		select(.cpu_us > 50000 or .cpu_us + ([.waits_us[]] | add) > $d + 10) |
		"thread \(.tid) (\(.name)): cpu_us \(.cpu_us), with its waits \(.cpu_us + ([.waits_us[]] | add)) of \(.duration_us // $d) us"')
	[[ -z $bad ]] || fail "summary: $bad"
	# "sleep 0.3", after the exec
	slept=$(class_us "$f" sleep sleep)
	in_range "$slept" 280000 600000 ||
		fail "sleep 0.3 after the exec: $slept us of [wait:sleep], expected 0.3 s or a little more"
}

# The counts keep stacks of at most 48 frames in all under a short key and
# the rest under the whole one, the kernel frames right after the user
# frames: deep_stack D sleeping under D calls of descend gives user stacks
# of D + 3 frames and the same 8 kernel frames of nanosleep. At D = 37 the
# stack is 48 frames (the short key's last), at 38 one more, at 124 the
# user side fills its 127 and the kernel frames lie past the key's middle.
# Every depth keeps exactly D descend frames, the kernel chain of the
# shallowest, and its 0.5 s of sleep.
test_offcpu_stacks_of_every_depth_keep_every_frame()
{
	local d f want='' got us

	for d in 5 37 38 124; do
		f=$T/out/d$d.folded
		run_vigil "$T/stdout" "$T/err" profile --clock off -o "$f" -- \
			"$WORKLOADS/deep_stack" "$d" 0.5 nap
		expect_rc 0 "profile --clock off -- deep_stack $d 0.5 nap"
		# descend frames, user frames (D + 3, at most the kernel's 127), kernel chain
		got=$(awk -v want="$d" '/^deep_stack;/ && /;\[wait:sleep\] [0-9]+$/ {
			s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";"); c = u = 0; k = ""
			for (i = 2; i <= n; i++) {
				if (f[i] ~ /_\[k\]$/) k = k ";" f[i]
				else if (f[i] !~ /^\[/) u++
				if (f[i] == "descend") c++
			}
			if (c != want || u != (want + 3 < 127 ? want + 3 : 127)) {
				print "descend x " c ", " u " user frames"; exit
			}
			print k }' "$f" | sort -u)
		[[ $got != descend* && -n $got && $got != *$'\n'* ]] ||
			fail "deep_stack $d: its sleeping stacks: '$got' (expected $d descend frames, one kernel chain)"
		[[ -z $want ]] && want=$got
		[[ $got == "$want" ]] || fail "deep_stack $d: kernel frames '$got', at depth 5 '$want'"
		us=$(class_us "$f" deep_stack sleep)
		in_range "$us" 400000 600000 || fail "deep_stack $d slept 0.5 s; the profile holds $us us"
		if ((d == 124)); then
			grep -q '^deep_stack;\[truncated\];__libc_start_call_main;main;descend;' "$f" ||
				fail "deep_stack 124: the user side is not cut at the root: $(head -c 300 "$f")"
		fi
	done
	# the syscall's whole chain, from its entry to the scheduler, and nothing else
	[[ $want == ";entry_SYSCALL_64"*"_[k]"* && $want == *";hrtimer_nanosleep_[k];"* &&
		$want == *";__schedule_[k]" && $want != *unknown* && $want != *bpf_* ]] ||
		fail "nanosleep's kernel frames: '$want'"
}

ALL_TESTS+=(
	offcpu_classes_match_truth
	wall_clock_classes_and_cpu
	offcpu_summary_agrees_with_profile
	offcpu_per_thread
	offcpu_min_block_drops_short
	offcpu_pid_filter_and_no_self
	offcpu_cut_blocks
	offcpu_full_map_keeps_time_with_threads
	offcpu_exec_from_a_thread
	offcpu_stacks_of_every_depth_keep_every_frame
)
