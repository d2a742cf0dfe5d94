// SPDX-License-Identifier: GPL-2.0
/* test_debuginfo.c: stripped libraries named from their separate debug files, and only those. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gelf.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "debuginfo.h"
#include "elf_syms.h"
#include "symbolizer.h"
#include "util.h"

/* Built by tests/unit/fixtures.mk; the test runs from the project root. */
#define FIXTURES "build/fixtures/"

#define ADDR(p) ((__u64)(uintptr_t)(p))

/* What each test gets: an empty debug folder of its own, and a symbolizer that uses only it. */
struct fixture {
	char dir[64];
	struct symbolizer *s;
	pid_t server; /* a test's HTTP server, 0 when none */
};

/* ------------------------------------------------------------------------
 * Helpers
 * ------------------------------------------------------------------------ */

static struct symbolizer *new_symbolizer(const char *debug_dir)
{
	struct symbolizer_opts opts = {.debug_dirs = {debug_dir}, .nr_debug_dirs = 1};
	struct symbolizer *s = symbolizer__new(&opts);

	assert_non_null(s);
	return s;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/vigil-debugdir-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->s = new_symbolizer(f->dir);
	*state = f;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->server > 0) {
		kill(f->server, SIGKILL);
		waitpid(f->server, NULL, 0);
	}
	unsetenv("DEBUGINFOD_URLS");
	unsetenv("DEBUGINFOD_CACHE_PATH");
	unsetenv("DEBUGINFOD_TIMEOUT");
	unsetenv("DEBUGINFOD_RETRY_LIMIT");
	vigil_verbose = 0;
	symbolizer__free(f->s);
	nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

static void expect_user(struct symbolizer *s, __u64 addr, const char *want)
{
	const char *got = symbolizer__user(s, getpid(), addr, false);

	assert_non_null(got);
	assert_string_equal(got, want);
}

static void *load_fixture(const char *path)
{
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!h)
		fail_msg("dlopen %s: %s (build it with make)", path, dlerror());
	return h;
}

static __u64 fixture_sym(void *h, const char *name)
{
	void *p = dlsym(h, name);

	if (!p)
		fail_msg("dlsym %s: %s", name, dlerror());
	return ADDR(p);
}

/* The address of the fixture's static function, from its getter. */
static __u64 hidden_addr(void *h)
{
	void *(*get)(void) = (void *(*)(void))(uintptr_t)fixture_sym(h, "fix_debug_hidden_addr");

	return ADDR(get());
}

/* "BASENAME+0xOFFSET" for addr, from /proc/self/maps: what a frame without a symbol shows. */
static void file_offset_name(__u64 addr, const char *base, char *buf, size_t size)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long long start, end, pgoff;
	char line[PATH_MAX + 128];
	bool found = false;

	assert_non_null(f);
	while (!found && fgets(line, sizeof(line), f)) {
		found = sscanf(line, "%llx-%llx %*s %llx", &start, &end, &pgoff) == 3 &&
			addr >= start && addr < end;
	}
	fclose(f);
	if (!found)
		fail_msg("address 0x%llx is in no mapping", (unsigned long long)addr);
	snprintf(buf, size, "%s+0x%llx", base, (unsigned long long)(addr - start + pgoff));
}

/* Whether an ELF file has a section of this type. */
static bool has_section_type(const char *path, Elf64_Word type)
{
	Elf_Scn *scn = NULL;
	bool found = false;
	GElf_Shdr sh;
	Elf *elf;
	int fd;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while (!found && (scn = elf_nextscn(elf, scn)))
		found = gelf_getshdr(scn, &sh) && sh.sh_type == type;
	elf_end(elf);
	close(fd);
	return found;
}

/* The value of a function symbol in an ELF file's .symtab; fails when it has none such. */
static __u64 symtab_value(const char *path, const char *name)
{
	Elf_Scn *scn = NULL;
	__u64 value = 0;
	bool found = false;
	GElf_Shdr sh;
	GElf_Sym sym;
	Elf *elf;
	int fd;

	assert_int_not_equal(elf_version(EV_CURRENT), EV_NONE);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	while (!found && (scn = elf_nextscn(elf, scn))) {
		Elf_Data *data = elf_getdata(scn, NULL);

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !data)
			continue;
		for (size_t i = 0; i < sh.sh_size / sh.sh_entsize && !found; i++) {
			found = gelf_getsym(data, i, &sym) &&
				!strcmp(elf_strptr(elf, sh.sh_link, sym.st_name), name);
			value = sym.st_value;
		}
	}
	elf_end(elf);
	close(fd);
	if (!found)
		fail_msg("%s has no symbol %s in .symtab", path, name);
	return value;
}

static void copy_file(const char *src, const char *dst)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(src, O_RDONLY);
	assert_true(in >= 0);
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, n), n);
	assert_int_equal(n, 0);
	close(in);
	close(out);
}

/* mkdir -p for a path inside the test's folder. */
static void make_dirs(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static size_t build_id_of(const char *path, __u8 *id)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(elf_read_build_id(fd, id, ELF_BUILD_ID_MAX, &len), 0);
	close(fd);
	assert_true(len >= 2);
	return len;
}

/* Put debug at DIR/.build-id/NN/REST.debug for the build id of lib. */
static void place_by_build_id(const char *dir, const char *lib, const char *debug)
{
	char path[PATH_MAX], hex[2 * ELF_BUILD_ID_MAX + 1] = "";
	__u8 id[ELF_BUILD_ID_MAX];
	size_t len = build_id_of(lib, id);

	for (size_t i = 0; i < len; i++)
		sprintf(hex + 2 * i, "%02x", id[i]);
	snprintf(path, sizeof(path), "%s/.build-id/%.2s", dir, hex);
	make_dirs(path);
	snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s.debug", dir, hex, hex + 2);
	copy_file(debug, path);
}

/* stderr goes to a file between capture_begin() and capture_end(), which returns its lines. */
struct capture {
	FILE *file;
	int saved;
	char text[4096];
};

static void capture_begin(struct capture *c)
{
	c->file = tmpfile();
	assert_non_null(c->file);
	fflush(stderr);
	c->saved = dup(STDERR_FILENO);
	dup2(fileno(c->file), STDERR_FILENO);
}

static const char *capture_end(struct capture *c)
{
	size_t n;

	fflush(stderr);
	dup2(c->saved, STDERR_FILENO);
	close(c->saved);
	rewind(c->file);
	n = fread(c->text, 1, sizeof(c->text) - 1, c->file);
	c->text[n] = '\0';
	fclose(c->file);
	return c->text;
}

static int count_substr(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)); p += strlen(what))
		n++;
	return n;
}

/* ------------------------------------------------------------------------
 * .gnu_debuglink
 * ------------------------------------------------------------------------ */

static void test_debuglink_next_to_the_library_names_its_static_function(void **state)
{
	struct fixture *f = *state;
	void *h;

	assert_false(has_section_type(FIXTURES "libfix_dbg_link.so", SHT_SYMTAB));
	h = load_fixture(FIXTURES "libfix_dbg_link.so");
	expect_user(f->s, hidden_addr(h), "fix_debug_hidden");
	expect_user(f->s, hidden_addr(h) + 4, "fix_debug_hidden");
	expect_user(f->s, fixture_sym(h, "fix_debug_exported"), "fix_debug_exported");
	dlclose(h);
}

static void test_debuglink_in_the_debug_subfolder_is_found(void **state)
{
	struct fixture *f = *state;
	void *h;

	assert_false(has_section_type(FIXTURES "libfix_dbg_sub.so", SHT_SYMTAB));
	assert_int_equal(access(FIXTURES "libfix_dbg_sub.debug", F_OK), -1); /* not next to it */
	h = load_fixture(FIXTURES "libfix_dbg_sub.so");
	expect_user(f->s, hidden_addr(h), "fix_debug_hidden");
	dlclose(h);
}

static void test_debuglink_under_the_debug_dir_and_library_folder_is_found(void **state)
{
	struct fixture *f = *state;
	char fixtures[PATH_MAX], path[2 * PATH_MAX];
	const char *got;
	void *h;

	assert_non_null(realpath(FIXTURES, fixtures));
	h = load_fixture(FIXTURES "libfix_dbg_dirlink.so");
	/* nowhere yet: only .dynsym names, the static function is an offset */
	got = symbolizer__user(f->s, getpid(), hidden_addr(h), false);
	assert_non_null(got);
	assert_non_null(strstr(got, "libfix_dbg_dirlink.so+0x"));

	/* DEBUGDIR/<the library's folder>/NAME, read by a symbolizer that has not cached it */
	snprintf(path, sizeof(path), "%s%s", f->dir, fixtures);
	make_dirs(path);
	snprintf(path, sizeof(path), "%s%s/libfix_dbg_dirlink.debug", f->dir, fixtures);
	copy_file(FIXTURES "elsewhere/libfix_dbg_dirlink.debug", path);
	symbolizer__free(f->s);
	f->s = new_symbolizer(f->dir);
	expect_user(f->s, hidden_addr(h), "fix_debug_hidden");
	dlclose(h);
}

static void test_debuglink_with_a_wrong_crc_is_not_used(void **state)
{
	struct fixture *f = *state;
	char want[PATH_MAX];
	__u64 hidden;
	void *h;

	h = load_fixture(FIXTURES "libfix_dbg_badcrc.so");
	hidden = hidden_addr(h);
	file_offset_name(hidden, "libfix_dbg_badcrc.so", want, sizeof(want));
	expect_user(f->s, hidden, want);
	expect_user(f->s, fixture_sym(h, "fix_debug_exported"), "fix_debug_exported"); /* .dynsym */

	/* the file itself would name it: found by build id, where no CRC applies, it does */
	place_by_build_id(f->dir, FIXTURES "libfix_dbg_badcrc.so",
			  FIXTURES "libfix_dbg_badcrc.debug");
	symbolizer__free(f->s);
	f->s = new_symbolizer(f->dir);
	expect_user(f->s, hidden, "fix_debug_hidden");
	dlclose(h);
}

/* ------------------------------------------------------------------------
 * .build-id folders
 * ------------------------------------------------------------------------ */

static void test_build_id_folder_names_a_library_without_debuglink(void **state)
{
	struct fixture *f = *state;
	char want[PATH_MAX];
	__u64 hidden;
	void *h;

	assert_false(has_section_type(FIXTURES "libfix_dbg_id.so", SHT_SYMTAB));
	h = load_fixture(FIXTURES "libfix_dbg_id.so");
	hidden = hidden_addr(h);
	file_offset_name(hidden, "libfix_dbg_id.so", want, sizeof(want));
	expect_user(f->s, hidden, want); /* the folder is empty yet */

	place_by_build_id(f->dir, FIXTURES "libfix_dbg_id.so", FIXTURES "libfix_dbg.debug");
	symbolizer__free(f->s);
	f->s = new_symbolizer(f->dir);
	expect_user(f->s, hidden, "fix_debug_hidden");
	expect_user(f->s, fixture_sym(h, "fix_debug_exported"), "fix_debug_exported");
	dlclose(h);
}

static void test_build_id_folder_file_of_another_build_is_rejected_once(void **state)
{
	struct fixture *f = *state;
	char want[PATH_MAX], want2[PATH_MAX];
	struct capture cap;
	const char *err;
	__u64 hidden;
	void *h;

	/* the other build's debug file would name the static function's address wrongly */
	assert_int_equal(symtab_value(FIXTURES "libfix_dbg_other.debug", "fix_debug_other_hidden"),
			 symtab_value(FIXTURES "libfix_dbg.debug", "fix_debug_hidden"));
	place_by_build_id(f->dir, FIXTURES "libfix_dbg_id.so", FIXTURES "libfix_dbg_other.debug");

	h = load_fixture(FIXTURES "libfix_dbg_id.so");
	hidden = hidden_addr(h);
	file_offset_name(hidden, "libfix_dbg_id.so", want, sizeof(want));
	file_offset_name(hidden + 4, "libfix_dbg_id.so", want2, sizeof(want2));
	vigil_verbose = 1;
	capture_begin(&cap);
	expect_user(f->s, hidden, want);
	expect_user(f->s, hidden + 4, want2);
	err = capture_end(&cap);
	vigil_verbose = 0;
	assert_int_equal(count_substr(err, "not used: its build id differs\n"), 1);
	assert_int_equal(count_substr(err, "\n"), 2); /* and: no debug file found */
	assert_non_null(strstr(err, "libfix_dbg_id.so: no separate debug file found"));
	dlclose(h);
}

/* ------------------------------------------------------------------------
 * debuginfod
 * ------------------------------------------------------------------------ */

/* A loopback socket listening on a port of its own: *port set, the socket returned. */
static int listen_loopback(int *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* A loopback port nobody listens on: a fetch there is refused at once. */
static int closed_port(void)
{
	int port, fd = listen_loopback(&port);

	close(fd);
	return port;
}

/* What a test's HTTP server answers. */
enum reply {
	REPLY_404,     /* 404 Not Found, at once */
	REPLY_ENDLESS, /* 200 and a 1 GB body at about 1 MB/s, for 8 s: never done, never slow */
};

/* Read one HTTP request's head from c. */
static void read_request(int c)
{
	char req[4096];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(req) - 1 && (n = read(c, req + got, sizeof(req) - 1 - got)) > 0) {
		got += n;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
}

static void send_reply(int c, enum reply reply)
{
	static const char not_found[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
					"Connection: close\r\n\r\n";
	static const char endless[] = "HTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\n"
				      "Connection: close\r\n\r\n";
	static char chunk[65536];

	if (reply == REPLY_404) {
		if (write(c, not_found, sizeof(not_found) - 1) < 0)
			return;
		return;
	}
	if (write(c, endless, sizeof(endless) - 1) < 0)
		return;
	/* about 8 s: twice the time allowed, so a fetch not cut short fails rather than hangs */
	for (int i = 0; i < 160 && write(c, chunk, sizeof(chunk)) > 0; i++)
		usleep(50000);
}

/* A child process answering every HTTP request on a loopback port; it ends with this process. */
static pid_t start_server(int *port, enum reply reply)
{
	int lfd = listen_loopback(port);
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid > 0) {
		close(lfd);
		return pid;
	}
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		_exit(0);
	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		int c = accept(lfd, NULL, NULL);

		if (c < 0)
			continue;
		read_request(c);
		send_reply(c, reply);
		close(c);
	}
}

/* Point debuginfod at url, with a cache in the test's folder, and make a debuginfo there. */
static struct debuginfo *debuginfo_for(struct fixture *f, const char *url)
{
	struct debuginfo_opts opts = {.dirs = (const char *[]){f->dir}, .nr_dirs = 1};
	char cache[PATH_MAX];
	struct debuginfo *d;

	/* kept until teardown: the client reads them at each fetch */
	snprintf(cache, sizeof(cache), "%s/cache", f->dir);
	setenv("DEBUGINFOD_URLS", url, 1);
	setenv("DEBUGINFOD_CACHE_PATH", cache, 1);
	d = debuginfo__new(&opts);
	assert_non_null(d);
	return d;
}

static unsigned long queries(struct debuginfo *d)
{
	struct debuginfo_stats st;

	debuginfo__stats(d, &st);
	return st.debuginfod_queries;
}

static void test_debuginfod_is_asked_once_per_build_id_with_short_defaults(void **state)
{
	struct fixture *f = *state;
	__u8 id1[20] = {0xde, 0xad, 1}, id2[20] = {0xde, 0xad, 2};
	struct debuginfo_req req = {.fd = -1, .build_id = id1, .build_id_len = sizeof(id1)};
	char url[64], path[PATH_MAX];
	struct debuginfo *d;
	int port;

	f->server = start_server(&port, REPLY_404);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	unsetenv("DEBUGINFOD_TIMEOUT");
	unsetenv("DEBUGINFOD_RETRY_LIMIT");
	d = debuginfo_for(f, url);

	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	assert_int_equal(queries(d), 1); /* a miss is remembered too */
	assert_string_equal(getenv("DEBUGINFOD_TIMEOUT"), "5");
	assert_string_equal(getenv("DEBUGINFOD_RETRY_LIMIT"), "0");

	req.build_id = id2; /* a miss leaves the server asked for other build ids */
	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	assert_int_equal(queries(d), 2);
	debuginfo__free(d);
}

static void test_debuginfod_is_not_asked_again_after_a_failed_fetch(void **state)
{
	struct fixture *f = *state;
	__u8 id1[20] = {0xfa, 0x11, 1}, id2[20] = {0xfa, 0x11, 2};
	struct debuginfo_req req = {.fd = -1, .build_id = id1, .build_id_len = sizeof(id1)};
	char url[64], path[PATH_MAX];
	struct capture cap;
	struct debuginfo *d;
	const char *err;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
	d = debuginfo_for(f, url);
	vigil_verbose = 1;
	capture_begin(&cap);
	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	req.build_id = id2;
	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	err = capture_end(&cap);
	vigil_verbose = 0;
	assert_int_equal(queries(d), 1);
	assert_non_null(strstr(err, "Connection refused; not asked again in this run\n"));
	debuginfo__free(d);
}

static void test_debuginfod_fetches_are_cut_short_when_their_time_is_up(void **state)
{
	struct fixture *f = *state;
	__u8 id1[20] = {0x51, 0x0e, 1}, id2[20] = {0x51, 0x0e, 2};
	struct debuginfo_req req = {.fd = -1, .build_id = id1, .build_id_len = sizeof(id1)};
	char url[64], path[PATH_MAX];
	struct capture cap;
	struct debuginfo *d;
	const char *err;
	int port;

	/* 1 s per fetch to start sending, DEBUGINFO_BUDGET_FACTOR (4) s for all */
	f->server = start_server(&port, REPLY_ENDLESS);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	setenv("DEBUGINFOD_TIMEOUT", "1", 1);
	d = debuginfo_for(f, url);
	vigil_verbose = 1;
	capture_begin(&cap);
	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	req.build_id = id2;
	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	err = capture_end(&cap);
	vigil_verbose = 0;
	assert_int_equal(queries(d), 1);
	assert_non_null(strstr(err, "debuginfod: build id 510e01"));
	assert_non_null(
		strstr(err, ": cut short, 4 s spent in all; not asked again in this run\n"));
	debuginfo__free(d);
}

static void test_debuginfod_timeout_and_retries_of_the_user_are_kept(void **state)
{
	struct fixture *f = *state;
	__u8 id[20] = {0xbe, 0xef};
	struct debuginfo_req req = {.fd = -1, .build_id = id, .build_id_len = sizeof(id)};
	char url[64], path[PATH_MAX];
	struct debuginfo *d;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d", closed_port());
	setenv("DEBUGINFOD_TIMEOUT", "2", 1);
	setenv("DEBUGINFOD_RETRY_LIMIT", "3", 1);
	d = debuginfo_for(f, url);
	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	assert_int_equal(queries(d), 1);
	assert_string_equal(getenv("DEBUGINFOD_TIMEOUT"), "2");
	assert_string_equal(getenv("DEBUGINFOD_RETRY_LIMIT"), "3");
	debuginfo__free(d);
}

static void test_debuginfod_is_not_asked_when_urls_are_empty(void **state)
{
	struct fixture *f = *state;
	__u8 id[20] = {0xbe, 0xef};
	struct debuginfo_req req = {.fd = -1, .build_id = id, .build_id_len = sizeof(id)};
	char path[PATH_MAX];
	struct debuginfo *d = debuginfo_for(f, "");

	assert_int_equal(debuginfo__open(d, &req, path, sizeof(path)), -ENOENT);
	assert_int_equal(queries(d), 0);
	debuginfo__free(d);
}

/* ------------------------------------------------------------------------
 * Caching
 * ------------------------------------------------------------------------ */

static void test_debug_file_read_once_serves_another_process(void **state)
{
	struct fixture *f = *state;
	struct symbolizer_stats st;
	pid_t child;
	void *h;

	h = load_fixture(FIXTURES "libfix_dbg_link.so");
	expect_user(f->s, hidden_addr(h), "fix_debug_hidden");
	child = fork(); /* shares the library's mapping */
	assert_true(child >= 0);
	if (child == 0) {
		for (;;)
			pause();
	}
	assert_string_equal(symbolizer__user(f->s, child, hidden_addr(h), false),
			    "fix_debug_hidden");
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	symbolizer__stats(f->s, &st);
	assert_int_equal(st.files_parsed, 1); /* the library and its debug file, once */
	assert_int_equal(st.file_cache_hits, 1);
	dlclose(h);
}

#define FRESH(test) cmocka_unit_test_setup_teardown(test, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		FRESH(test_debuglink_next_to_the_library_names_its_static_function),
		FRESH(test_debuglink_in_the_debug_subfolder_is_found),
		FRESH(test_debuglink_under_the_debug_dir_and_library_folder_is_found),
		FRESH(test_debuglink_with_a_wrong_crc_is_not_used),
		FRESH(test_build_id_folder_names_a_library_without_debuglink),
		FRESH(test_build_id_folder_file_of_another_build_is_rejected_once),
		FRESH(test_debuginfod_is_asked_once_per_build_id_with_short_defaults),
		FRESH(test_debuginfod_is_not_asked_again_after_a_failed_fetch),
		FRESH(test_debuginfod_fetches_are_cut_short_when_their_time_is_up),
		FRESH(test_debuginfod_timeout_and_retries_of_the_user_are_kept),
		FRESH(test_debuginfod_is_not_asked_when_urls_are_empty),
		FRESH(test_debug_file_read_once_serves_another_process),
	};

	/* the user's servers are not asked by tests that do not set their own */
	unsetenv("DEBUGINFOD_URLS");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
