// SPDX-License-Identifier: GPL-2.0
// Workload for `make demo`: two threads serving toy requests, whose steps
// cost visibly different amounts of CPU.
//
// Usage: demo_work SECONDS [--fast-compress]
//
// --fast-compress is the "optimised" build of the README's before/after
// example: compress_chunk searches 2 bytes back for a match instead of 8,
// so it costs about a third as much and the other steps' shares grow.
//
// Each worker thread ("demo-worker") loops over handle_request(), which
// builds a request from its number and runs four steps on it. Measured
// shares of the CPU, roughly:
//
//   handle_request
//     make_request         build header and body         ~10%
//     parse_request        split the header into lines
//       parse_header_line    find and check one line        ~3%
//     checksum_payload     Adler-32 over the body        ~25%
//     compress_block       split the body into chunks
//       compress_chunk       toy LZ77 over one chunk       ~50%  (the hot spot)
//     render_response      status line and hex body      ~10%
//
// Requests are generated from their number, so every run does the same
// work in the same order; only the number of requests depends on SECONDS.
#define _GNU_SOURCE /* pthread_setname_np */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NWORKERS     2
#define PAYLOAD_SIZE 8192
#define HEADER_SIZE  4096
#define COOKIE_SIZE  3000
#define MAX_LINES    16
#define CHUNK_SIZE   1024
#define LZ_WINDOW    8
#define LZ_MIN_MATCH 3

struct request {
	unsigned int id;
	char header[HEADER_SIZE];
	char *lines[MAX_LINES];
	int nlines;
	int bad_chars;
	unsigned char payload[PAYLOAD_SIZE];
	uint32_t checksum;
	unsigned char compressed[2 * PAYLOAD_SIZE];
	size_t compressed_len;
	char response[4 * PAYLOAD_SIZE + HEADER_SIZE];
	size_t response_len;
};

struct worker {
	pthread_t thread;
	unsigned int first_id;
};

static double deadline;

/* Results are folded in here so that no step can be optimised away. */
static volatile uint32_t sink;

/*
 * GCC drops the frame pointer of a leaf function that never touches its
 * stack, even under -fno-omit-frame-pointer, and a frame-pointer unwinder
 * then skips that function's caller: the flame graph would show
 * checksum_payload called from worker_main. One volatile byte on the stack
 * keeps the frame in the leaf functions below. (Samples on the first or
 * last instruction of a function still miss its caller; keeping hot leaf
 * functions few and long keeps those rare.)
 */
#define KEEP_FRAME()                                                                               \
	volatile char keep_frame_ = 0;                                                             \
	(void)keep_frame_

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Fill a request from its number: a text header and a body made of runs. */
static void make_request(struct request *req, unsigned int id)
{
	char cookie[COOKIE_SIZE + 1];
	size_t i, run, len;

	for (i = 0; i < COOKIE_SIZE; i++)
		cookie[i] = (char)('a' + (id + i) % 26);
	cookie[COOKIE_SIZE] = '\0';
	snprintf(req->header, sizeof(req->header),
		 "GET /items/%u HTTP/1.1\r\n"
		 "Host: demo.example\r\n"
		 "Accept: application/octet-stream\r\n"
		 "Cookie: session=%s\r\n"
		 "X-Request-Id: %08x\r\n"
		 "Content-Length: %d\r\n\r\n",
		 id % 1000, cookie, id, PAYLOAD_SIZE);

	/* Runs of 1 to 7 equal bytes, cycling through a small alphabet. */
	req->id = id;
	for (i = 0, run = 0; i < PAYLOAD_SIZE; i += len, run++) {
		len = 1 + (id + run) % 7;
		if (len > PAYLOAD_SIZE - i)
			len = PAYLOAD_SIZE - i;
		memset(req->payload + i, 'a' + (int)(run * 5 % 11), len);
	}
}

/*
 * Return the length of the header line at s, excluding its CRLF, and count
 * the characters that may not appear in a header (RFC 9110 field-vchar,
 * space and tab are allowed).
 */
size_t parse_header_line(const char *s, int *bad_chars)
{
	size_t n = 0;
	char c;
	KEEP_FRAME();

	while (s[n] && !(s[n] == '\r' && s[n + 1] == '\n')) {
		c = s[n];
		if (c != ' ' && c != '\t' && (c <= 0x20 || c >= 0x7f))
			(*bad_chars)++;
		n++;
	}
	return n;
}

/* Split the header into lines, in place, counting invalid characters. */
void parse_request(struct request *req)
{
	char *p = req->header;
	size_t n;

	req->nlines = 0;
	req->bad_chars = 0;
	while (*p && req->nlines < MAX_LINES) {
		n = parse_header_line(p, &req->bad_chars);
		if (n == 0)
			break;
		req->lines[req->nlines++] = p;
		p += n;
		if (*p)
			p += 2;
	}
}

/* Adler-32 of the body. */
void checksum_payload(struct request *req)
{
	uint32_t a = 1, b = 0;
	size_t i;
	KEEP_FRAME();

	for (i = 0; i < PAYLOAD_SIZE; i++) {
		a = (a + req->payload[i]) % 65521;
		b = (b + a) % 65521;
	}
	req->checksum = (b << 16) | a;
}

/*
 * Toy LZ77 over one chunk: at each byte, find the longest match starting in
 * the LZ_WINDOW bytes before it and emit a (distance, length) token, or a
 * (0, byte) literal when no match is LZ_MIN_MATCH long. Returns the bytes
 * written to out.
 */
static unsigned int lz_window = LZ_WINDOW;

size_t compress_chunk(const unsigned char *in, size_t size, unsigned char *out)
{
	size_t i = 0, len = 0, d, n, best, best_d;
	KEEP_FRAME();

	while (i < size) {
		best = 0;
		best_d = 0;
		for (d = 1; d <= lz_window && d <= i; d++) {
			n = 0;
			while (i + n < size && n < 255 && in[i + n] == in[i - d + n])
				n++;
			if (n > best) {
				best = n;
				best_d = d;
			}
		}
		if (best >= LZ_MIN_MATCH) {
			out[len++] = (unsigned char)best_d;
			out[len++] = (unsigned char)best;
			i += best;
		} else {
			out[len++] = 0;
			out[len++] = in[i++];
		}
	}
	return len;
}

/* Compress the body in independent chunks, as a block compressor would. */
void compress_block(struct request *req)
{
	size_t off, len = 0;

	for (off = 0; off < PAYLOAD_SIZE; off += CHUNK_SIZE)
		len += compress_chunk(req->payload + off, CHUNK_SIZE, req->compressed + len);
	req->compressed_len = len;
}

/* Format the reply: a status line, headers, and the body as hex. */
void render_response(struct request *req)
{
	static const char hex[] = "0123456789abcdef";
	char *out = req->response;
	size_t i;

	out += sprintf(out,
		       "HTTP/1.1 200 OK\r\nX-Checksum: %08x\r\n"
		       "Content-Length: %zu\r\n\r\n",
		       req->checksum, 2 * req->compressed_len);
	for (i = 0; i < req->compressed_len; i++) {
		*out++ = hex[req->compressed[i] >> 4];
		*out++ = hex[req->compressed[i] & 0xf];
	}
	req->response_len = (size_t)(out - req->response);
	sink += (uint32_t)req->response_len + (uint32_t)req->bad_chars;
}

void handle_request(struct request *req, unsigned int id)
{
	make_request(req, id);
	parse_request(req);
	checksum_payload(req);
	compress_block(req);
	render_response(req);
}

/* Serve requests first_id, first_id + NWORKERS, ... until the deadline. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct request *req;
	unsigned int id = w->first_id;

	pthread_setname_np(pthread_self(), "demo-worker");
	req = malloc(sizeof(*req));
	if (!req)
		return NULL;
	while (now() < deadline) {
		handle_request(req, id);
		id += NWORKERS;
	}
	free(req);
	return NULL;
}

int main(int argc, char **argv)
{
	struct worker workers[NWORKERS] = {0};
	int i, err;

	if (argc == 3 && !strcmp(argv[2], "--fast-compress")) {
		lz_window = 2;
		argc--;
	}
	if (argc != 2 || atoi(argv[1]) <= 0) {
		fprintf(stderr, "usage: demo_work SECONDS [--fast-compress]\n");
		return 2;
	}
	deadline = now() + atoi(argv[1]);

	for (i = 0; i < NWORKERS; i++) {
		workers[i].first_id = i;
		err = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
		if (err) {
			fprintf(stderr, "demo_work: pthread_create failed: %d\n", err);
			return 1;
		}
	}
	for (i = 0; i < NWORKERS; i++)
		pthread_join(workers[i].thread, NULL);
	return 0;
}
