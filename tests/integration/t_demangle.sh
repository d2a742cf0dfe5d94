# SPDX-License-Identifier: GPL-2.0
# Integration tests of demangling: C++ and Rust frames of vigil profile are
# shown demangled, or as linked with --no-demangle. Sourced by run.sh,
# which defines T, ROOT and the helpers; the names defined here start
# with dm_ or DM_, as every t_*.sh shares one shell.
# shellcheck shell=bash disable=SC2154

# The frames of cxx_box (tests/workloads/cxx_box.cpp), demangled.
DM_CXX_RUN='work::run(double)'
DM_CXX_SPIN='Box<std::vector<int, std::allocator<int> > >::spin(int)'
DM_CXX_OPERATOR='work::Meter::operator+=(long)'
DM_CXX_LAMBDA='work::run(double)::{lambda(int)#1}::operator()(int) const'

# The frames of rust_names (tests/workloads/rust_names.c), demangled.
DM_RUST_MAIN='mycrate::main'
DM_RUST_LEGACY='core::fmt::write'
DM_RUST_V0='mycrate::engine::run_step'
# core::ptr::drop_in_place::<[u8; 4]>: the folded output turns ';' into ':'.
DM_RUST_GENERIC='core::ptr::drop_in_place::<[u8: 4]>'

# dm_frame_matching FILE COMM ERE: the first frame of a COMM stack that
# matches ERE, or nothing.
dm_frame_matching()
{
	awk -v comm="$2" -v re="$3" '
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		n = split(stack, f, ";")
		if (f[1] != comm)
			next
		for (i = 2; i <= n; i++)
			if (f[i] ~ re) {
				print f[i]
				exit
			}
	}' "$1"
}

# dm_expect_path FILE COMM PATH: some COMM stack holds PATH ("a;b;c").
dm_expect_path()
{
	(($(path_samples "$1" "$2" "$3") > 0)) ||
		fail "no stack $2;...;$3 (heaviest: $(awk '$NF > n { n = $NF; s = $0 } END { print s }' "$1"))"
}

# dm_expect_share FILE COMM FRAME...: the FRAMEs together hold at least
# 90% of COMM's samples, so no hot frame went unnamed or kept its mangling.
dm_expect_share()
{
	local file=$1 comm=$2 named=0 all share frame

	shift 2
	for frame in "$@"; do
		named=$((named + $(frame_samples "$file" "$frame" "$comm")))
	done
	all=$(comm_samples "$file" "$comm")
	share=$(ratio "$named" "$all")
	in_range "$share" 0.90 1 ||
		fail "$comm: the named frames hold $named of $all samples ($share), expected >= 0.90"
}

# dm_summary_names FILE NAME: a line of the --summary file ends with NAME, its
# function column.
dm_summary_names()
{
	awk -v name="$2" '
	length($0) > length(name) && substr($0, length($0) - length(name) + 1) == name &&
	    substr($0, length($0) - length(name) - 1, 2) == "  " { found = 1 }
	END { exit !found }' "$1" || fail "summary does not name '$2'"
}

# cxx_box spends its time in a template member function, an operator and a
# lambda, all called from work::run(double): each is named as c++filt
# names it, with every template argument and the parameter lists.
test_cxx_frames_are_demangled_with_templates_and_parameters()
{
	local raw

	start_workload cxx_box 8
	mkdir "$T/sum"
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 499 \
		-o "$T/out/p.folded" --summary "$T/sum/summary.txt"
	expect_rc 0 "profile -p cxx_box"
	check_folded "$T/out/p.folded" "$T/err"
	dm_expect_path "$T/out/p.folded" cxx_box "main;$DM_CXX_RUN;$DM_CXX_SPIN"
	dm_expect_path "$T/out/p.folded" cxx_box "main;$DM_CXX_RUN;$DM_CXX_OPERATOR"
	dm_expect_path "$T/out/p.folded" cxx_box "main;$DM_CXX_RUN;$DM_CXX_LAMBDA"
	dm_expect_share "$T/out/p.folded" cxx_box "$DM_CXX_SPIN" "$DM_CXX_OPERATOR" "$DM_CXX_LAMBDA"
	raw=$(dm_frame_matching "$T/out/p.folded" cxx_box '^_Z')
	[[ -z $raw ]] || fail "mangled frame left in a cxx_box stack: $raw"
	dm_summary_names "$T/sum/summary.txt" "$DM_CXX_SPIN"
	dm_summary_names "$T/sum/summary.txt" "$DM_CXX_LAMBDA"
}

# rust_names runs C functions under Rust linkage names, one in the legacy
# scheme and two in v0: all are named by their paths, without the legacy
# hash or the v0 crate disambiguator, and the generic one with its argument.
test_rust_legacy_and_v0_frames_are_demangled_without_hashes()
{
	local raw

	start_workload rust_names 8
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 499 -o "$T/out/p.folded"
	expect_rc 0 "profile -p rust_names"
	check_folded "$T/out/p.folded" "$T/err"
	dm_expect_path "$T/out/p.folded" rust_names "main;$DM_RUST_MAIN;$DM_RUST_LEGACY"
	dm_expect_path "$T/out/p.folded" rust_names "main;$DM_RUST_MAIN;$DM_RUST_V0"
	dm_expect_path "$T/out/p.folded" rust_names "main;$DM_RUST_MAIN;$DM_RUST_GENERIC"
	dm_expect_share "$T/out/p.folded" rust_names "$DM_RUST_LEGACY" "$DM_RUST_V0" \
		"$DM_RUST_GENERIC"
	raw=$(dm_frame_matching "$T/out/p.folded" rust_names '^_[RZ]|0123456789abcdef|bDqzXfLQacH')
	[[ -z $raw ]] || fail "mangled name or hash left in a rust_names stack: $raw"
}

# --no-demangle shows both workloads' frames by their linkage names.
test_no_demangle_keeps_linkage_names()
{
	local cxx rust named

	start_workload cxx_box 8
	cxx=$WL_PID
	start_workload rust_names 8
	rust=$WL_PID
	run_vigil "$T/stdout" "$T/err" profile -p "$cxx,$rust" -d 2 -F 499 --no-demangle \
		-o "$T/out/p.folded"
	expect_rc 0 "profile --no-demangle"
	check_folded "$T/out/p.folded" "$T/err"
	dm_expect_path "$T/out/p.folded" cxx_box "main;_ZN4work3runEd;_ZN3BoxISt6vectorIiSaIiEEE4spinEi"
	dm_expect_path "$T/out/p.folded" cxx_box "main;_ZN4work3runEd;_ZN4work5MeterpLEl"
	dm_expect_path "$T/out/p.folded" cxx_box "main;_ZN4work3runEd;_ZZN4work3runEdENKUliE_clEi"
	dm_expect_path "$T/out/p.folded" rust_names \
		"main;_RNvCsbDqzXfLQacH_7mycrate4main;_ZN4core3fmt5write17h0123456789abcdefE"
	dm_expect_path "$T/out/p.folded" rust_names \
		"main;_RNvCsbDqzXfLQacH_7mycrate4main;_RNvNtCsbDqzXfLQacH_7mycrate6engine8run_step"
	dm_expect_path "$T/out/p.folded" rust_names \
		"main;_RNvCsbDqzXfLQacH_7mycrate4main;_RINvNtCsbDqzXfLQacH_4core3ptr13drop_in_placeAhj4_E"
	named=$(dm_frame_matching "$T/out/p.folded" cxx_box '::')
	[[ -z $named ]] || fail "demangled frame under --no-demangle: $named"
	named=$(dm_frame_matching "$T/out/p.folded" rust_names '::')
	[[ -z $named ]] || fail "demangled frame under --no-demangle: $named"
}

ALL_TESTS+=(
	cxx_frames_are_demangled_with_templates_and_parameters
	rust_legacy_and_v0_frames_are_demangled_without_hashes
	no_demangle_keeps_linkage_names
)
