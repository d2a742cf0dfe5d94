# SPDX-License-Identifier: GPL-2.0
# Integration tests of vigil agent: windows that add up, statsd counts
# against a real statsd, alerts that fire and clear at known times, a
# reload, bad configurations, and a short soak with process churn.
# Sourced by run.sh.
# shellcheck shell=bash disable=SC2154

# agent_stop [SIGNAL]: stop the agent started with start_vigil (SIGTERM
# unless told) and wait for it: it must exit 0.
agent_stop()
{
	local sig=${1:-TERM}

	kill -"$sig" "$VIGIL_PID"
	wait_vigil "$VIGIL_PID" 30 "vigil agent"
	expect_rc 0 "vigil agent, stopped by SIG$sig"
}

# agent_wait_line PATTERN TIMEOUT: wait until the agent's stderr has a line matching PATTERN.
agent_wait_line()
{
	local deadline=$((SECONDS + $2))

	until grep -Eq "$1" "$T/err"; do
		((SECONDS < deadline)) || fail "no line like '$1' on the agent's stderr within $2 s: $(tail -n 3 "$T/err" | tr '\n' '|')"
		is_running "$VIGIL_PID" || fail "the agent exited: $(tail -n 3 "$T/err" | tr '\n' '|')"
		sleep 0.1
	done
}

# start_named NAME WORKLOAD ARGS...: start WORKLOAD through a link called
# NAME in $T/wl, so that the process is called NAME and a name pattern of
# the test's own picks it alone; its PID goes to WL_PID.
start_named()
{
	local name=$1 wl=$2

	shift 2
	mkdir -p "$T/wl"
	[[ -e $T/wl/$name ]] || ln -s "$(readlink -f "$WORKLOADS/$wl")" "$T/wl/$name"
	"$T/wl/$name" "$@" >"$T/$name.stdout" 2>"$T/$name.stderr" &
	WL_PID=$!
	track "$WL_PID"
}

# vigil_progs: how many BPF programs with the names of vigil's are loaded,
# leaving out those another vigil holds (an agent its owner left running
# is not this test's to count; this bpftool does not list holders, so
# their fdinfo says which programs they hold).
vigil_progs()
{
	local p others

	others=$(for p in $(pgrep -x vigil); do
		[[ $p == "${VIGIL_PID:-}" ]] && continue
		grep -h '^prog_id:' /proc/"$p"/fdinfo/* 2>/dev/null | awk '{ print $2 }'
	done | sort -u | jq -s -c .)
	bpftool prog show -j | jq --argjson others "${others:-[]}" '[.[]
		| select(.name // "" | test("^(profile_sample|procs_fork|procs_exec|procs_exit|sysc_|offcpu_|agent_)"))
		| select(.id as $id | $others | index($id) | not)] | length'
}

# no_vigil_progs WHAT: none of vigil's BPF programs is loaded; the kernel
# frees a dead process's programs after a grace period, so allow 3 s.
no_vigil_progs()
{
	local i

	for ((i = 0; i < 30; i++)); do
		(($(vigil_progs) == 0)) && return 0
		sleep 0.1
	done
	fail "vigil's BPF programs are loaded $1: $(bpftool prog show | grep -E 'name (profile_|procs_|sysc_|offcpu_)' | tr '\n' '|')"
}

# Windows of one second while a process spins: every window is there,
# each begins where the last ended, and together they hold every sample
# the kernel took, none lost at an edge; afterwards nothing of vigil's
# stays loaded.
test_agent_windows_add_up()
{
	local d=$T/out/w n total=0 taken prev="" f s e got

	need_jq
	no_vigil_progs "before the test"
	start_workload spin 8
	start_vigil "$T/stdout" "$T/err" agent -o "$d" --window 1 --interval 1 -F 97 \
		--statsd off --no-syslog -p "$WL_PID"
	agent_wait_line 'window [0-9T]+Z: ' 10
	sleep 4
	agent_stop
	no_vigil_progs "after the agent exited"
	n=$(find "$d" -name '*.folded' | wc -l)
	((n >= 4 && n <= 7)) || fail "$n windows in about 5 s of 1 s windows: $(find "$d" -printf '%f ')"
	for f in "$d"/*.json; do
		s=$(jq -r .start "$f")
		e=$(jq -r .end "$f")
		[[ -z $prev || $s == "$prev" ]] || fail "window $(basename "$f") begins at $s, the one before ended at $prev"
		prev=$e
		got=$(folded_total "${f%.json}.folded")
		((got == $(jq .total "$f"))) || fail "$(basename "$f"): folded total $got, its description says $(jq .total "$f")"
		((total += got))
	done
	taken=$(sed -n -E 's/.*stopped: .*, ([0-9]+) samples taken.*/\1/p' "$T/err")
	[[ -n $taken ]] || fail "no 'samples taken' on the agent's stop line: $(tail -n 2 "$T/err" | tr '\n' '|')"
	((total == taken)) || fail "the windows hold $total samples, the kernel took $taken"
	got=$(cat "$d"/*.folded | comm_samples /dev/stdin spin)
	in_range "$got" $((97 * 4)) $((97 * 7)) || fail "spin: $got samples at 97 Hz in about 5 s of one CPU"
	[[ -z $(find "$d" -name '*.tmp*' -o -name '.vigil*') ]] || fail "temporary files left in $d: $(find "$d" -printf '%f ')"
}

# Syscall instruments against a real statsd: the counters it received
# are the workload's exact calls and errors, the timer's count is the
# calls, and the agent's own cost arrives as gauges.
test_agent_statsd_counts_are_exact()
{
	local n=3000 got base=vigil.agent_work.syscall

	need_jq
	statsd_start 200
	start_workload agent_work "$n" 1500
	start_vigil "$T/stdout" "$T/err" agent -o "$T/out/w" --no-profile --interval 1 \
		--no-syslog -p "$WL_PID" --syscalls io=getppid,openat \
		--statsd "127.0.0.1:$STATSD_PORT"
	wait_pid "$WL_PID" 20 agent_work
	sleep 1.5
	agent_stop
	statsd_sync 10
	got=$(statsd_sum "$base.getppid.calls")
	((got == n)) || fail "getppid.calls: statsd got $got, the workload made $n: $(statsd_names | tr '\n' ' ')"
	got=$(statsd_sum "$base.openat.calls")
	((got == n)) || fail "openat.calls: statsd got $got, expected $n"
	got=$(statsd_sum "$base.openat.errors")
	((got == n)) || fail "openat.errors: statsd got $got, expected $n (ENOENT each)"
	got=$(statsd_sum "$base.getppid.errors")
	((got == 0)) || fail "getppid.errors: statsd got $got, expected 0"
	got=$(statsd_timer_count "$base.getppid.latency")
	in_range "$got" $((n - 1)) $((n + 1)) || fail "getppid.latency: statsd counted $got timings, expected $n"
	got=$(statsd_gauge_last "$base.getppid.latency.p99")
	in_range "$got" 0 1 || fail "getppid p99 $got ms, expected well under a millisecond"
	got=$(statsd_gauge_last vigil.agent.rss_mb)
	in_range "$got" 1 200 || fail "agent.rss_mb: '$got'"
	[[ -n $(statsd_gauge_last vigil.agent.cpu_pct) ]] || fail "no agent.cpu_pct gauge: $(statsd_names | tr '\n' ' ')"
	[[ -n $(statsd_gauge_last vigil.agent.bpf_pct) ]] || fail "no agent.bpf_pct gauge"
	! statsd_names | grep -q '^vigil\.vigil\.' || fail "the agent counted its own syscalls"
	statsd_stop
}

# A name pattern finds a process started after the agent at its exec, so
# its calls are counted exactly from the first, with no delay to wait out;
# and again when it restarts as a new process.
test_agent_name_finds_new_processes()
{
	local n=2000 got name=aw$$ i

	need_jq
	statsd_start 200
	start_vigil "$T/stdout" "$T/err" agent -o "$T/out/w" --no-profile --interval 1 \
		--no-syslog --name "aw$$*" --syscalls io=getppid \
		--statsd "127.0.0.1:$STATSD_PORT"
	agent_wait_line 'started: ' 10
	for i in 1 2; do
		start_named "$name" agent_work "$n" 0
		wait_pid "$WL_PID" 20 "$name"
	done
	sleep 1.5
	agent_stop
	statsd_sync 10
	got=$(statsd_sum "vigil.$name.syscall.getppid.calls")
	((got == 2 * n)) || fail "getppid.calls of a process found by name, run twice: $got, expected $((2 * n))"
	statsd_stop
}

# Function instruments: a process found by name at its exec has its calls
# of f and g counted exactly in statsd, and timed.
test_agent_function_probes_are_exact()
{
	local got name=tc$$

	need_jq
	statsd_start 200
	start_vigil "$T/stdout" "$T/err" agent -o "$T/out/w" --no-profile --interval 1 \
		--no-syslog --name "$name" --probe "calls=$WORKLOADS/trace_calls:f,$WORKLOADS/trace_calls:g" \
		--statsd "127.0.0.1:$STATSD_PORT"
	agent_wait_line 'started: .*1 probe sets' 10
	start_named "$name" trace_calls calls 100 7
	wait_pid "$WL_PID" 20 "$name"
	sleep 1.5
	agent_stop
	statsd_sync 10
	got=$(statsd_sum "vigil.$name.fn.f.calls")
	((got == 100)) || fail "f.calls: $got, expected 100: $(statsd_names | tr '\n' ' ')"
	got=$(statsd_sum "vigil.$name.fn.g.calls")
	((got == 700)) || fail "g.calls: $got, expected 700"
	got=$(statsd_timer_count "vigil.$name.fn.g.latency")
	in_range "$got" 699 701 || fail "g.latency: statsd counted $got timings, expected 700"
	no_vigil_progs "after the agent exited"
	statsd_stop
}

# Sleeps that turn slow for 4 s make a p99 rule fire after its 2 s and
# clear when they are fast again: said on stderr, counted in statsd, and
# the command run with the details in its environment.
test_agent_alert_fires_and_clears()
{
	local env=$T/alert.env fired cleared slow_at fire_at got i

	need_jq
	statsd_start 200
	start_workload agent_work 0 1500 1000 40 3000
	start_vigil "$T/stdout" "$T/err" agent -o "$T/out/w" --no-profile --interval 1 \
		--no-syslog -p "$WL_PID" --syscalls naps=nanosleep \
		--statsd "127.0.0.1:$STATSD_PORT" \
		--rule 'slow: p99(agent_work.syscall.nanosleep) > 50ms for 2s' \
		--set "rule.slow.command=env | grep ^VIGIL_ALERT | sort >> $env; echo --- >> $env"
	wait_pid "$WL_PID" 30 agent_work
	sleep 1.5
	agent_stop
	statsd_sync 10
	fired=$(grep -c 'alert slow firing: agent_work.syscall.nanosleep' "$T/err" || true)
	cleared=$(grep -c 'alert slow cleared: agent_work.syscall.nanosleep' "$T/err" || true)
	((fired == 1 && cleared == 1)) || fail "fired $fired and cleared $cleared times, expected once each: $(grep alert "$T/err" | tr '\n' '|')"
	grep -A1000 'firing' "$T/err" | grep -q 'cleared' || fail "cleared before it fired"
	# p99 is the middle of its histogram bucket: 100 ms sleeps read 92.3 ms
	got=$(sed -n -E 's/.*firing: .* is ([0-9.]+) ms .*/\1/p' "$T/err")
	in_range "${got:-0}" 80 125 || fail "the firing value is not about 100 ms: $(grep firing "$T/err")"
	((fired = $(statsd_sum vigil.alerts.slow.fired), fired == 1)) || fail "statsd alerts.slow.fired: $fired"
	((cleared = $(statsd_sum vigil.alerts.slow.cleared), cleared == 1)) || fail "statsd alerts.slow.cleared: $cleared"
	for ((i = 0; i < 50; i++)); do
		(($(grep -c -- --- "$env" 2>/dev/null || true) >= 2)) && break
		sleep 0.1
	done
	grep -q '^VIGIL_ALERT=slow$' "$env" || fail "the command's environment: $(tr '\n' '|' <"$env")"
	[[ $(grep '^VIGIL_ALERT_STATE=' "$env" | tr '\n' ' ') == "VIGIL_ALERT_STATE=firing VIGIL_ALERT_STATE=cleared " ]] ||
		fail "states in the command's environment: $(grep STATE "$env" | tr '\n' ' ')"
	grep -q '^VIGIL_ALERT_SERIES=agent_work.syscall.nanosleep$' "$env" || fail "no series: $(tr '\n' '|' <"$env")"
	grep -q '^VIGIL_ALERT_THRESHOLD=50 ms$' "$env" || fail "threshold: $(grep THRESHOLD "$env")"
	got=$(sed -n -E '0,/^VIGIL_ALERT_VALUE=/s/^VIGIL_ALERT_VALUE=([0-9.]+) ms$/\1/p' "$env")
	in_range "${got:-0}" 80 125 || fail "value: $(grep VALUE "$env")"
	slow_at=$(grep -m1 '^VIGIL_ALERT_SINCE=' "$env" | cut -d= -f2)
	fire_at=$(grep -m1 '^VIGIL_ALERT_TIME=' "$env" | cut -d= -f2)
	in_range "$(awk -v a="$fire_at" -v b="$slow_at" 'BEGIN { print a - b }')" 2 3.5 ||
		fail "fired $fire_at, $slow_at after the condition began: expected its 2 s (evaluations every 1 s)"
	statsd_stop
}

# A call that hangs for 5 s stops the calls: the rate drops to 0, which a rule
# on "rate < N" holds on (an interval with no calls has a rate, of 0), and
# clears when the calls come back.
test_agent_rate_rule_sees_a_hang()
{
	local fired cleared

	start_workload agent_work 0 1500 1500 0 1500 5000
	start_vigil "$T/stdout" "$T/err" agent -o "$T/out/w" --no-profile --interval 1 \
		--statsd off --no-syslog -p "$WL_PID" --syscalls naps=nanosleep \
		--rule 'hang: rate(agent_work.syscall.nanosleep) < 10/s for 2s'
	wait_pid "$WL_PID" 30 agent_work
	sleep 1.5
	agent_stop
	fired=$(grep -c 'alert hang firing: agent_work.syscall.nanosleep is 0/s' "$T/err" || true)
	cleared=$(grep -c 'alert hang cleared: agent_work.syscall.nanosleep is [0-9.]*/s' "$T/err" || true)
	((fired == 1 && cleared == 1)) || fail "fired $fired and cleared $cleared times over a 5 s hang: $(grep alert "$T/err" | tr '\n' '|')"
}

# SIGHUP with a changed configuration: the new rule and instrument are
# used, the window goes on, and a configuration made wrong is refused with
# the old one kept.
test_agent_sighup_reloads()
{
	local ini=$T/agent.ini d=$T/out/w

	printf '[agent]\noutput = %s\nwindow = 60\ninterval = 1\nsyslog = no\n[statsd]\nenabled = no\n' "$d" >"$ini"
	start_workload spin 8
	start_vigil "$T/stdout" "$T/err" agent -c "$ini" -p "$WL_PID"
	agent_wait_line 'started: .*0 syscall sets, 0 probe sets, 0 rules' 10
	printf '[syscalls io]\nsyscalls = getppid\n[rule busy]\nwhen = rate(spin.syscall.getppid) >= 0/s\n' >>"$ini"
	kill -HUP "$VIGIL_PID"
	agent_wait_line 'reloaded: the window goes on' 10
	printf '[agent]\nwindw = 3\n' >>"$ini"
	kill -HUP "$VIGIL_PID"
	agent_wait_line 'reload failed; the configuration in use is kept' 10
	agent_stop
	# the new collectors count from 0; the agent's own figures go on from the old ones
	! grep -E 'BPF [0-9]{3,}\.' "$T/err" || fail "a reload broke the agent's own cost: $(grep -E 'BPF [0-9]{3,}' "$T/err" | head -n 1)"
	(($(find "$d" -name '*.folded' | wc -l) == 1)) || fail "a reload that kept the profile began a new window: $(find "$d" -printf '%f ')"
	grep -q "agent.ini:[0-9]*: unknown key 'windw' in \[agent\]" "$T/err" ||
		fail "the refused reload did not say why: $(grep -i -B1 'reload failed' "$T/err" | tr '\n' '|')"
}

# Bad configurations: one line naming the file and line (or the option),
# exit 2, nothing started and nothing written.
test_agent_bad_configuration()
{
	local ini=$T/bad.ini d=$T/out/w case want

	mkdir -p "$d"
	: >"$T/file"
	while IFS='|' read -r case want; do
		printf '%b' "$case" >"$ini"
		run_vigil "$T/stdout" "$T/err" agent -c "$ini"
		expect_rc 2 "agent -c with: $case"
		one_error_line "$T/err"
		grep -q -- "$want" "$T/err" || fail "for '$case': '$(cat "$T/err")', expected '$want'"
		empty_dir "$d"
		no_vigil_progs "by a run that refused its configuration"
	done <<EOF2
[agent]\noutput = $d\nwindw = 3\n|bad.ini:3: unknown key 'windw' in \[agent\]
[agent]\noutput = $d\nwindow = 0\n|bad.ini:3: window '0': out of range
[agent]\noutput = $d\n[profil]\n|bad.ini:3: unknown section \[profil\]
[agent]\noutput = $d\nwindow = 5\nwindow = 6\n|bad.ini:4: window given twice
[agent]\noutput = $d\n[statsd]\nhost = no-such-host.invalid\n|statsd no-such-host.invalid:8125:
[agent]\noutput = $T/file/sub\n|output '$T/file/sub'
[agent]\noutput = $d\n[syscalls io]\nsyscalls = fsync, fsyncc\n|bad.ini:4: unknown syscall 'fsyncc'
[agent]\noutput = $d\n[rule r]\nwhen = p98(x) > 1ms\n|bad.ini:4: rule 'r': unknown statistic 'p98'
[agent]\noutput = $d\n[rule r]\ncommand = true\n|bad.ini:3: rule 'r' has no 'when'
[agent]\noutput = $d\n[rule r]\n|bad.ini:3: \[rule r\] is empty
[agent]\noutput = $d\nthis line\n|bad.ini:3: not 'key = value'
[agent]\noutput = $d\n[probe p]\nfunctions = $WORKLOADS/trace_calls:nosuch*\n|bad.ini:3: probe 'p': .*no function matching 'nosuch\*'
[agent]\noutput = $d\n[probe p]\nfunctions = nosuchfile:f\n|bad.ini:3: probe 'p': 
[agent]\noutput = $d\n[rule r]\nwhen = p99(x.foo.read) > 1ms\n|bad.ini:3: rule 'r': series 'x.foo.read' is none of
[agent]\noutput = $d\n[syscalls s]\nsyscalls = read\n[rule r]\nwhen = share(x.syscall.read) > 5%\n|bad.ini:5: rule 'r': share is of PROCESS.cpu.FUNCTION series
[agent]\noutput = $d\n[rule r]\nwhen = p99(x.syscall.read) > 1ms\n|bad.ini:3: rule 'r': no \[syscalls\] section times a syscall
[agent]\noutput = $d\n[syscalls s]\nsyscalls = read\n[rule r]\nwhen = p99(*.syscall.write) > 1ms\n|bad.ini:5: rule 'r': no \[syscalls\] section times 'write'
[agent]\noutput = $d\n[profile]\nenabled = no\n[rule r]\nwhen = share(x.cpu.f) > 5%\n|bad.ini:5: rule 'r': share needs the on-CPU profile
EOF2
	run_vigil "$T/stdout" "$T/err" agent -o "$d" --window 0
	expect_rc 2 "agent --window 0"
	one_error_line "$T/err"
	grep -q -- "--window: window '0'" "$T/err" || fail "--window 0: $(cat "$T/err")"
	run_vigil "$T/stdout" "$T/err" agent -c "$T/missing.ini"
	expect_rc 2 "agent -c missing.ini"
	grep -q "missing.ini: cannot read" "$T/err" || fail "missing file: $(cat "$T/err")"
	run_vigil "$T/stdout" "$T/err" agent -o "$d" -p 999999999
	expect_rc 1 "agent -p 999999999"
	one_error_line "$T/err"
	empty_dir "$d"
	# a named rule given twice on the command line, as in a file, is refused
	run_vigil "$T/stdout" "$T/err" agent -o "$d" --name x --rule 'r: share(x.cpu.f) > 5%' \
		--rule 'r: share(x.cpu.g) > 5%'
	expect_rc 2 "agent --rule r: ... --rule r: ..."
	one_error_line "$T/err"
	grep -q -- "--rule: \[rule r\] given twice" "$T/err" || fail "--rule twice: $(cat "$T/err")"
	empty_dir "$d"
}

# A minute of process churn (thousands of short-lived processes, each a
# target by name): the agent's memory stays flat and no window is missing.
test_agent_soak_churn()
{
	local d=$T/out/w first last n got rss

	start_vigil "$T/stdout" "$T/err" agent -o "$d" --window 5 --interval 1 -F 97 \
		--statsd off --no-syslog --name "fk$$" --syscalls io=getppid,openat
	agent_wait_line 'started: ' 10
	start_named "fk$$" forker 12000
	wait_pid "$WL_PID" 120 forker
	agent_stop
	n=$(find "$d" -name '*.folded' | wc -l)
	mapfile -t rss < <(sed -n -E 's/.*window [0-9T]+Z(-[0-9]+)?: .* RSS ([0-9.]+) MB.*/\2/p' "$T/err")
	((${#rss[@]} >= 6)) || fail "only ${#rss[@]} windows logged: $(grep window "$T/err" | tr '\n' '|')"
	# the agent gives free heap back at each window, so what it logs is what
	# it holds: from the second window on, growth is a leak
	first=${rss[1]}
	last=${rss[-1]}
	in_range "$last" 0 "$(awk -v f="$first" 'BEGIN { print f * 1.05 + 1 }')" ||
		fail "RSS grew from $first MB (second window) to $last MB: ${rss[*]}"
	((n == ${#rss[@]})) || fail "$n window files, ${#rss[@]} windows logged"
	got=$(cat "$d"/*.folded | comm_samples /dev/stdin "fk$$")
	((got > 0)) || fail "no samples of the churn's processes in the windows"
}

# A share rule: burn_three has 3/4 of cpu_ratio's samples, so a rule on
# more than 60% fires and clears when the process is gone; one on
# burn_one's 1/4 never fires.
test_agent_share_rule()
{
	local fired cleared got

	start_vigil "$T/stdout" "$T/err" agent -o "$T/out/w" --interval 1 -F 97 --statsd off \
		--no-syslog --name "cr$$" \
		--rule "big: share(cr$$.cpu.burn_three) > 60% for 2s" \
		--rule "small: share(cr$$.cpu.burn_one) > 60%"
	agent_wait_line 'started: ' 10
	start_named "cr$$" cpu_ratio 6
	wait_pid "$WL_PID" 30 cpu_ratio
	sleep 2
	agent_stop
	fired=$(grep -c "alert big firing: cr$$.cpu.burn_three is [0-9.]*%" "$T/err" || true)
	cleared=$(grep -c "alert big cleared: cr$$.cpu.burn_three" "$T/err" || true)
	((fired == 1 && cleared == 1)) || fail "big fired $fired and cleared $cleared times: $(grep alert "$T/err" | tr '\n' '|')"
	! grep -q 'alert small' "$T/err" || fail "burn_one's quarter fired: $(grep 'alert small' "$T/err")"
	got=$(sed -n -E 's/.*alert big firing: .* is ([0-9.]+)%.*/\1/p' "$T/err")
	in_range "$got" 65 85 || fail "burn_three's share $got%, expected about 75%"
}

# With the wall clock, a window holds time, not samples: a process that
# sleeps shows its sleep as [wait:sleep] in microseconds, about as long as
# it slept.
test_agent_wall_clock_windows()
{
	local d=$T/out/w slept unit

	start_vigil "$T/stdout" "$T/err" agent -o "$d" --window 1 --interval 1 --clock wall \
		--statsd off --no-syslog --name "wc$$"
	agent_wait_line 'started: ' 10
	start_named "wc$$" agent_work 0 0 0 30 0
	wait_pid "$WL_PID" 30 agent_work
	sleep 1
	agent_stop INT
	grep -q 'Interrupt: writing the current window and exiting' "$T/err" || fail "SIGINT was not said: $(tail -n 2 "$T/err" | tr '\n' '|')"
	grep -q -E 'stopped: [0-9]+ windows written, [0-9]+ us in them, [0-9]+ lost$' "$T/err" ||
		fail "the closing line of wall-clock windows: $(grep 'stopped:' "$T/err")"
	unit=$(jq -r .unit "$(find "$d" -name '*.json' | head -n 1)")
	[[ $unit == microseconds ]] || fail "a wall-clock window's unit: $unit"
	slept=$(cat "$d"/*.folded | awk '{ s = $0; sub(/ [0-9]+$/, "", s) }
		s ~ /^wc[0-9]+;/ && s ~ /;\[wait:sleep\]$/ { n += $NF } END { print n + 0 }')
	in_range "$slept" 2700000 3300000 || fail "agent_work slept 3 s in 30 sleeps of 100 ms; the windows hold $slept us of [wait:sleep]"
}

# Retention: with 1 s windows and keep_windows 3, the newest three are
# left; with keep_mb 1, an old window that alone passes 1 MB goes; files
# that are not windows stay.
test_agent_retention()
{
	local d=$T/out/w n last

	mkdir -p "$d"
	head -c 2000000 /dev/zero | tr '\0' 'x' >"$d/20200101T000000Z.folded"
	echo '{}' >"$d/20200101T000000Z.json"
	echo keep >"$d/notes.txt"
	start_vigil "$T/stdout" "$T/err" agent -o "$d" --window 1 --interval 1 --keep-windows 3 \
		--keep-mb 1 --statsd off --no-syslog -p $$
	agent_wait_line 'window [0-9T]+Z: ' 10
	sleep 4.5
	agent_stop
	n=$(find "$d" -name '*.folded' | wc -l)
	((n == 3)) || fail "$n windows kept, expected 3: $(find "$d" -printf '%f ')"
	[[ ! -e $d/20200101T000000Z.folded && ! -e $d/20200101T000000Z.json ]] ||
		fail "the old 2 MB window was kept under keep_mb 1"
	[[ -f $d/notes.txt ]] || fail "a file that is not a window was removed"
	(($(find "$d" -name '*.json' | wc -l) == 3)) || fail "descriptions left: $(find "$d" -printf '%f ')"
	# the three kept are the newest: the last window written is among them
	last=$(sed -n -E 's/.*window ([0-9T]+Z): .*/\1/p' "$T/err" | tail -n 1)
	[[ -f $d/$last.folded ]] || fail "the last window, $last, was removed"
}

# The README's configuration, examples/agent.ini, is read as it is, runs,
# and stops cleanly: its rules, instrument and targets as it says.
test_agent_example_config_runs()
{
	local d=$T/out/w n

	start_vigil "$T/stdout" "$T/err" agent -c examples/agent.ini --set "agent.output=$d" \
		--statsd off --no-syslog
	agent_wait_line 'started: cpu-clock, 19 Hz, .* of processes by name, windows of 60 s in .*, 1 syscall sets, 0 probe sets, 2 rules' 10
	sleep 1
	agent_stop
	# one window, or two when a minute's edge fell inside the run (windows end on them)
	n=$(find "$d" -name '*.folded' | wc -l)
	((n == 1 || n == 2)) || fail "one window expected in $d (two across a minute's edge): $(find "$d" -printf '%f ')"
	# formats = svg: each window drawn beside its folded profile
	(($(find "$d" -name '*.svg' | wc -l) == n)) || fail "formats = svg: a window without its flame graph: $(find "$d" -printf '%f ')"
}

# formats = svg, pprof: every window is also a flame graph and a pprof
# file, each with the window's own total; retention removes them with it.
test_agent_window_formats()
{
	local d=$T/out/w f total svg

	pprof_need
	start_workload spin 8
	start_vigil "$T/stdout" "$T/err" agent -o "$d" --window 1 --interval 1 -F 97 \
		--statsd off --no-syslog -p "$WL_PID" --format svg,pprof --keep-windows 2
	agent_wait_line 'window [0-9T]+Z: ' 10
	sleep 3.5
	agent_stop
	(($(find "$d" -name '*.folded' | wc -l) == 2)) || fail "--keep-windows 2: $(find "$d" -printf '%f ')"
	(($(find "$d" -name '*.svg' | wc -l) == 2)) || fail "an .svg for each window kept, and none for those removed: $(find "$d" -printf '%f ')"
	(($(find "$d" -name '*.pb.gz' | wc -l) == 2)) || fail "a .pb.gz for each window kept, and none for those removed: $(find "$d" -printf '%f ')"
	for f in "$d"/*.folded; do
		total=$(folded_total "$f")
		svg=$(grep -o -m1 'data-total="[0-9]*"' "${f%.folded}.svg" | tr -dc 0-9)
		((svg == total)) || fail "$(basename "$f"): the flame graph's total is $svg, the window's $total"
		grep -q 'pid [0-9]*, cpu-clock at 97 Hz, [0-9-]* [0-9:]* UTC, 1\.[0-9] s\|pid [0-9]*, cpu-clock at 97 Hz, [0-9-]* [0-9:]* UTC, 0\.[0-9] s' "${f%.folded}.svg" ||
			fail "$(basename "$f" .folded).svg: no subtitle naming the target, rate, start and length: $(grep -o 'class="subtitle"[^<]*' "${f%.folded}.svg")"
		# a window drawn later is titled from its .json: rate, start and length
		"$VIGIL" flamegraph "$f" -o "$T/later.svg" 2>"$T/fg.err" || fail "vigil flamegraph $f: $(first_line "$T/fg.err")"
		grep -q 'class="subtitle"[^<]*, cpu-clock at 97 Hz, [0-9-]* [0-9:]* UTC, [01]\.[0-9] s, '"$total"' samples\?<' "$T/later.svg" ||
			fail "vigil flamegraph $(basename "$f"): its subtitle does not come from the window's .json: $(grep -o 'class="subtitle"[^<]*' "$T/later.svg")"
		pprof_folded "${f%.folded}.pb.gz" "$T/pp.folded"
		LC_ALL=C sort "$f" | cmp -s - "$T/pp.folded" ||
			fail "$(basename "$f" .folded).pb.gz: its samples are not the window's stacks: $(LC_ALL=C sort "$f" | diff - "$T/pp.folded" | head -n 4 | tr '\n' '|')"
	done
}

# A reload that replaces running instruments: their BPF run time up to
# then stays the window's, so the agent's own cost never runs backwards
# (it wrapped to 18446744073691 ms once: read after the programs were gone).
test_agent_reload_keeps_its_own_cost()
{
	local ini=$T/agent.ini d=$T/out/w i bad

	printf '[agent]\noutput = %s\nwindow = 60\ninterval = 1\nsyslog = no\n[statsd]\nenabled = no\n[syscalls io]\nsyscalls = getppid\n' "$d" >"$ini"
	start_workload spin 8
	start_vigil "$T/stdout" "$T/err" agent -c "$ini" -p "$WL_PID"
	agent_wait_line 'started: .*1 syscall sets' 10
	sleep 1.5
	printf '[rule idle]\nwhen = rate(spin.syscall.getppid) < 1/s\n' >>"$ini"
	kill -HUP "$VIGIL_PID"
	agent_wait_line 'reloaded: the window goes on' 10
	sleep 1.5
	agent_stop
	grep -q -E 'window [0-9T]+Z: .* BPF [0-9.]+% of a CPU' "$T/err" ||
		fail "no window line with the agent's BPF cost: $(tail -n 3 "$T/err" | tr '\n' '|')"
	bad=$(grep -E 'BPF [0-9]{3,}\.|[0-9]{13,} (ms|runs)' "$T/err" | head -n 1 || true)
	[[ -z $bad ]] || fail "a reload sent the agent's own cost backwards: $bad"
}

# With -p and the wall clock, a wait the target began before the agent
# attached gets its class and kernel stack from /proc, read at attach, as
# vigil profile -p does: sleep(1)'s nap is [wait:sleep] under nanosleep's
# kernel frames, not [wait:other].
test_agent_pid_wait_begun_before_it()
{
	local sp d=$T/out/w line us

	sleep 2.5 &
	sp=$!
	track "$sp"
	sleep 0.3
	start_vigil "$T/stdout" "$T/err" agent -o "$d" --window 60 --interval 1 --clock wall \
		--statsd off --no-syslog -p "$sp"
	agent_wait_line 'started: ' 10
	wait_pid "$sp" 10 "sleep 2.5"
	sleep 1.5
	agent_stop
	! cat "$d"/*.folded | grep -q '^sleep;.*\[wait:other\]' ||
		fail "sleep's nap begun before the agent is [wait:other]: $(grep -h '^sleep;' "$d"/*.folded)"
	line=$(cat "$d"/*.folded | grep '^sleep;.*;\[cut at start\];\[wait:sleep\] ' || true)
	[[ $line == *"hrtimer_nanosleep_[k];"* && $line != *$'\n'* ]] ||
		fail "sleep's nap begun before the agent: '$line'"
	us=${line##* }
	in_range "$us" 1000000 2300000 || fail "the nap after attach: $us us, expected 1.0..2.3 s"
}

ALL_TESTS+=(
	agent_windows_add_up
	agent_statsd_counts_are_exact
	agent_name_finds_new_processes
	agent_function_probes_are_exact
	agent_alert_fires_and_clears
	agent_rate_rule_sees_a_hang
	agent_sighup_reloads
	agent_bad_configuration
	agent_soak_churn
	agent_share_rule
	agent_wall_clock_windows
	agent_retention
	agent_example_config_runs
	agent_window_formats
	agent_reload_keeps_its_own_cost
	agent_pid_wait_begun_before_it
)
