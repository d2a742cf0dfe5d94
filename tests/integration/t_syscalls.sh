# SPDX-License-Identifier: GPL-2.0
# Integration tests of vigil syscalls against the sysc workload, which
# makes known syscalls in known numbers. Sourced by run.sh.
# shellcheck shell=bash disable=SC2154

# sysc_row FILE SYSCALL FIELD: FIELD of SYSCALL's row in a JSON table, or "none".
sysc_row()
{
	jq -r --arg s "$2" "[.rows[] | select(.syscall == \$s)][0].$3 // \"none\"" "$1" 2>"$T/jq.err" ||
		fail "jq on $1: $(first_line "$T/jq.err"): $(head -c 300 "$1")"
}

# Attached with -p during the workload's first second: every call after
# it is counted, exactly, and none of vigil's own.
test_syscalls_counts_are_exact()
{
	local f=$T/out/s.json n=5000 got total

	need_jq
	start_workload sysc "$n" 1000
	run_vigil "$T/stdout" "$T/err" syscalls -p "$WL_PID" --format json -o "$f"
	expect_rc 0 "syscalls -p $WL_PID"
	only_file "$T/out" s.json
	got=$(sysc_row "$f" getppid calls)
	((got == n)) || fail "getppid: $got calls, expected exactly $n"
	got=$(sysc_row "$f" getppid errors)
	((got == 0)) || fail "getppid: $got errors, expected none"
	got=$(sysc_row "$f" openat calls)
	((got == n)) || fail "openat: $got calls, expected exactly $n"
	got=$(sysc_row "$f" openat errnos.ENOENT)
	((got == n)) || fail "openat: $got ENOENT, expected $n: $(jq -c '.rows[] | select(.syscall == "openat")' "$f")"
	got=$(sysc_row "$f" openat errors)
	((got == n)) || fail "openat: $got errors, expected $n"
	got=$(sysc_row "$f" nanosleep calls)
	((got == 100)) || fail "nanosleep: $got calls, expected 100 (the first, begun before attach, is not timed)"
	total=$(sysc_row "$f" nanosleep total_us)
	in_range "$total" 1000000 1500000 || fail "100 nanosleeps of 10 ms took $total us, expected 1.0..1.5 s"
	got=$(sysc_row "$f" nanosleep p50_us)
	in_range "$got" 10000 15000 || fail "nanosleep p50 $got us, expected 10..15 ms"
	got=$(sysc_row "$f" syscall_999 errnos.ENOSYS)
	((got == 3)) || fail "syscall 999: $got ENOSYS, expected 3 under the name syscall_999"
	got=$(jq '[.rows[] | select(.syscall | test("^(getppid|openat|nanosleep|syscall_999|exit_group)$") | not)] | length' "$f")
	((got == 0)) || fail "rows the workload did not make: $(jq -c '[.rows[].syscall]' "$f")"
}

# --errors keeps failing syscalls only, with their errnos; --by process
# names the process; a started command is counted and its status kept.
test_syscalls_errors_by_process_and_command()
{
	local f=$T/out/e.txt j=$T/out/p.json got

	need_jq
	run_vigil "$T/stdout" "$T/err" syscalls --errors -o "$f" -- "$WORKLOADS/sysc" 50 10
	expect_rc 0 "syscalls --errors -- sysc"
	grep -Eq '^openat +[0-9]+ +50 .* ENOENT:50' "$f" || fail "no openat row with ENOENT:50: $(tr '\n' '|' <"$f")"
	grep -Eq '^syscall_999 +3 +3 .* ENOSYS:3' "$f" || fail "no syscall_999 row: $(tr '\n' '|' <"$f")"
	! grep -Eq '^(getppid|nanosleep) ' "$f" || fail "--errors shows calls that did not fail: $(tr '\n' '|' <"$f")"
	run_vigil "$T/stdout" "$T/err" syscalls --by process --format json -o "$j" -- "$WORKLOADS/sysc" 50 10
	expect_rc 0 "syscalls --by process -- sysc"
	got=$(jq '[.rows[] | select(.syscall == "getppid" and .comm == "sysc")][0].calls' "$j")
	((got == 50)) || fail "--by process: sysc's getppid $got, expected 50: $(head -c 400 "$j")"
}

# Bad input: one line, the usual status, nothing attached after.
test_syscalls_bad_input()
{
	local i

	run_vigil "$T/stdout" "$T/err" syscalls --by nothing -d 1
	expect_rc 2 "syscalls --by nothing"
	one_error_line "$T/err"
	run_vigil "$T/stdout" "$T/err" syscalls --top 0 -d 1
	expect_rc 2 "syscalls --top 0"
	one_error_line "$T/err"
	run_vigil "$T/stdout" "$T/err" syscalls -p 999999999 -d 1
	expect_rc 1 "syscalls -p 999999999"
	one_error_line "$T/err"
	run_vigil "$T/stdout" "$T/err" syscalls -d 1 -o /nonexistent-vigil-dir/x.txt
	expect_rc 1 "syscalls -o /nonexistent-vigil-dir/x.txt"
	one_error_line "$T/err"
	# the kernel frees a detached program after a grace period: wait for it
	for ((i = 0; i < 50; i++)); do
		bpftool prog show | grep -q 'name sysc_' || break
		sleep 0.1
	done
	((i < 50)) || fail "programs left attached 5 s after vigil exited: $(bpftool prog show | grep 'name sysc_')"
}

# A command found in PATH makes one execve, not one per PATH entry tried;
# a 32-bit call is named from the 32-bit table.
test_syscalls_command_execve_and_32_bit_names()
{
	local j=$T/out/c.json got

	need_jq
	run_vigil "$T/stdout" "$T/err" syscalls --format json -o "$j" -- sh -c 'exit 7'
	expect_rc 7 "syscalls -- sh -c 'exit 7'"
	got=$(sysc_row "$j" execve calls)
	((got == 1)) || fail "execve: $got calls for a command found in PATH, expected 1: $(jq -c '.rows[] | select(.syscall == "execve")' "$j")"
	got=$(sysc_row "$j" execve errors)
	((got == 0)) || fail "execve: $got failed (vigil's own PATH search?)"
	run_vigil "$T/stdout" "$T/err" syscalls --format json -o "$j" -- "$WORKLOADS/int80"
	expect_rc 0 "syscalls -- int80"
	got=$(sysc_row "$j" "getpid (32-bit)" calls)
	((got == 50)) || fail "getpid (32-bit): $got calls, expected 50: $(jq -c '[.rows[].syscall]' "$j")"
}

# vigil syscalls -p sleeps until the target exits (its pidfd says so), not
# waking every 10 ms to look in /proc: it wakes a few times in 2 s (about
# 200 times when it polled), and ends with the target, status 0.
test_syscalls_pid_exit_ends_it_without_polling()
{
	local f=$T/out/s.txt sp w0 w1 c0 c1

	sleep 3 &
	sp=$!
	track "$sp"
	start_vigil "$T/stdout" "$T/err" syscalls -p "$sp" -o "$f"
	sleep 0.5
	is_running "$VIGIL_PID" || fail "vigil ended before its target: $(first_line "$T/err")"
	w0=$(awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$VIGIL_PID/status")
	c0=$(cpu_seconds "$VIGIL_PID")
	sleep 2
	is_running "$VIGIL_PID" || fail "vigil ended before its target: $(first_line "$T/err")"
	w1=$(awk '/^voluntary_ctxt_switches:/ { print $2 }' "/proc/$VIGIL_PID/status")
	c1=$(cpu_seconds "$VIGIL_PID")
	wait_pid "$sp" 10 "sleep 3"
	wait_vigil "$VIGIL_PID" 20 "vigil syscalls -p $sp after its target exited"
	expect_rc 0 "syscalls -p $sp"
	grep -q "^vigil syscalls: pid $sp, " "$f" || fail "no title in the output: $(first_line "$f")"
	note "waiting 2 s: $((w1 - w0)) voluntary switches," \
		"$(awk -v a="$c0" -v b="$c1" 'BEGIN { printf "%.2f", b - a }') s of CPU;" \
		"$(sed -n 's/^vigil syscalls: .*, \([0-9.]* s\)$/\1/p' "$f") run"
	(((w1 - w0) < 20)) ||
		fail "vigil woke $((w1 - w0)) times in 2 s of waiting for its target, expected < 20"
}

ALL_TESTS+=(
	syscalls_counts_are_exact
	syscalls_errors_by_process_and_command
	syscalls_bad_input
	syscalls_command_execve_and_32_bit_names
	syscalls_pid_exit_ends_it_without_polling
)
