// SPDX-License-Identifier: GPL-2.0
/*
 * flame.c: interactive SVG flame graphs, plain and differential.
 *
 * A profile's stacks are merged into a tree of frames (by their outermost
 * frame, or with reverse by their leaf), each node holding the total value
 * of the stacks through it. The tree is then drawn depth first, children
 * in name order, each a rectangle as wide as its share of the total. The
 * document's layout is described in flame.h; flame.js is its script.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "flame.h"
#include "stacks.h"
#include "strtab.h"
#include "flame_js.h"

#define XPAD	10
#define FRAME_H 16
#define FONT	12
#define CHAR_W	(FONT * 0.59)
#define TOP	(FRAME_H * 4)
#define BOTTOM	(FRAME_H * 2)
#define NO_NODE ((__u32)-1)

struct node {
	const char *name;
	__u64 v;
	double b;	   /* diff: before's value through this node */
	__u32 first, next; /* children, in insertion order */
};

struct tree {
	struct node *n;
	size_t len, cap;
	__u32 *slots; /* (parent, name) -> child, open addressing */
	size_t scap;
	__u32 *parent_of; /* parallel to n: the parent's index */
	size_t depth;	  /* of the deepest stack */
};

static size_t slot_of(const struct tree *t, __u32 parent, const char *name)
{
	unsigned long long h = ((unsigned long long)(uintptr_t)name >> 3) * 0x9e3779b97f4a7c15ULL;

	h ^= (parent + 1ULL) * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 29;
	return h & (t->scap - 1);
}

static int tree_grow_slots(struct tree *t)
{
	size_t cap = t->scap ? t->scap * 2 : 1024;
	__u32 *old = t->slots;
	size_t ocap = t->scap;

	t->slots = malloc(cap * sizeof(*t->slots));
	if (!t->slots) {
		t->slots = old;
		return -ENOMEM;
	}
	memset(t->slots, 0xff, cap * sizeof(*t->slots));
	t->scap = cap;
	for (size_t i = 0; i < ocap; i++) {
		__u32 c = old[i];
		size_t s;

		if (c == NO_NODE)
			continue;
		s = slot_of(t, t->parent_of[c], t->n[c].name);
		while (t->slots[s] != NO_NODE)
			s = (s + 1) & (t->scap - 1);
		t->slots[s] = c;
	}
	free(old);
	return 0;
}

/* The child of parent named name; with create, made if missing. NO_NODE if none (or ENOMEM). */
static __u32 child(struct tree *t, __u32 parent, const char *name, bool create)
{
	size_t s;

	if (create && (t->len + 1) * 2 > t->scap && tree_grow_slots(t))
		return NO_NODE;
	for (s = slot_of(t, parent, name); t->slots[s] != NO_NODE; s = (s + 1) & (t->scap - 1)) {
		__u32 c = t->slots[s];

		if (t->n[c].name == name && t->parent_of[c] == parent)
			return c;
	}
	if (!create)
		return NO_NODE;
	if (t->len == t->cap) {
		size_t cap = t->cap * 2;
		struct node *n = realloc(t->n, cap * sizeof(*n));
		__u32 *p = n ? realloc(t->parent_of, cap * sizeof(*p)) : NULL;

		if (n)
			t->n = n;
		if (!p)
			return NO_NODE;
		t->parent_of = p;
		t->cap = cap;
	}
	t->n[t->len] = (struct node){.name = name, .first = NO_NODE, .next = NO_NODE};
	t->parent_of[t->len] = parent;
	t->n[t->len].next = t->n[parent].first;
	t->n[parent].first = t->len;
	t->slots[s] = t->len;
	return t->len++;
}

static void tree_free(struct tree *t)
{
	free(t->n);
	free(t->parent_of);
	free(t->slots);
}

static int tree_init(struct tree *t, const char *root)
{
	*t = (struct tree){.cap = 1024};
	t->n = malloc(t->cap * sizeof(*t->n));
	t->parent_of = malloc(t->cap * sizeof(*t->parent_of));
	if (!t->n || !t->parent_of || tree_grow_slots(t)) {
		tree_free(t);
		return -ENOMEM;
	}
	t->n[0] = (struct node){.name = root, .first = NO_NODE, .next = NO_NODE};
	t->parent_of[0] = NO_NODE;
	t->len = 1;
	return 0;
}

static inline const char *frame_at(const struct stack *st, size_t i, bool reverse)
{
	return st->frames[reverse ? st->depth - 1 - i : i];
}

/* Merge every stack of set into t, adding its value along its path. */
static int tree_add_set(struct tree *t, struct stack_set *set, bool reverse)
{
	struct stack **sorted = stack_set__sorted(set);

	if (!sorted)
		return -ENOMEM;
	for (; *sorted; sorted++) {
		const struct stack *st = *sorted;
		__u32 at = 0;

		if (!st->value)
			continue;
		if (st->depth > t->depth)
			t->depth = st->depth;
		t->n[0].v += st->value;
		for (size_t i = 0; i < st->depth; i++) {
			at = child(t, at, frame_at(st, i, reverse), true);
			if (at == NO_NODE)
				return -ENOMEM;
			t->n[at].v += st->value;
		}
	}
	return 0;
}

/*
 * Add before's stacks to the b of the nodes of t they pass through, as far
 * as t has their path (names interned in names, t's table). What lies past
 * the end of t's paths is gone in after; returns its total in *gone.
 */
static int tree_add_before(struct tree *t, struct stack_set *before, struct strtab *names,
			   bool reverse, double scale, double *gone)
{
	struct stack **sorted = stack_set__sorted(before);

	if (!sorted)
		return -ENOMEM;
	*gone = 0;
	for (; *sorted; sorted++) {
		const struct stack *st = *sorted;
		double v = st->value * scale;
		__u32 at = 0;

		t->n[0].b += v;
		for (size_t i = 0; i < st->depth; i++) {
			const char *name = strtab__intern(names, frame_at(st, i, reverse));

			if (!name)
				return -ENOMEM;
			at = child(t, at, name, false);
			if (at == NO_NODE) {
				*gone += v;
				break;
			}
			t->n[at].b += v;
		}
	}
	return 0;
}

/* Drawing */

struct draw {
	FILE *f;
	const struct tree *t;
	const struct flame_opts *o;
	bool diff;
	double total, px_per, min_w; /* px_per: pixels per unit of value */
	double gone;		     /* diff: before's value on paths after does not have */
	unsigned int width, height, max_depth;
	size_t frames;
	__u64 dropped;
	const char *unit;
	__u32 *kids; /* scratch: children of one node, one slice per depth */
};

/* Write s as XML character data: escaped, invalid UTF-8 and control bytes as '?'. */
static void xml_put(FILE *f, const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p && n < max) {
		unsigned char c = *p;
		int len = c < 0x80	       ? 1
			  : (c & 0xe0) == 0xc0 ? 2
			  : (c & 0xf0) == 0xe0 ? 3
			  : (c & 0xf8) == 0xf0 ? 4
					       : 0;
		bool ok = len > 0 && (len == 1 || c >= 0xc2) && c <= 0xf4;

		for (int i = 1; ok && i < len; i++)
			ok = (p[i] & 0xc0) == 0x80;
		if (!ok) {
			fputc('?', f);
			p++;
		} else if (len > 1) {
			fwrite(p, 1, len, f);
			p += len;
		} else {
			switch (c) {
			case '&':
				fputs("&amp;", f);
				break;
			case '<':
				fputs("&lt;", f);
				break;
			case '>':
				fputs("&gt;", f);
				break;
			case '"':
				fputs("&quot;", f);
				break;
			default:
				fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
			}
			p++;
		}
		n++;
	}
}

/* How many characters of name fit in w pixels, as flame.js counts them: 0 if under 3. */
static size_t label_chars(double w)
{
	double n = floor((w - 6) / CHAR_W);

	return n < 3 ? 0 : (size_t)n;
}

/* The number of UTF-8 characters of s, up to max + 1. */
static size_t utf8_len(const char *s, size_t max)
{
	size_t n = 0;

	for (; *s && n <= max; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static unsigned int name_hash(const char *s)
{
	unsigned int h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && !strcmp(s + a - b, suffix);
}

/*
 * A frame's colour, by what it is: the wait classes of off-CPU profiles
 * and [cpu] each their own, kernel functions tan, vigil's placeholders
 * grey, user code in the warm colours; the shade from the name, so a
 * function keeps its colour from one graph to the next.
 */
static void frame_colour(const char *name, int depth, char *out, size_t len)
{
	static const struct {
		const char *name;
		int r, g, b;
	} fixed[] = {
		{"[cpu]", 80, 190, 80},		 {"[wait:runqueue]", 230, 200, 60},
		{"[wait:disk]", 150, 100, 210},	 {"[wait:net]", 40, 170, 180},
		{"[wait:lock]", 220, 90, 160},	 {"[wait:sleep]", 90, 140, 230},
		{"[wait:other]", 150, 150, 160},
	};
	unsigned int h = name_hash(name);
	double a = (h & 0xffff) / 65535.0, b = (h >> 16) / 65535.0;

	if (depth == 0) {
		snprintf(out, len, "rgb(200,200,200)");
		return;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!strcmp(name, fixed[i].name)) {
			snprintf(out, len, "rgb(%d,%d,%d)", fixed[i].r, fixed[i].g, fixed[i].b);
			return;
		}
	}
	if (has_suffix(name, "_[k]"))
		snprintf(out, len, "rgb(%d,%d,%d)", 200 + (int)(30 * a), 165 + (int)(35 * b),
			 110 + (int)(30 * a));
	else if (name[0] == '[')
		snprintf(out, len, "rgb(%d,%d,%d)", 175 + (int)(20 * a), 175 + (int)(20 * a),
			 175 + (int)(20 * a));
	else
		snprintf(out, len, "rgb(%d,%d,%d)", 205 + (int)(50 * a), (int)(230 * b),
			 (int)(55 * a));
}

/*
 * Diff: red as v grew past b, blue as it shrank, white unchanged; how deep
 * by the change against the frame's own size, so a frame that is new or
 * gone is fully coloured however small, and one that moved 1% is pale.
 */
static void diff_colour(const struct node *n, char *out, size_t len)
{
	double d = n->v - n->b, most = n->v > n->b ? n->v : n->b;
	int k = most > 0 ? (int)ceil(fabs(d) / most * 200) : 0;

	if (fabs(d) < 1e-9)
		k = 0;
	if (k > 200)
		k = 200;
	if (d > 0)
		snprintf(out, len, "rgb(255,%d,%d)", 255 - k, 255 - k);
	else
		snprintf(out, len, "rgb(%d,%d,255)", 255 - k, 255 - k);
}

/* Wide children first, then those narrower than min_w; each part in name order. */
static int cmp_kids(const void *pa, const void *pb, void *arg)
{
	const struct draw *dr = arg;
	const struct node *a = &dr->t->n[*(const __u32 *)pa], *b = &dr->t->n[*(const __u32 *)pb];
	bool na = a->v * dr->px_per < dr->min_w, nb = b->v * dr->px_per < dr->min_w;

	if (na != nb)
		return na ? 1 : -1;
	return strcmp(a->name, b->name);
}

/* The children of node i into out, wide ones first; returns how many, the narrow in *narrow. */
static size_t sorted_kids(const struct draw *dr, __u32 i, __u32 *out, size_t *narrow)
{
	const struct tree *t = dr->t;
	size_t n = 0;

	*narrow = 0;
	for (__u32 c = t->n[i].first; c != NO_NODE; c = t->n[c].next) {
		out[n++] = c;
		*narrow += t->n[c].v * dr->px_per < dr->min_w;
	}
	qsort_r(out, n, sizeof(*out), cmp_kids, (void *)dr);
	return n;
}

static double frame_y(const struct draw *dr, unsigned int depth)
{
	if (dr->o->inverted)
		return TOP + depth * FRAME_H;
	return dr->height - BOTTOM - (depth + 1.0) * FRAME_H;
}

/* s, cut to max characters with ".." when longer. */
static void put_fitted(FILE *f, const char *s, double max)
{
	size_t fit = max < 3 ? 3 : (size_t)max;

	if (utf8_len(s, fit) <= fit) {
		xml_put(f, s, SIZE_MAX);
	} else {
		xml_put(f, s, fit - 2);
		fputs("..", f);
	}
}

/* "sample" for one sample, the unit as it is otherwise. */
static const char *unit_of(const char *unit, double v)
{
	return v == 1 && !strcmp(unit, "samples") ? "sample" : unit;
}

static void emit_frame(struct draw *dr, const char *name, const struct node *n, double b, int depth,
		       double x, double w, const char *fill, size_t merged)
{
	FILE *f = dr->f;
	double share = dr->total > 0 ? 100.0 * n->v / dr->total : 0;
	size_t fit = label_chars(w);

	fprintf(f, "<g class=\"f%s\" data-v=\"%llu\" data-d=\"%d\"", merged ? " m" : "",
		(unsigned long long)n->v, depth);
	if (dr->diff)
		fprintf(f, " data-b=\"%.6g\"", b);
	if (merged)
		fprintf(f, " data-m=\"%zu\"", merged);
	fputs("><title>", f);
	xml_put(f, name, SIZE_MAX);
	fprintf(f, "\n%llu %s, %.2f%%", (unsigned long long)n->v, unit_of(dr->unit, n->v), share);
	if (dr->diff)
		fprintf(f, "; before %.1f, %+.1f", b, n->v - b);
	fprintf(f, "</title><rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%d\" fill=\"%s\"/>",
		x, frame_y(dr, depth), w, FRAME_H - 1, fill);
	if (fit) {
		size_t len = utf8_len(name, fit);

		fprintf(f, "<text x=\"%.2f\" y=\"%.0f\">", x + 3, frame_y(dr, depth) + FONT);
		if (len <= fit) {
			xml_put(f, name, SIZE_MAX);
		} else {
			xml_put(f, name, fit - 2);
			fputs("..", f);
		}
		fputs("</text>", f);
	}
	fputs("</g>\n", f);
}

/* One frame on the path being drawn, and how far through its children the drawing is. */
struct level {
	__u32 node;
	double x;    /* where its next child goes */
	__u32 *kids; /* its children, wide ones first */
	size_t nk, narrow, next;
};

static void visit(struct draw *dr, __u32 i, int depth, double x)
{
	const struct node *n = &dr->t->n[i];
	char fill[48];

	if ((unsigned int)depth > dr->max_depth)
		dr->max_depth = depth;
	dr->frames++;
	if (!dr->f)
		return;
	if (dr->diff)
		diff_colour(n, fill, sizeof(fill));
	else
		frame_colour(n->name, depth, fill, sizeof(fill));
	emit_frame(dr, depth ? n->name : "all", n, n->b, depth, x, n->v * dr->px_per, fill, 0);
}

/* After node's wide children: its narrow ones, as one frame at x if together wide enough. */
static void visit_narrow(struct draw *dr, const struct level *l, int depth)
{
	struct node m = {0};
	char name[64], fill[48];

	if (!l->narrow)
		return;
	for (size_t k = l->nk - l->narrow; k < l->nk; k++) {
		m.v += dr->t->n[l->kids[k]].v;
		m.b += dr->t->n[l->kids[k]].b;
	}
	if (l->narrow < 2 || m.v * dr->px_per < dr->min_w) {
		dr->dropped += m.v;
		return;
	}
	if ((unsigned int)depth > dr->max_depth)
		dr->max_depth = depth;
	dr->frames++;
	if (!dr->f)
		return;
	snprintf(name, sizeof(name), "[%zu frames narrower than %.2g px]", l->narrow, dr->min_w);
	if (dr->diff)
		diff_colour(&m, fill, sizeof(fill));
	else
		snprintf(fill, sizeof(fill), "rgb(185,185,185)");
	emit_frame(dr, name, &m, m.b, depth, l->x, m.v * dr->px_per, fill, l->narrow);
}

/*
 * Draw the tree depth first, each frame before its children, without
 * recursion (folded input may hold stacks of any depth); or, with f NULL,
 * only count the frames and find the deepest. path has a level per depth.
 */
static void draw_tree(struct draw *dr, struct level *path)
{
	int d = 0;

	visit(dr, 0, 0, XPAD);
	path[0] = (struct level){.node = 0, .x = XPAD, .kids = dr->kids};
	path[0].nk = sorted_kids(dr, 0, path[0].kids, &path[0].narrow);
	while (d >= 0) {
		struct level *l = &path[d];
		__u32 c;

		if (l->next == l->nk - l->narrow) {
			visit_narrow(dr, l, d + 1);
			d--;
			continue;
		}
		c = l->kids[l->next++];
		visit(dr, c, d + 1, l->x);
		path[d + 1] = (struct level){.node = c, .x = l->x, .kids = l->kids + l->nk};
		path[d + 1].nk = sorted_kids(dr, c, path[d + 1].kids, &path[d + 1].narrow);
		l->x += dr->t->n[c].v * dr->px_per;
		d++;
	}
}

static void put_header(struct draw *dr, const char *mode)
{
	FILE *f = dr->f;
	const struct flame_opts *o = dr->o;

	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
		"<svg version=\"1.1\" xmlns=\"http://www.w3.org/2000/svg\" id=\"vigil-flame\" "
		"width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" onload=\"init()\" "
		"data-total=\"%.0f\" data-unit=\"",
		dr->width, dr->height, dr->width, dr->height, dr->total);
	xml_put(f, dr->unit, SIZE_MAX);
	fprintf(f,
		"\" data-width=\"%u\" data-xpad=\"%d\" data-frames=\"%zu\" data-dropped=\"%llu\" "
		"data-mode=\"%s\"%s%s>\n",
		dr->width, XPAD, dr->frames, (unsigned long long)dr->dropped, mode,
		o->inverted ? " data-inverted=\"1\"" : "", o->reverse ? " data-reverse=\"1\"" : "");
	/*
	 * The document's own title first: without one as the first child,
	 * Chromium takes time quadratic in the frames' <title>s to load it
	 * (13 s for 21 000 frames, 2.3 s with it; found by the browser test).
	 */
	fputs("<title>", f);
	xml_put(f, o->title ? o->title : "Flame Graph", SIZE_MAX);
	fputs("</title>\n", f);
	fputs("<style>\n"
	      "text { font-family: Verdana, 'DejaVu Sans', sans-serif; font-size: 12px; "
	      "fill: #000; }\n"
	      ".f text { pointer-events: none; }\n"
	      ".f rect { stroke: rgba(0, 0, 0, 0.15); stroke-width: 0.5; }\n"
	      ".f:hover rect { stroke: #000; stroke-width: 0.5; cursor: pointer; }\n"
	      ".hide { display: none; }\n"
	      ".parent rect { opacity: 0.5; }\n"
	      ".button { cursor: pointer; fill: #206; }\n"
	      ".title { font-size: 17px; text-anchor: middle; }\n"
	      ".subtitle { fill: #555; text-anchor: middle; }\n"
	      "</style>\n<script type=\"text/ecmascript\"><![CDATA[\n",
	      f);
	fputs(flame_js, f);
	fputs("]]></script>\n", f);
	fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%u\" fill=\"#f8f8f4\"/>\n",
		dr->width, dr->height);
	/* between Reset Zoom and Search: about 17 px characters, 110 px on each side */
	fprintf(f, "<text class=\"title\" x=\"%u\" y=\"24\">", dr->width / 2);
	put_fitted(f, o->title ? o->title : "Flame Graph", (dr->width - 220) / (17 * 0.59));
	fputs("</text>\n", f);
	if (o->subtitle) {
		fprintf(f, "<text class=\"subtitle\" x=\"%u\" y=\"42\">", dr->width / 2);
		put_fitted(f, o->subtitle, (dr->width - 220) / CHAR_W);
		fputs("</text>\n", f);
	}
	if (dr->diff) {
		fprintf(f, "<text class=\"subtitle\" x=\"%u\" y=\"58\">", dr->width / 2);
		fprintf(f, "before %.0f %s, after %.0f; red grew, blue shrank", dr->t->n[0].b,
			unit_of(dr->unit, 2), dr->total);
		if (dr->gone > 0)
			fprintf(f, "; %.4g %s of before in stacks after does not have", dr->gone,
				unit_of(dr->unit, dr->gone == 1 ? 1 : 2));
		fputs("</text>\n", f);
	}
	fprintf(f,
		"<text id=\"unzoom\" class=\"button hide\" x=\"%d\" y=\"24\">Reset Zoom</text>\n"
		"<text id=\"search\" class=\"button\" x=\"%u\" y=\"24\" "
		"text-anchor=\"end\">Search</text>\n"
		"<text id=\"clear\" class=\"button hide\" x=\"%u\" y=\"42\" "
		"text-anchor=\"end\">Clear search</text>\n"
		"<text id=\"matched\" class=\"hide\" x=\"%u\" y=\"%u\" "
		"text-anchor=\"end\"></text>\n"
		"<text id=\"details\" x=\"%d\" y=\"%u\"> </text>\n",
		XPAD, dr->width - XPAD, dr->width - XPAD, dr->width - XPAD,
		dr->height - FRAME_H / 2, XPAD, dr->height - FRAME_H / 2);
}

static int draw(struct draw *dr, FILE *f, const char *mode)
{
	const struct tree *t = dr->t;
	const struct flame_opts *o = dr->o;
	struct level *path;

	dr->width = o->width ? o->width : 1200;
	dr->min_w = o->min_width > 0 ? o->min_width : 0.1;
	dr->unit = o->unit ? o->unit : "samples";
	dr->total = t->n[0].v;
	dr->px_per = dr->total > 0 ? (dr->width - 2.0 * XPAD) / dr->total : 0;
	/* scratch for the children of the nodes on one path: disjoint, so t->len in all */
	dr->kids = malloc(t->len * sizeof(*dr->kids));
	path = malloc((t->depth + 2) * sizeof(*path));
	if (!dr->kids || !path) {
		free(dr->kids);
		free(path);
		return -ENOMEM;
	}
	dr->f = NULL;
	dr->max_depth = 0;
	dr->frames = 0;
	dr->dropped = 0;
	draw_tree(dr, path);
	dr->height = TOP + (dr->max_depth + 1) * FRAME_H + BOTTOM;
	dr->f = f;
	put_header(dr, mode);
	dr->frames = 0;
	dr->dropped = 0;
	draw_tree(dr, path);
	free(path);
	fprintf(f, "<desc>%zu frames drawn; %llu %s in frames too narrow to draw</desc>\n</svg>\n",
		dr->frames, (unsigned long long)dr->dropped, dr->unit);
	free(dr->kids);
	return ferror(f) ? -EIO : 0;
}

int flame__write_svg(FILE *f, struct stack_set *set, const struct flame_opts *o)
{
	struct flame_opts none = {0};
	struct draw dr = {.o = o ? o : &none};
	struct tree t;
	int err;

	if (tree_init(&t, "all"))
		return -ENOMEM;
	err = tree_add_set(&t, set, dr.o->reverse);
	dr.t = &t;
	if (!err)
		err = draw(&dr, f, "normal");
	tree_free(&t);
	return err;
}

int flame__write_diff_svg(FILE *f, struct stack_set *before, struct stack_set *after,
			  bool normalize, const struct flame_opts *o)
{
	struct flame_opts none = {0};
	struct draw dr = {.o = o ? o : &none, .diff = true};
	double scale = 1, gone = 0;
	__u64 tb = stack_set__total(before), ta = stack_set__total(after);
	struct tree t;
	int err;

	if (normalize && tb)
		scale = (double)ta / tb;
	if (tree_init(&t, "all"))
		return -ENOMEM;
	err = tree_add_set(&t, after, dr.o->reverse);
	if (!err)
		err = tree_add_before(&t, before, stack_set__strtab(after), dr.o->reverse, scale,
				      &gone);
	dr.t = &t;
	if (!err) {
		dr.gone = gone;
		err = draw(&dr, f, "diff");
	}
	tree_free(&t);
	return err;
}
