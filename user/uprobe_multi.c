// SPDX-License-Identifier: GPL-2.0
/* uprobe_multi.c: one uprobe_multi link per file, leaving out what the kernel refuses to probe. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "probes.h"
#include "uprobe_multi.h"

/* ---------------------------------------------------------------- links */

int links__add(struct links *ls, struct bpf_link *l)
{
	if (ls->n == ls->cap) {
		size_t cap = ls->cap ? ls->cap * 2 : 64;
		struct bpf_link **n = realloc(ls->l, cap * sizeof(*n));

		if (!n) {
			bpf_link__destroy(l);
			return -ENOMEM;
		}
		ls->l = n;
		ls->cap = cap;
	}
	ls->l[ls->n++] = l;
	return 0;
}

int links__add_fd(struct links *ls, int fd)
{
	if (ls->nfds == ls->fcap) {
		size_t cap = ls->fcap ? ls->fcap * 2 : 16;
		int *n = realloc(ls->fds, cap * sizeof(*n));

		if (!n) {
			close(fd);
			return -ENOMEM;
		}
		ls->fds = n;
		ls->fcap = cap;
	}
	ls->fds[ls->nfds++] = fd;
	return 0;
}

void links__destroy(struct links *ls)
{
	for (size_t i = 0; i < ls->nfds; i++)
		close(ls->fds[i]);
	for (size_t i = 0; i < ls->n; i++)
		bpf_link__destroy(ls->l[i]);
	free(ls->l);
	free(ls->fds);
	memset(ls, 0, sizeof(*ls));
}

/* ---------------------------------------------------------------- one link */

/* union bpf_attr's link_create for a uprobe_multi link, as the kernel's uapi lays it out. */
#define UPROBE_MULTI_RETURN (1U << 0) /* BPF_F_UPROBE_MULTI_RETURN */

struct uprobe_multi_attr {
	__u32 prog_fd;
	__u32 target_fd;
	__u32 attach_type;
	__u32 flags;
	__u64 path;
	__u64 offsets;
	__u64 ref_ctr_offsets;
	__u64 cookies;
	__u32 cnt;
	__u32 mflags;
	__u32 pid;
	__u32 pad;
};

/* One link for cnt functions of one file: the kernel registers them together. */
int uprobe_multi__link(struct bpf_program *prog, const char *path, const __u64 *offsets,
		       const __u64 *cookies, __u32 cnt, int pid, bool ret)
{
	struct uprobe_multi_attr at = {
		.prog_fd = bpf_program__fd(prog),
		.attach_type = ATTACH_UPROBE_MULTI,
		.path = (__u64)(unsigned long)path,
		.offsets = (__u64)(unsigned long)offsets,
		.cookies = (__u64)(unsigned long)cookies,
		.cnt = cnt,
		.mflags = ret ? UPROBE_MULTI_RETURN : 0,
		.pid = pid > 0 ? pid : 0,
	};
	int fd = syscall(__NR_bpf, BPF_LINK_CREATE, &at, sizeof(at));

	return fd < 0 ? -errno : fd;
}

/* ---------------------------------------------------------------- batches */

bool fn_batch__first_of_file(const struct probe_set *ps, size_t i)
{
	if (ps->fns[i].kind != PROBE_UPROBE)
		return false;
	for (size_t j = 0; j < i; j++)
		if (ps->fns[j].kind == PROBE_UPROBE && !strcmp(ps->fns[j].path, ps->fns[i].path))
			return false;
	return true;
}

size_t fn_batch__fill(struct fn_batch *b, size_t first)
{
	const struct probe_set *ps = b->ps;
	size_t cnt = 0;

	b->path = ps->fns[first].path;
	for (size_t j = first; j < ps->n; j++) {
		if (ps->fns[j].kind != PROBE_UPROBE || (b->skip && b->skip[j]) ||
		    strcmp(ps->fns[j].path, ps->fns[first].path))
			continue;
		b->offsets[cnt] = ps->fns[j].offset;
		b->cookies[cnt++] = j | (ps->fns[j].stepped ? b->stepped : 0);
	}
	return cnt;
}

int fn_batch__attach(struct fn_batch *b, size_t lo, size_t hi)
{
	int fd, rfd, err;
	size_t mid, idx;

	if (lo >= hi)
		return 0;
	fd = uprobe_multi__link(b->entry, b->path, b->offsets + lo, b->cookies + lo, hi - lo,
				b->pid, false);
	if (fd >= 0) {
		rfd = uprobe_multi__link(b->ret, b->path, b->offsets + lo, b->cookies + lo, hi - lo,
					 b->pid, true);
		if (rfd < 0) {
			close(fd);
			return rfd;
		}
		err = links__add_fd(b->ls, fd);
		return err ? err : links__add_fd(b->ls, rfd);
	}
	if (fd != -524 /* ENOTSUPP */ && fd != -EINVAL)
		return fd;
	if (hi - lo == 1) {
		idx = b->cookies[lo] & ~b->stepped;
		if (!b->refused++ && b->ps)
			b->first_refused = b->ps->fns[idx].name;
		if (b->skip)
			b->skip[idx] = true;
		return 0;
	}
	mid = lo + (hi - lo) / 2;
	err = fn_batch__attach(b, lo, mid);
	return err ? err : fn_batch__attach(b, mid, hi);
}

/*
 * Which of the batch's cnt functions the kernel refuses to probe, marked
 * in b->skip. The kernel reads a function's first instruction when it
 * first places the probe in a process that maps the file: for a command
 * not yet started, a library not yet loaded, or every process (pid 0)
 * when none maps it yet, that is later, and a refusal then is silent. So
 * vigil maps the file itself, probes it in its own process, and removes
 * those probes; a mapping it never runs.
 */
static int find_refused(struct fn_batch *b, size_t cnt)
{
	struct links tmp = {};
	struct fn_batch v = *b;
	struct stat st;
	void *map = MAP_FAILED;
	int fd, err;

	fd = open(b->path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !fstat(fd, &st) && st.st_size > 0)
		map = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		err = -errno;
		if (fd >= 0)
			close(fd);
		return err;
	}
	v.ls = &tmp;
	v.pid = getpid();
	err = fn_batch__attach(&v, 0, cnt);
	links__destroy(&tmp);
	munmap(map, st.st_size);
	close(fd);
	b->refused = v.refused;
	b->first_refused = v.first_refused;
	return err;
}

int fn_batch__find_all_refused(const struct fn_batch *proto, size_t *refused,
			       const char **first_refused, size_t *failed)
{
	const struct probe_set *ps = proto->ps;
	__u64 *offsets = calloc(ps->n + 1, sizeof(*offsets));
	__u64 *cookies = calloc(ps->n + 1, sizeof(*cookies));
	int err = 0;

	*failed = ps->n;
	for (size_t i = 0; offsets && cookies && !err && i < ps->n; i++) {
		struct fn_batch bt = *proto;

		if (!fn_batch__first_of_file(ps, i))
			continue;
		bt.offsets = offsets;
		bt.cookies = cookies;
		bt.refused = 0;
		bt.first_refused = NULL;
		err = find_refused(&bt, fn_batch__fill(&bt, i));
		if (err)
			*failed = i;
		*refused += bt.refused;
		if (bt.refused && !*first_refused)
			*first_refused = bt.first_refused;
	}
	if (!offsets || !cookies)
		err = -ENOMEM;
	free(offsets);
	free(cookies);
	return err;
}
