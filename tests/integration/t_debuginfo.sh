# SPDX-License-Identifier: GPL-2.0
# Integration tests of separate debug files: a stripped copy of cpu_ratio,
# built by the test, is named from its debug file found by .gnu_debuglink,
# in a --debug-dir's .build-id folder, or from a debuginfod server on
# loopback; a debug file of another build is never used. Sourced by
# run.sh, which defines T, ROOT and the helpers.
# shellcheck shell=bash disable=SC2154

# The workloads' flags (see the Makefile): frame pointers, no inlining.
DBG_CFLAGS=(-O1 -g -fno-omit-frame-pointer -fno-inline -Wall -Wextra)

# build_stripped DIR [CC_ARGS...]: build tests/workloads/cpu_ratio.c with
# CC_ARGS into DIR/cpu_ratio.full, then DIR/cpu_ratio stripped of .symtab
# (only .dynsym is left, which names none of its functions) and
# DIR/cpu_ratio.debug, its symbols alone (objcopy --only-keep-debug).
build_stripped()
{
	local dir=$1

	shift
	mkdir -p "$dir"
	"${CC:-cc}" "${DBG_CFLAGS[@]}" "$@" tests/workloads/cpu_ratio.c -o "$dir/cpu_ratio.full"
	objcopy --only-keep-debug "$dir/cpu_ratio.full" "$dir/cpu_ratio.debug"
	strip --strip-all -o "$dir/cpu_ratio" "$dir/cpu_ratio.full"
	! readelf -S -W "$dir/cpu_ratio" | grep -q ' \.symtab ' ||
		fail "$dir/cpu_ratio still has .symtab after strip"
	! nm -D "$dir/cpu_ratio" | grep -q -w burn_three ||
		fail "$dir/cpu_ratio exports burn_three: .dynsym alone would name it"
}

# build_id_hex FILE: FILE's build id in hex.
build_id_hex()
{
	readelf -n "$1" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p'
}

# start_stripped DIR SECONDS: start DIR/cpu_ratio as a workload (WL_PID).
start_stripped()
{
	WORKLOADS=$1 start_workload cpu_ratio "$2"
}

# expect_named FILE: cpu_ratio's own functions are named in profile FILE:
# main -> work_loop -> burn_three, and burn_three and burn_one hold at least
# 90% of the samples between them, as in test_cpu_ratio_split_is_3_to_1.
expect_named()
{
	local three one share

	(($(path_samples "$1" cpu_ratio "main;work_loop;burn_three") > 0)) ||
		fail "no stack cpu_ratio;...;main;work_loop;burn_three: $(grep -m1 '^cpu_ratio;' "$1")"
	three=$(frame_samples "$1" burn_three cpu_ratio)
	one=$(frame_samples "$1" burn_one cpu_ratio)
	share=$(ratio $((three + one)) "$TOTAL")
	in_range "$share" 0.90 1 ||
		fail "burn_three+burn_one hold $share of $TOTAL samples, expected >= 0.90"
}

# unnamed_samples FILE: samples with a frame of cpu_ratio's own code shown
# as an offset (cpu_ratio+0x...), that is, not named.
unnamed_samples()
{
	awk '/(^|;)cpu_ratio\+0x/ { n += $NF } END { print n + 0 }' "$1"
}

# ================================================================ local files

# The stripped binary's .gnu_debuglink names cpu_ratio.debug, which lies in
# the .debug/ folder next to it, one of the places gdb looks.
test_debuglink_names_a_stripped_binary()
{
	build_stripped "$T/build"
	mkdir -p "$T/bin/.debug"
	mv "$T/build/cpu_ratio.debug" "$T/bin/.debug/cpu_ratio.debug"
	objcopy --add-gnu-debuglink="$T/bin/.debug/cpu_ratio.debug" "$T/build/cpu_ratio" \
		"$T/bin/cpu_ratio"
	start_stripped "$T/bin" 10
	run_vigil "$T/stdout" "$T/err" profile -v -p "$WL_PID" -d 2 -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p of a stripped binary with .gnu_debuglink"
	check_folded "$T/out/p.folded" "$T/err"
	expect_named "$T/out/p.folded"
	grep -q -F "$T/bin/cpu_ratio: symbols from $T/bin/.debug/cpu_ratio.debug (.gnu_debuglink)" \
		"$T/err" || fail "-v does not say the symbols came from $T/bin/.debug/cpu_ratio.debug"
}

# --debug-dir DIR: DIR/.build-id/NN/REST.debug, for a binary without a link.
test_debug_dir_build_id_names_a_stripped_binary()
{
	local id

	build_stripped "$T/bin"
	id=$(build_id_hex "$T/bin/cpu_ratio")
	[[ ${#id} -ge 4 ]] || fail "no build id in $T/bin/cpu_ratio"
	mkdir -p "$T/dbg/.build-id/${id:0:2}"
	mv "$T/bin/cpu_ratio.debug" "$T/dbg/.build-id/${id:0:2}/${id:2}.debug"
	start_stripped "$T/bin" 10
	run_vigil "$T/stdout" "$T/err" profile -v -p "$WL_PID" -d 2 -F 499 \
		--debug-dir "$T/dbg" -o "$T/out/p.folded"
	expect_rc 0 "profile -p --debug-dir of a stripped binary"
	check_folded "$T/out/p.folded" "$T/err"
	expect_named "$T/out/p.folded"
	grep -q -F "symbols from $T/dbg/.build-id/${id:0:2}/${id:2}.debug (build id)" "$T/err" ||
		fail "-v does not say the symbols came from the .build-id folder"
}

# A debug file of another build is never used: cpu_ratio built again with
# its functions renamed (wrong_three, wrong_one, wrong_loop) has its code at
# the same addresses, so its debug file would name every frame wrongly. It
# is put both where the build id leads and under the name .gnu_debuglink
# gives; the build id and the CRC reject it, and the frames stay offsets.
test_mismatched_debug_files_are_not_used()
{
	local id

	build_stripped "$T/good"
	build_stripped "$T/other" -Dburn_three=wrong_three -Dburn_one=wrong_one -Dwork_loop=wrong_loop
	[[ $(nm "$T/other/cpu_ratio.full" | awk '$3 == "wrong_three" { print $1 }') == \
		$(nm "$T/good/cpu_ratio.full" | awk '$3 == "burn_three" { print $1 }') ]] ||
		fail "wrong_three and burn_three are not at one address: the test proves nothing"
	id=$(build_id_hex "$T/good/cpu_ratio")
	[[ $id != "$(build_id_hex "$T/other/cpu_ratio")" ]] || fail "both builds have build id $id"

	mkdir -p "$T/bin" "$T/dbg/.build-id/${id:0:2}"
	objcopy --add-gnu-debuglink="$T/good/cpu_ratio.debug" "$T/good/cpu_ratio" "$T/bin/cpu_ratio"
	cp "$T/other/cpu_ratio.debug" "$T/bin/cpu_ratio.debug"
	cp "$T/other/cpu_ratio.debug" "$T/dbg/.build-id/${id:0:2}/${id:2}.debug"
	start_stripped "$T/bin" 10
	run_vigil "$T/stdout" "$T/err" profile -v -p "$WL_PID" -d 2 -F 499 \
		--debug-dir "$T/dbg" -o "$T/out/p.folded"
	expect_rc 0 "profile -p with mismatched debug files"
	check_folded "$T/out/p.folded" "$T/err"
	! grep -q -E '(^|;)(wrong_three|wrong_one|wrong_loop)( |;)' "$T/out/p.folded" ||
		fail "a name from the other build's debug file: $(grep -m1 -E 'wrong_' "$T/out/p.folded")"
	(($(unnamed_samples "$T/out/p.folded") * 10 >= TOTAL * 9)) ||
		fail "only $(unnamed_samples "$T/out/p.folded") of $TOTAL samples show cpu_ratio+0x..."
	grep -q -F "debug file $T/dbg/.build-id/${id:0:2}/${id:2}.debug not used: its build id differs" \
		"$T/err" || fail "-v does not say the .build-id file was rejected"
	grep -q -F "debug file $T/bin/cpu_ratio.debug not used: CRC" "$T/err" ||
		fail "-v does not say the .gnu_debuglink file was rejected"
}

# start_chrooted ROOT SECONDS: run ROOT/cpu_ratio chrooted in ROOT (WL_PID).
start_chrooted()
{
	local exe i

	exe=$(readlink -f "$1/cpu_ratio")
	chroot "$1" /cpu_ratio "$2" >"$T/cpu_ratio.stdout" 2>&1 &
	WL_PID=$!
	track "$WL_PID"
	for ((i = 0; i < 200; i++)); do
		[[ $(readlink "/proc/$WL_PID/exe" 2>/dev/null) == "$exe" ]] && break
		sleep 0.01
	done
	[[ $(readlink "/proc/$WL_PID/root") == "$(readlink -f "$1")" ]] ||
		fail "chroot $1 /cpu_ratio (pid $WL_PID) did not start in its root"
}

# A process in a root of its own (chroot) has its debug file there: the
# default folder, /usr/lib/debug, is looked up through /proc/PID/root
# first. The host's /usr/lib/debug has no such file. cpu_ratio is linked
# statically so that the root needs nothing else.
test_debug_file_in_the_process_root_is_found()
{
	local id

	build_stripped "$T/build" -static
	id=$(build_id_hex "$T/build/cpu_ratio")
	mkdir -p "$T/root/usr/lib/debug/.build-id/${id:0:2}"
	mv "$T/build/cpu_ratio" "$T/root/cpu_ratio"
	mv "$T/build/cpu_ratio.debug" "$T/root/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
	[[ ! -e /usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug ]] ||
		fail "the host's /usr/lib/debug has the debug file of build id $id"
	start_chrooted "$T/root" 10
	run_vigil "$T/stdout" "$T/err" profile -v -p "$WL_PID" -d 2 -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p of a chrooted stripped binary"
	check_folded "$T/out/p.folded" "$T/err"
	expect_named "$T/out/p.folded"
	grep -q -F "symbols from /proc/$WL_PID/root/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug" \
		"$T/err" || fail "-v does not say the symbols came from the process's root"
}

# A chrooted process's maps name its files by the host's paths, so its
# .gnu_debuglink file next to it is found on the host's path, after the
# same path under /proc/PID/root names nothing.
test_debuglink_of_a_chrooted_binary_is_found()
{
	build_stripped "$T/build" -static
	mkdir -p "$T/root"
	mv "$T/build/cpu_ratio.debug" "$T/root/cpu_ratio.debug"
	objcopy --add-gnu-debuglink="$T/root/cpu_ratio.debug" "$T/build/cpu_ratio" \
		"$T/root/cpu_ratio"
	start_chrooted "$T/root" 10
	run_vigil "$T/stdout" "$T/err" profile -v -p "$WL_PID" -d 2 -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p of a chrooted stripped binary with .gnu_debuglink"
	check_folded "$T/out/p.folded" "$T/err"
	expect_named "$T/out/p.folded"
	grep -q -F "symbols from $T/root/cpu_ratio.debug (.gnu_debuglink)" "$T/err" ||
		fail "-v does not say the symbols came from $T/root/cpu_ratio.debug"
}

# ================================================================ debuginfod

SRV_PID=	# start_debuginfod: the server's PID
SRV_PORT=8002	# debuginfod's default; free in a network namespace of its own

# start_debuginfod DIR: serve DIR with Debian's debuginfod, in a network
# namespace of its own where only loopback exists, so nothing outside this
# machine can reach it (and no port of the host is taken).
start_debuginfod()
{
	local exe me i

	exe=$(command -v debuginfod) || fail "debuginfod is not installed (scripts/install-deps.sh)"
	exe=$(readlink -f "$exe")
	# shellcheck disable=SC2016 # expanded by the inner sh, from its arguments
	unshare --net -- sh -c 'ip link set lo up && exec "$0" -p "$1" -F -d "$2" "$3"' \
		"$exe" "$SRV_PORT" "$T/db.sqlite" "$1" >"$T/debuginfod.log" 2>&1 &
	SRV_PID=$!
	track "$SRV_PID"
	me=$(readlink /proc/self/ns/net)
	for ((i = 0; i < 200; i++)); do
		[[ $(readlink "/proc/$SRV_PID/exe" 2>/dev/null) == "$exe" &&
			$(readlink "/proc/$SRV_PID/ns/net" 2>/dev/null) != "$me" ]] && return 0
		is_running "$SRV_PID" || fail "debuginfod exited: $(tail -n 1 "$T/debuginfod.log")"
		sleep 0.05
	done
	fail "debuginfod (pid $SRV_PID) did not start in a network namespace of its own"
}

# in_server_net CMD...: run CMD in the server's network namespace.
in_server_net()
{
	nsenter --net="/proc/$SRV_PID/ns/net" -- "$@"
}

# wait_served PATH: wait up to 30 s for the server to answer PATH with 200,
# that is, until its first scan has indexed the file.
wait_served()
{
	local code i

	for ((i = 0; i < 60; i++)); do
		code=$(in_server_net curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
			"http://127.0.0.1:$SRV_PORT$1") || true
		[[ $code == 200 ]] && return 0
		is_running "$SRV_PID" || fail "debuginfod exited: $(tail -n 1 "$T/debuginfod.log")"
		sleep 0.5
	done
	fail "debuginfod did not serve $1 within 30 s (last answer: ${code:-none})"
}

# run_vigil_in_server_net OUT ERR ARGS...: run_vigil, in the server's network namespace.
run_vigil_in_server_net()
{
	local out=$1 err=$2 pid

	shift 2
	nsenter --net="/proc/$SRV_PID/ns/net" -- "$VIGIL" "$@" >"$out" 2>"$err" &
	pid=$!
	track "$pid"
	wait_vigil "$pid" 60 "vigil $* (in debuginfod's network namespace)"
}

stop_debuginfod()
{
	kill -TERM "$SRV_PID" 2>/dev/null || true
	wait_pid "$SRV_PID" 10 "debuginfod"
}

# Only the server has the debug file: no link, nothing in the debug folder.
# vigil fetches it once, into DEBUGINFOD_CACHE_PATH, and names the frames.
test_debuginfod_serves_the_debug_file_of_a_stripped_binary()
{
	local id fetches

	build_stripped "$T/bin"
	id=$(build_id_hex "$T/bin/cpu_ratio")
	mkdir -p "$T/srv" "$T/empty"
	mv "$T/bin/cpu_ratio.debug" "$T/srv/"
	start_debuginfod "$T/srv"
	wait_served "/buildid/$id/debuginfo"

	start_stripped "$T/bin" 10
	DEBUGINFOD_URLS=http://127.0.0.1:$SRV_PORT DEBUGINFOD_CACHE_PATH=$T/cache \
		run_vigil_in_server_net "$T/stdout" "$T/err" profile -v -p "$WL_PID" -d 2 -F 499 \
		--debug-dir "$T/empty" -o "$T/out/p.folded"
	stop_debuginfod
	expect_rc 0 "profile -p with DEBUGINFOD_URLS"
	check_folded "$T/out/p.folded" "$T/err"
	expect_named "$T/out/p.folded"
	grep -q -F "$T/bin/cpu_ratio: symbols from $T/cache/$id/debuginfo (debuginfod)" "$T/err" ||
		fail "-v does not say the symbols were fetched into $T/cache/$id/debuginfo"
	# vigil's requests, by libdebuginfod's user agent (wait_served's are curl's)
	fetches=$(grep -F "UA:elfutils" "$T/debuginfod.log" |
		grep -c -F "GET /buildid/$id/debuginfo " || true)
	((fetches == 1)) || fail "vigil asked debuginfod for build id $id $fetches times, expected 1"
}

# The debug file exists only in the process's own mount namespace: after
# unshare -m, its root is the host's folder, but a folder mounted over
# $T/bin/.debug there holds the debug file, which the host's does not.
test_debug_file_in_the_mount_namespace_is_found()
{
	local exe i

	build_stripped "$T/build"
	mkdir -p "$T/bin/.debug" "$T/nsdebug"
	mv "$T/build/cpu_ratio.debug" "$T/nsdebug/cpu_ratio.debug"
	objcopy --add-gnu-debuglink="$T/nsdebug/cpu_ratio.debug" "$T/build/cpu_ratio" \
		"$T/bin/cpu_ratio"
	exe=$T/bin/cpu_ratio
	unshare -m --propagation private sh -c \
		'mount --bind "$1" "$2" && exec "$3" 10' sh "$T/nsdebug" "$T/bin/.debug" "$exe" \
		>"$T/cpu_ratio.stdout" 2>&1 &
	WL_PID=$!
	track "$WL_PID"
	for ((i = 0; i < 200; i++)); do
		[[ $(readlink "/proc/$WL_PID/exe" 2>/dev/null) == "$exe" ]] && break
		sleep 0.01
	done
	[[ $(readlink "/proc/$WL_PID/exe") == "$exe" ]] || fail "cpu_ratio did not start in its namespace"
	[[ ! -e $T/bin/.debug/cpu_ratio.debug ]] || fail "the host sees the namespace's debug file"
	run_vigil "$T/stdout" "$T/err" profile -v -p "$WL_PID" -d 2 -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p of a stripped binary whose debug file is in its mount namespace"
	check_folded "$T/out/p.folded" "$T/err"
	expect_named "$T/out/p.folded"
	grep -q -F "symbols from /proc/$WL_PID/root$T/bin/.debug/cpu_ratio.debug (.gnu_debuglink)" \
		"$T/err" || fail "-v does not say the symbols came from the namespace: $(grep -F cpu_ratio "$T/err" | head -n 3)"
}

ALL_TESTS+=(
	debuglink_names_a_stripped_binary
	debug_dir_build_id_names_a_stripped_binary
	mismatched_debug_files_are_not_used
	debug_file_in_the_process_root_is_found
	debuglink_of_a_chrooted_binary_is_found
	debug_file_in_the_mount_namespace_is_found
	debuginfod_serves_the_debug_file_of_a_stripped_binary
)
