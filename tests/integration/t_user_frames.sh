# SPDX-License-Identifier: GPL-2.0
# Integration tests of user frames: binaries deleted, replaced or shadowed
# by a bind mount under a running process, thread names holding the folded
# format's separators, and a stripped binary. Sourced by run.sh, which
# defines T, ROOT and the helpers.
# shellcheck shell=bash disable=SC2154

# start_binary EXE ARGS...: run EXE (a copy a test made, not a workload of
# build/workloads) in the background, wait until it has exec'd, and leave
# its PID in WL_PID.
start_binary()
{
	local exe=$1

	shift
	"$exe" "$@" >"$T/$(basename "$exe").stdout" 2>"$T/$(basename "$exe").stderr" &
	WL_PID=$!
	track "$WL_PID"
	wait_exe_inode "$WL_PID" "$(stat -c %i "$exe")"
}

# wait_exe_inode PID INODE: wait until PID runs the file with inode INODE.
wait_exe_inode()
{
	local i

	for ((i = 0; i < 200; i++)); do
		[[ $(stat -L -c %i "/proc/$1/exe" 2>/dev/null) == "$2" ]] && return 0
		sleep 0.01
	done
	fail "pid $1 did not exec the file of inode $2"
}

# profile_pid PID: profile PID for 2 s at 499 Hz into $T/out/p.folded.
profile_pid()
{
	run_vigil "$T/stdout" "$T/err" profile -p "$1" -d 2 -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p $1 -d 2"
	check_folded "$T/out/p.folded" "$T/err"
}

# expect_cpu_ratio_names FILE COMM BASE: COMM's samples are cpu_ratio's,
# named by its functions, with no FILE+0xOFFSET frame of BASE, no
# "(deleted)" and none of spin's functions.
expect_cpu_ratio_names()
{
	local bad

	(($(path_samples "$1" "$2" "main;work_loop;burn_three") > 0)) ||
		fail "no stack $2;...;main;work_loop;burn_three"
	(($(frame_samples "$1" other_spin) == 0)) || fail "frame other_spin, a function of spin"
	bad=$(grep -m 1 -F '(deleted)' "$1" || true)
	[[ -z $bad ]] || fail "a frame shows (deleted): $bad"
	bad=$(grep -m 1 -F ";$3+0x" "$1" || true)
	[[ -z $bad ]] || fail "a frame of $3 is not named: $bad"
}

# A binary deleted while it runs: /proc/PID/maps shows "(deleted)", the
# path names nothing, and /proc/PID/map_files still reaches the file.
test_deleted_binary_is_named_through_map_files()
{
	cp "$WORKLOADS/cpu_ratio" "$T/cpu_ratio"
	start_binary "$T/cpu_ratio" 10
	rm "$T/cpu_ratio"
	grep -q -F "$T/cpu_ratio (deleted)" "/proc/$WL_PID/maps" ||
		fail "/proc/$WL_PID/maps does not show $T/cpu_ratio (deleted)"
	profile_pid "$WL_PID"
	expect_cpu_ratio_names "$T/out/p.folded" cpu_ratio cpu_ratio
}

# A binary replaced by another file at its path while it runs (as a
# package upgrade does): the names are those of the file the process
# mapped (cpu_ratio), not of the file now at the path (spin).
test_replaced_binary_is_named_from_the_mapped_file()
{
	cp "$WORKLOADS/cpu_ratio" "$T/app"
	start_binary "$T/app" 10
	cp "$WORKLOADS/spin" "$T/app.new"
	mv "$T/app.new" "$T/app"
	cmp -s "$T/app" "$WORKLOADS/spin" || fail "$T/app is not spin after the mv"
	profile_pid "$WL_PID"
	expect_cpu_ratio_names "$T/out/p.folded" app app
}

# A process in a mount namespace of its own, where a bind mount puts
# cpu_ratio at a path that holds spin on the host: the names are those of
# the process's file. The namespace is private and ends with the process.
test_process_in_another_mount_namespace_is_named_from_its_own_file()
{
	cp "$WORKLOADS/spin" "$T/app"
	cp "$WORKLOADS/cpu_ratio" "$T/inner"
	# shellcheck disable=SC2016 # $1 and $2 are sh's, not this script's
	unshare -m --propagation private sh -c 'mount --bind "$1" "$2" && exec "$2" 10' sh \
		"$T/inner" "$T/app" >"$T/app.stdout" 2>"$T/app.stderr" &
	WL_PID=$!
	track "$WL_PID"
	wait_exe_inode "$WL_PID" "$(stat -c %i "$T/inner")"
	[[ $(readlink "/proc/$WL_PID/exe") == "$T/app" ]] ||
		fail "pid $WL_PID runs $(readlink "/proc/$WL_PID/exe"), not $T/app"
	cmp -s "$T/app" "$WORKLOADS/spin" || fail "the host's $T/app is not spin"
	profile_pid "$WL_PID"
	expect_cpu_ratio_names "$T/out/p.folded" app app
}

# odd_comm names its threads "semi;colon" and "new<LF>line". The folded
# output maps ';' to ':' and control characters to ' ', so each name stays
# one field and each stack one line.
test_thread_names_with_separators_stay_one_field()
{
	local bad named

	start_workload odd_comm 10
	profile_pid "$WL_PID"
	(($(path_samples "$T/out/p.folded" "semi:colon" "main;semicolon_thread_spin") > 0)) ||
		fail "no stack semi:colon;...;main;semicolon_thread_spin"
	(($(frame_samples "$T/out/p.folded" newline_thread_spin "new line") > 0)) ||
		fail "no stack 'new line;...;newline_thread_spin'"
	named=$(($(comm_samples "$T/out/p.folded" "semi:colon") +
		$(comm_samples "$T/out/p.folded" "new line")))
	((named == TOTAL)) ||
		fail "$((TOTAL - named)) samples of threads other than 'semi:colon' and 'new line'"
	# every line: non-empty fields without ';' or control characters, a space, a count
	bad=$(LC_ALL=C grep -v -n -E '^[^;[:cntrl:]]+(;[^;[:cntrl:]]+)* [0-9]+$' "$T/out/p.folded" |
		head -n 1 || true)
	[[ -z $bad ]] || fail "line not in folded grammar: $bad"
}

# file_offset ELF VADDR: the offset in ELF of virtual address VADDR, through
# the PT_LOAD segment that holds it.
file_offset()
{
	local type off vaddr filesz rest

	while read -r type off vaddr _ filesz rest; do
		[[ $type == LOAD ]] || continue
		if (($2 >= vaddr && $2 < vaddr + filesz)); then
			echo $(($2 - vaddr + off))
			return 0
		fi
	done < <(readelf -lW "$1")
	fail "no PT_LOAD of $1 maps $2"
}

# strip_hot stripped to .dynsym: strip_exported_spin keeps its name, and
# strip_static_spin shows as strip_hot+0xOFFSET, OFFSET inside its range in
# the file as the unstripped build's symbol table gives it, never as a
# neighbour's name. Both run the same loop: about half of the samples each.
# (Other unnamed frames, such as a sample in a PLT stub, may show too.)
test_stripped_binary_names_exports_and_offsets_statics()
{
	local value size lo hi statics exported share

	strip --strip-all -o "$T/strip_hot" "$WORKLOADS/strip_hot"
	! readelf -SW "$T/strip_hot" | grep -q -F '.symtab' || fail "$T/strip_hot still has .symtab"
	nm -D "$T/strip_hot" | grep -q -w strip_exported_spin || fail "strip_exported_spin not in .dynsym"
	! nm -D "$T/strip_hot" | grep -q -w strip_static_spin || fail "strip_static_spin is in .dynsym"
	read -r value size < <(nm -S --defined-only "$WORKLOADS/strip_hot" |
		awk '$4 == "strip_static_spin" { print $1, $2 }')
	[[ -n $value && -n $size ]] || fail "nm finds no strip_static_spin in $WORKLOADS/strip_hot"
	lo=$(file_offset "$WORKLOADS/strip_hot" $((16#$value)))
	hi=$((lo + 16#$size))

	start_binary "$T/strip_hot" 10
	profile_pid "$WL_PID"
	exported=$(path_samples "$T/out/p.folded" strip_hot "main;strip_exported_spin")
	((exported > 0)) || fail "no stack strip_hot;...;main;strip_exported_spin"
	# samples with a frame strip_hot+0xOFFSET under main, OFFSET in [lo, hi)
	statics=$(awk -v lo="$lo" -v hi="$hi" '
	{
		s = $0
		sub(/ [0-9]+$/, "", s)
		n = split(s, f, ";")
		for (i = 3; i <= n; i++) {
			if (f[i - 1] != "main" || f[i] !~ /^strip_hot\+0x[0-9a-f]+$/)
				continue
			off = substr(f[i], length("strip_hot+0x") + 1)
			v = 0
			for (j = 1; j <= length(off); j++)
				v = v * 16 + index("0123456789abcdef", substr(off, j, 1)) - 1
			if (v >= lo && v < hi)
				total += $NF
		}
	}
	END { print total + 0 }' "$T/out/p.folded")
	((statics > 0)) ||
		fail "no stack strip_hot;...;main;strip_hot+0xOFFSET, OFFSET in strip_static_spin's [$lo, $hi)"
	share=$(ratio "$statics" $((statics + exported)))
	in_range "$share" 0.30 0.70 ||
		fail "strip_static_spin: $statics samples, strip_exported_spin: $exported;" \
			"share $share, expected 0.30..0.70"
	(($(frame_samples "$T/out/p.folded" strip_exported_after) == 0)) ||
		fail "frame strip_exported_after, the neighbour above, which runs only at exit"
}

ALL_TESTS+=(
	deleted_binary_is_named_through_map_files
	replaced_binary_is_named_from_the_mapped_file
	process_in_another_mount_namespace_is_named_from_its_own_file
	thread_names_with_separators_stay_one_field
	stripped_binary_names_exports_and_offsets_statics
)
