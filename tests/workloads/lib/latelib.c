// SPDX-License-Identifier: GPL-2.0
// Workload: a library loaded late in a process's life. It burns BEFORE
// seconds of CPU in early_burn(), then dlopen()s libhotlib.so (next to
// it) and burns AFTER seconds in its hotlib_spin(), then exits: the
// library's code runs only in the process's last moments.
//
// Usage: latelib BEFORE AFTER
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../lifecycle/burn.h"

static volatile unsigned long acc;

void early_burn(double seconds)
{
	volatile int keep_frame = 0;

	BURN_CPU(seconds, acc);
	(void)keep_frame;
}

/* Call hotlib_spin in rounds until SECONDS of CPU have passed. */
void late_calls(void (*spin)(unsigned long), double seconds)
{
	double end = cpu_now() + seconds;

	while (cpu_now() < end)
		spin(200000);
}

int main(int argc, char **argv)
{
	char path[4096], *slash;
	void (*spin)(unsigned long);
	void *lib;
	ssize_t n;

	if (argc != 3 || atof(argv[1]) <= 0 || atof(argv[2]) <= 0) {
		fprintf(stderr, "usage: latelib BEFORE AFTER\n");
		return 2;
	}
	early_burn(atof(argv[1]));
	n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	if (n <= 0)
		return 1;
	path[n] = '\0';
	slash = strrchr(path, '/');
	strcpy(slash + 1, "libhotlib.so");
	lib = dlopen(path, RTLD_NOW);
	spin = lib ? (void (*)(unsigned long))dlsym(lib, "hotlib_spin") : NULL;
	if (!spin) {
		fprintf(stderr, "latelib: %s\n", dlerror());
		return 1;
	}
	late_calls(spin, atof(argv[2]));
	return 0;
}
