// SPDX-License-Identifier: GPL-2.0
/* test_pprof.c: the pprof sink, read back: gunzipped by zlib, unpacked by protobuf-c's code. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "elf_syms.h"
#include "pprof.h"
#include "profile.pb-c.h"
#include "sink.h"
#include "stacks.h"
#include "strtab.h"
#include "symbolizer.h"

#define FIXTURES "build/fixtures/"

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Function Function;
typedef Perftools__Profiles__Mapping Mapping;

volatile int test_sink;

/* A function of this test binary for the symbolizer to name. */
static __attribute__((noinline, used)) int pprof_test_work(int n)
{
	for (int i = 0; i < n; i++)
		test_sink += i;
	return test_sink;
}

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

/* Add a stack given as one ';'-separated string, interning each frame. */
static void add(struct stack_set *set, const char *stack, __u64 value)
{
	struct strtab *names = stack_set__strtab(set);
	const char *frames[64];
	const char *p = stack;
	size_t n = 0;

	while (*p) {
		const char *end = strchr(p, ';');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		frames[n++] = strtab__intern_len(names, p, len);
		p += len + (end ? 1 : 0);
	}
	assert_int_equal(stack_set__add(set, frames, n, value), 0);
}

/* gunzip a whole gzip stream; the caller frees the result. */
static unsigned char *gunzip(const unsigned char *in, size_t len, size_t *out_len)
{
	size_t cap = 4096, n = 0;
	unsigned char *out = malloc(cap);
	z_stream z = {};
	int ret;

	assert_non_null(out);
	/* the gzip format, as pprof readers expect: magic 1f 8b, deflate */
	assert_true(len > 18);
	assert_int_equal(in[0], 0x1f);
	assert_int_equal(in[1], 0x8b);
	assert_int_equal(in[2], 8);
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK); /* gzip only, not zlib */
	z.next_in = (Bytef *)in;
	z.avail_in = len;
	do {
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		z.next_out = out + n;
		z.avail_out = cap - n;
		ret = inflate(&z, Z_NO_FLUSH);
		assert_true(ret == Z_OK || ret == Z_STREAM_END);
		n = cap - z.avail_out;
	} while (ret != Z_STREAM_END);
	assert_int_equal(z.avail_in, 0); /* one stream, nothing after it */
	inflateEnd(&z);
	*out_len = n;
	return out;
}

/* Write set as pprof and read it back; free with perftools__profiles__profile__free_unpacked. */
static Profile *round_trip(struct stack_set *set, const struct profile_meta *m)
{
	unsigned char *gz = NULL, *raw;
	size_t gz_len = 0, raw_len;
	FILE *f = open_memstream((char **)&gz, &gz_len);
	Profile *p;

	assert_non_null(f);
	assert_int_equal(pprof__write(f, set, m), 0);
	fclose(f);
	raw = gunzip(gz, gz_len, &raw_len);
	p = perftools__profiles__profile__unpack(NULL, raw_len, raw);
	assert_non_null(p);
	free(raw);
	free(gz);
	return p;
}

static const char *str(const Profile *p, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < p->n_string_table);
	return p->string_table[i];
}

static const Location *location(const Profile *p, uint64_t id)
{
	/* ids are 1..n in order (expect_well_formed): the quick way first */
	if (id && id <= p->n_location && p->location[id - 1]->id == id)
		return p->location[id - 1];
	for (size_t i = 0; i < p->n_location; i++) {
		if (p->location[i]->id == id)
			return p->location[i];
	}
	fail_msg("no location %llu", (unsigned long long)id);
	return NULL;
}

static const Function *function(const Profile *p, uint64_t id)
{
	if (id && id <= p->n_function && p->function[id - 1]->id == id)
		return p->function[id - 1];
	for (size_t i = 0; i < p->n_function; i++) {
		if (p->function[i]->id == id)
			return p->function[i];
	}
	fail_msg("no function %llu", (unsigned long long)id);
	return NULL;
}

static const Mapping *mapping(const Profile *p, uint64_t id)
{
	for (size_t i = 0; i < p->n_mapping; i++) {
		if (p->mapping[i]->id == id)
			return p->mapping[i];
	}
	fail_msg("no mapping %llu", (unsigned long long)id);
	return NULL;
}

/* The function name of a location: its one line's. */
static const char *location_name(const Profile *p, const Location *l)
{
	const Function *fn;

	assert_int_equal(l->n_line, 1);
	fn = function(p, l->line[0]->function_id);
	assert_int_equal(fn->name, fn->system_name);
	return str(p, fn->name);
}

/* A sample's stack as folded text, outermost first: its locations read from the last. */
static void stack_text(const Profile *p, const Sample *s, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = s->n_location_id; i-- > 0;) {
		const char *name = location_name(p, location(p, s->location_id[i]));

		n += snprintf(buf + n, size - n, "%s%s", n ? ";" : "", name);
		assert_true(n < size);
	}
}

/* The sample whose stack is text; fails when there is none or more than one. */
static const Sample *sample_of(const Profile *p, const char *text)
{
	const Sample *found = NULL;
	char buf[1024];

	for (size_t i = 0; i < p->n_sample; i++) {
		stack_text(p, p->sample[i], buf, sizeof(buf));
		if (!strcmp(buf, text)) {
			assert_null(found);
			found = p->sample[i];
		}
	}
	if (!found)
		fail_msg("no sample of stack %s", text);
	return found;
}

static void expect_type(const Profile *p, const Perftools__Profiles__ValueType *vt,
			const char *type, const char *unit)
{
	assert_non_null(vt);
	assert_string_equal(str(p, vt->type), type);
	assert_string_equal(str(p, vt->unit), unit);
}

/* What holds for every profile: the string table, ids, one line per location. */
static void expect_well_formed(const Profile *p)
{
	struct strtab *seen = strtab__new();

	assert_true(p->n_string_table >= 1);
	assert_string_equal(p->string_table[0], "");
	/* each string once */
	for (size_t i = 0; i < p->n_string_table; i++)
		assert_non_null(strtab__intern(seen, p->string_table[i]));
	assert_int_equal(strtab__count(seen), p->n_string_table);
	strtab__free(seen);
	/* one location per function, ids 1..n */
	assert_int_equal(p->n_location, p->n_function);
	for (size_t i = 0; i < p->n_function; i++) {
		assert_int_equal(p->function[i]->id, i + 1);
		assert_int_equal(p->location[i]->id, i + 1);
		assert_int_equal(p->location[i]->n_line, 1);
		assert_int_equal(p->location[i]->line[0]->function_id, i + 1);
		if (p->location[i]->mapping_id)
			mapping(p, p->location[i]->mapping_id);
	}
	for (size_t i = 0; i < p->n_sample; i++)
		assert_int_equal(p->sample[i]->n_value, p->n_sample_type);
}

/* How many functions are named name. */
static int functions_named(const Profile *p, const char *name)
{
	int n = 0;

	for (size_t i = 0; i < p->n_function; i++)
		n += !strcmp(str(p, p->function[i]->name), name);
	return n;
}

static const Location *location_named(const Profile *p, const char *name)
{
	for (size_t i = 0; i < p->n_location; i++) {
		if (!strcmp(location_name(p, p->location[i]), name))
			return p->location[i];
	}
	fail_msg("no location of %s", name);
	return NULL;
}

/* ------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------ */

static void on_cpu_samples_are_counts_and_cpu_nanoseconds(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {
		.command = "vigil profile",
		.target = "pid 42 (demo_work)",
		.clock = "cpu",
		.event = "cpu-clock",
		.start = 1700000000,
		.duration_ns = 2000000000ULL,
		.freq = 99,
		.unit = "samples",
	};
	const __u64 period = 1000000000ULL / 99; /* 10101010 */
	const Sample *s;
	int64_t total = 0;
	Profile *p;

	(void)state;
	add(set, "demo_work;main;work;burn", 3);
	add(set, "demo_work;main;idle", 1);
	add(set, "demo_work;main;work", 2);
	add(set, "demo_work;gone", 0); /* skipped: no sample, no function */
	p = round_trip(set, &m);
	expect_well_formed(p);

	assert_int_equal(p->n_sample_type, 2);
	expect_type(p, p->sample_type[0], "samples", "count");
	expect_type(p, p->sample_type[1], "cpu", "nanoseconds");
	expect_type(p, p->period_type, "cpu", "nanoseconds");
	assert_int_equal(p->period, period);
	assert_string_equal(str(p, p->default_sample_type), "cpu");
	assert_int_equal(p->time_nanos, 1700000000LL * 1000000000LL);
	assert_int_equal(p->duration_nanos, 2000000000LL);
	assert_int_equal(p->n_comment, 1);
	assert_non_null(strstr(str(p, p->comment[0]), "vigil profile"));
	assert_non_null(strstr(str(p, p->comment[0]), "pid 42 (demo_work)"));

	assert_int_equal(p->n_sample, 3);
	s = sample_of(p, "demo_work;main;work;burn");
	assert_int_equal(s->value[0], 3);
	assert_int_equal(s->value[1], 3 * period);
	/* leaf first */
	assert_int_equal(s->n_location_id, 4);
	assert_string_equal(location_name(p, location(p, s->location_id[0])), "burn");
	assert_string_equal(location_name(p, location(p, s->location_id[3])), "demo_work");
	s = sample_of(p, "demo_work;main;idle");
	assert_int_equal(s->value[0], 1);
	assert_int_equal(s->value[1], period);
	s = sample_of(p, "demo_work;main;work");
	assert_int_equal(s->value[0], 2);
	assert_int_equal(s->value[1], 2 * period);
	for (size_t i = 0; i < p->n_sample; i++)
		total += p->sample[i]->value[0];
	assert_int_equal(total, stack_set__total(set));

	/* one function per distinct name, and none for the stack skipped */
	assert_int_equal(p->n_function, 5);
	assert_int_equal(functions_named(p, "main"), 1);
	assert_int_equal(functions_named(p, "work"), 1);
	assert_int_equal(functions_named(p, "gone"), 0);
	/* no symbolizer: no mappings */
	assert_int_equal(p->n_mapping, 0);
	for (size_t i = 0; i < p->n_location; i++) {
		assert_int_equal(p->location[i]->mapping_id, 0);
		assert_int_equal(p->location[i]->address, 0);
	}
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
}

static void off_cpu_microseconds_become_nanoseconds(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.target = "whole system", .clock = "off", .unit = "us"};
	Profile *p;

	(void)state;
	add(set, "sleeper;main;nanosleep_[k];[wait:sleep]", 1500000);
	add(set, "reader;main;read;[wait:disk]", 7);
	p = round_trip(set, &m);
	expect_well_formed(p);
	assert_int_equal(p->n_sample_type, 1);
	expect_type(p, p->sample_type[0], "off_cpu", "nanoseconds");
	assert_string_equal(str(p, p->default_sample_type), "off_cpu");
	assert_null(p->period_type);
	assert_int_equal(p->period, 0);
	assert_int_equal(p->time_nanos, 0); /* start unknown */
	assert_int_equal(sample_of(p, "sleeper;main;nanosleep_[k];[wait:sleep]")->value[0],
			 1500000LL * 1000);
	assert_int_equal(sample_of(p, "reader;main;read;[wait:disk]")->value[0], 7000);
	/* the comment says vigil wrote it when the command is not given */
	assert_non_null(strstr(str(p, p->comment[0]), "vigil"));
	assert_non_null(strstr(str(p, p->comment[0]), "whole system"));
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
}

static void wall_nanoseconds_stay_and_have_a_period(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.clock = "wall", .unit = "ns", .freq = 100};
	Profile *p;

	(void)state;
	add(set, "app;main;[cpu]", 30000000);
	p = round_trip(set, &m);
	expect_well_formed(p);
	assert_int_equal(p->n_sample_type, 1);
	expect_type(p, p->sample_type[0], "wall", "nanoseconds");
	expect_type(p, p->period_type, "wall", "nanoseconds");
	assert_int_equal(p->period, 10000000);
	assert_string_equal(str(p, p->default_sample_type), "wall");
	assert_int_equal(sample_of(p, "app;main;[cpu]")->value[0], 30000000);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
}

/* Microseconds of the CPU clock (a converted folded file) are CPU time. */
static void cpu_microseconds_are_cpu_nanoseconds(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.clock = "cpu", .unit = "us", .freq = 99};
	Profile *p;

	(void)state;
	add(set, "a;b", 12);
	p = round_trip(set, &m);
	expect_well_formed(p);
	assert_int_equal(p->n_sample_type, 1);
	expect_type(p, p->sample_type[0], "cpu", "nanoseconds");
	assert_null(p->period_type);
	assert_int_equal(sample_of(p, "a;b")->value[0], 12000);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
}

static void samples_without_a_rate_are_counts_only(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.unit = "samples"};
	Profile *p;

	(void)state;
	add(set, "a;b", 5);
	p = round_trip(set, &m);
	expect_well_formed(p);
	assert_int_equal(p->n_sample_type, 1);
	expect_type(p, p->sample_type[0], "samples", "count");
	assert_null(p->period_type);
	assert_string_equal(str(p, p->default_sample_type), "samples");
	assert_int_equal(sample_of(p, "a;b")->value[0], 5);
	perftools__profiles__profile__free_unpacked(p, NULL);
	/* nothing known at all is the same */
	p = round_trip(set, NULL);
	expect_well_formed(p);
	assert_int_equal(p->n_sample_type, 1);
	expect_type(p, p->sample_type[0], "samples", "count");
	assert_int_equal(sample_of(p, "a;b")->value[0], 5);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
}

/* Every frame is kept: repeated names (recursion), the root, names with odd characters. */
static void every_frame_is_kept_and_names_share_functions(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.unit = "samples", .freq = 1000};
	const Sample *s;
	Profile *p;

	(void)state;
	add(set, "spin;spin;fib;fib;fib", 4);
	add(set, "spin;std::vector<int>::push_back(int const&);[unknown]", 1);
	add(set, "other", 2); /* a stack of its root alone */
	p = round_trip(set, &m);
	expect_well_formed(p);
	s = sample_of(p, "spin;spin;fib;fib;fib");
	assert_int_equal(s->n_location_id, 5);
	/* the same name is the same location wherever it stands */
	assert_int_equal(s->location_id[0], s->location_id[1]);
	assert_int_equal(s->location_id[3], s->location_id[4]);
	assert_int_equal(functions_named(p, "spin"), 1);
	assert_int_equal(functions_named(p, "fib"), 1);
	sample_of(p, "spin;std::vector<int>::push_back(int const&);[unknown]");
	assert_int_equal(sample_of(p, "other")->n_location_id, 1);
	assert_int_equal(p->n_function, 5);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
}

static void names_are_made_utf8_and_values_must_fit(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.unit = "samples", .freq = 99};
	FILE *f;
	Profile *p;

	(void)state;
	/* a thread named with a byte that is not UTF-8 (prctl allows any) */
	add(set, "bad\xffname;caf\xc3\xa9", 3);
	p = round_trip(set, &m);
	expect_well_formed(p);
	sample_of(p, "bad?name;caf\xc3\xa9");
	for (size_t i = 0; i < p->n_string_table; i++)
		assert_null(strchr(p->string_table[i], '\xff'));
	perftools__profiles__profile__free_unpacked(p, NULL);
	/* 2^62 samples at 99 Hz: their nanoseconds pass 2^63, which pprof cannot hold */
	add(set, "huge", 1ULL << 62);
	f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(pprof__write(f, set, &m), -ERANGE);
	fclose(f);
	stack_set__free(set);
}

static void an_empty_profile_is_still_one(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.unit = "samples", .freq = 99};
	Profile *p;

	(void)state;
	add(set, "a;b", 0);
	p = round_trip(set, &m);
	expect_well_formed(p);
	assert_int_equal(p->n_sample, 0);
	assert_int_equal(p->n_function, 0);
	assert_int_equal(p->n_sample_type, 2);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
}

/* Many stacks: the tables grow, and gzip's output spans many chunks. */
static void a_large_profile_reads_back_whole(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.unit = "samples", .freq = 99};
	int64_t total = 0;
	char stack[128];
	Profile *p;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		snprintf(stack, sizeof(stack), "proc%d;main;fn_%d;leaf_%d", i % 7, i,
			 i * 7919 % 5000);
		add(set, stack, i % 13 + 1);
	}
	p = round_trip(set, &m);
	expect_well_formed(p);
	assert_int_equal(p->n_sample, 20000);
	for (size_t i = 0; i < p->n_sample; i++)
		total += p->sample[i]->value[0];
	assert_int_equal(total, stack_set__total(set));
	assert_int_equal(sample_of(p, "proc3;main;fn_17;leaf_4623")->value[0], 17 % 13 + 1);
	/* 7 roots, main, 20000 fn_, 5000 leaf_ */
	assert_int_equal(p->n_function, 7 + 1 + 20000 + 5000);
	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
}

static void a_failing_write_is_an_io_error(void **state)
{
	struct stack_set *set = stack_set__new();
	struct profile_meta m = {.unit = "samples", .freq = 99};
	char buf[16];
	char stack[64];
	FILE *f;

	(void)state;
	for (int i = 0; i < 2000; i++) {
		snprintf(stack, sizeof(stack), "p;f%d", i);
		add(set, stack, 1);
	}
	f = fmemopen(buf, sizeof(buf), "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(pprof__write(f, set, &m), -EIO);
	fclose(f);
	stack_set__free(set);
}

/* The build id of the file at path in hex. */
static void build_id_hex_of(const char *path, char *hex, size_t size)
{
	__u8 id[ELF_BUILD_ID_MAX];
	size_t len = 0;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(elf_read_build_id(fd, id, sizeof(id), &len), 0);
	close(fd);
	assert_true(2 * len < size);
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", id[i]);
}

static char *write_temp_file(const char *text)
{
	static char path[64];
	size_t len = strlen(text);
	int fd;

	snprintf(path, sizeof(path), "/tmp/vigil-kallsyms-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

/* Frames the symbolizer named map to their files; the root and unknown names to none. */
static void frames_the_symbolizer_named_have_mappings(void **state)
{
	struct symbolizer *sym = symbolizer__new(NULL);
	struct stack_set *set = stack_set__new();
	struct strtab *names = stack_set__strtab(set);
	struct profile_meta m = {.unit = "samples", .freq = 99, .sym = sym};
	char *kallsyms = write_temp_file("ffffffff81000000 T _text\n"
					 "ffffffff81000100 T vigil_test_kfn\n"
					 "ffffffff81000300 T _etext\n");
	char exe[PATH_MAX], build_id[2 * ELF_BUILD_ID_MAX + 1] = "", stack[1024], hidden_name[512];
	__u64 addr = (__u64)(uintptr_t)pprof_test_work + 2, hidden;
	const Location *user, *kernel, *root, *offset;
	const Mapping *mu, *mk, *mo;
	const char *frames[6], *hid;
	void *h;
	Profile *p;
	ssize_t n;

	(void)state;
	assert_non_null(sym);
	assert_int_equal(symbolizer__set_kallsyms(sym, kallsyms), 0);
	h = dlopen(FIXTURES "libfix_stripped.so", RTLD_NOW | RTLD_LOCAL);
	if (!h)
		fail_msg("dlopen: %s (build it with make)", dlerror());
	hidden = (__u64)(uintptr_t)((void *(*)(void))dlsym(h, "fix_stripped_hidden_addr"))();
	hid = symbolizer__user(sym, getpid(), hidden, false);
	assert_non_null(strstr(hid, "libfix_stripped.so+0x"));
	snprintf(hidden_name, sizeof(hidden_name), "%s", hid);
	assert_string_equal(symbolizer__user(sym, getpid(), addr, false), "pprof_test_work");
	assert_string_equal(symbolizer__kernel(sym, 0xffffffff81000110ULL), "vigil_test_kfn");
	/* the root frame is a thread's name, here the same as the function's */
	frames[0] = strtab__intern(names, "pprof_test_work");
	frames[1] = strtab__intern(names, "pprof_test_work");
	frames[2] = strtab__intern(names, hidden_name);
	frames[3] = strtab__intern(names, "never_named");
	frames[4] = strtab__intern(names, "vigil_test_kfn_[k]");
	assert_int_equal(stack_set__add(set, frames, 5, 3), 0);
	p = round_trip(set, &m);
	expect_well_formed(p);
	snprintf(stack, sizeof(stack),
		 "pprof_test_work;pprof_test_work;%s;never_named;"
		 "vigil_test_kfn_[k]",
		 hidden_name);
	sample_of(p, stack);
	assert_int_equal(p->n_mapping, 3);

	/* one function per (name, mapping): the root's has none */
	assert_int_equal(functions_named(p, "pprof_test_work"), 2);
	root = location(p, sample_of(p, stack)->location_id[4]);
	assert_int_equal(root->mapping_id, 0);
	user = location(p, sample_of(p, stack)->location_id[3]);
	assert_string_equal(location_name(p, user), "pprof_test_work");
	assert_int_not_equal(user->mapping_id, 0);
	assert_true(user->address == addr);
	mu = mapping(p, user->mapping_id);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	assert_string_equal(str(p, mu->filename), exe);
	build_id_hex_of(exe, build_id, sizeof(build_id));
	assert_string_equal(str(p, mu->build_id), build_id);
	assert_true(mu->memory_start <= addr && addr < mu->memory_limit);
	assert_true(mu->has_functions);

	/* FILE+0xOFFSET: the file's mapping, which then does not have every function */
	offset = location_named(p, hidden_name);
	assert_true(offset->address == hidden);
	mo = mapping(p, offset->mapping_id);
	assert_non_null(strstr(str(p, mo->filename), "/libfix_stripped.so"));
	build_id_hex_of(FIXTURES "libfix_stripped.so", build_id, sizeof(build_id));
	assert_string_equal(str(p, mo->build_id), build_id);
	assert_false(mo->has_functions);

	assert_int_equal(location_named(p, "never_named")->mapping_id, 0);

	/* a kernel frame keeps its _[k] name and maps to the kernel */
	kernel = location_named(p, "vigil_test_kfn_[k]");
	assert_true(kernel->address == 0xffffffff81000110ULL);
	mk = mapping(p, kernel->mapping_id);
	assert_string_equal(str(p, mk->filename), "[kernel.kallsyms]");
	assert_true(mk->memory_start == 0xffffffff81000000ULL);
	assert_true(mk->memory_limit == 0xffffffff81000300ULL);
	assert_true(mk->has_functions);
	if (access("/sys/kernel/notes", R_OK) == 0)
		assert_true(strlen(str(p, mk->build_id)) >= 32);

	perftools__profiles__profile__free_unpacked(p, NULL);
	stack_set__free(set);
	dlclose(h);
	symbolizer__free(sym);
	unlink(kallsyms);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(on_cpu_samples_are_counts_and_cpu_nanoseconds),
		cmocka_unit_test(off_cpu_microseconds_become_nanoseconds),
		cmocka_unit_test(wall_nanoseconds_stay_and_have_a_period),
		cmocka_unit_test(cpu_microseconds_are_cpu_nanoseconds),
		cmocka_unit_test(samples_without_a_rate_are_counts_only),
		cmocka_unit_test(every_frame_is_kept_and_names_share_functions),
		cmocka_unit_test(names_are_made_utf8_and_values_must_fit),
		cmocka_unit_test(an_empty_profile_is_still_one),
		cmocka_unit_test(a_large_profile_reads_back_whole),
		cmocka_unit_test(a_failing_write_is_an_io_error),
		cmocka_unit_test(frames_the_symbolizer_named_have_mappings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
