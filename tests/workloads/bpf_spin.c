// SPDX-License-Identifier: GPL-2.0
// Workload: BPF programs loaded one after another while a profiler runs.
//
// Usage: bpf_spin
//
// Ground truth: the CPU is spent inside BPF programs, each a socket filter
// of raw instructions that counts down a register SPIN_ROUNDS times, run by
// BPF_PROG_TEST_RUN in a loop. The phases, each ended by a SIGUSR1:
//
//   start      load spin_hole (large) and spin_guard, then unload
//              spin_hole: a gap in the JIT's program pack below spin_guard
//   bpf_guard  run spin_guard (the thread is named for the phase)
//   bpf_first  load spin_first, then run it
//   bpf_second load spin_second, then run it; a third SIGUSR1 ends it
//
// The programs loaded late are JITed into the gap, below spin_guard, so a
// symbolizer that names an address by the nearest symbol below it, with
// symbols read before they were loaded, names them after another program.
// Each load prints "bpf_spin: NAME tag TAG" (TAG: 16 hex digits, the
// kernel's tag), and "bpf_spin: NAME running" once its phase has begun.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>

#define SPIN_ROUNDS 20000 /* countdown steps in one run of a spin program */
#define TEST_REPEAT 200	  /* runs per BPF_PROG_TEST_RUN */
#define PAD_INSNS   1200  /* about 6 KiB of JITed code before the loop */
#define SPIN_INSNS  (PAD_INSNS + 6)
#define HOLE_INSNS  (4 * SPIN_INSNS) /* room for the programs loaded later */

static volatile sig_atomic_t phase_done;

static void on_usr1(int sig)
{
	(void)sig;
	phase_done = 1;
}

/*
 * A spin program: PAD_INSNS moves to r2 (size, so that it does not fit the
 * small gaps other programs left), then r0 = seed; r1 = SPIN_ROUNDS;
 * do { r0 += r1; r1 -= 1; } while (r1); return r0. The seed differs
 * between programs, and with it the tag the kernel computes from the
 * instructions.
 */
static void spin_insns(struct bpf_insn *insns, int seed)
{
	const struct bpf_insn loop[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = seed},
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_1, .imm = SPIN_ROUNDS},
		{.code = BPF_ALU64 | BPF_ADD | BPF_X, .dst_reg = BPF_REG_0, .src_reg = BPF_REG_1},
		{.code = BPF_ALU64 | BPF_SUB | BPF_K, .dst_reg = BPF_REG_1, .imm = 1},
		{.code = BPF_JMP | BPF_JNE | BPF_K, .dst_reg = BPF_REG_1, .off = -3, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};

	for (int i = 0; i < PAD_INSNS; i++)
		insns[i] = (struct bpf_insn){
			.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_2, .imm = i + 1};
	memcpy(insns + PAD_INSNS, loop, sizeof(loop));
}

/* Load a socket filter and print its tag; the fd, or exit on failure. */
static int load(const char *name, const struct bpf_insn *insns, size_t cnt)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd;

	fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, name, "GPL", insns, cnt, NULL);
	if (fd < 0) {
		fprintf(stderr, "bpf_spin: prog '%s': failed to load: %s\n", name, strerror(-fd));
		exit(1);
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "bpf_spin: prog '%s': failed to get info: %s\n", name,
			strerror(errno));
		exit(1);
	}
	printf("bpf_spin: %s tag ", name);
	for (size_t i = 0; i < sizeof(info.tag); i++)
		printf("%02x", info.tag[i]);
	printf("\n");
	fflush(stdout);
	return fd;
}

/* Load a spin program named name, with seed, and print its tag. */
static int load_spin(const char *name, int seed)
{
	struct bpf_insn insns[SPIN_INSNS];

	spin_insns(insns, seed);
	return load(name, insns, SPIN_INSNS);
}

/* A program of HOLE_INSNS instructions, loaded only to leave a gap once it is closed. */
static int load_hole(void)
{
	static struct bpf_insn insns[HOLE_INSNS];

	for (size_t i = 0; i < HOLE_INSNS - 1; i++)
		insns[i] = (struct bpf_insn){
			.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = (int)i};
	insns[HOLE_INSNS - 1] = (struct bpf_insn){.code = BPF_JMP | BPF_EXIT};
	return load("spin_hole", insns, HOLE_INSNS);
}

/* Name the thread for the phase, then run prog until the next SIGUSR1. */
static void run_phase(const char *comm, const char *prog, int fd)
{
	char data[64] = {0}; /* a socket filter's test run wants at least an Ethernet header */
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = data, .data_size_in = sizeof(data),
		    .repeat = TEST_REPEAT);
	int err;

	prctl(PR_SET_NAME, comm);
	printf("bpf_spin: %s running\n", prog);
	fflush(stdout);
	while (!phase_done) {
		err = bpf_prog_test_run_opts(fd, &opts);
		if (err && errno != EINTR) {
			fprintf(stderr, "bpf_spin: prog '%s': test run failed: %s\n", prog,
				strerror(errno));
			exit(1);
		}
	}
	phase_done = 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = {.sa_handler = on_usr1};
	int hole, guard, first, second;

	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "usage: bpf_spin\n");
		return 2;
	}
	sigaction(SIGUSR1, &sa, NULL);
	hole = load_hole();
	guard = load_spin("spin_guard", 1);
	close(hole);
	run_phase("bpf_guard", "spin_guard", guard);
	first = load_spin("spin_first", 2);
	run_phase("bpf_first", "spin_first", first);
	second = load_spin("spin_second", 3);
	run_phase("bpf_second", "spin_second", second);
	close(second);
	close(first);
	close(guard);
	return 0;
}
