/* SPDX-License-Identifier: GPL-2.0 */
/* summary.h: a short text report of a profile: top threads and functions with their shares. */
#ifndef VIGIL_SUMMARY_H
#define VIGIL_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

struct stack_set;

struct summary_opts {
	const char *title; /* first line, such as what was profiled and how */
	const char *notes; /* after the total, such as what was lost or cut; NULL: none */
	const char *unit;  /* "samples" or "us" */
	int top_threads;   /* rows in the threads table */
	int top;	   /* rows in the functions table */
	bool class_last;   /* stacks end in a class ([cpu], [wait:...]), cut marks and the
			    * scheduler: self time goes to the frame before them */
};

/*
 * Print the top thread names (the outermost frame of every stack) by value,
 * and the top functions by self value (innermost frame) with their total
 * value (stacks that hold the function at least once). Returns 0 or -errno.
 */
int summary__write(FILE *f, struct stack_set *set, const struct summary_opts *opts);

#endif /* VIGIL_SUMMARY_H */
