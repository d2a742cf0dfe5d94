// SPDX-License-Identifier: GPL-2.0
/* statsd.c: statsd's line protocol over a connected UDP socket, batched into datagrams. */
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "statsd.h"

struct statsd {
	int fd;
	char *prefix;
	size_t max_packet, len;
	char *buf;
	struct statsd_stats st;
};

struct statsd *statsd__open(const char *host, const char *port, const char *prefix,
			    size_t max_packet, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM}, *res = NULL, *ai;
	struct statsd *s;
	int rc, last = 0;

	rc = getaddrinfo(host, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "statsd %s:%s: %s", host, port,
			 rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s || !(s->buf = malloc(max_packet)) || !(s->prefix = strdup(prefix ? prefix : ""))) {
		snprintf(err, errlen, "statsd: out of memory");
		goto fail;
	}
	s->max_packet = max_packet;
	s->fd = -1;
	/* the first address that has a route: connect() on UDP sends nothing */
	for (ai = res; ai; ai = ai->ai_next) {
		s->fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
			       ai->ai_protocol);
		if (s->fd < 0) {
			last = errno;
			continue;
		}
		if (!connect(s->fd, ai->ai_addr, ai->ai_addrlen))
			break;
		last = errno;
		close(s->fd);
		s->fd = -1;
	}
	if (s->fd < 0) {
		snprintf(err, errlen, "statsd %s:%s: %s", host, port, strerror(last));
		goto fail;
	}
	freeaddrinfo(res);
	return s;
fail:
	freeaddrinfo(res);
	statsd__close(s);
	return NULL;
}

void statsd__close(struct statsd *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->buf);
	free(s->prefix);
	free(s);
}

char *statsd__clean_name(const char *in, char *out, size_t len)
{
	size_t i = 0;

	if (!len)
		return out;
	for (; in[i] && i + 1 < len; i++) {
		char c = in[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '-';

		out[i] = ok ? c : '_';
	}
	out[i] = '\0';
	return out;
}

int statsd__flush(struct statsd *s)
{
	ssize_t n;

	if (!s->len)
		return 0;
	n = send(s->fd, s->buf, s->len, MSG_NOSIGNAL);
	if (n < 0) {
		s->st.send_errors++;
		s->st.last_errno = errno;
		s->len = 0;
		return -s->st.last_errno;
	}
	s->st.packets++;
	s->st.bytes += s->len;
	s->len = 0;
	return 0;
}

/* A number as statsd reads it: an integer when it is one, else up to 6 decimals. */
static void format_number(double v, char *buf, size_t len)
{
	char *p;

	if (!isfinite(v))
		v = 0;
	if (v == floor(v) && fabs(v) < 1e15) {
		snprintf(buf, len, "%.0f", v);
		return;
	}
	snprintf(buf, len, "%.6f", v);
	p = buf + strlen(buf) - 1;
	while (*p == '0')
		*p-- = '\0';
	if (*p == '.')
		*p = '\0';
}

static int add_line(struct statsd *s, const char *line, size_t n)
{
	/* a line joins the datagram after a newline */
	if (s->len && s->len + 1 + n > s->max_packet)
		statsd__flush(s);
	if (n > s->max_packet)
		return -EMSGSIZE;
	if (s->len)
		s->buf[s->len++] = '\n';
	memcpy(s->buf + s->len, line, n);
	s->len += n;
	s->st.lines++;
	return 0;
}

/* Queue "prefix.name:value|type[|@rate]". */
static int queue(struct statsd *s, const char *name, const char *value, const char *type,
		 double rate)
{
	char line[512], r[32] = "";
	int n;

	/*
	 * Ten significant digits, so that 1/3000 gives 3000 back, and never
	 * an exponent: statsd reads the rate as [0-9.]+, and "5e-06" as 5.
	 */
	if (rate > 0 && rate < 1) {
		int lead = (int)ceil(-log10(rate)), n;

		n = snprintf(r, sizeof(r), "|@%.*f", lead + 9 < 20 ? lead + 9 : 20, rate);
		while (n > 3 && r[n - 1] == '0')
			r[--n] = '\0';
	}
	n = snprintf(line, sizeof(line), "%s%s%s:%s|%s%s", s->prefix, s->prefix[0] ? "." : "", name,
		     value, type, r);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -ENAMETOOLONG;
	return add_line(s, line, n);
}

int statsd__counter(struct statsd *s, const char *name, double value)
{
	char v[64];

	format_number(value, v, sizeof(v));
	return queue(s, name, v, "c", 1);
}

int statsd__gauge(struct statsd *s, const char *name, double value)
{
	char v[64];
	int err;

	/* "-5|g" would move the gauge by -5: a negative value is set from 0 */
	if (value < 0) {
		err = queue(s, name, "0", "g", 1);
		if (err)
			return err;
	}
	format_number(value, v, sizeof(v));
	return queue(s, name, v, "g", 1);
}

int statsd__timer(struct statsd *s, const char *name, double ms, double rate)
{
	char v[64];

	format_number(ms < 0 ? 0 : ms, v, sizeof(v));
	return queue(s, name, v, "ms", rate);
}

void statsd__stats(const struct statsd *s, struct statsd_stats *out)
{
	*out = s->st;
}
