# SPDX-License-Identifier: GPL-2.0
# Integration tests of the pprof output (--format pprof): read back by
# tests/js/pprof-dump.js, which decodes with the npm package pprof-format
# and node's zlib, not vigil's code. The converter's profile must hold the
# folded stacks exactly; a live profile, the workload's own frames, mapped
# to the workload's file and build id. Sourced by run.sh, which defines T,
# ROOT and the helpers.
# jq's $variables are meant for jq, in single quotes (SC2016).
# shellcheck shell=bash disable=SC2154,SC2016

PPROF_DUMP=${PPROF_DUMP:-tests/js/pprof-dump.js}

# pprof_need: jq, node and the decoder with its pprof-format are there.
pprof_need()
{
	command -v jq >/dev/null || fail "jq is not installed (run: scripts/install-deps.sh)"
	command -v node >/dev/null || fail "node is not installed (run: scripts/install-deps.sh)"
	node "$PPROF_DUMP" --check 2>"$T/dump.err" || fail "$(first_line "$T/dump.err")"
}

# pprof_dump FILE JSON: decode the pprof FILE into JSON; a malformed one fails the test.
pprof_dump()
{
	[[ -f $1 ]] || fail "no profile written to $1"
	node "$PPROF_DUMP" "$1" >"$2" 2>"$T/dump.err" ||
		fail "pprof-dump $1: $(first_line "$T/dump.err")"
}

# pprof_folded FILE OUT: FILE's samples as folded lines, "STACK VALUE" (the first value), sorted.
pprof_folded()
{
	node "$PPROF_DUMP" --folded "$1" >"$2.unsorted" 2>"$T/dump.err" ||
		fail "pprof-dump --folded $1: $(first_line "$T/dump.err")"
	LC_ALL=C sort "$2.unsorted" >"$2"
}

# pq JSON [JQ ARGS...] FILTER: jq -r FILTER on a dump, every line; jq failing fails the test.
pq()
{
	local file=$1 filter=${*: -1}

	shift
	jq -r "${@:1:$#-1}" "$filter" "$file" 2>"$T/jq.err" ||
		fail "jq $filter: $(first_line "$T/jq.err"); dump: $(head -c 300 "$file")"
}

# pprof_mapping JSON ID FIELD: FIELD of the dump's mapping ID.
pprof_mapping()
{
	pq "$1" --argjson m "$2" --arg k "$3" '.mappings[] | select(.id == $m) | .[$k]'
}

# pprof_build_id FILE: the GNU build id of an ELF file, in hex, as readelf shows it.
pprof_build_id()
{
	readelf -n "$1" | sed -n 's/.*Build ID: \([0-9a-f]*\).*/\1/p' | head -n 1
}

# pprof_kernel_build_id: the running kernel's build id, from the notes in
# /sys/kernel/notes (nothing when they cannot be read).
pprof_kernel_build_id()
{
	python3 -c '
import struct, sys
try:
    d = open("/sys/kernel/notes", "rb").read()
except OSError:
    sys.exit(0)
o = 0
while o + 12 <= len(d):
    n, s, t = struct.unpack_from("=III", d, o)
    o += 12
    name = d[o:o + n]
    o += (n + 3) & ~3
    desc = d[o:o + s]
    o += (s + 3) & ~3
    if t == 3 and name == b"GNU\0":
        print(desc.hex())
        break
'
}

# pprof_same_folded WANT GOT WHAT: two sorted folded files are equal, line for line.
pprof_same_folded()
{
	local diff

	diff=$(diff "$1" "$2" | head -n 6 | tr '\n' '|') ||
		fail "$3: the pprof's stacks differ from the folded ones: $diff"
}

# A folded profile that tries the format: kernel frames, recursion, a stack
# of its root alone, spaces and C++ punctuation in names, one big count.
PPROF_FOLDED='app;main;work;burn 3
app;main;idle 1
app;main;work 2
app;fib;fib;fib;fib 40
app;x y z;std::map<int, int>::find(int const&) const;do_syscall_64_[k];[unknown]_[k] 7
app;[lost user stack] 5
other 11
big;main;hot 123456789'

# The converter: a folded file becomes a pprof of the very same stacks and
# values, counted in samples at -F HZ, or in microseconds with --unit us.
test_pprof_converter_keeps_every_folded_stack()
{
	local in=$T/in.folded want=$T/want.folded got=$T/got.folded j=$T/p.json bad n

	pprof_need
	printf '%s\n' "$PPROF_FOLDED" >"$in"
	LC_ALL=C sort "$in" >"$want"
	run_vigil "$T/stdout" "$T/err" flamegraph "$in" --format pprof -F 99 -o "$T/out/p.pb.gz"
	expect_rc 0 "flamegraph IN --format pprof -F 99"
	only_file "$T/out" p.pb.gz
	pprof_folded "$T/out/p.pb.gz" "$got"
	pprof_same_folded "$want" "$got" "flamegraph --format pprof -F 99"
	(($(folded_total "$got") == $(folded_total "$in"))) ||
		fail "pprof total $(folded_total "$got"), folded total $(folded_total "$in")"

	pprof_dump "$T/out/p.pb.gz" "$j"
	[[ $(pq "$j" '.sample_types | map(join("/")) | join(",")') == samples/count,cpu/nanoseconds ]] ||
		fail "sample types $(pq "$j" '.sample_types'), expected samples/count, cpu/nanoseconds"
	[[ $(pq "$j" '.period_type | join("/")') == cpu/nanoseconds ]] ||
		fail "period type $(pq "$j" '.period_type')"
	(($(pq "$j" .period) == 1000000000 / 99)) || fail "period $(pq "$j" .period), expected 1e9/99"
	[[ $(pq "$j" .default_sample_type) == cpu ]] ||
		fail "default sample type $(pq "$j" .default_sample_type)"
	bad=$(pq "$j" '.samples[] | select(.values[1] != .values[0] * 10101010) | .stack')
	[[ -z $bad ]] || fail "cpu nanoseconds are not samples * 1e9/99 in: $bad"
	# a folded file says nothing of binaries: no mappings
	n=$(pq "$j" '.mappings | length')
	((n == 0)) || fail "$n mappings in a profile converted from a folded file"
	# one location per distinct frame name
	n=$(pq "$j" '.locations | length')
	((n == $(tr ';' '\n' <"$in" | sed 's/ [0-9]*$//' | sort -u | wc -l))) ||
		fail "$n locations, expected one per distinct frame name"

	run_vigil "$T/stdout" "$T/err" flamegraph "$in" --format pprof --unit us \
		-o "$T/out/us.pb.gz"
	expect_rc 0 "flamegraph IN --format pprof --unit us"
	pprof_dump "$T/out/us.pb.gz" "$j"
	[[ $(pq "$j" '.sample_types | length') == 1 && $(pq "$j" '.sample_types[0][1]') == nanoseconds ]] ||
		fail "--unit us: sample types $(pq "$j" '.sample_types'), expected one, in nanoseconds"
	pprof_folded "$T/out/us.pb.gz" "$got"
	awk '{ v = $NF; sub(/ [0-9]+$/, ""); printf "%s %.0f\n", $0, v * 1000 }' "$want" |
		LC_ALL=C sort >"$T/want-ns.folded"
	pprof_same_folded "$T/want-ns.folded" "$got" "flamegraph --format pprof --unit us (ns)"
}

# A real profile, converted: the same stacks, names as vigil wrote them.
test_pprof_converter_keeps_a_real_profile()
{
	local want=$T/want.folded got=$T/got.folded

	pprof_need
	start_workload cpu_ratio 6
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 499 -o "$T/p.folded"
	expect_rc 0 "profile -p -d 2 -F 499"
	check_folded "$T/p.folded" "$T/err"
	LC_ALL=C sort "$T/p.folded" >"$want"
	run_vigil "$T/stdout" "$T/err" flamegraph "$T/p.folded" --format pprof -F 499 \
		-o "$T/out/p.pb.gz"
	expect_rc 0 "flamegraph p.folded --format pprof -F 499"
	pprof_folded "$T/out/p.pb.gz" "$got"
	pprof_same_folded "$want" "$got" "a profile of cpu_ratio, converted"
	# shellcheck disable=SC2153 # TOTAL: check_folded's
	(($(folded_total "$got") == TOTAL)) ||
		fail "pprof total $(folded_total "$got"), folded total $TOTAL"
}

# vigil profile --format pprof: the workload's frames, in the file and build
# id it runs from; every sample counted; the time and what was profiled.
test_pprof_live_profile_maps_frames_to_the_workload()
{
	local j=$T/p.json exe build_id taken total before after bad fn mapping addr start limit

	pprof_need
	start_workload cpu_ratio 6
	exe=$(readlink -f "$WORKLOADS/cpu_ratio")
	build_id=$(pprof_build_id "$exe")
	[[ -n $build_id ]] || fail "readelf shows no build id in $exe"
	before=$(date +%s)
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 499 --format pprof \
		-o "$T/out/p.pb.gz"
	after=$(date +%s)
	expect_rc 0 "profile -p -d 2 -F 499 --format pprof"
	only_file "$T/out" p.pb.gz
	pprof_dump "$T/out/p.pb.gz" "$j"

	[[ $(pq "$j" '.sample_types | map(join("/")) | join(",")') == samples/count,cpu/nanoseconds ]] ||
		fail "sample types $(pq "$j" '.sample_types'), expected samples/count, cpu/nanoseconds"
	(($(pq "$j" .period) == 1000000000 / 499)) || fail "period $(pq "$j" .period), expected 1e9/499"
	taken=$(samples_taken "$T/err")
	[[ -n $taken ]] || fail "no 'vigil: profile: N samples taken' line on stderr"
	total=$(pq "$j" '[.samples[].values[0]] | add // 0')
	((total == taken)) || fail "pprof samples sum to $total, stderr says $taken samples taken"
	(($(pq "$j" '[.samples[] | select(.stack | test(";main;work_loop;burn_three(;|$)"))] | length') > 0)) ||
		fail "no sample of a stack ...;main;work_loop;burn_three"
	bad=$(pq "$j" '.samples[] | select(.stack | startswith("cpu_ratio;") | not) | .stack' | head -n 1)
	[[ -z $bad ]] || fail "a stack not of cpu_ratio in a profile of its pid: $bad"

	# the workload's own functions: its file, its build id, an address in the mapping
	for fn in main work_loop burn_three burn_one; do
		mapping=$(pq "$j" --arg f "$fn" '.locations[] | select(.name == $f) | .mapping_id')
		[[ $(wc -l <<<"$mapping") == 1 && $mapping =~ ^[1-9][0-9]*$ ]] ||
			fail "$fn: mapping ids '$(tr '\n' ' ' <<<"$mapping")', expected one, not 0"
		[[ $(pprof_mapping "$j" "$mapping" file) == "$exe" ]] ||
			fail "$fn: mapped to $(pprof_mapping "$j" "$mapping" file), expected $exe"
		[[ $(pprof_mapping "$j" "$mapping" build_id) == "$build_id" ]] ||
			fail "$fn: build id $(pprof_mapping "$j" "$mapping" build_id), readelf says $build_id"
		[[ $(pprof_mapping "$j" "$mapping" has_functions) == true ]] ||
			fail "$fn: its mapping says it has no function names"
		addr=$(pq "$j" --arg f "$fn" '.locations[] | select(.name == $f) | .address')
		start=$(pprof_mapping "$j" "$mapping" start)
		limit=$(pprof_mapping "$j" "$mapping" limit)
		((addr != 0 && addr >= start && addr < limit)) ||
			fail "$fn: address $addr is not in its mapping's $start..$limit"
	done
	# the root frame is the process's name, of no file
	(($(pq "$j" '.locations[] | select(.name == "cpu_ratio") | .mapping_id') == 0)) ||
		fail "the root frame cpu_ratio has a mapping"

	# when, for how long, and what
	in_range "$(pq "$j" '(.time_nanos | tonumber) / 1e9 | floor')" "$((before - 1))" "$((after + 1))" ||
		fail "time_nanos $(pq "$j" .time_nanos) is not between the run's $before and $after s"
	in_range "$(pq "$j" '.duration_nanos / 1e9')" 1.5 3 ||
		fail "duration_nanos $(pq "$j" .duration_nanos) for -d 2"
	pq "$j" '.comments[]' | grep -q vigil || fail "no comment says vigil wrote it: $(pq "$j" .comments)"
	pq "$j" '.comments[]' | grep -q -F "$WL_PID" ||
		fail "no comment says pid $WL_PID was profiled: $(pq "$j" .comments)"
}

# Kernel frames (suffixed _[k]) map to [kernel.kallsyms], with the running
# kernel's build id when /sys/kernel/notes can be read.
test_pprof_live_kernel_frames_map_to_the_kernel()
{
	local j=$T/p.json kid kernel bad

	pprof_need
	# millions of failing openat calls: time in the kernel's path lookup
	start_workload sysc 5000000 0
	run_vigil "$T/stdout" "$T/err" profile -p "$WL_PID" -d 2 -F 499 --format pprof \
		-o "$T/out/p.pb.gz"
	expect_rc 0 "profile -p -d 2 -F 499 --format pprof"
	pprof_dump "$T/out/p.pb.gz" "$j"
	(($(pq "$j" '[.locations[] | select(.name | endswith("_[k]"))] | length') > 0)) ||
		fail "no kernel frame in a profile of sysc's openat calls"
	kernel=$(pq "$j" '[.mappings[] | select(.file == "[kernel.kallsyms]")] | length')
	((kernel == 1)) || fail "$kernel mappings of [kernel.kallsyms], expected 1"
	# names of the core kernel have it; module and BPF code and placeholders none
	bad=$(pq "$j" '(.mappings | map({key: (.id | tostring), value: .file}) | from_entries) as $f |
		.locations[] | select(.mapping_id != 0) | select((.name | endswith("_[k]")) !=
		($f[.mapping_id | tostring] == "[kernel.kallsyms]")) | .name' | head -n 3)
	[[ -z $bad ]] || fail "frames mapped across user and kernel: $bad"
	(($(pq "$j" '[.locations[] | select((.name | endswith("_[k]")) and .mapping_id != 0)] | length') > 0)) ||
		fail "no kernel frame is mapped to the kernel"
	kid=$(pprof_kernel_build_id)
	if [[ -n $kid ]]; then
		[[ $(pq "$j" '.mappings[] | select(.file == "[kernel.kallsyms]") | .build_id') == "$kid" ]] ||
			fail "kernel build id $(pq "$j" '.mappings[] | select(.file == "[kernel.kallsyms]") | .build_id'), /sys/kernel/notes says $kid"
	fi
}

ALL_TESTS+=(
	pprof_converter_keeps_every_folded_stack
	pprof_converter_keeps_a_real_profile
	pprof_live_profile_maps_frames_to_the_workload
	pprof_live_kernel_frames_map_to_the_kernel
)
