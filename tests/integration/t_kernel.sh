# SPDX-License-Identifier: GPL-2.0
# Integration tests of kernel frames: BPF programs loaded while vigil runs,
# and kallsyms hidden by kernel.kptr_restrict. Sourced by run.sh, which
# defines T, ROOT and the helpers.
# shellcheck shell=bash disable=SC2154

# wait_for_line FILE LINE TIMEOUT: wait up to TIMEOUT seconds for FILE to
# hold the whole line LINE.
wait_for_line()
{
	local deadline=$((SECONDS + $3))

	until grep -q -x -F -- "$2" "$1" 2>/dev/null; do
		((SECONDS < deadline)) ||
			fail "no line '$2' in $1 within $3 s (stderr: $(first_line "${1%.stdout}.stderr"))"
		sleep 0.05
	done
}

# bpf_prog_name OUT PROG: the name kallsyms gives bpf_spin's program PROG,
# bpf_prog_TAG_PROG, TAG being what bpf_spin printed for it.
bpf_prog_name()
{
	local tag

	tag=$(sed -n -E "s/^bpf_spin: $2 tag ([0-9a-f]{16})\$/\1/p" "$1")
	[[ -n $tag ]] || fail "bpf_spin printed no tag for $2"
	printf 'bpf_prog_%s_%s\n' "$tag" "$2"
}

# bpf_frames FILE COMM: each distinct frame of a BPF program (bpf_prog_TAG
# or bpf_prog_TAG_NAME, TAG 16 hex digits) in COMM's samples, with its
# samples, "FRAME COUNT" per line. (mawk has no {16}.)
bpf_frames()
{
	awk -v comm="$2" '
	BEGIN {
		hex16 = "[0-9a-f]"
		for (i = 1; i < 16; i++)
			hex16 = hex16 "[0-9a-f]"
		prog = "^bpf_prog_" hex16 "(_.*)?_\\[k\\]$"
	}
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		n = split(stack, f, ";")
		if (f[1] != comm)
			next
		for (i = 2; i <= n; i++)
			if (f[i] ~ prog)
				seen[f[i]] += $NF
	}
	END { for (x in seen) print x, seen[x] }' "$1" | LC_ALL=C sort
}

# under_samples FILE COMM OUTER INNER: samples of COMM with frame INNER
# somewhere below frame OUTER.
under_samples()
{
	awk -v comm="$2" -v outer="$3" -v inner="$4" '
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		n = split(stack, f, ";")
		if (f[1] != comm)
			next
		above = 0
		for (i = 2; i <= n; i++) {
			if (f[i] == outer)
				above = 1
			else if (above && f[i] == inner) {
				total += $NF
				break
			}
		}
	}
	END { print total + 0 }' "$1"
}

# expect_only_prog FILE COMM NAME: COMM's samples show BPF program NAME as
# a kernel frame under main, and no other BPF program.
expect_only_prog()
{
	local got

	got=$(bpf_frames "$1" "$2" | cut -d' ' -f1 | tr '\n' ' ')
	[[ $got == "$3_[k] " ]] ||
		fail "thread $2 ran only $3, but its BPF frames are: ${got:-none}"
	(($(under_samples "$1" "$2" main "$3_[k]") > 0)) ||
		fail "no stack $2;...;main;...;$3_[k]"
}

# bpf_spin loads spin_guard at start, spin_first at the first SIGUSR1 and
# spin_second at the second, each into a gap below spin_guard, and spends
# each phase inside the newest program, in a thread named for the phase.
# vigil reads kallsyms at its first drain, 100 ms in, while spin_guard
# runs; the programs loaded later are not in that read, and lie between
# programs that are, where the nearest symbol below is another program.
# Each must be named as kallsyms names it, bpf_prog_TAG_NAME, and never as
# another: spin_second as spin_first, say, which vigil knows by then. The
# sleeps only order the phases after vigil's reads (a miss reads kallsyms
# again at most once a second); no assertion depends on them.
test_bpf_programs_loaded_after_start_are_named_as_kallsyms_names_them()
{
	local vpid guard first second name

	start_workload bpf_spin
	wait_for_line "$T/bpf_spin.stdout" "bpf_spin: spin_guard running" 20
	start_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -F 199 -o "$T/out/p.folded"
	vpid=$VIGIL_PID
	sleep 2
	kill -USR1 "$WL_PID"
	wait_for_line "$T/bpf_spin.stdout" "bpf_spin: spin_first running" 20
	sleep 3
	kill -USR1 "$WL_PID"
	wait_for_line "$T/bpf_spin.stdout" "bpf_spin: spin_second running" 20
	guard=$(bpf_prog_name "$T/bpf_spin.stdout" spin_guard)
	first=$(bpf_prog_name "$T/bpf_spin.stdout" spin_first)
	second=$(bpf_prog_name "$T/bpf_spin.stdout" spin_second)
	for name in "$guard" "$first" "$second"; do
		grep -q -E "^[0-9a-f]{16} t $name	\[bpf\]\$" /proc/kallsyms ||
			fail "/proc/kallsyms has no line 'ADDR t $name<TAB>[bpf]'"
	done
	sleep 3
	kill -USR1 "$WL_PID"
	wait_pid "$WL_PID" 20 "bpf_spin"
	((WAIT_STATUS == 0)) ||
		fail "bpf_spin exited with $WAIT_STATUS: $(first_line "$T/bpf_spin.stderr")"
	wait_vigil "$vpid" 20 "vigil after bpf_spin exited"
	expect_rc 0 "profile -p bpf_spin"
	check_folded "$T/out/p.folded" "$T/err"
	! grep -v '^vigil: profile: ' "$T/err" | grep -q . ||
		fail "unexpected warning: $(grep -v '^vigil: profile: ' "$T/err" | head -n 1)"
	expect_only_prog "$T/out/p.folded" bpf_guard "$guard"
	expect_only_prog "$T/out/p.folded" bpf_first "$first"
	expect_only_prog "$T/out/p.folded" bpf_second "$second"
}

# With kernel.kptr_restrict=2 even root reads zeros from /proc/kallsyms:
# vigil says so once and names no kernel frame, while user frames keep
# their names. bpf_spin's guard phase spends its time in the kernel. The
# setting is restored right after the run, and by the EXIT trap if the
# test fails first.
test_hidden_kallsyms_give_one_warning_and_unknown_kernel_frames()
{
	local old bad want warnings

	old=$(cat /proc/sys/kernel/kptr_restrict)
	[[ $old =~ ^[0-9]+$ ]] || fail "kernel.kptr_restrict reads '$old'"
	# shellcheck disable=SC2064 # old is expanded now, while it is in scope
	trap "echo $old >/proc/sys/kernel/kptr_restrict; stop_started" EXIT
	start_workload bpf_spin
	wait_for_line "$T/bpf_spin.stdout" "bpf_spin: spin_guard running" 20
	echo 2 >/proc/sys/kernel/kptr_restrict
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 199 -o "$T/out/p.folded"
	echo "$old" >/proc/sys/kernel/kptr_restrict
	expect_rc 0 "profile -p bpf_spin with kernel.kptr_restrict=2"
	check_folded "$T/out/p.folded" "$T/err"
	want="vigil: /proc/kallsyms: addresses are hidden (kernel.kptr_restrict);"
	want+=" kernel frames will be [unknown]"
	warnings=$(grep -v '^vigil: profile: ' "$T/err" || true)
	[[ $warnings == "$want" ]] ||
		fail "stderr besides the counts is not the one warning: $(tr '\n' '|' <<<"$warnings")"
	bad=$(awk '{ s = $0; sub(/ [0-9]+$/, "", s); n = split(s, f, ";")
		     for (i = 2; i <= n; i++) if (f[i] ~ /_\[k\]$/ && f[i] !~ /^\[/) { print f[i]; exit } }' \
		"$T/out/p.folded")
	[[ -z $bad ]] || fail "kernel frame named although kallsyms is hidden: $bad"
	(($(frame_samples "$T/out/p.folded" '[unknown]_[k]' bpf_guard) > 0)) ||
		fail "no [unknown]_[k] frame in bpf_guard's samples, which run in the kernel"
	(($(frame_samples "$T/out/p.folded" main bpf_guard) > 0)) || fail "user frame main not named"
}

ALL_TESTS+=(
	bpf_programs_loaded_after_start_are_named_as_kallsyms_names_them
	hidden_kallsyms_give_one_warning_and_unknown_kernel_frames
)
