/* SPDX-License-Identifier: GPL-2.0 */
/*
 * statsd.h: metrics sent to a statsd server over UDP, in its line
 * protocol: "name:value|c" counters, "name:value|ms" timers (with
 * "|@rate" when one value stands for 1/rate of them), "name:value|g"
 * gauges. Lines are gathered into datagrams no larger than max_packet and
 * sent when the next line would not fit, and at statsd__flush().
 *
 * UDP does not say whether anyone listens: a send that fails (no route,
 * or an ICMP "port unreachable" reported on the next send) is counted,
 * not fatal, so an agent outlives a restart of its statsd.
 */
#ifndef VIGIL_STATSD_H
#define VIGIL_STATSD_H

#include <stddef.h>

#define STATSD_PACKET_DEFAULT 1432 /* fits a 1500-byte Ethernet frame with IPv6 headers */
#define STATSD_PACKET_MIN     512
#define STATSD_PACKET_MAX     65000

struct statsd;

struct statsd_stats {
	unsigned long long lines, packets, bytes;
	unsigned long long send_errors; /* datagrams lost to failed sends */
	int last_errno;
};

/*
 * Resolve host and port (a number or a service name) and connect a UDP
 * socket to it. Metric names are prefix "." name; an empty prefix adds
 * nothing. NULL with a one-line reason in err when the host has no
 * address or no route.
 */
struct statsd *statsd__open(const char *host, const char *port, const char *prefix,
			    size_t max_packet, char *err, size_t errlen);
void statsd__close(struct statsd *s);

/*
 * Queue one line. name is sent as given: clean each of its dot-separated
 * parts with statsd__clean_name() first. 0, or -ENAMETOOLONG for a line
 * over 511 bytes (left out).
 */
int statsd__counter(struct statsd *s, const char *name, double value);
int statsd__gauge(struct statsd *s, const char *name, double value);
/* rate in (0, 1]: the value stands for 1/rate timings, as statsd's sampling says. */
int statsd__timer(struct statsd *s, const char *name, double ms, double rate);

/* Send what is queued. 0, or -errno of a failed send (also counted). */
int statsd__flush(struct statsd *s);

void statsd__stats(const struct statsd *s, struct statsd_stats *out);

/*
 * One component of a metric name, made safe for the line protocol and for
 * Graphite-style backends: characters other than letters, digits, '_'
 * and '-' become '_', so ':' '|' '@' '.' and spaces cannot split it.
 */
char *statsd__clean_name(const char *in, char *out, size_t len);

#endif /* VIGIL_STATSD_H */
