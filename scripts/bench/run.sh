#!/usr/bin/env bash
# run.sh: vigil's cost side by side with perf, bpftrace, libbpf-tools and empty BPF programs
# (the floor), on workloads built by the Makefile (tests/bench/), and BENCHMARKS.md from it.
#
# Usage: scripts/bench/run.sh [--smoke] [--rounds N] [--cases "1 2 3 4 5"] [--out FILE]
#
#   1  on-CPU sampling, whole system, 99 and 999 Hz: vigil, perf record -g, bpftrace profile,
#      floors (an empty perf_event program; one that only walks the stacks)
#   2  off-CPU, a pipe ping-pong on one CPU: vigil --clock off, offcputime, bpftrace, floor
#   3  function tracing, a hot function: vigil trace, bpftrace, funclatency, floors
#   4  syscalls, a getppid loop with failing close(-1)s: vigil syscalls, syscount -L,
#      bpftrace, floors
#   5  userspace: symbolizing 100k frames, folding 10M samples, with callgrind's counts
#
# Each round runs every contender of a case once, the order turned by one each round, the
# workload alone ("none") among them; a contender's figures are compared with the same round's
# workload alone, then the report (report.py) gives medians with min and max. --smoke: each
# case once with tiny workloads; it checks that every contender produced output and numbers,
# writes build/bench/smoke/BENCHMARKS.md and exits 1 if one did not. BENCH_SMOKE=1 is --smoke.
# Needs root, `make bench`'s programs and scripts/bench/install-anchors.sh's tools.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
B=$ROOT/build/bench
smoke=${BENCH_SMOKE:-0}
rounds=5
cases="1 2 3 4 5"
out=
while [[ $# -gt 0 ]]; do
	case $1 in
	--smoke) smoke=1 ;;
	--rounds) rounds=$2; shift ;;
	--cases) cases=$2; shift ;;
	--out) out=$2; shift ;;
	*) echo "usage: scripts/bench/run.sh [--smoke] [--rounds N] [--cases LIST] [--out FILE]" >&2
	   exit 2 ;;
	esac
	shift
done
[[ $smoke == 1 ]] && rounds=1
[[ $(id -u) -eq 0 ]] || { echo "bench: run as root" >&2; exit 1; }
[[ $ROOT != *[[:space:]]* ]] || { echo "bench: the project's path has a space" >&2; exit 1; }
for f in "$ROOT/vigil" "$B/bench_run" "$B/floor" "$B/stacks" "$B/pingpong" "$B/hotcall" \
	"$B/sysloop" "$B/symbolize" "$B/fold"; do
	[[ -x $f ]] || { echo "bench: $f is not built; run: make bench" >&2; exit 1; }
done
for t in perf bpftrace offcputime syscount funclatency valgrind callgrind_annotate; do
	command -v "$t" >/dev/null ||
		{ echo "bench: $t is missing; run scripts/bench/install-anchors.sh" >&2; exit 1; }
done

if [[ $smoke == 1 ]]; then
	dir=$B/smoke
	out=${out:-$dir/BENCHMARKS.md}
else
	dir=$B/run
	out=${out:-$ROOT/BENCHMARKS.md}
fi
rm -rf "$dir"
mkdir -p "$dir/out"
results=$dir/results.txt
commands=$dir/commands.txt
: >"$results"
: >"$commands"
failures=0
start_s=$(date +%s)

# Workload sizes: full, or smoke (tiny).
if [[ $smoke == 1 ]]; then
	STACKS=(2 100 2000) PING=2000 HOT=2000 SYS=20000 SYM=1000 FOLD=20000 FOLD_CG=20000
else
	STACKS=(2 400 2000) PING=50000 HOT=200000 SYS=1000000 SYM=100000 FOLD=10000000
	FOLD_CG=1000000
fi
SYS_K=10 # every 10th syscall a failing close(-1)
NCPU=$(nproc)
BT=(env BPFTRACE_MAP_KEYS_MAX=65536 bpftrace) # bpftrace's 4096 keys would drop stacks
TRACEFS=$ROOT/scripts/bench/with-tracefs.sh

say() { printf 'bench: %s\n' "$*" >&2; }

# The contenders of each case, and how each is run: sets WORK, TOOL, OPTS (bench_run's), ENVS,
# POST (a shell command that turns TOOL's output into folded stacks, or nothing), and FOLDED.
# Paths hold no spaces (the project's folder is checked below).
setup() {
	local c=$1 v=$2 who=$3 o=$dir/out/$1-$2-$3
	WORK=() TOOL=() OPTS=(-S -r run) ENVS=() POST='' FOLDED=''
	case $c in
	1)
		WORK=("$B/stacks" "${STACKS[@]}")
		case $who in
		vigil) TOOL=("$ROOT/vigil" profile -F "$v" -o "$o.folded"); FOLDED=$o.folded ;;
		perf)
			TOOL=(perf record -a -g -F "$v" -o "$o.data")
			OPTS=(-S -r fds)
			POST="perf report -i $o.data --stdio --no-children --sort comm \
-g folded,0,caller,count 2>/dev/null | awk -f $ROOT/scripts/bench/fold-perf.awk > $o.folded"
			FOLDED=$o.folded ;;
		bpftrace)
			TOOL=("${BT[@]}" -e "profile:hz:$v { @[comm, ustack, kstack] = count(); }")
			POST="awk -f $ROOT/scripts/bench/fold-bpftrace.awk $o.out > $o.folded"
			FOLDED=$o.folded ;;
		floor) TOOL=("$B/floor" "perf:$v") ;;
		floor-stacks) TOOL=("$B/floor" "perf-stacks:$v") ;;
		esac ;;
	2)
		WORK=(taskset -c 0 "$B/pingpong" "$PING")
		case $who in
		vigil) TOOL=("$ROOT/vigil" profile --clock off -o "$o.folded") ;;
		vigil-p) TOOL=("$ROOT/vigil" profile --clock off -p '{PID}' -o "$o.folded") ;;
		offcputime) TOOL=(offcputime) ;;
		offcputime-p) TOOL=(offcputime -p '{PID}') ;;
		bpftrace) TOOL=("$TRACEFS" "${BT[@]}" "$ROOT/scripts/bench/offcpu.bt") ;;
		floor) TOOL=("$B/floor" raw_tp:sched_switch) ;;
		esac ;;
	3)
		local w=$B/hotcall
		WORK=(taskset -c 1 "$w" "$HOT")
		OPTS=(-r fds)
		[[ $v == diag ]] && OPTS=(-S -r fds)
		ENVS=(BENCH_PROBED=1)
		case $who in
		none) ENVS=() ;;
		vigil) TOOL=("$ROOT/vigil" trace "$w:hot" -p '{PID}') ;;
		bpftrace)
			TOOL=("${BT[@]}" -p '{PID}' -e "uprobe:$w:hot { @start[tid] = nsecs; } \
uretprobe:$w:hot /@start[tid]/ { @ns = hist(nsecs - @start[tid]); delete(@start[tid]); }") ;;
		funclatency) TOOL=(funclatency -p '{PID}' :hot) ;;
		floor) TOOL=("$B/floor" -p '{PID}' "uprobe:$w:hot") ;;
		floor2) TOOL=("$B/floor" -p '{PID}' "uprobe:$w:hot" "uretprobe:$w:hot") ;;
		floor-timed) TOOL=("$B/floor" -p '{PID}' "timed-uprobe:$w:hot") ;;
		esac ;;
	4)
		WORK=(taskset -c 1 "$B/sysloop" "$SYS" "$SYS_K")
		OPTS=(-r fds)
		[[ $v == diag ]] && OPTS=(-S -r fds)
		case $who in
		vigil) TOOL=("$ROOT/vigil" syscalls -p '{PID}') ;;
		syscount) TOOL=("$TRACEFS" syscount -L -p '{PID}') ;;
		bpftrace) TOOL=("$TRACEFS" "${BT[@]}" "$ROOT/scripts/bench/syscalls.bt" '{PID}') ;;
		floor) TOOL=("$B/floor" raw_tp:sys_enter) ;;
		floor2) TOOL=("$B/floor" raw_tp:sys_enter raw_tp:sys_exit) ;;
		floor-timed) TOOL=("$B/floor" -p '{PID}' timed-syscalls) ;;
		esac ;;
	esac
}

# The command line as run, paths made relative to the project, for the report.
show() {
	local s=
	for a in "$@"; do
		[[ $a == "$ROOT/vigil" ]] && a=./vigil
		a=${a//$ROOT\//}
		if [[ $a =~ [[:space:]\;\{\}\$\*\(\)\'\"] ]]; then
			s+=" '${a//\'/\'\\\'\'}'"
		else
			s+=" $a"
		fi
	done
	printf '%s' "${s# }"
}

# Sum of the counts of a folded file, and its distinct stacks of the workload.
folded_counts() {
	awk -v comm="$2" '{ n += $NF; if (index($0, comm ";") == 1) d++ } END {
		printf "samples=%d distinct=%d", n, d }' "$1"
}

# One run of one contender: its figures appended to results.txt as one line of key=value.
measure() {
	local c=$1 v=$2 who=$3 r=$4 o=$dir/out/$1-$2-$3 line post='' check=ok extra=''
	setup "$c" "$v" "$who"
	if ! grep -q "^$c $v workload " "$commands"; then
		local note=''
		[[ $c == 3 ]] && note=" (BENCH_PROBED=1 beside a contender: it waits for the probe on hot)"
		printf '%s %s workload %s%s\n' "$c" "$v" "$(show "${WORK[@]}")" "$note" >>"$commands"
	fi
	if [[ $who != none ]] && ! grep -q "^$c $v $who " "$commands"; then
		printf '%s %s %s %s\n' "$c" "$v" "$who" "$(show "${TOOL[@]}")" >>"$commands"
		if [[ -n $POST ]]; then
			printf '%s %s %s-fold %s\n' "$c" "$v" "$who" "${POST//$ROOT\//}" >>"$commands"
		fi
	fi
	local args=("${OPTS[@]}" -o "$o.out" -e "$o.err" "${WORK[@]}") t0=$SECONDS
	[[ ${#TOOL[@]} -gt 0 ]] && args+=(::: "${TOOL[@]}")
	# a contender that fails to start is given a second try, counted (retried=1)
	local retried=0
	if ! line=$(env "${ENVS[@]}" "$B/bench_run" "${args[@]}" 2>"$o.run-err"); then
		say "case $c $v $who round $r: $(tail -1 "$o.run-err"); trying again"
		cp "$o.err" "$o.err.first" 2>/dev/null || true
		cp "$o.run-err" "$o.run-err.first"
		retried=1
		if ! line=$(env "${ENVS[@]}" "$B/bench_run" "${args[@]}" 2>"$o.run-err"); then
			say "case $c $v $who round $r: bench_run failed: $(tail -1 "$o.run-err")"
			check="bench_run_failed"
		fi
	fi
	# per-program lines apart, the rest as one line
	grep '^prog ' <<<"$line" | sed "s/^prog /case=$c var=$v who=$who round=$r /" \
		>>"$dir/progs.txt" || true
	line=$(grep -v '^prog ' <<<"$line" | tr '\n' ' ')
	if [[ -n $POST && $check == ok ]]; then
		post=$("$B/bench_run" -x sh -c "$POST" | sed 's/exec_/post_/g')
	fi
	# did the contender produce what it should?
	if [[ $check == ok && $who != none ]]; then
		case $c in
		1) [[ $who == floor* ]] ||
		   if [[ -s $FOLDED ]] && grep -q 'leaf_' "$FOLDED"; then
			extra=$(folded_counts "$FOLDED" stacks)
		   else check=no_folded_stacks; fi ;;
		2) case $who in
		   vigil*) grep -q 'pingpong' "$o.folded" 2>/dev/null || check=no_folded_stacks ;;
		   offcputime*) grep -q 'pingpong' "$o.out" || check=no_stacks ;;
		   bpftrace) grep -q '^@off\[pingpong' "$o.out" || check=no_stacks ;;
		   esac ;;
		3) case $who in
		   vigil) awk -v n="$HOT" '$1 == n && $NF == "hot" { ok = 1 } END { exit !ok }' \
			"$o.out" || check=wrong_calls ;;
		   bpftrace) grep -q '^@ns:' "$o.out" || check=no_histogram ;;
		   funclatency) grep -q 'distribution' "$o.out" || check=no_histogram ;;
		   esac ;;
		4) case $who in
		   vigil) awk -v n="$((SYS - SYS / SYS_K))" -v e="$((SYS / SYS_K))" '
			$1 == "getppid" && $2 == n { g = 1 }
			$1 == "close" && $3 == e && /EBADF/ { c = 1 } END { exit !(g && c) }' \
			"$o.out" || check=wrong_counts ;;
		   syscount) grep -q 'getppid' "$o.out" || check=no_table ;;
		   bpftrace) grep -q '^@errors\[' "$o.out" || check=no_histogram ;;
		   esac ;;
		esac
		[[ $who == floor* ]] && ! grep -q attached "$o.err" && check=not_attached
	fi
	[[ $check != ok ]] && { failures=$((failures + 1)); say "case $c $v $who: $check"; }
	[[ $line == *work_ns=* ]] || { [[ $check == ok ]] && failures=$((failures + 1));
		check=${check/#ok/no_work_figures}; }
	echo "case=$c var=$v who=$who round=$r check=$check retried=$retried run_s=$((SECONDS - t0))" \
		"$line $post $extra" >>"$results"
}

# Every round, each contender once, starting one further along each time.
run_case() {
	local c=$1 v=$2
	shift 2
	local who=("$@") n=$#
	for ((r = 1; r <= rounds; r++)); do
		for ((i = 0; i < n; i++)); do
			measure "$c" "$v" "${who[$(((i + r - 1) % n))]}" "$r"
		done
	done
}

# Case 5: vigil's userspace, alone: time and peak RSS per round, callgrind's counts once.
case5() {
	local r cg=$dir/out/5
	printf '5 sym symbolize-work %s\n' "$(show "$B/symbolize" "$SYM")" >>"$commands"
	printf '5 fold fold-work %s\n' "$(show "$B/fold" "$FOLD")" >>"$commands"
	for ((r = 1; r <= rounds; r++)); do
		echo "case=5 var=sym who=vigil round=$r check=ok $("$B/bench_run" -x "$B/symbolize" \
			"$SYM" | grep -v '^symbolize:' | tr '\n' ' ')" >>"$results"
		echo "case=5 var=fold who=vigil round=$r check=ok $("$B/bench_run" -x "$B/fold" \
			"$FOLD" | grep -v '^fold:' | tr '\n' ' ')" >>"$results"
	done
	valgrind --tool=callgrind --callgrind-out-file="$cg.sym.cg" --toggle-collect=first_pass \
		--toggle-collect=second_pass "$B/symbolize" "$SYM" >/dev/null 2>"$cg.sym.err"
	valgrind --tool=callgrind --callgrind-out-file="$cg.fold.cg" --toggle-collect=add_samples \
		--toggle-collect=write_folded "$B/fold" "$FOLD_CG" >/dev/null 2>"$cg.fold.err"
	printf '5 cg callgrind %s\n' "$(show valgrind --tool=callgrind --toggle-collect=first_pass \
		--toggle-collect=second_pass "$B/symbolize" "$SYM")" >>"$commands"
	printf '5 cg callgrind-fold %s\n' "$(show valgrind --tool=callgrind \
		--toggle-collect=add_samples --toggle-collect=write_folded "$B/fold" "$FOLD_CG")" \
		>>"$commands"
	local ir ir2
	ir2=$(callgrind_annotate --inclusive=yes "$cg.fold.cg" 2>/dev/null | awk '
		function num(s) { gsub(/,/, "", s); return s }
		/:add_samples / { printf "cg_add_ir=%s ", num($1) }
		/:write_folded / { printf "cg_write_ir=%s ", num($1) }')
	ir=$(callgrind_annotate --inclusive=yes "$cg.sym.cg" 2>/dev/null | awk '
		function num(s) { gsub(/,/, "", s); return s }
		/:first_pass / { printf "cg_first_ir=%s ", num($1) }
		/:second_pass / { printf "cg_second_ir=%s ", num($1) }')
	echo "case=5 var=cg who=vigil round=1 check=ok cg_sym_frames=$SYM" \
		"cg_fold_samples=$FOLD_CG $ir $ir2" >>"$results"
	[[ $ir == *cg_second_ir=* && $ir2 == *cg_write_ir=* ]] ||
		{ failures=$((failures + 1)); say "case 5: no callgrind counts"; }
}

load_start=$(cut -d' ' -f1-3 /proc/loadavg)
say "load average $load_start; $rounds round(s); cases $cases; raw results in ${dir#"$ROOT"/}"
for c in $cases; do
	t0=$(date +%s)
	case $c in
	1) for hz in 99 999; do run_case 1 "$hz" none vigil perf bpftrace floor floor-stacks; done ;;
	2) run_case 2 pinned none vigil vigil-p offcputime offcputime-p bpftrace floor ;;
	3) run_case 3 hot none vigil bpftrace funclatency floor floor2 floor-timed
	   rounds_saved=$rounds rounds=1
	   run_case 3 diag vigil bpftrace funclatency floor floor2 floor-timed
	   rounds=$rounds_saved ;;
	4) run_case 4 getppid none vigil syscount bpftrace floor floor2 floor-timed
	   rounds_saved=$rounds rounds=1
	   run_case 4 diag vigil syscount bpftrace floor floor2 floor-timed
	   rounds=$rounds_saved ;;
	5) case5 ;;
	*) say "no case $c"; exit 2 ;;
	esac
	say "case $c: $(($(date +%s) - t0)) s"
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

# What the report says of the machine and the tools.
{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
	echo "ncpu=$NCPU"
	echo "mem=$(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
	echo "hypervisor=$(lscpu | sed -n 's/^Hypervisor vendor: *//p')"
	echo "kernel=$(uname -r)"
	echo "os=$(sed -n 's/^PRETTY_NAME=//p' /etc/os-release | tr -d '"')"
	echo "vigil=$(git describe --always --dirty --tags 2>/dev/null || echo unknown)"
	echo "vigil_src=$(git log -1 --format=%h -- user bpf include 2>/dev/null)"
	echo "perf=$(perf --version)"
	echo "bpftrace=$(bpftrace --version)"
	echo "libbpf_tools=$(dpkg-query -W -f='${Version}' libbpf-tools)"
	echo "valgrind=$(valgrind --version)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "load_start=$load_start"
	echo "load_end=$load_end"
	echo "rounds=$rounds"
	echo "smoke=$smoke"
	echo "seconds=$(($(date +%s) - start_s))"
	echo "sizes=stacks ${STACKS[*]}; pingpong $PING; hotcall $HOT; sysloop $SYS $SYS_K;" \
		"symbolize $SYM; fold $FOLD (callgrind: $FOLD_CG)"
} >"$dir/machine.txt"

/usr/bin/python3 "$ROOT/scripts/bench/report.py" "$dir" "$out" || failures=$((failures + 1))
say "$(($(date +%s) - start_s)) s in all; report: ${out#"$ROOT"/}"
if [[ $failures -gt 0 ]]; then
	say "$failures contender run(s) gave no output or no figures (see $dir/out)"
	exit 1
fi
