# SPDX-License-Identifier: GPL-2.0
# Integration tests of processes that come and go: short-lived processes,
# exec, PID reuse, thousands of children, and stacks a frame-pointer walk
# cannot follow. Sourced by run.sh, which defines T and the helpers.
# shellcheck shell=bash disable=SC2154

# stacks_of FILE COMM: the stacks (without counts) of threads named COMM.
stacks_of()
{
	awk -v c="$2" '{ s = $0; sub(/ [0-9]+$/, "", s); split(s, f, ";"); if (f[1] == c) print s }' "$1"
}

# named_share FILE COMM FRAME: the share of COMM's samples whose stack holds FRAME.
named_share()
{
	ratio "$(frame_samples "$1" "$3" "$2")" "$(comm_samples "$1" "$2")"
}

# A process that runs for 200 ms of CPU and exits between two drains of a
# whole-system profile: its maps are read when it is first sampled, so its
# frames are named although /proc has forgotten it when its samples are.
test_short_lived_process_is_named()
{
	local vigil share

	start_vigil "$T/stdout" "$T/err" profile -F 499 -d 2 -o "$T/out/p.folded"
	vigil=$VIGIL_PID
	sleep 0.5
	"$WORKLOADS/prog_a" 0.2
	wait_vigil "$vigil" 30 "vigil profile -d 2"
	expect_rc 0 "profile -d 2 (whole system)"
	check_folded "$T/out/p.folded" "$T/err"
	(($(path_samples "$T/out/p.folded" prog_a "main;alpha_burn") >= 30)) ||
		fail "fewer than 30 samples of prog_a in main;alpha_burn: $(stacks_of "$T/out/p.folded" prog_a | head -n 3)"
	share=$(named_share "$T/out/p.folded" prog_a alpha_burn)
	in_range "$share" 0.9 1 ||
		fail "only $share of prog_a's samples name alpha_burn: $(stacks_of "$T/out/p.folded" prog_a | head -n 3)"
}

# A program that starts while vigil names its first drain (100 ms in) and
# lives 50 ms: the first drain must not hold up the reading of new
# processes (kernel symbols are read before attaching, and a long drain
# stops to read process events), or its frames are all [unknown]. Three
# runs, as the start may fall before, in or after the first drain.
test_process_started_during_the_first_drain_is_named()
{
	local run share

	for run in 1 2 3; do
		run_vigil "$T/stdout" "$T/err" profile -F 999 -o "$T/out/p$run.folded" -- \
			sh -c "sleep 0.1$run; exec $WORKLOADS/prog_a 0.05"
		expect_rc 0 "profile -- sh -c 'sleep 0.1$run; prog_a 0.05'"
		check_folded "$T/out/p$run.folded" "$T/err"
		share=$(named_share "$T/out/p$run.folded" prog_a alpha_burn)
		in_range "$share" 0.8 1 ||
			fail "run $run: only $share of prog_a's samples name alpha_burn: $(stacks_of "$T/out/p$run.folded" prog_a | head -n 2)"
	done
}

# Sixty programs of 20 ms in a row, each started 10 ms after the last
# ended: none may lose its names to a stall of vigil's loop (a kallsyms
# read at a drain used to take 100 ms and leave three of them [unknown]).
# -v says kallsyms was read once: a miss no new code can explain reads
# nothing.
test_stream_of_short_programs_is_named()
{
	local lost reads

	run_vigil "$T/stdout" "$T/err" profile -v -F 999 -o "$T/out/p.folded" -- \
		bash -c "for i in \$(seq 60); do sleep 0.01; $WORKLOADS/prog_a 0.02; done"
	expect_rc 0 "profile -- a loop of 60 prog_a 0.02"
	check_folded "$T/out/p.folded" "$T/err"
	# samples taken inside execve itself, before the new program runs, have
	# no user stack to name; any other unnamed one is a loss
	lost=$(awk '{ s = $0; sub(/ [0-9]+$/, "", s); split(s, f, ";")
		if (f[1] == "prog_a" && f[2] == "[unknown]" && s !~ /execve/) n += $NF }
		END { print n + 0 }' "$T/out/p.folded")
	((lost == 0)) ||
		fail "$lost samples of prog_a are [unknown]: $(stacks_of "$T/out/p.folded" prog_a | grep -F '[unknown]' | grep -v -m 2 execve)"
	in_range "$(named_share "$T/out/p.folded" prog_a alpha_burn)" 0.9 1 ||
		fail "prog_a's samples mostly unnamed: $(stacks_of "$T/out/p.folded" prog_a | head -n 3)"
	reads=$(sed -n 's/.*kernel symbols read \([0-9]*\) times.*/\1/p' "$T/err")
	[[ $reads == 1 ]] || fail "kallsyms read ${reads:-?} times, expected once: $(grep 'kernel symbols' "$T/err" || true)"
}

# latelib burns 0.5 s, then dlopen()s libhotlib.so and burns 0.3 s in it,
# and exits before the next drain: the BPF side sees the mappings change
# and says so, so they are read again while the process runs, and the
# library's frames are named (3/8 of the samples).
test_library_loaded_late_in_a_process_is_named()
{
	local late share

	run_vigil "$T/stdout" "$T/err" profile -F 999 -o "$T/out/p.folded" -- \
		"$WORKLOADS/latelib" 0.5 0.3
	expect_rc 0 "profile -- latelib 0.5 0.3"
	check_folded "$T/out/p.folded" "$T/err"
	late=$(path_samples "$T/out/p.folded" latelib "main;late_calls;hotlib_spin")
	share=$(ratio "$late" "$(comm_samples "$T/out/p.folded" latelib)")
	in_range "$share" 0.25 0.5 ||
		fail "main;late_calls;hotlib_spin holds $share of latelib's samples, expected about 0.375: $(stacks_of "$T/out/p.folded" latelib | grep -v early_burn | head -n 2)"
	(($(path_samples "$T/out/p.folded" latelib "main;early_burn") > 0)) ||
		fail "no main;early_burn"
}

# prog_a burns in alpha_burn, then execs prog_b, which burns in beta_burn.
# Both are non-PIE with one layout, so naming either from the other's
# mappings gives wrong names, not none: samples before the exec must name
# alpha_burn only, and samples after it beta_burn only.
test_exec_splits_names_at_the_exec()
{
	local a b

	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" -- \
		"$WORKLOADS/prog_a" 0.4 "$WORKLOADS/prog_b" 0.4
	expect_rc 0 "profile -- prog_a 0.4 prog_b 0.4"
	check_folded "$T/out/p.folded" "$T/err"
	a=$(path_samples "$T/out/p.folded" prog_a "main;alpha_burn")
	b=$(path_samples "$T/out/p.folded" prog_b "main;beta_burn")
	((a >= 100 && b >= 100)) ||
		fail "prog_a main;alpha_burn $a, prog_b main;beta_burn $b samples, expected >= 100 each"
	(($(frame_samples "$T/out/p.folded" beta_burn prog_a) == 0)) ||
		fail "prog_a (before the exec) named from prog_b: $(stacks_of "$T/out/p.folded" prog_a | grep beta_burn | head -n 1)"
	(($(frame_samples "$T/out/p.folded" alpha_burn prog_b) == 0)) ||
		fail "prog_b (after the exec) named from prog_a: $(stacks_of "$T/out/p.folded" prog_b | grep alpha_burn | head -n 1)"
	in_range "$(named_share "$T/out/p.folded" prog_b beta_burn)" 0.9 1 ||
		fail "prog_b's samples mostly unnamed: $(stacks_of "$T/out/p.folded" prog_b | head -n 3)"
}

# pid_reuse runs prog_a, reaps it, and gets the same PID back for prog_b
# (through kernel.ns_last_pid). One PID, two programs of one layout: the
# second must not be named from the first one's symbols.
test_reused_pid_does_not_get_old_symbols()
{
	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" -- \
		"$WORKLOADS/pid_reuse" 0.4 "$WORKLOADS/prog_a" "$WORKLOADS/prog_b"
	expect_rc 0 "profile -- pid_reuse (it says why on stderr: $(grep pid_reuse "$T/err" || true))"
	grep -q 'pid_reuse: pid [0-9]* ran both' "$T/stdout" || fail "pid_reuse did not reuse a pid"
	check_folded "$T/out/p.folded" "$T/err"
	(($(path_samples "$T/out/p.folded" prog_b "main;beta_burn") >= 100)) ||
		fail "prog_b on the reused pid not named main;beta_burn: $(stacks_of "$T/out/p.folded" prog_b | head -n 3)"
	(($(frame_samples "$T/out/p.folded" alpha_burn prog_b) == 0)) ||
		fail "prog_b named from the pid's previous program: $(stacks_of "$T/out/p.folded" prog_b | grep alpha_burn | head -n 1)"
	(($(frame_samples "$T/out/p.folded" beta_burn prog_a) == 0)) ||
		fail "prog_a named from the pid's next program"
}

# forker COUNT: COUNT children, 3 ms of CPU each in child_burn(), most of
# them gone before vigil reads their maps (they are named from the maps
# they inherited). -v reports the most processes cached at once and peak
# memory: a run with 5 times the processes must not hold 5 times as many,
# nor use more memory beyond noise.
forker_run()
{
	local n=$1 share

	run_vigil "$T/stdout" "$T/err.$n" profile -v -F 499 -o "$T/out/p$n.folded" -- \
		"$WORKLOADS/forker" "$n"
	expect_rc 0 "profile -v -- forker $n"
	check_folded "$T/out/p$n.folded" "$T/err.$n"
	share=$(ratio "$(frame_samples "$T/out/p$n.folded" child_burn forker)" "$TOTAL")
	in_range "$share" 0.8 1 ||
		fail "forker $n: only $share of samples in child_burn: $(sort -t' ' -k2 -rn "$T/out/p$n.folded" | head -n 2)"
	PEAK_PROCS=$(sed -n 's/.*processes cached: [0-9]* now, \([0-9]*\) at most.*/\1/p' "$T/err.$n")
	PEAK_KIB=$(sed -n 's/.*peak memory (VmHWM) \([0-9]*\) KiB.*/\1/p' "$T/err.$n")
	[[ -n $PEAK_PROCS && -n $PEAK_KIB ]] || fail "no cache or memory figures with -v: $(tr '\n' '|' <"$T/err.$n")"
}

test_thousands_of_short_processes_keep_memory_flat()
{
	local small_procs small_kib

	forker_run 400
	small_procs=$PEAK_PROCS small_kib=$PEAK_KIB
	forker_run 2000
	((PEAK_PROCS < 1000)) ||
		fail "2000 short processes: $PEAK_PROCS cached at once (400 processes: $small_procs), so they are not dropped"
	((PEAK_KIB - small_kib < 2048)) ||
		fail "peak memory $small_kib KiB for 400 processes, $PEAK_KIB KiB for 2000"
}

# stray_frames sets the frame pointer to fake frames whose return address
# is in the heap, or where nothing is mapped, as code without frame
# pointers leaves it, also 40 frames deep in a chain deeper than the kernel
# walks: the stack is cut there and marked [truncated], the
# cut samples are counted on stderr and in the summary, and no heap or
# [unknown] frame shows.
test_stray_frame_pointer_cuts_the_stack()
{
	local cut spin n bad

	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" \
		--summary "$T/out/summary.txt" -- "$WORKLOADS/stray_frames" 1
	expect_rc 0 "profile --summary -- stray_frames 1"
	check_folded "$T/out/p.folded" "$T/err"
	spin=$(frame_samples "$T/out/p.folded" stray_spin stray_frames)
	# samples under [truncated] whose innermost user frame is stray_spin
	cut=$(awk '{ s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		while (n > 1 && f[n] ~ /_\[k\]$/) n--
		if (f[1] == "stray_frames" && f[2] == "[truncated]" && f[n] == "stray_spin") c += $NF }
		END { print c + 0 }' "$T/out/p.folded")
	((spin >= 200)) || fail "only $spin samples in stray_spin"
	# A sample on stray_spin's push or pop, before or after the fake frame
	# is in rbp, walks its real callers: a few in a thousand, not cut.
	((cut * 100 >= spin * 98)) ||
		fail "$cut of $spin samples in stray_spin are stray_frames;[truncated];...;stray_spin: $(stacks_of "$T/out/p.folded" stray_frames | grep 'stray_spin$' | grep -v -F 'stray_frames;[truncated];' | head -n 2)"
	# a stray address would show as [heap] or [unknown] under real frames;
	# a sample taken while the command's execve replaced vigil's image (or
	# the new image's first page faults) has no user frame to name but one
	# [unknown] right above the kernel's: those are the exec, not strays
	bad=$(awk '{ s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		if (f[1] != "stray_frames" || s !~ /\[heap\]|\[unknown\]/) next
		if (f[2] == "[unknown]" && n > 2 && f[3] ~ /_\[k\]$/ && s !~ /\[heap\]/) next
		print s; exit }' "$T/out/p.folded")
	[[ -z $bad ]] || fail "a stray address was named: $bad"
	n=$(awk '{ s = $0; sub(/ [0-9]+$/, "", s); split(s, f, ";")
		if (f[1] == "stray_frames" && f[2] == "[unknown]") c += $NF } END { print c + 0 }' "$T/out/p.folded")
	((n * 100 <= spin)) || fail "$n samples of stray_frames have no user frame named, more than 1% of $spin"
	n=$(sed -n 's/.*left executable code.*(samples: \([0-9]*\)).*/\1/p' "$T/err")
	[[ -n $n ]] && ((n >= cut)) ||
		fail "stderr does not count the $cut cut samples: $(tr '\n' '|' <"$T/err")"
	# the 200-frame chain fills the kernel's walk, but was cut where it left code
	(($(path_samples "$T/out/p.folded" stray_frames "[truncated];main;main") > 0)) ||
		fail "no stack of the 200-frame chain cut at its 41st frame"
	! grep -q 'stacks deeper than' "$T/err" ||
		fail "stacks cut where they left code counted as too deep: $(grep 'deeper than' "$T/err")"
	grep -q "^lost or cut: .*, $n cut where a user stack left executable code\$" "$T/out/summary.txt" ||
		fail "the summary does not count the $n cut samples: $(grep 'lost or cut' "$T/out/summary.txt" || true)"
}

# user_depths FILE COMM FRAME: "truncated N" or "whole N" for each distinct
# count N of frames below COMM in COMM's stacks that end in FRAME.
user_depths()
{
	awk -v c="$2" -v leaf="$3" '
	{
		s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		if (f[1] != c || f[n] != leaf) next
		d = 0; t = 0
		for (i = 2; i <= n; i++) {
			if (f[i] == "[truncated]") t = 1
			else d++
		}
		print (t ? "truncated " : "whole ") d
	}' "$1" | sort -u
}

# set_max_stack N [SECONDS]: set kernel.perf_event_max_stack. The kernel
# refuses the change (EBUSY) while any callchain event is open, so another
# profiler on the machine gets SECONDS (default 20) to finish.
set_max_stack()
{
	local i tries=$((${2:-20} * 5))

	for ((i = 0; i < tries; i++)); do
		echo "$1" 2>/dev/null >/proc/sys/kernel/perf_event_max_stack && return 0
		sleep 0.2
	done
	fail "cannot set kernel.perf_event_max_stack to $1 (busy: another profiler running?)"
}

# deep_stack 200 spins 200 calls deep: the kernel walks
# kernel.perf_event_max_stack frames (127 by default), so every stack is the
# innermost 127 frames under [truncated]; with the sysctl at 32, 32 frames,
# and -v says so.
test_stacks_deeper_than_the_kernel_limit_are_truncated_at_the_root()
{
	local old depths

	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" -- \
		"$WORKLOADS/deep_stack" 200 0.5
	expect_rc 0 "profile -- deep_stack 200 0.5"
	check_folded "$T/out/p.folded" "$T/err"
	old=$(cat /proc/sys/kernel/perf_event_max_stack)
	depths=$(user_depths "$T/out/p.folded" deep_stack deep_spin)
	[[ $depths == "truncated $((old < 127 ? old : 127))" ]] ||
		fail "deep_spin stacks: '$depths', expected 'truncated $((old < 127 ? old : 127))' (kernel.perf_event_max_stack = $old)"
	grep -q 'stacks deeper than [0-9]* frames were cut' "$T/err" || fail "no word of cut stacks on stderr"

	# putting the machine's setting back matters more than the test: a minute
	trap 'set_max_stack "$old" 60; stop_started' EXIT
	set_max_stack 32
	run_vigil "$T/stdout" "$T/err" profile -v -F 499 -o "$T/out/p32.folded" -- \
		"$WORKLOADS/deep_stack" 200 0.5
	set_max_stack "$old" 60
	trap stop_started EXIT
	expect_rc 0 "profile -v -- deep_stack 200 0.5 with kernel.perf_event_max_stack = 32"
	check_folded "$T/out/p32.folded" "$T/err"
	depths=$(user_depths "$T/out/p32.folded" deep_stack deep_spin)
	[[ $depths == "truncated 32" ]] || fail "deep_spin stacks at max_stack 32: '$depths'"
	grep -q 'stacks cut at 32 frames (kernel.perf_event_max_stack = 32' "$T/err" ||
		fail "-v does not report the limit: $(grep 'cut at' "$T/err" || true)"
}

ALL_TESTS+=(
	short_lived_process_is_named
	process_started_during_the_first_drain_is_named
	stream_of_short_programs_is_named
	library_loaded_late_in_a_process_is_named
	exec_splits_names_at_the_exec
	reused_pid_does_not_get_old_symbols
	thousands_of_short_processes_keep_memory_flat
	stray_frame_pointer_cuts_the_stack
	stacks_deeper_than_the_kernel_limit_are_truncated_at_the_root
)
