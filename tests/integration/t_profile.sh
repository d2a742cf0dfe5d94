# SPDX-License-Identifier: GPL-2.0
# Integration tests of vigil profile: sampling, targets, signals, outputs
# and bad input. Sourced by run.sh, which defines T, ROOT and the helpers.
# shellcheck shell=bash disable=SC2154

# ================================================================ profiling

# cpu_ratio runs burn_three() three times as long as burn_one(), from
# main -> work_loop, in one busy thread: at 499 Hz for 4 s, ~2000 samples,
# or 499 per second of CPU it actually got when other jobs compete.
test_cpu_ratio_split_is_3_to_1()
{
	local three one share cpu

	start_workload cpu_ratio 10
	cpu=$(cpu_seconds "$WL_PID")
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 4 -F 499 -o "$T/out/p.folded"
	cpu=$(awk -v a="$cpu" -v b="$(cpu_seconds "$WL_PID")" 'BEGIN { print b - a }')
	expect_rc 0 "profile -p -d 4 -F 499"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	(($(path_samples "$T/out/p.folded" cpu_ratio "main;work_loop;burn_three") > 0)) ||
		fail "no stack cpu_ratio;...;main;work_loop;burn_three"
	three=$(frame_samples "$T/out/p.folded" burn_three cpu_ratio)
	one=$(frame_samples "$T/out/p.folded" burn_one cpu_ratio)
	share=$(ratio "$three" $((three + one)))
	in_range "$share" 0.70 0.80 ||
		fail "burn_three/(burn_three+burn_one) = $three/$((three + one)) = $share, expected 0.70..0.80"
	share=$(ratio $((three + one)) "$TOTAL")
	in_range "$share" 0.90 1 ||
		fail "burn_three+burn_one hold $share of $TOTAL samples, expected >= 0.90 (names lost?)"
	# The truth is the CPU the workload got, which a busy machine cuts: the
	# samples follow it, and at most one CPU's worth fit in the 4 s.
	expect_samples "$TOTAL" "$cpu" 499 "cpu_ratio at 499 Hz"
	in_range "$cpu" 1 4.5 ||
		fail "cpu_ratio got $cpu s of CPU in the 4 s profile, too little for a 3:1 split (machine busy?); $TOTAL samples"
}

# -p selects processes: spin burns a second CPU meanwhile and must not show.
test_pid_filter_excludes_other_processes()
{
	local target others

	start_workload spin 8
	start_workload cpu_ratio 8
	target=$WL_PID
	run_vigil "$T/stdout" "$T/err" profile -p "$target" -d 2 -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p -d 2"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	(($(frame_samples "$T/out/p.folded" other_spin) == 0)) ||
		fail "frame other_spin (process spin) in a profile of pid $target"
	(($(comm_samples "$T/out/p.folded" spin) == 0)) || fail "comm spin in a profile of pid $target"
	others=$((TOTAL - $(comm_samples "$T/out/p.folded" cpu_ratio)))
	((others == 0)) || fail "$others of $TOTAL samples from threads not named cpu_ratio"
	(($(frame_samples "$T/out/p.folded" burn_three) > 0)) || fail "the target's burn_three is missing"
}

# late_threads sleeps 1 s, then two threads "latespin" run late_thread_spin
# for 3 s each: up to 2 * 3 * 99 = 594 samples at the default 99 Hz, and
# exactly 99 per second of CPU the threads report they got.
test_threads_created_after_attach_are_profiled()
{
	local late pid cpu

	start_workload late_threads 1 3
	pid=$WL_PID
	run_vigil "$T/stdout" "$T/err" profile -p "$pid" -d 4 -o "$T/out/p.folded"
	expect_rc 0 "profile -p -d 4"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	wait_pid "$pid" 10 "late_threads"
	cpu=$(reported_cpu "$T/late_threads.stdout")
	[[ -n $cpu ]] || fail "late_threads reported no cpu seconds"
	late=$(frame_samples "$T/out/p.folded" late_thread_spin latespin)
	((late > 0)) || fail "no stack latespin;...;late_thread_spin"
	expect_samples "$late" "$cpu" 99 "latespin;...;late_thread_spin"
	in_range "$cpu" 1.5 6.5 ||
		fail "the latespin threads got only $cpu s of CPU (machine busy?); $late samples"
}

# -p takes a list, and with no -d vigil ends once every target has exited:
# cpu_ratio runs 2 s and uselib 3 s.
test_pid_list_profiles_each_and_ends_with_them()
{
	local a b

	start_workload cpu_ratio 2
	a=$WL_PID
	start_workload uselib 3
	b=$WL_PID
	run_vigil "$T/stdout" "$T/err" profile -p "$a,$b" -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p $a,$b (no -d)"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	(($(frame_samples "$T/out/p.folded" burn_three cpu_ratio) > 0)) || fail "no burn_three from pid $a"
	(($(frame_samples "$T/out/p.folded" hotlib_spin uselib) > 0)) || fail "no hotlib_spin from pid $b"
}

# "-- CMD" starts and follows CMD and exits with its status. cpu_ratio
# prints the CPU time it used (~2 s): 499 samples per second of it.
test_command_is_profiled_and_its_exit_status_returned()
{
	local cpu

	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" -- \
		"$WORKLOADS/cpu_ratio" 2
	expect_rc 0 "profile -- cpu_ratio 2"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	(($(frame_samples "$T/out/p.folded" burn_three cpu_ratio) > 0)) ||
		fail "no burn_three under comm cpu_ratio"
	cpu=$(reported_cpu "$T/stdout")
	[[ -n $cpu ]] || fail "cpu_ratio's output did not reach vigil's stdout"
	expect_samples "$TOTAL" "$cpu" 499 "profile -- cpu_ratio 2"

	rm -f "$T/out/"*
	run_vigil "$T/stdout" "$T/err" profile -o "$T/out/p.folded" -- sh -c 'exit 7'
	expect_rc 7 "profile -- sh -c 'exit 7'"
	[[ ! -e $T/out/p.folded ]] || only_file "$T/out" p.folded

	rm -f "$T/out/"*
	run_vigil "$T/stdout" "$T/err" profile -o "$T/out/p.folded" -- sh -c 'kill -TERM $$'
	expect_rc 143 "profile -- sh -c 'kill -TERM \$\$' (128 + SIGTERM)"
	[[ ! -e $T/out/p.folded ]] || only_file "$T/out" p.folded
}

# The command's children are followed: sh forks cpu_ratio (the "; true"
# keeps sh from exec'ing it in place).
# A command of one second exits before the first regular drain; its frames
# are named all the same, from the mappings read while it ran.
test_short_command_is_named()
{
	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" -- \
		"$WORKLOADS/cpu_ratio" 1
	expect_rc 0 "profile -- cpu_ratio 1"
	check_folded "$T/out/p.folded" "$T/err"
	(($(path_samples "$T/out/p.folded" cpu_ratio "main;work_loop;burn_three") > 0)) ||
		fail "no stack cpu_ratio;...;main;work_loop;burn_three"
	# a sample inside the execve itself has the user stack of the image it
	# replaces, whose maps are gone by the time they can be read
	! grep '^cpu_ratio;' "$T/out/p.folded" | grep -v '_sys_execve_\[k\]' | grep -q '\[unknown\]' ||
		fail "unnamed frames: $(grep '^cpu_ratio;' "$T/out/p.folded" | grep -v '_sys_execve_\[k\]' | grep -m1 '\[unknown\]')"
}

# A command still running when -d ends is sent SIGTERM, and SIGKILL if it
# ignores that for 2 s; either way the profile is written and vigil exits
# with the command's status: 128 + the signal that ended it.
test_command_outliving_duration_is_stopped_with_its_status()
{
	run_vigil "$T/stdout" "$T/err" profile -d 1 -o "$T/out/p.folded" -- \
		"$WORKLOADS/cpu_ratio" 30
	expect_rc 143 "profile -d 1 -- cpu_ratio 30 (128 + SIGTERM)"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	grep -q 'still running at the end; sending SIGTERM' "$T/err" ||
		fail "no word on stderr of stopping the command: $(tr '\n' '|' <"$T/err")"
	(($(frame_samples "$T/out/p.folded" burn_three cpu_ratio) > 0)) ||
		fail "no burn_three in the profile of the stopped command"

	rm -f "$T/out/"*
	run_vigil "$T/stdout" "$T/err" profile -d 1 -o "$T/out/p.folded" -- \
		sh -c 'trap "" TERM; while :; do :; done'
	expect_rc 137 "profile -d 1 -- a shell that ignores SIGTERM (128 + SIGKILL)"
	check_folded "$T/out/p.folded" "$T/err"
	grep -q 'sending SIGKILL' "$T/err" || fail "no word on stderr of SIGKILL"
}

test_command_children_are_profiled()
{
	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" -- \
		sh -c "'$WORKLOADS/cpu_ratio' 2; true"
	expect_rc 0 "profile -- sh -c 'cpu_ratio 2; true'"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	(($(frame_samples "$T/out/p.folded" burn_three cpu_ratio) > 0)) ||
		fail "no burn_three from the forked cpu_ratio"
}

# uselib alternates pie_hot_function (static in the PIE, .symtab only) and
# hotlib_spin (libhotlib.so) with equal work: half of the samples each.
test_pie_and_shared_library_frames_are_named()
{
	local pie lib

	start_workload uselib 10
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 3 -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p -d 3"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	pie=$(ratio "$(frame_samples "$T/out/p.folded" pie_hot_function)" "$TOTAL")
	lib=$(ratio "$(frame_samples "$T/out/p.folded" hotlib_spin)" "$TOTAL")
	in_range "$pie" 0.35 0.65 || fail "pie_hot_function holds $pie of $TOTAL samples, expected 0.35..0.65"
	in_range "$lib" 0.35 0.65 || fail "hotlib_spin holds $lib of $TOTAL samples, expected 0.35..0.65"
}

# A signal ends an open-ended profile with the same complete output as -d.
signal_ends_profile()
{
	local sig=$1 vpid

	start_workload cpu_ratio 10
	# Background jobs of a script start with SIGINT ignored; give vigil the
	# default disposition a user's terminal would.
	env --default-signal="$sig" "$VIGIL" profile -p "$WL_PID" -o "$T/out/p.folded" \
		>"$T/stdout" 2>"$T/err" &
	vpid=$!
	track "$vpid"
	sleep 2
	[[ ! -e $T/out/p.folded ]] || fail "$T/out/p.folded exists before the profile ended"
	is_running "$vpid" || fail "vigil exited before SIG$sig: $(first_line "$T/err")"
	kill -s "$sig" "$vpid"
	# The workload runs 8 s more: ending within 5 s means the signal ended it.
	wait_vigil "$vpid" 5 "vigil after SIG$sig"
	expect_rc 0 "profile -p, then SIG$sig"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	(($(frame_samples "$T/out/p.folded" burn_three cpu_ratio) > 0)) ||
		fail "no burn_three in the profile ended by SIG$sig"
}

test_sigint_writes_complete_profile()
{
	signal_ends_profile INT
}

# A closed terminal or ssh session sends SIGHUP: the profile must survive it.
test_sighup_writes_complete_profile()
{
	signal_ends_profile HUP
}

test_sigterm_writes_complete_profile()
{
	signal_ends_profile TERM
}

# No target: the whole system, here written to stdout.
# A signal that lands while vigil is still loading and attaching (its
# SIGINT and SIGTERM are already blocked, waiting for the sampling loop)
# ends the run the same way: exit 0 and a complete, possibly empty, profile.
test_signal_during_startup_still_writes_complete_profile()
{
	local vpid blocked

	env --default-signal=INT "$VIGIL" profile -o "$T/out/p.folded" >"$T/stdout" 2>"$T/err" &
	vpid=$!
	track "$vpid"
	for _ in $(seq 1 2000); do
		blocked=$(sed -n 's/^SigBlk:[[:space:]]*//p' "/proc/$vpid/status" 2>/dev/null || true)
		# SIGINT is signal 2: bit 1 of the mask.
		[[ -n $blocked ]] && (((16#$blocked & 2) != 0)) && break
		sleep 0.001
	done
	kill -s INT "$vpid"
	wait_vigil "$vpid" 20
	expect_rc 0 "profile, then SIGINT during start-up"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
}

# SIGKILL gives vigil no chance to clean up: the temporary file it writes
# to must have no name until the end, so nothing is left in the folder,
# and a profile that was there before is left as it was.
test_sigkill_leaves_nothing_half_written()
{
	local vpid

	start_workload cpu_ratio 10
	echo "old 1" >"$T/out/p.folded"
	start_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -o "$T/out/p.folded"
	vpid=$VIGIL_PID
	sleep 2
	is_running "$vpid" || fail "vigil exited early: $(first_line "$T/err")"
	kill -s KILL "$vpid"
	wait_vigil "$vpid" 20
	only_file "$T/out" p.folded
	[[ $(cat "$T/out/p.folded") == "old 1" ]] || fail "the earlier p.folded was changed"
}

# An existing profile is replaced whole. What is not a regular file is
# written in place, never replaced by one: a symbolic link (as /dev/stdout
# is) and a FIFO, both made here so that a regression cannot harm /dev.
test_output_replaces_files_and_writes_links_and_fifos_in_place()
{
	local reader vpid

	start_workload cpu_ratio 10
	printf 'stale;frame 999999\n' >"$T/out/p.folded"
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 1 -o "$T/out/p.folded"
	expect_rc 0 "profile -o over an existing file"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	! grep -q stale "$T/out/p.folded" || fail "the old profile's lines are still there"

	mkdir "$T/link"
	printf 'stale;frame 999999\nstale;frame;two 999999\n' >"$T/link/real.folded"
	ln -s real.folded "$T/link/p.folded"
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 1 -o "$T/link/p.folded"
	expect_rc 0 "profile -o SYMLINK"
	[[ -L $T/link/p.folded ]] || fail "the symbolic link was replaced by a file"
	check_folded "$T/link/real.folded" "$T/err"
	! grep -q stale "$T/link/real.folded" || fail "old lines remain behind the link"

	mkfifo "$T/fifo"
	cat "$T/fifo" >"$T/from-fifo" &
	reader=$!
	track "$reader"
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 1 -o "$T/fifo"
	expect_rc 0 "profile -o FIFO"
	wait_pid "$reader" 10 "cat FIFO"
	[[ -p $T/fifo ]] || fail "the FIFO was replaced by a file"
	check_folded "$T/from-fifo" "$T/err"

	# No reader yet: vigil profiles for its second, then waits for one.
	rm -f "$T/from-fifo"
	start_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 1 -o "$T/fifo"
	vpid=$VIGIL_PID
	sleep 2
	is_running "$vpid" || fail "vigil did not wait for a reader: $(first_line "$T/err")"
	cat "$T/fifo" >"$T/from-fifo"
	wait_vigil "$vpid" 10 "vigil -o FIFO, read late"
	expect_rc 0 "profile -o FIFO, read late"
	check_folded "$T/from-fifo" "$T/err"
	(($(frame_samples "$T/from-fifo" burn_three cpu_ratio) > 0)) ||
		fail "no burn_three in the profile read late from the FIFO"
}

# With stderr closed, vigil's messages must not end up in the profile.
test_closed_stderr_keeps_messages_out_of_the_profile()
{
	local vpid

	start_workload cpu_ratio 10
	"$VIGIL" profile -p "$WL_PID" -d 1 -o "$T/out/p.folded" 2>&- &
	vpid=$!
	track "$vpid"
	wait_vigil "$vpid" 20
	expect_rc 0 "profile with stderr closed"
	only_file "$T/out" p.folded
	! grep -q '^vigil:' "$T/out/p.folded" || fail "messages went into the profile"
	(($(frame_samples "$T/out/p.folded" burn_three cpu_ratio) > 0)) ||
		fail "no burn_three in the profile"
}

test_whole_system_profile_includes_workload()
{
	start_workload cpu_ratio 8
	run_vigil "$T/out.folded" "$T/err" profile -d 2
	expect_rc 0 "profile -d 2"
	check_folded "$T/out.folded" "$T/err"
	(($(frame_samples "$T/out.folded" burn_three cpu_ratio) > 0)) ||
		fail "no burn_three under comm cpu_ratio in a whole-system profile"
}

test_user_only_has_no_kernel_frames()
{
	local bad

	start_workload cpu_ratio 8
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 499 -U -o "$T/out/p.folded"
	expect_rc 0 "profile -U"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	bad=$(grep -m 1 -F '_[k]' "$T/out/p.folded" || true)
	[[ -z $bad ]] || fail "kernel frame under -U: $bad"
	(($(frame_samples "$T/out/p.folded" burn_three) > 0)) || fail "no burn_three under -U"
}

test_kernel_only_has_no_user_frames()
{
	local f bad

	start_workload cpu_ratio 8
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 499 -K -o "$T/out/p.folded"
	expect_rc 0 "profile -K"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	for f in burn_three burn_one work_loop main; do
		(($(frame_samples "$T/out/p.folded" "$f") == 0)) || fail "user frame $f under -K"
	done
	# Every frame is a kernel frame or a bracketed placeholder.
	bad=$(awk '{ s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		     for (i = 2; i <= n; i++) if (f[i] !~ /_\[k\]$/ && f[i] !~ /^\[/) { print f[i]; exit } }' \
		"$T/out/p.folded")
	[[ -z $bad ]] || fail "non-kernel frame under -K: $bad"
}

# --summary names the hot functions; burn_three has ~75% of the samples.
test_summary_names_hot_functions()
{
	start_workload cpu_ratio 8
	mkdir "$T/sum"
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 499 \
		-o "$T/out/p.folded" --summary "$T/sum/summary.txt"
	expect_rc 0 "profile --summary"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	only_file "$T/sum" summary.txt
	grep -q -w burn_three "$T/sum/summary.txt" || fail "summary does not name burn_three"
	grep -q -w burn_one "$T/sum/summary.txt" || fail "summary does not name burn_one"
	grep -w burn_three "$T/sum/summary.txt" | grep -q -E '(^|[^0-9.])(6[5-9]|7[0-9]|8[0-5])(\.[0-9]+)?%' ||
		fail "summary gives burn_three no share in 65..85%: $(grep -w burn_three "$T/sum/summary.txt" | head -n 1)"
}

# ================================================================ bad input

# expect_error STATUS ARGS...: vigil ARGS fails with exit STATUS and one
# "vigil:" line on stderr, and writes nothing on stdout.
expect_error()
{
	local want=$1

	shift
	run_vigil "$T/stdout" "$T/err" "$@"
	expect_rc "$want" "vigil $*"
	one_error_line "$T/err"
	[[ ! -s $T/stdout ]] || fail "vigil $*: wrote to stdout: $(first_line "$T/stdout")"
}

test_rejects_bad_frequency()
{
	local f

	for f in 0 10001 100000 -5 abc 99x ''; do
		expect_error 2 profile -F "$f" -d 1
	done
}

test_accepts_frequency_bounds()
{
	local f

	start_workload cpu_ratio 8
	for f in 1 10000; do
		run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -F "$f" -d 1 -o "$T/out/p.folded"
		expect_rc 0 "profile -F $f -d 1"
		check_folded "$T/out/p.folded" "$T/err"
		only_file "$T/out" p.folded
	done
}

test_rejects_bad_duration()
{
	local d

	for d in 0 abc 1.5 -1 86401; do
		expect_error 2 profile -d "$d"
	done
}

test_rejects_unknown_option()
{
	expect_error 2 profile --no-such-option
	expect_error 2 profile -Z
}

test_rejects_pid_and_command_together()
{
	expect_error 2 profile -p 1 -d 1 -- true
}

# A PID above pid_max cannot exist; the output file must not be created.
test_rejects_nonexistent_pid()
{
	local pid

	pid=$(($(cat /proc/sys/kernel/pid_max) + 1))
	expect_error 1 profile -p "$pid" -d 1
	expect_error 1 profile -p "$pid" -d 1 -o "$T/out/p.folded"
	empty_dir "$T/out"
}

test_rejects_unwritable_output()
{
	expect_error 1 profile -d 1 -o /nonexistent-dir/x.folded
	[[ ! -e /nonexistent-dir ]] || fail "/nonexistent-dir was created"
	: >"$T/not-a-dir"
	expect_error 1 profile -d 1 -o "$T/not-a-dir/x.folded"
	start_workload cpu_ratio 8
	expect_error 1 profile -p "$WL_PID" -d 1 -o /nonexistent-dir/x.folded
	expect_error 2 profile -p "$WL_PID" -d 1 -o "$T/out/a" --summary "$T/out/../out/a"
	empty_dir "$T/out"
	# an empty name is bad usage, like an empty number
	expect_error 2 profile -p "$WL_PID" -d 1 -o ''
	# Two names of one file, through a symbolic or a hard link.
	mkdir "$T/same"
	echo "old 1" >"$T/same/f"
	ln -s f "$T/same/sym"
	ln "$T/same/f" "$T/same/hard"
	expect_error 2 profile -p "$WL_PID" -d 1 -o "$T/same/sym" --summary "$T/same/f"
	expect_error 2 profile -p "$WL_PID" -d 1 -o "$T/same/f" --summary "$T/same/hard"
	[[ $(cat "$T/same/f") == "old 1" ]] || fail "a refused run changed the file"
	# Writable at the start, full at the end: said in one line, after the counts.
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 1 -o /dev/full
	expect_rc 1 "profile -o /dev/full"
	grep -q '^vigil: /dev/full: cannot write: No space left on device$' "$T/err" ||
		fail "no one-line write error: $(tr '\n' '|' <"$T/err")"
}

# Without privileges vigil says which capability it lacks.
test_unprivileged_run_names_capability()
{
	local bin

	bin=$(readlink -f "$VIGIL")

	if ! setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$bin"; then
		# The project folder is not traversable for nobody: use a copy.
		mkdir "$T/bin"
		chmod 711 "$TMP" "$T"
		chmod 755 "$T/bin"
		install -m 755 "$VIGIL" "$T/bin/vigil"
		bin=$T/bin/vigil
		setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$bin" ||
			fail "user nobody cannot execute $bin"
	fi
	run_as_nobody "$T/stdout" "$T/err" "$bin" profile -d 1
	expect_rc 1 "profile -d 1 as user nobody"
	grep -q -E 'CAP_BPF|CAP_PERFMON' "$T/err" ||
		fail "error does not name CAP_BPF or CAP_PERFMON: $(first_line "$T/err")"
	one_error_line "$T/err"
}

# wait_leader_gone PID: until the main thread of PID has exited (a zombie)
# while its other thread runs on.
wait_leader_gone()
{
	local i stat

	for ((i = 0; i < 250; i++)); do
		read -r stat <"/proc/$1/stat" || fail "pid $1 ended before its main thread was a zombie"
		stat=${stat##*) }
		[[ ${stat:0:1} == Z ]] && return 0
		sleep 0.02
	done
	fail "the main thread of $1 did not exit within 5 s"
}

# leader_exit's main thread exits (pthread_exit) and its lone thread runs
# on, in lone_spin until told to go, then 100 getppid() calls: the
# process is still a target of -p. Its zombie main thread leaves
# /proc/PID/maps empty, so its frames are named through the live thread's;
# profile samples name lone_spin, syscalls counts the 100 calls exactly,
# trace finds libc through the live thread and counts them too, and each
# ends when the process does.
test_process_whose_main_thread_exited_is_a_target()
{
	local f=$T/out/p.folded got cpu

	start_workload leader_exit "$T/go1" 100
	wait_leader_gone "$WL_PID"
	cpu=$(cpu_seconds "$WL_PID")
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 3 -F 499 -o "$f"
	expect_rc 0 "profile -p $WL_PID (its main thread exited) -d 3"
	cpu=$(awk -v a="$cpu" -v b="$(cpu_seconds "$WL_PID")" 'BEGIN { print b - a }')
	check_folded "$f" "$T/err"
	got=$(path_samples "$f" leader_exit "start_thread;lone_thread;lone_spin")
	expect_samples "$got" "$cpu" 499 "leader_exit;...;start_thread;lone_thread;lone_spin"
	touch "$T/go1"
	wait_pid "$WL_PID" 20 leader_exit

	need_jq
	start_workload leader_exit "$T/go2" 100
	wait_leader_gone "$WL_PID"
	start_vigil "$T/stdout" "$T/err2" syscalls -v -p "$WL_PID" --format json -o "$T/out/s.json"
	wait_for_match "$T/err2" '^vigil: syscalls: attached' 20
	touch "$T/go2"
	wait_vigil "$VIGIL_PID" 20 "syscalls -p $WL_PID"
	expect_rc 0 "syscalls -p $WL_PID (its main thread exited)"
	got=$(sysc_row "$T/out/s.json" getppid calls)
	((got == 100)) || fail "syscalls -p: getppid $got calls, expected exactly 100"

	start_workload leader_exit "$T/go3" 100
	wait_leader_gone "$WL_PID"
	start_vigil "$T/stdout" "$T/err3" trace -v -p "$WL_PID" --format json -o "$T/out/t.json" \
		libc:getppid
	wait_attached "$T/err3" "$VIGIL_PID"
	touch "$T/go3"
	wait_vigil "$VIGIL_PID" 20 "trace -p $WL_PID libc:getppid"
	expect_rc 0 "trace -p $WL_PID libc:getppid (its main thread exited)"
	expect_calls "$T/out/t.json" getppid 100
}

ALL_TESTS+=(
	cpu_ratio_split_is_3_to_1
	pid_filter_excludes_other_processes
	threads_created_after_attach_are_profiled
	pid_list_profiles_each_and_ends_with_them
	process_whose_main_thread_exited_is_a_target
	command_is_profiled_and_its_exit_status_returned
	short_command_is_named
	command_outliving_duration_is_stopped_with_its_status
	command_children_are_profiled
	pie_and_shared_library_frames_are_named
	sigint_writes_complete_profile
	sigterm_writes_complete_profile
	sighup_writes_complete_profile
	signal_during_startup_still_writes_complete_profile
	sigkill_leaves_nothing_half_written
	output_replaces_files_and_writes_links_and_fifos_in_place
	closed_stderr_keeps_messages_out_of_the_profile
	whole_system_profile_includes_workload
	user_only_has_no_kernel_frames
	kernel_only_has_no_user_frames
	summary_names_hot_functions
	rejects_bad_frequency
	accepts_frequency_bounds
	rejects_bad_duration
	rejects_unknown_option
	rejects_pid_and_command_together
	rejects_nonexistent_pid
	rejects_unwritable_output
	unprivileged_run_names_capability
)
