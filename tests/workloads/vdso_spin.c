// SPDX-License-Identifier: GPL-2.0
// Workload: calls clock_gettime(CLOCK_MONOTONIC) in a tight loop, which runs
// in the vDSO without entering the kernel (with a clocksource such as tsc).
//
// Usage: vdso_spin SECONDS IMAGE   (SECONDS may be a fraction)
//
// Ground truth: main -> vdso_loop() -> clock_gettime(), libc's wrapper,
// which calls the vDSO's clock_gettime; nearly all the CPU is in the vDSO.
// Before it starts, it writes its vDSO's ELF image (the [vdso] mapping of
// /proc/self/maps, which starts at getauxval(AT_SYSINFO_EHDR)) to IMAGE, so
// that a test can name the vDSO's functions from their own symbol table.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

/* Calls made, published so that the loop has a result. */
unsigned long vdso_calls;

/* The length of the [vdso] mapping that starts at start; 0 if there is none. */
static unsigned long vdso_size(unsigned long start)
{
	FILE *f = fopen("/proc/self/maps", "r");
	unsigned long lo, hi, size = 0;
	char line[512];

	if (!f)
		return 0;
	while (!size && fgets(line, sizeof(line), f)) {
		if (strstr(line, "[vdso]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2 && lo == start)
			size = hi - lo;
	}
	fclose(f);
	return size;
}

static int write_image(const char *path)
{
	unsigned long start = getauxval(AT_SYSINFO_EHDR), size = vdso_size(start);
	FILE *f;

	if (!start || !size) {
		fprintf(stderr, "vdso_spin: this process has no vDSO\n");
		return -1;
	}
	f = fopen(path, "w");
	if (!f || fwrite((void *)start, 1, size, f) != size || fclose(f)) {
		perror(path);
		return -1;
	}
	return 0;
}

/* Read the monotonic clock until SECONDS have passed on it; integers only, so the vDSO leads. */
void vdso_loop(double seconds)
{
	long long ns = seconds * 1e9;
	struct timespec ts, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ns / 1000000000 + (end.tv_nsec + ns % 1000000000) / 1000000000;
	end.tv_nsec = (end.tv_nsec + ns % 1000000000) % 1000000000;
	do {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		vdso_calls++;
	} while (ts.tv_sec < end.tv_sec || (ts.tv_sec == end.tv_sec && ts.tv_nsec < end.tv_nsec));
}

int main(int argc, char **argv)
{
	if (argc != 3 || atof(argv[1]) <= 0) {
		fprintf(stderr, "usage: vdso_spin SECONDS IMAGE\n");
		return 2;
	}
	if (write_image(argv[2]))
		return 1;
	vdso_loop(atof(argv[1]));
	printf("vdso_spin: %lu calls\n", vdso_calls);
	return 0;
}
