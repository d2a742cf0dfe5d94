// SPDX-License-Identifier: GPL-2.0
// Part of usdt_prog (usdt_prog.c): the probe vtest:tick, without a
// semaphore. sys/sdt.h decides per translation unit whether its probes
// have semaphores, so the probe without one has a file of its own.
#include <sys/sdt.h>

#include "usdt_prog.h"

__attribute__((noipa)) void fire_tick(long round)
{
	STAP_PROBE1(vtest, tick, round);
}
