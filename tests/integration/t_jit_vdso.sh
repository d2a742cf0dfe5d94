# SPDX-License-Identifier: GPL-2.0
# Integration tests of frames outside ELF files: JIT code named from the
# process's /tmp/perf-PID.map, and the vDSO named from its own image.
# Sourced by run.sh, which defines T, ROOT and the helpers.
# shellcheck shell=bash disable=SC2154

# ================================================================ JIT code

# jit_spin runs hand-written machine code from anonymous memory, under
# main;phase_one, named "JIT hot loop; tier 2" in its perf map; on SIGUSR1
# the map grows by "JIT warm loop; tier 1" for a second region that it
# runs from main;phase_two. The signal comes 2 s into a 4 s profile, after
# vigil's first drains have read the map, so a map read only once leaves
# the second region unnamed. A ';' in a name becomes ':' in folded stacks.
# The map's first line is malformed: skipped, and said so, once per process
# and in the end's counts.
test_jit_frames_are_named_from_the_perf_map_as_it_grows()
{
	local map hot warm both jit vpid i

	start_workload jit_spin 30
	map=/tmp/perf-$WL_PID.map
	# jit_spin deletes its map when it ends; this is for a jit_spin that was killed
	# shellcheck disable=SC2064
	trap "stop_started; rm -f '$map'" EXIT
	wait_for_file "$map" 5
	start_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 4 -F 499 -o "$T/out/p.folded"
	vpid=$VIGIL_PID
	sleep 2
	kill -USR1 "$WL_PID"
	for ((i = 0; i < 100; i++)); do
		grep -q '^jit_spin: second region$' "$T/jit_spin.stdout" && break
		sleep 0.02
	done
	grep -q '^jit_spin: second region$' "$T/jit_spin.stdout" ||
		fail "jit_spin did not start its second region within 2 s of SIGUSR1"
	wait_vigil "$vpid" 60 "vigil profile -p $WL_PID -d 4"
	expect_rc 0 "profile -p jit_spin -d 4"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded

	hot=$(path_samples "$T/out/p.folded" jit_spin "main;phase_one;JIT hot loop: tier 2")
	warm=$(path_samples "$T/out/p.folded" jit_spin "main;phase_two;JIT warm loop: tier 1")
	((hot > 0)) || fail "no stack main;phase_one;JIT hot loop: tier 2 (first region unnamed?)"
	((warm > 0)) ||
		fail "no stack main;phase_two;JIT warm loop: tier 1 (the map was not re-read as it grew?)"
	# each name is one frame: ';' did not split it
	(($(frame_samples "$T/out/p.folded" "JIT hot loop") + \
		$(frame_samples "$T/out/p.folded" " tier 2") == 0)) ||
		fail "the first region's name was split at its ';'"
	both=$((hot + warm))
	jit=$(comm_samples "$T/out/p.folded" jit_spin)
	in_range "$(ratio "$both" "$jit")" 0.90 1 ||
		fail "the JIT frames under their callers hold $both of jit_spin's $jit samples, expected >= 90%"
	(($(frame_samples "$T/out/p.folded" "[unknown]" jit_spin) * 100 <= jit)) ||
		fail "more than 1% of jit_spin's samples have an [unknown] frame"
	grep -qxF "vigil: pid $WL_PID: perf map: malformed lines skipped: 1" "$T/err" ||
		fail "no word of the perf map's malformed line for pid $WL_PID: $(tr '\n' '|' <"$T/err")"
	grep -qxF "vigil: profile: perf maps: malformed lines skipped: 1" "$T/err" ||
		fail "the end's counts do not say 1 malformed perf map line: $(tr '\n' '|' <"$T/err")"
}

# ================================================================ vDSO

# vdso_name_of FUNC IMAGE: the name vigil should give the code of FUNC in
# the vDSO image IMAGE, from the image's own symbol table: of the functions
# at FUNC's address, the one vigil prefers (GLOBAL over WEAK, then the
# shorter name). Fails the test if IMAGE has no function FUNC.
vdso_name_of()
{
	local value want

	[[ -s $2 ]] || fail "no vDSO image was written to $2"
	value=$(readelf --dyn-syms -W "$2" |
		awk -v f="$1" '$4 == "FUNC" && ($8 == f || index($8, f "@") == 1) { print $2; exit }')
	[[ -n $value ]] || fail "the vDSO image exports no function $1"
	want=$(readelf --dyn-syms -W "$2" | awk -v v="$value" '
		$2 == v && $4 == "FUNC" {
			name = $8
			sub(/@.*/, "", name)
			rank = $5 == "GLOBAL" ? 0 : $5 == "WEAK" ? 1 : 2
			printf "%d %06d %s\n", rank, length(name), name
		}' | sort | head -n 1 | cut -d' ' -f3)
	[[ $want == "$1" || $want == "__vdso_$1" ]] ||
		fail "the vDSO names the code of $1 '$want', not one of its $1 exports"
	printf '%s\n' "$want"
}

# vdso_leaf_samples FILE NAME: samples of vdso_spin whose innermost user
# frame (the last one not marked _[k]) is NAME.
vdso_leaf_samples()
{
	awk -v want="$2" '
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		n = split(stack, f, ";")
		if (f[1] != "vdso_spin")
			next
		for (i = n; i > 1 && f[i] ~ /_\[k\]$/; i--)
			;
		if (f[i] == want)
			total += $NF
	}
	END { print total + 0 }' "$1"
}

# vdso_spin calls clock_gettime(CLOCK_MONOTONIC) in a tight loop, which the
# vDSO serves without a system call (this machine's clocksource is tsc),
# and writes its vDSO's image to a file, from which the expected name comes.
test_vdso_frames_are_named_from_the_vdso_image()
{
	local want leaf

	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" -- \
		"$WORKLOADS/vdso_spin" 2 "$T/vdso.so"
	expect_rc 0 "profile -- vdso_spin 2"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	grep -q '^vdso_spin: [0-9]* calls$' "$T/stdout" ||
		fail "vdso_spin did not report its calls (it did not run to its end?)"
	want=$(vdso_name_of clock_gettime "$T/vdso.so")
	leaf=$(vdso_leaf_samples "$T/out/p.folded" "$want")
	in_range "$(ratio "$leaf" "$TOTAL")" 0.5 1 ||
		fail "the vDSO's $want is the innermost user frame of $leaf of $TOTAL samples, expected most"
	(($(frame_samples "$T/out/p.folded" "[vdso]") == 0)) ||
		fail "$(frame_samples "$T/out/p.folded" "[vdso]") samples still show a [vdso] frame"
}

# A process that calls the vDSO for 0.3 s and exits between two drains of
# a whole-system profile: its vDSO is read when it is first sampled, so its
# vDSO frames are named although its memory is gone when its samples are.
test_vdso_of_a_short_lived_process_is_named()
{
	local vpid leaf

	start_vigil "$T/stdout" "$T/err" profile -F 499 -d 2 -o "$T/out/p.folded"
	vpid=$VIGIL_PID
	sleep 0.5
	"$WORKLOADS/vdso_spin" 0.3 "$T/vdso.so" >"$T/vdso_spin.stdout"
	wait_vigil "$vpid" 30 "vigil profile -d 2"
	expect_rc 0 "profile -d 2 (whole system)"
	check_folded "$T/out/p.folded" "$T/err"
	leaf=$(vdso_leaf_samples "$T/out/p.folded" "$(vdso_name_of clock_gettime "$T/vdso.so")")
	((leaf >= 30)) ||
		fail "$leaf samples of vdso_spin end in the vDSO's clock_gettime, expected >= 30: $(grep -m 3 '^vdso_spin;' "$T/out/p.folded" | tr '\n' '|')"
	(($(frame_samples "$T/out/p.folded" "[vdso]" vdso_spin) == 0)) ||
		fail "$(frame_samples "$T/out/p.folded" "[vdso]" vdso_spin) samples of vdso_spin show a [vdso] frame"
}

ALL_TESTS+=(
	jit_frames_are_named_from_the_perf_map_as_it_grows
	vdso_frames_are_named_from_the_vdso_image
	vdso_of_a_short_lived_process_is_named
)
