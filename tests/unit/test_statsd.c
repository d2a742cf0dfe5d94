// SPDX-License-Identifier: GPL-2.0
/* test_statsd.c: statsd lines as a UDP listener on 127.0.0.1 receives them, batching, errors. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <cmocka.h>
#include "statsd.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A UDP socket on 127.0.0.1, on a port the kernel chose; its number as text in port. */
struct listener {
	int fd;
	char port[16];
};

static void listen_udp(struct listener *l)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 2}; /* a datagram that never comes fails the test */
	socklen_t len = sizeof(sa);

	l->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(l->fd >= 0);
	assert_int_equal(bind(l->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(l->fd, (struct sockaddr *)&sa, &len), 0);
	assert_int_equal(setsockopt(l->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	snprintf(l->port, sizeof(l->port), "%u", ntohs(sa.sin_port));
}

/* One datagram, as text; its length. Fails when none comes. */
static size_t recv_datagram(struct listener *l, char *buf, size_t len)
{
	ssize_t n = recv(l->fd, buf, len - 1, 0);

	if (n < 0)
		fail_msg("no datagram: %s", strerror(errno));
	buf[n] = '\0';
	return n;
}

/* True when nothing more is waiting; loopback delivers during send(). */
static bool nothing_more(struct listener *l)
{
	char buf[8];

	return recv(l->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN;
}

static struct statsd *open_to(struct listener *l, const char *prefix, size_t max_packet)
{
	char err[256] = "";
	struct statsd *s = statsd__open("127.0.0.1", l->port, prefix, max_packet, err, sizeof(err));

	if (!s)
		fail_msg("statsd__open 127.0.0.1:%s: %s", l->port, err);
	return s;
}

/* Flush s and check that l receives exactly want, in one datagram. */
static void assert_sent(struct statsd *s, struct listener *l, const char *want)
{
	char buf[65536];

	assert_int_equal(statsd__flush(s), 0);
	recv_datagram(l, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_true(nothing_more(l));
}

/* ---- lines ---- */

static void a_counter_is_prefix_dot_name_value_c(void **state)
{
	struct listener l;
	struct statsd *s;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);
	assert_int_equal(statsd__counter(s, "a.b", 3), 0);
	assert_sent(s, &l, "pre.a.b:3|c");
	statsd__close(s);
	close(l.fd);
}

static void lines_of_one_flush_share_a_datagram_newline_separated(void **state)
{
	struct listener l;
	struct statsd *s;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);
	assert_int_equal(statsd__counter(s, "calls", 7), 0);
	assert_int_equal(statsd__gauge(s, "rss_mb", 12.5), 0);
	assert_int_equal(statsd__timer(s, "fsync", 3, 1), 0);
	assert_sent(s, &l, "pre.calls:7|c\npre.rss_mb:12.5|g\npre.fsync:3|ms");
	statsd__close(s);
	close(l.fd);
}

static void whole_numbers_have_no_decimals_others_at_most_six(void **state)
{
	static const struct {
		double value;
		const char *text;
	} cases[] = {
		{0, "0"},
		{3, "3"},
		{-2, "-2"},
		{1.5, "1.5"},
		{0.25, "0.25"},
		{100.0, "100"},
		{1e12, "1000000000000"},
		{1.0 / 3, "0.333333"},
		{2.0000004, "2"},	 /* rounds to six decimals, then drops the zeros */
		{0.1234567, "0.123457"}, /* rounded, not cut */
		{NAN, "0"},		 /* statsd cannot read "nan" */
		{INFINITY, "0"},
	};
	struct listener l;
	struct statsd *s;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "p", STATSD_PACKET_DEFAULT);
	for (size_t i = 0; i < N(cases); i++) {
		char want[64];

		snprintf(want, sizeof(want), "p.n:%s|c", cases[i].text);
		assert_int_equal(statsd__counter(s, "n", cases[i].value), 0);
		assert_sent(s, &l, want);
	}
	statsd__close(s);
	close(l.fd);
}

static void a_timer_says_its_sample_rate_below_one(void **state)
{
	struct listener l;
	struct statsd *s;
	char buf[512];
	const char *at;
	double rate;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);

	assert_int_equal(statsd__timer(s, "t", 2.5, 1), 0);
	assert_sent(s, &l, "pre.t:2.5|ms"); /* rate 1: every timing, no "|@" */

	assert_int_equal(statsd__timer(s, "t", 4, 0.5), 0);
	assert_sent(s, &l, "pre.t:4|ms|@0.5");

	/* one line for 3000 calls: statsd counts 1/rate of them, and must get 3000 back */
	assert_int_equal(statsd__timer(s, "t", 1.25, 1.0 / 3000), 0);
	assert_int_equal(statsd__flush(s), 0);
	recv_datagram(&l, buf, sizeof(buf));
	assert_string_equal(buf, "pre.t:1.25|ms|@0.0003333333333");
	at = strstr(buf, "|@");
	assert_non_null(at);
	rate = strtod(at + 2, NULL);
	assert_true(fabs(1 / rate - 3000) < 1e-6);

	/* 200 000 calls: a plain decimal, as statsd reads no exponent ("5e-06" is 5 to it) */
	assert_int_equal(statsd__timer(s, "t", 1, 1.0 / 200000), 0);
	assert_sent(s, &l, "pre.t:1|ms|@0.000005");

	/* a negative time is none */
	assert_int_equal(statsd__timer(s, "t", -3, 1), 0);
	assert_sent(s, &l, "pre.t:0|ms");
	statsd__close(s);
	close(l.fd);
}

static void a_rate_outside_zero_to_one_is_left_out(void **state)
{
	struct listener l;
	struct statsd *s;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);
	assert_int_equal(statsd__timer(s, "t", 1, 0), 0);
	assert_int_equal(statsd__timer(s, "t", 1, 2), 0);
	assert_int_equal(statsd__timer(s, "t", 1, -0.5), 0);
	assert_sent(s, &l, "pre.t:1|ms\npre.t:1|ms\npre.t:1|ms");
	statsd__close(s);
	close(l.fd);
}

static void a_negative_gauge_is_set_from_zero(void **state)
{
	struct listener l;
	struct statsd *s;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);
	/* "x:-5|g" alone would move the gauge by -5 */
	assert_int_equal(statsd__gauge(s, "x", -5), 0);
	assert_sent(s, &l, "pre.x:0|g\npre.x:-5|g");
	assert_int_equal(statsd__gauge(s, "x", -0.5), 0);
	assert_sent(s, &l, "pre.x:0|g\npre.x:-0.5|g");
	assert_int_equal(statsd__gauge(s, "x", 5), 0);
	assert_sent(s, &l, "pre.x:5|g");
	statsd__close(s);
	close(l.fd);
}

static void an_empty_prefix_adds_no_dot(void **state)
{
	struct listener l;
	struct statsd *s;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "", STATSD_PACKET_DEFAULT);
	assert_int_equal(statsd__counter(s, "a.b", 1), 0);
	assert_int_equal(statsd__gauge(s, "g", -1), 0);
	assert_sent(s, &l, "a.b:1|c\ng:0|g\ng:-1|g");
	statsd__close(s);

	s = open_to(&l, NULL, STATSD_PACKET_DEFAULT); /* NULL is no prefix too */
	assert_int_equal(statsd__timer(s, "t", 2, 0.25), 0);
	assert_sent(s, &l, "t:2|ms|@0.25");
	statsd__close(s);
	close(l.fd);
}

static void a_flush_of_nothing_sends_nothing(void **state)
{
	struct statsd_stats st;
	struct listener l;
	struct statsd *s;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);
	assert_int_equal(statsd__flush(s), 0);
	assert_true(nothing_more(&l));
	assert_int_equal(statsd__counter(s, "a", 1), 0);
	assert_sent(s, &l, "pre.a:1|c");
	assert_int_equal(statsd__flush(s), 0); /* what was sent is not sent again */
	assert_true(nothing_more(&l));
	statsd__stats(s, &st);
	assert_int_equal(st.lines, 1);
	assert_int_equal(st.packets, 1);
	assert_int_equal(st.bytes, strlen("pre.a:1|c"));
	assert_int_equal(st.send_errors, 0);
	statsd__close(s);
	close(l.fd);
}

static void a_name_too_long_for_a_line_is_refused_alone(void **state)
{
	struct listener l;
	struct statsd *s;
	char name[600];

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(statsd__counter(s, "before", 1), 0);
	assert_true(statsd__counter(s, name, 1) < 0);
	assert_true(statsd__gauge(s, name, -1) < 0);
	assert_int_equal(statsd__counter(s, "after", 2), 0);
	assert_sent(s, &l, "pre.before:1|c\npre.after:2|c");
	statsd__close(s);
	close(l.fd);
}

/* ---- datagrams ---- */

/* Line i of the batching test: lengths vary so that datagrams end at different places. */
static void batch_line(int i, char *buf, size_t len)
{
	snprintf(buf, len, "pre.series_%d.%.*s:%d|c", i, 1 + i * 7 % 40,
		 "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz", i);
}

static void datagrams_hold_whole_lines_in_order_within_max_packet(void **state)
{
	enum {
		LINES = 300,
		MAX = 512
	};
	static char got[LINES][128];
	struct statsd_stats st;
	struct listener l;
	struct statsd *s;
	char buf[65536], line[128];
	size_t lens[64], bytes = 0;
	int ngot = 0, npackets = 0, first;

	(void)state;
	listen_udp(&l);
	s = open_to(&l, "pre", MAX);
	for (int i = 0; i < LINES; i++) {
		char name[96];

		batch_line(i, line, sizeof(line));
		snprintf(name, sizeof(name), "%.*s", (int)(strchr(line, ':') - line - 4), line + 4);
		assert_int_equal(statsd__counter(s, name, i), 0);
	}
	assert_int_equal(statsd__flush(s), 0);

	/* the first datagrams went while lines were queued, the last at the flush */
	while (!nothing_more(&l) || npackets == 0) {
		size_t n = recv_datagram(&l, buf, sizeof(buf));

		assert_true(npackets < (int)N(lens));
		lens[npackets++] = n;
		bytes += n;
		if (n > MAX)
			fail_msg("datagram %d: %zu bytes, more than %d", npackets, n, MAX);
		assert_true(n > 0 && buf[0] != '\n' && buf[n - 1] != '\n');
		first = ngot;
		for (char *save, *p = strtok_r(buf, "\n", &save); p;
		     p = strtok_r(NULL, "\n", &save)) {
			assert_true(ngot < LINES);
			snprintf(got[ngot++], sizeof(got[0]), "%s", p);
		}
		/* the datagram before went because this one's first line would not fit in it */
		if (npackets > 1 && lens[npackets - 2] + 1 + strlen(got[first]) <= MAX)
			fail_msg("datagram %d: sent at %zu bytes, with room for '%s'", npackets - 1,
				 lens[npackets - 2], got[first]);
	}
	assert_true(npackets >= 5);
	assert_int_equal(ngot, LINES);
	for (int i = 0; i < LINES; i++) {
		batch_line(i, line, sizeof(line));
		assert_string_equal(got[i], line);
	}
	statsd__stats(s, &st);
	assert_int_equal(st.lines, LINES);
	assert_int_equal(st.packets, npackets);
	assert_int_equal(st.bytes, bytes);
	statsd__close(s);
	close(l.fd);
}

/* ---- names ---- */

static void clean_name_keeps_letters_digits_underscore_and_dash(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"abc_XYZ-09", "abc_XYZ-09"},
		{"a:b|c@d.e f/g", "a_b_c_d_e_f_g"},
		{":|@. /", "______"},
		{"tab\there\nnl", "tab_here_nl"},
		{"caf\xc3\xa9", "caf__"}, /* each byte of a UTF-8 letter */
		{"", ""},
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < N(cases); i++) {
		assert_ptr_equal(statsd__clean_name(cases[i].in, out, sizeof(out)), out);
		assert_string_equal(out, cases[i].out);
	}
}

static void clean_name_cuts_to_fit_its_buffer(void **state)
{
	char out[6];

	(void)state;
	memset(out, 'x', sizeof(out));
	statsd__clean_name("abcdefghij", out, sizeof(out));
	assert_string_equal(out, "abcde");
	statsd__clean_name("a.b", out, 2);
	assert_string_equal(out, "a");
	statsd__clean_name("a.b", out, 1);
	assert_string_equal(out, "");
}

/* ---- opening ---- */

static void open_refuses_a_host_without_an_address_and_names_it(void **state)
{
	char err[256] = "";
	struct statsd *s;

	(void)state;
	s = statsd__open("no-such-host.invalid", "8125", "pre", STATSD_PACKET_DEFAULT, err,
			 sizeof(err));
	assert_null(s);
	if (!strstr(err, "statsd no-such-host.invalid:8125: "))
		fail_msg("message '%s' does not name the host", err);

	err[0] = '\0';
	s = statsd__open("127.0.0.1", "no-such-service", "pre", STATSD_PACKET_DEFAULT, err,
			 sizeof(err));
	assert_null(s);
	if (!strstr(err, "statsd 127.0.0.1:no-such-service: "))
		fail_msg("message '%s' does not name the port", err);
}

static void open_takes_a_port_by_its_service_name(void **state)
{
	/* services of /etc/services above 1024, so that a test can listen on one */
	static const char *const names[] = {"openvpn", "nfs", "sip", "x11"};
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct timeval tv = {.tv_sec = 2};
	struct listener l = {.fd = -1};
	const char *name = NULL;
	struct statsd *s;

	(void)state;
	for (size_t i = 0; i < N(names) && !name; i++) {
		struct servent *se = getservbyname(names[i], "udp");

		if (!se || ntohs(se->s_port) <= 1024)
			continue;
		l.fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		assert_true(l.fd >= 0);
		sa.sin_port = se->s_port;
		if (bind(l.fd, (struct sockaddr *)&sa, sizeof(sa))) {
			close(l.fd); /* in use here */
			continue;
		}
		name = names[i];
	}
	if (!name) {
		print_message("skipped: no service of /etc/services above 1024 is free here\n");
		skip();
	}
	assert_int_equal(setsockopt(l.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	snprintf(l.port, sizeof(l.port), "%s", name);
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);
	assert_int_equal(statsd__counter(s, "by_name", 1), 0);
	assert_sent(s, &l, "pre.by_name:1|c");
	statsd__close(s);
	close(l.fd);
}

/* ---- send errors ---- */

static void sends_to_a_closed_port_are_counted_not_fatal(void **state)
{
	struct statsd_stats st;
	struct listener l;
	struct statsd *s;
	int rc = 0, sends;

	(void)state;
	listen_udp(&l);
	close(l.fd); /* nobody listens on l.port now */
	s = open_to(&l, "pre", STATSD_PACKET_DEFAULT);

	/* the first send goes; the ICMP port unreachable it draws fails a later one */
	for (sends = 0; sends < 20 && !rc; sends++) {
		assert_int_equal(statsd__counter(s, "lost", 1), 0);
		rc = statsd__flush(s);
		if (!rc)
			usleep(1000);
	}
	assert_int_equal(rc, -ECONNREFUSED);
	statsd__stats(s, &st);
	assert_true(st.send_errors > 0);
	assert_int_equal(st.last_errno, ECONNREFUSED);
	assert_int_equal(st.lines, sends);
	assert_int_equal(st.packets + st.send_errors, sends);

	/* and it goes on: queueing and flushing still work */
	assert_int_equal(statsd__counter(s, "lost", 1), 0);
	rc = statsd__flush(s);
	assert_true(rc == 0 || rc == -ECONNREFUSED);
	statsd__close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_counter_is_prefix_dot_name_value_c),
		cmocka_unit_test(lines_of_one_flush_share_a_datagram_newline_separated),
		cmocka_unit_test(whole_numbers_have_no_decimals_others_at_most_six),
		cmocka_unit_test(a_timer_says_its_sample_rate_below_one),
		cmocka_unit_test(a_rate_outside_zero_to_one_is_left_out),
		cmocka_unit_test(a_negative_gauge_is_set_from_zero),
		cmocka_unit_test(an_empty_prefix_adds_no_dot),
		cmocka_unit_test(a_flush_of_nothing_sends_nothing),
		cmocka_unit_test(a_name_too_long_for_a_line_is_refused_alone),
		cmocka_unit_test(datagrams_hold_whole_lines_in_order_within_max_packet),
		cmocka_unit_test(clean_name_keeps_letters_digits_underscore_and_dash),
		cmocka_unit_test(clean_name_cuts_to_fit_its_buffer),
		cmocka_unit_test(open_refuses_a_host_without_an_address_and_names_it),
		cmocka_unit_test(open_takes_a_port_by_its_service_name),
		cmocka_unit_test(sends_to_a_closed_port_are_counted_not_fatal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
