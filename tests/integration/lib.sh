# SPDX-License-Identifier: GPL-2.0
# Helpers for tests/integration/run.sh: workloads, vigil runs, folded-stack
# arithmetic and assertions. Sourced, never run; every test runs in its own
# subshell, so fail() ends only the current test.
# shellcheck shell=bash
# Helpers leave their results in globals the tests read (WL_PID, VIGIL_RC,
# TOTAL, ...), which shellcheck cannot see from this file alone.
# shellcheck disable=SC2034

VIGIL=${VIGIL:-./vigil}
WORKLOADS=${WORKLOADS:-build/workloads}
STATSD_DIR=${STATSD_DIR:-tests/statsd}
JS_DIR=${JS_DIR:-tests/js}		# flame-browser.js and its playwright-core
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}	# Debian's, the browser flame-browser.js drives
# What tests keep for people to look at after the run (screenshots, the
# SVGs they were taken of), one folder per test area; emptied by the test
# that writes there, kept when the temporary folder goes.
ARTIFACTS=${VIGIL_ARTIFACTS:-build/artifacts}

WL_PID=		# start_workload: the workload's PID
WAIT_STATUS=	# wait_pid: the exit status
VIGIL_RC=	# run_vigil, wait_vigil, run_as_nobody: vigil's exit status
VIGIL_PID=	# start_vigil: the PID of vigil running in the background
TOTAL=		# check_folded: the profile's sample total
STATSD_PID=	# statsd_start: statsd's PID (node's own)
STATSD_PORT=	# statsd_start: the UDP port statsd takes metrics on, on 127.0.0.1
STATSD_MGMT_PORT= # statsd_start: its management TCP port, STATSD_PORT + 1
STATSD_OUT=	# statsd_start: its flushes, one JSON line each (file-backend.js)
STATSD_LOG=	# statsd_start: its stdout and stderr
STATSD_SYNCS=0	# statsd_sync: the probes sent so far
BROWSER_OUT=	# flame_browser: flame-browser.js's report, one line a check
BROWSER_LOAD_MS= # flame_browser: the SVG's load time in Chromium, navigation to load event

# PIDs the current test started and has not reaped yet. A PID stays ours
# until we wait for it, so killing these never hits a reused PID.
STARTED_PIDS=()

# ---------------------------------------------------------------- failing

# fail REASON...: end the current test with REASON.
fail()
{
	printf '%s\n' "$*" >"$T/reason"
	exit 1
}

# Called from the ERR trap: a command the test did not expect to fail did.
on_test_error()
{
	[[ -s $T/reason ]] ||
		printf 'line %s: command failed: %s\n' "$1" "$2" >"$T/reason"
}

# note TEXT...: a line run.sh prints under the test's result, for figures a
# test measures but does not assert on (sizes, times).
note()
{
	printf '%s\n' "$*" >>"$T/notes"
}

# ---------------------------------------------------------------- processes

# track PID: remember a background PID so that stop_started ends it.
track()
{
	STARTED_PIDS+=("$1")
	printf '%s\n' "$1" >>"$PID_FILE"
}

# untrack PID: forget a PID once it has been reaped.
untrack()
{
	local p kept=()

	for p in "${STARTED_PIDS[@]}"; do
		[[ $p == "$1" ]] || kept+=("$p")
	done
	STARTED_PIDS=("${kept[@]}")
}

# start_workload NAME ARGS...: run build/workloads/NAME in the background,
# wait until it has exec'd, and leave its PID in WL_PID.
start_workload()
{
	local name=$1 exe i

	shift
	exe=$(readlink -f "$WORKLOADS/$name")
	[[ -x $exe ]] || fail "workload $name not built (run: make integration)"
	"$exe" "$@" >"$T/$name.stdout" 2>"$T/$name.stderr" &
	WL_PID=$!
	track "$WL_PID"
	for ((i = 0; i < 200; i++)); do
		[[ $(readlink "/proc/$WL_PID/exe" 2>/dev/null) == "$exe" ]] && return 0
		sleep 0.01
	done
	fail "workload $name (pid $WL_PID) did not start"
}

# is_running PID: the process exists and is not a zombie.
is_running()
{
	local stat

	read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
	stat=${stat##*) }	# the state follows the parenthesised comm
	[[ -n $stat && ${stat:0:1} != Z ]]
}

# wait_pid PID TIMEOUT [WHAT]: wait up to TIMEOUT seconds for our child PID
# to exit and leave its exit status in WAIT_STATUS; kill it and fail on
# timeout. Polling (rather than timeout(1), which moves its child to a
# process group of its own) keeps Ctrl-C able to stop the suite.
wait_pid()
{
	local pid=$1 deadline=$((SECONDS + $2))

	while is_running "$pid"; do
		if ((SECONDS >= deadline)); then
			kill -KILL "$pid" 2>/dev/null || true
			wait "$pid" 2>/dev/null || true
			untrack "$pid"
			fail "${3:-pid $pid} still running after $2 s, killed"
		fi
		sleep 0.05
	done
	WAIT_STATUS=0
	wait "$pid" || WAIT_STATUS=$?
	untrack "$pid"
}

# cpu_seconds PID: the user + system CPU time PID has used so far.
cpu_seconds()
{
	local stat f

	read -r stat <"/proc/$1/stat"
	read -r -a f <<<"${stat##*) }"	# fields from the state on: utime is 12th
	awk -v u="${f[11]}" -v s="${f[12]}" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%.3f\n", (u + s) / hz }'
}

# reported_cpu FILE: the S of a workload's "NAME: S cpu seconds ..." line.
reported_cpu()
{
	sed -n -E 's/^[a-z_]+: ([0-9.]+) cpu seconds.*/\1/p' "$1" | tail -n 1
}

# expect_samples COUNT CPU_S HZ WHAT: COUNT samples are CPU_S seconds on the
# CPU at HZ, within 20%. Comparing with the CPU time the workload really got
# keeps the check exact on a machine other jobs keep busy.
expect_samples()
{
	local want

	want=$(awk -v s="$2" -v hz="$3" 'BEGIN { printf "%.0f\n", s * hz }')
	in_range "$1" "$(awk -v w="$want" 'BEGIN { print w * 0.8 }')" \
		"$(awk -v w="$want" 'BEGIN { print w * 1.2 }')" ||
		fail "$4: $1 samples, expected $2 cpu s * $3 Hz = $want (+-20%)"
}

# stop_started: end and reap every process this test started (EXIT trap).
stop_started()
{
	local pid

	for pid in "${STARTED_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${STARTED_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	STARTED_PIDS=()
}

# ---------------------------------------------------------------- vigil

# run_vigil OUT ERR ARGS...: run vigil ARGS to its end with stdout to OUT
# and stderr to ERR; its exit status goes to VIGIL_RC. A run that hangs is
# killed after a minute and reported.
run_vigil()
{
	start_vigil "$@"
	shift 2
	wait_vigil "$VIGIL_PID" 60 "vigil $*"
}

# start_vigil OUT ERR ARGS...: run_vigil in the background; its PID is left
# in VIGIL_PID, for wait_vigil.
start_vigil()
{
	local out=$1 err=$2

	shift 2
	"$VIGIL" "$@" >"$out" 2>"$err" &
	VIGIL_PID=$!
	track "$VIGIL_PID"
}

# wait_vigil PID TIMEOUT [WHAT]: wait_pid for a vigil run in the background.
wait_vigil()
{
	wait_pid "$@"
	VIGIL_RC=$WAIT_STATUS
}

# run_as_nobody OUT ERR BIN ARGS...: run_vigil, but BIN as user nobody, in /.
run_as_nobody()
{
	local out=$1 err=$2 pid

	shift 2
	env --chdir=/ setpriv --reuid=65534 --regid=65534 --clear-groups "$@" \
		>"$out" 2>"$err" &
	pid=$!
	track "$pid"
	wait_vigil "$pid" 60 "$* as nobody"
}

# expect_rc WANT WHAT: VIGIL_RC must be WANT.
expect_rc()
{
	((VIGIL_RC == $1)) ||
		fail "$2: exit status $VIGIL_RC, expected $1 (stderr: $(first_line "$T/err"))"
}

# first_line FILE: the first line of FILE, for failure messages.
first_line()
{
	head -n 1 "$1" 2>/dev/null || true
}

# samples_taken ERR: the N of the "vigil: profile: N samples taken" line.
samples_taken()
{
	sed -n -E 's/^vigil: profile: ([0-9]+) samples taken.*/\1/p' "$1" | tail -n 1
}

# ---------------------------------------------------------------- folded stacks
#
# A folded line is "comm;frame;...;frame COUNT". Frames are compared as whole
# strings (never as regexes), and the comm is not a frame.

# folded_total FILE: the sum of all counts.
folded_total()
{
	awk '{ n += $NF } END { print n + 0 }' "$1"
}

# frame_samples FILE FRAME [COMM]: samples whose stack holds FRAME, optionally
# only in threads named COMM.
frame_samples()
{
	awk -v frame="$2" -v comm="${3-}" '
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		n = split(stack, f, ";")
		if (comm != "" && f[1] != comm)
			next
		for (i = 2; i <= n; i++)
			if (f[i] == frame) {
				total += $NF
				break
			}
	}
	END { print total + 0 }' "$1"
}

# comm_samples FILE COMM: samples taken in threads named COMM.
comm_samples()
{
	awk -v comm="$2" '
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		split(stack, f, ";")
		if (f[1] == comm)
			total += $NF
	}
	END { print total + 0 }' "$1"
}

# path_samples FILE COMM PATH: samples of threads named COMM whose stack holds
# PATH ("a;b;c") as consecutive frames, outermost first.
path_samples()
{
	awk -v comm="$2" -v path="$3" '
	{
		stack = $0
		sub(/ [0-9]+$/, "", stack)
		i = index(stack, ";")
		if (i == 0 || substr(stack, 1, i - 1) != comm)
			next
		if (index(";" substr(stack, i + 1) ";", ";" path ";"))
			total += $NF
	}
	END { print total + 0 }' "$1"
}

# ratio A B: A / B with three decimals (0 when B is 0).
ratio()
{
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", b ? a / b : 0 }'
}

# in_range X LO HI: LO <= X <= HI, for decimals.
in_range()
{
	awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'
}

# check_folded FILE ERR: FILE is a complete folded profile: every line ends in
# " COUNT", no stack appears twice, kernel frames (suffix "_[k]") come after
# every user frame, and the counts add up to the "samples taken" on ERR.
# Leaves the total in TOTAL.
check_folded()
{
	local file=$1 err=$2 bad taken

	[[ -f $file ]] || fail "no profile written to $file"
	bad=$(grep -v -n -E ' [0-9]+$' "$file" | head -n 1 || true)
	[[ -z $bad ]] || fail "line not in folded format: $bad"
	bad=$(awk '{ s = $0; sub(/ [0-9]+$/, "", s); if (seen[s]++) { print NR ": " s; exit } }' "$file")
	[[ -z $bad ]] || fail "stack listed twice: $bad"
	bad=$(awk '
	{
		s = $0
		sub(/ [0-9]+$/, "", s)
		n = split(s, f, ";")
		k = 0
		for (i = 2; i <= n; i++) {
			if (f[i] ~ /_\[k\]$/)
				k = 1
			else if (k && f[i] !~ /^\[/) {
				print NR ": " f[i] " after a kernel frame"
				exit
			}
		}
	}' "$file")
	[[ -z $bad ]] || fail "frame order: $bad"
	taken=$(samples_taken "$err")
	[[ -n $taken ]] || fail "no 'vigil: profile: N samples taken' line on stderr"
	TOTAL=$(folded_total "$file")
	((TOTAL == taken)) || fail "folded counts sum to $TOTAL, stderr says $taken samples taken"
}

# only_file DIR NAME: DIR holds NAME and nothing else (no temp file left).
only_file()
{
	local left

	[[ -f $1/$2 ]] || fail "$1/$2 was not written"
	left=$(find "$1" -mindepth 1 ! -name "$2" -printf '%f ')
	[[ -z $left ]] || fail "left behind next to $2: $left"
}

# empty_dir DIR: nothing was created in DIR.
empty_dir()
{
	local left

	left=$(find "$1" -mindepth 1 -printf '%f ')
	[[ -z $left ]] || fail "created in $1 although vigil failed: $left"
}

# one_error_line ERR: ERR is exactly one line, starting "vigil:".
one_error_line()
{
	local lines

	lines=$(grep -c '' "$1" || true)
	((lines == 1)) || fail "stderr has $lines lines, expected 1: $(tr '\n' '|' <"$1")"
	grep -q '^vigil:' "$1" || fail "stderr does not start with 'vigil:': $(first_line "$1")"
}

# wait_for_file FILE TIMEOUT: wait up to TIMEOUT seconds for FILE to exist.
wait_for_file()
{
	local deadline=$((SECONDS + $2))

	until [[ -e $1 ]]; do
		((SECONDS < deadline)) || fail "$1 did not appear within $2 s"
		sleep 0.05
	done
}

# ---------------------------------------------------------------- statsd
#
# The real statsd (tests/statsd, from npm), on 127.0.0.1 only. It deletes
# idle stats at each flush, so each flush holds what arrived since the one
# before and the readers add them up. statsd_sync's probes are the gauge
# statsd_harness.sync, and count in statsd's own statsd.packets_received
# and statsd.metrics_received.

# statsd_start [FLUSH_MS]: start statsd on a free UDP port of 127.0.0.1 (its
# management port on the next one), flushing every FLUSH_MS ms (default
# 200), and wait until it listens on both and a probe came out of a flush.
# A port taken between the check and statsd's bind makes it try another.
statsd_start()
{
	local flush_ms=${1:-200} node port try i

	[[ -f $STATSD_DIR/node_modules/statsd/stats.js ]] ||
		fail "statsd is not installed in $STATSD_DIR (run: scripts/install-deps.sh)"
	node=$(command -v node) || fail "node is not installed (run: scripts/install-deps.sh)"
	node=$(readlink -f "$node")
	for ((try = 0; try < 5; try++)); do
		# below the usual ephemeral ports, both unused by any socket
		for ((i = 0; i < 100; i++)); do
			port=$((20000 + RANDOM % 12000))
			[[ -z $(ss -Htuan "( sport = :$port or sport = :$((port + 1)) )") ]] && break
		done
		((i < 100)) || fail "no free pair of loopback ports for statsd"
		STATSD_PORT=$port
		STATSD_MGMT_PORT=$((port + 1))
		STATSD_OUT=$T/statsd-$port.jsonl
		STATSD_LOG=$T/statsd-$port.log
		"$STATSD_DIR/run-statsd.sh" "$STATSD_PORT" "$STATSD_OUT" "$flush_ms" \
			"$STATSD_MGMT_PORT" >"$STATSD_LOG" 2>&1 &
		STATSD_PID=$!
		track "$STATSD_PID"
		for ((i = 0; i < 200; i++)); do
			if [[ $(readlink "/proc/$STATSD_PID/exe" 2>/dev/null) == "$node" ]] &&
				statsd_listening; then
				statsd_sync 10
				return 0
			fi
			is_running "$STATSD_PID" || break
			sleep 0.05
		done
		is_running "$STATSD_PID" &&
			fail "statsd (pid $STATSD_PID) not listening on 127.0.0.1:$port and :$((port + 1)) after 10 s"
		wait_pid "$STATSD_PID" 5 statsd
		grep -q EADDRINUSE "$STATSD_LOG" ||
			fail "statsd exited with status $WAIT_STATUS: $(tail -n 3 "$STATSD_LOG" | tr '\n' '|')"
	done
	fail "statsd found its ports taken $try times"
}

# statsd_listening: statsd holds UDP 127.0.0.1:STATSD_PORT and listens on
# TCP 127.0.0.1:STATSD_MGMT_PORT.
statsd_listening()
{
	[[ $(ss -Hnulp "sport = :$STATSD_PORT") == *" 127.0.0.1:$STATSD_PORT "*"pid=$STATSD_PID,"* &&
		$(ss -Hntlp "sport = :$STATSD_MGMT_PORT") == *" 127.0.0.1:$STATSD_MGMT_PORT "*"pid=$STATSD_PID,"* ]]
}

# statsd_sync [TIMEOUT]: wait up to TIMEOUT seconds (default 10) until all
# that was sent to statsd before the call is in STATSD_OUT: a probe sent
# now came out of a flush (loopback keeps the datagrams in order), and one
# flush more was written, for a datagram a busy CPU delivered late.
statsd_sync()
{
	local timeout=${1:-10} deadline n i at

	deadline=$((SECONDS + timeout))
	STATSD_SYNCS=$((STATSD_SYNCS + 1))
	n=$STATSD_SYNCS
	for ((i = 0; ; i++)); do
		# the probe again every second, should a datagram be dropped
		if ((i % 20 == 0)); then
			printf 'statsd_harness.sync:%d|g' "$n" >"/dev/udp/127.0.0.1/$STATSD_PORT" || true
		fi
		at=$(statsd_lines | jq -n --argjson n "$n" \
			'[inputs | .gauges["statsd_harness.sync"] == $n] | index(true) // empty')
		[[ -n $at ]] && break
		is_running "$STATSD_PID" ||
			fail "statsd exited: $(tail -n 3 "$STATSD_LOG" | tr '\n' '|')"
		((SECONDS < deadline)) || fail "statsd flushed no probe within $timeout s"
		sleep 0.05
	done
	until (($(wc -l <"$STATSD_OUT") > at + 1)); do
		is_running "$STATSD_PID" ||
			fail "statsd exited: $(tail -n 3 "$STATSD_LOG" | tr '\n' '|')"
		((SECONDS < deadline)) || fail "statsd flushed nothing after its probe within $timeout s"
		sleep 0.05
	done
}

# statsd_stop: end statsd by its PID and reap it. It flushes once more as it
# exits, and must exit with status 0.
statsd_stop()
{
	kill -TERM "$STATSD_PID" 2>/dev/null || true
	wait_pid "$STATSD_PID" 10 statsd
	((WAIT_STATUS == 0)) ||
		fail "statsd exited with status $WAIT_STATUS: $(tail -n 3 "$STATSD_LOG" | tr '\n' '|')"
}

# statsd_lines: the whole lines of STATSD_OUT (its last may be half written).
statsd_lines()
{
	head -n "$(wc -l <"$STATSD_OUT")" "$STATSD_OUT"
}

# statsd_sum NAME: the counter NAME summed over all flushes (0 if never seen).
statsd_sum()
{
	statsd_lines | jq -n --arg n "$1" '[inputs | .counters[$n] // empty] | add // 0'
}

# statsd_gauge_last NAME: the gauge NAME in the last flush that held it
# (nothing if none did).
statsd_gauge_last()
{
	statsd_lines | jq -n --arg n "$1" '[inputs | .gauges[$n] // empty] | last // empty'
}

# statsd_timer_count NAME: the values of the timer NAME counted as statsd
# does, each 1/RATE for a sample rate |@RATE, over all flushes (0 if none).
statsd_timer_count()
{
	statsd_lines | jq -n --arg n "$1" '[inputs | .timer_data[$n].count // empty] | add // 0'
}

# statsd_timer_values NAME: the raw values of the timer NAME, one a line,
# flush by flush (statsd sorts those of one flush).
statsd_timer_values()
{
	statsd_lines | jq -n --arg n "$1" 'inputs | .timers[$n] // empty | .[]'
}

# statsd_names: every counter, gauge, timer and set name seen, sorted, one a
# line, for failure messages.
statsd_names()
{
	statsd_lines | jq -n -r '[inputs | (.counters, .gauges, .timers, .sets) | keys[]] | unique[]'
}

# ---------------------------------------------------------------- browser
#
# SVG flame graphs in real headless Chromium (Debian's), driven through the
# DevTools protocol by tests/js/flame-browser.js with npm's playwright-core.
# A missing browser fails the test: it is installed by scripts/install-deps.sh.

# flame_browser SVG NAME [CHECKS]: open SVG in Chromium and run
# flame-browser.js's checks (CHECKS: its JSON object: zoom, child, search,
# matched, hover, frames). Its screenshots (before.png, zoomed.png,
# searched.png), its report and the SVG are copied to $ARTIFACTS/flame/NAME/,
# failed or not, and the report goes to the test's log. Leaves the report's
# path in BROWSER_OUT and the load time in BROWSER_LOAD_MS.
flame_browser()
{
	local svg=$1 name=$2 checks=${3-} shots=$T/shots-$2 keep=$ARTIFACTS/flame/$2 pid why

	[[ -x $CHROMIUM ]] ||
		fail "$CHROMIUM is not installed (Debian's chromium; run: scripts/install-deps.sh)"
	[[ -f $JS_DIR/node_modules/playwright-core/package.json ]] ||
		fail "playwright-core is not installed in $JS_DIR (run: scripts/install-deps.sh)"
	command -v node >/dev/null || fail "node is not installed (run: scripts/install-deps.sh)"
	BROWSER_OUT=$T/browser-$name.out
	CHROMIUM=$CHROMIUM node "$(realpath "$JS_DIR")/flame-browser.js" "$svg" "$shots" \
		${checks:+"$checks"} >"$BROWSER_OUT" 2>&1 &
	pid=$!
	track "$pid"
	wait_pid "$pid" 180 "flame-browser.js $svg"
	rm -rf "$keep"
	mkdir -p "$keep"
	cp "$svg" "$BROWSER_OUT" "$keep/"
	cp "$shots"/*.png "$keep/" 2>/dev/null || true # none if it failed early
	echo "flame-browser.js $svg $checks:"
	cat "$BROWSER_OUT"
	BROWSER_LOAD_MS=$(sed -n -E 's/^ok load: .* loaded in ([0-9]+) ms.*/\1/p' "$BROWSER_OUT")
	if ((WAIT_STATUS != 0)); then
		why=$(grep -E '^FAIL' "$BROWSER_OUT" | head -n 3 | tr '\n' '|')
		[[ -n $why ]] || why=$(tail -n 3 "$BROWSER_OUT" | tr '\n' '|')
		fail "in Chromium, $(basename "$svg") (exit status $WAIT_STATUS; see $keep): $why"
	fi
}
