/* SPDX-License-Identifier: GPL-2.0 */
/*
 * flame.h: flame graphs as self-contained interactive SVG, and differential
 * flame graphs of two profiles.
 *
 * The SVG draws every frame at least min_width pixels wide as a static
 * rectangle, so it reads without scripts (an <img>, a README); a small
 * embedded script adds hover details, click to zoom and search. Narrower
 * frames are merged per parent into one "[N narrow frames]" frame when
 * together they are wide enough, otherwise dropped; the parent's width
 * still counts them, so totals stay true.
 *
 * The document, for tools and tests that read it back:
 *   <svg id="vigil-flame" data-total="T" data-unit="U" data-width="W"
 *        data-xpad="X" data-frames="N" data-dropped="D" data-mode="normal|diff">
 *   each frame is <g class="f" data-v="V" data-d="DEPTH"> holding
 *     <title>NAME\nDETAILS</title>  (the full name on the first line)
 *     <rect x=.. y=.. width=.. height=.. fill=../> and <text>label</text>
 *   and in diff mode also data-b="BEFORE" (after normalising).
 *   DEPTH 0 is the root frame "all"; V its total. Frames at depth d+1 lie
 *   within their parent's [x, x+width). width = V / T * (W - 2X).
 *   #details: the status line (hovered frame), #matched: "Matched: P%"
 *   after a search, #search: click (or Ctrl-F, or /) prompts for a
 *   regular expression, #unzoom: "Reset Zoom", shown while zoomed.
 *   Zoomed: the clicked frame spans the full width, its ancestors get class
 *   "parent", frames outside its subtree class "hide"; searched: matching
 *   frames get class "match".
 */
#ifndef VIGIL_FLAME_H
#define VIGIL_FLAME_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

struct stack_set;

struct flame_opts {
	const char *title;    /* NULL: "Flame Graph" */
	const char *subtitle; /* NULL: none */
	const char *unit;     /* of the values: "samples", "us"; NULL: "samples" */
	bool inverted;	      /* icicle: root at the top, leaves below */
	bool reverse;	      /* merge stacks by their leaf: the leaf is the root's child */
	unsigned int width;   /* pixels; 0: 1200 */
	double min_width;     /* pixels; 0: 0.1 */
};

/* The flame graph of set. 0, -ENOMEM or -EIO. */
int flame__write_svg(FILE *f, struct stack_set *set, const struct flame_opts *o);

/*
 * The differential flame graph: after's shape, each frame coloured by how
 * its value changed from before (red grew, blue shrank, white the same).
 * With normalize, before's values are first scaled so its total equals
 * after's. 0, -ENOMEM or -EIO.
 */
int flame__write_diff_svg(FILE *f, struct stack_set *before, struct stack_set *after,
			  bool normalize, const struct flame_opts *o);

#endif /* VIGIL_FLAME_H */
