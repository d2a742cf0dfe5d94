// SPDX-License-Identifier: GPL-2.0
// usdt_prog's two parts: the probe without a semaphore (tick.c) and main.
#ifndef USDT_PROG_H
#define USDT_PROG_H

/* Fires vtest:tick once, with ROUND as its argument. */
void fire_tick(long round);

#endif
