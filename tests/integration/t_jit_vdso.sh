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
	"$VIGIL" profile -p "$WL_PID" -d 4 -F 499 -o "$T/out/p.folded" >"$T/stdout" 2>"$T/err" &
	vpid=$!
	track "$vpid"
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

# vdso_spin calls clock_gettime(CLOCK_MONOTONIC) in a tight loop, which the
# vDSO serves without a system call (this machine's clocksource is tsc),
# and writes its vDSO's image to a file. The expected frame name comes from
# that image's own symbol table: of the functions at clock_gettime's
# address, the one vigil prefers (GLOBAL over WEAK, then the shorter name).
test_vdso_frames_are_named_from_the_vdso_image()
{
	local image value want leaf calls

	run_vigil "$T/stdout" "$T/err" profile -F 499 -o "$T/out/p.folded" -- \
		"$WORKLOADS/vdso_spin" 2 "$T/vdso.so"
	expect_rc 0 "profile -- vdso_spin 2"
	check_folded "$T/out/p.folded" "$T/err"
	only_file "$T/out" p.folded
	image=$T/vdso.so
	[[ -s $image ]] || fail "vdso_spin wrote no vDSO image"

	value=$(readelf --dyn-syms -W "$image" |
		awk '$4 == "FUNC" && $8 ~ /^clock_gettime(@|$)/ { print $2; exit }')
	[[ -n $value ]] || fail "the vDSO image exports no clock_gettime"
	want=$(readelf --dyn-syms -W "$image" | awk -v v="$value" '
		$2 == v && $4 == "FUNC" {
			name = $8
			sub(/@.*/, "", name)
			rank = $5 == "GLOBAL" ? 0 : $5 == "WEAK" ? 1 : 2
			printf "%d %06d %s\n", rank, length(name), name
		}' | sort | head -n 1 | cut -d' ' -f3)
	[[ $want == clock_gettime || $want == __vdso_clock_gettime ]] ||
		fail "the vDSO names clock_gettime's code '$want', not a clock_gettime export"

	# the innermost user frame of each sample: the last one not marked _[k]
	leaf=$(awk -v want="$want" '
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
	END { print total + 0 }' "$T/out/p.folded")
	in_range "$(ratio "$leaf" "$TOTAL")" 0.5 1 ||
		fail "the vDSO's $want is the innermost user frame of $leaf of $TOTAL samples, expected most"
	(($(frame_samples "$T/out/p.folded" "[vdso]") == 0)) ||
		fail "$(frame_samples "$T/out/p.folded" "[vdso]") samples still show a [vdso] frame"
	calls=$(sed -n 's/^vdso_spin: \([0-9]*\) calls$/\1/p' "$T/stdout")
	[[ -n $calls ]] || fail "vdso_spin did not report its calls (it did not run to its end?)"
}

ALL_TESTS+=(
	jit_frames_are_named_from_the_perf_map_as_it_grows
	vdso_frames_are_named_from_the_vdso_image
)
