# SPDX-License-Identifier: GPL-2.0
# Integration test of the tests' own statsd harness (lib.sh's statsd_*):
# the real statsd, on loopback only, reports exactly what it was sent.
# Sourced by run.sh, which defines T and the helpers.
# shellcheck shell=bash disable=SC2154

# Metrics of known totals, sent in one datagram to bash's /dev/udp socket:
# two counts of one counter, a timer sampled at 1/10 (which statsd counts
# as 10 values) and a gauge. statsd listens on 127.0.0.1 and nowhere else,
# and exits 0 on SIGTERM.
test_statsd_harness_counts_what_it_was_sent()
{
	local socks bad got

	statsd_start 200
	socks=$(ss -Htuanp | grep -F "pid=$STATSD_PID," || true)
	bad=$(awk -v u="127.0.0.1:$STATSD_PORT" -v m="127.0.0.1:$STATSD_MGMT_PORT" '
		!(($1 == "udp" && $5 == u) || ($1 == "tcp" && $2 == "LISTEN" && $5 == m))' <<<"$socks")
	[[ -n $socks && -z $bad ]] ||
		fail "statsd's sockets are not just udp $STATSD_PORT and tcp $STATSD_MGMT_PORT on 127.0.0.1: $(tr '\n' '|' <<<"$socks")"

	# coreutils' printf writes it at once; bash's own writes a datagram a line
	env printf 'vigil.test.a:3|c\nvigil.test.a:4|c\nvigil.test.t:10|ms|@0.1\nvigil.test.g:7|g' \
		>"/dev/udp/127.0.0.1/$STATSD_PORT"
	statsd_sync
	got=$(statsd_sum vigil.test.a)
	[[ $got == 7 ]] || fail "counter vigil.test.a: $got, expected 7 (seen: $(statsd_names | tr '\n' ' '))"
	got=$(statsd_timer_count vigil.test.t)
	[[ $got == 10 ]] || fail "timer vigil.test.t counted $got, expected 10 (1 value at @0.1)"
	got=$(statsd_timer_values vigil.test.t | tr '\n' ' ')
	[[ $got == "10 " ]] || fail "timer vigil.test.t's values: '$got', expected '10 '"
	got=$(statsd_gauge_last vigil.test.g)
	[[ $got == 7 ]] || fail "gauge vigil.test.g: '$got', expected 7"
	got=$(statsd_sum vigil.test.none)
	[[ $got == 0 ]] || fail "counter never sent: $got, expected 0"
	got=$(statsd_gauge_last vigil.test.none)
	[[ -z $got ]] || fail "gauge never sent: '$got', expected nothing"
	statsd_stop
}

ALL_TESTS+=(
	statsd_harness_counts_what_it_was_sent
)
