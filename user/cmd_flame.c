// SPDX-License-Identifier: GPL-2.0
/*
 * cmd_flame.c: "vigil flamegraph", a folded profile drawn as an interactive
 * SVG (or converted to pprof), and "vigil diff", two profiles compared as a
 * differential flame graph or as two-column folded text.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <json-c/json.h>
#include "commands.h"
#include "flame.h"
#include "folded.h"
#include "sink.h"
#include "stacks.h"
#include "util.h"

struct flame_args {
	const char *cmd; /* "flamegraph" or "diff" */
	const char *inputs[2];
	int ninputs;
	const char *output;
	enum sink_format format;
	bool format_given;
	bool normalize;
	const char *title, *subtitle, *unit, *clock;
	unsigned long freq;
	struct flame_opts fo;
};

static void usage_flamegraph(FILE *f)
{
	fprintf(f,
		"Usage: vigil flamegraph [IN.folded] [-o OUT] [options]\n"
		"Draw a folded profile (a file, or stdin without one) as an interactive SVG\n"
		"flame graph: hover for details, click to zoom, Search (or Ctrl-F) to find.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE     write here (default or '-': stdout)\n"
		"      --format FMT      svg (the default), pprof or folded; without it, -o's\n"
		"                        suffix decides: .pb.gz or .pprof, .folded, else svg\n"
		"      --inverted        an icicle graph: the root at the top\n"
		"      --reverse         merge stacks by their leaf: callers above each function\n"
		"      --title TEXT      the title (default: \"Flame graph\")\n"
		"      --subtitle TEXT   the line under it (default: the input and its total;\n"
		"                        for an agent's WINDOW.folded, its WINDOW.json's rate,\n"
		"                        start and length, which also set --unit and --clock)\n"
		"      --unit UNIT       what the values count: samples (default), us or ns\n"
		"      --clock CLOCK     for pprof: cpu (samples, the default), off or wall "
		"(time)\n"
		"  -F, --freq HZ         for pprof: the rate the samples were taken at (default "
		"99)\n"
		"      --width PX        the image's width (default 1200)\n"
		"      --min-width PX    frames narrower are merged or left out (default 0.1)\n"
		"  -h, --help            show this help\n");
}

static void usage_diff(FILE *f)
{
	fprintf(f,
		"Usage: vigil diff BEFORE.folded AFTER.folded [-o OUT] [options]\n"
		"Compare two folded profiles: AFTER's flame graph, each frame red as it grew\n"
		"since BEFORE, blue as it shrank, deeper the more it changed against its size.\n"
		"\n"
		"Options:\n"
		"  -o, --output FILE     write here (default or '-': stdout)\n"
		"      --format FMT      svg (the default) or folded: 'STACK BEFORE AFTER' lines,\n"
		"                        every stack of either; -o's suffix .folded means folded\n"
		"  -n, --normalize       scale BEFORE to AFTER's total first: compare shares,\n"
		"                        for runs of different lengths\n"
		"      --inverted        an icicle graph: the root at the top\n"
		"      --reverse         merge stacks by their leaf\n"
		"      --title TEXT      the title (default: \"Differential flame graph\")\n"
		"      --subtitle TEXT   the line under it (default: the two inputs)\n"
		"      --unit UNIT       what the values count: samples (default) or us\n"
		"      --width PX        the image's width (default 1200)\n"
		"      --min-width PX    frames narrower are merged or left out (default 0.1)\n"
		"  -h, --help            show this help\n");
}

static int parse_px(const char *cmd, const char *opt, const char *s, double min, double max,
		    double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (!*s || *end || errno || !(v >= min && v <= max)) {
		vigil_err("%s: %s '%s': expected a number from %g to %g", cmd, opt, s, min, max);
		return EXIT_USAGE;
	}
	*out = v;
	return 0;
}

static int flame_parse_args(int argc, char **argv, struct flame_args *a)
{
	enum {
		OPT_FORMAT = 256,
		OPT_INVERTED,
		OPT_REVERSE,
		OPT_TITLE,
		OPT_SUBTITLE,
		OPT_UNIT,
		OPT_CLOCK,
		OPT_WIDTH,
		OPT_MINWIDTH,
	};
	static const struct option longopts[] = {
		{"output", required_argument, NULL, 'o'},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"normalize", no_argument, NULL, 'n'},
		{"inverted", no_argument, NULL, OPT_INVERTED},
		{"reverse", no_argument, NULL, OPT_REVERSE},
		{"title", required_argument, NULL, OPT_TITLE},
		{"subtitle", required_argument, NULL, OPT_SUBTITLE},
		{"unit", required_argument, NULL, OPT_UNIT},
		{"width", required_argument, NULL, OPT_WIDTH},
		{"min-width", required_argument, NULL, OPT_MINWIDTH},
		{"help", no_argument, NULL, 'h'},
		/* flamegraph's own: diff stops at the entry before them */
		{"clock", required_argument, NULL, OPT_CLOCK},
		{"freq", required_argument, NULL, 'F'},
		{},
	};
	static struct option diff_longopts[sizeof(longopts) / sizeof(longopts[0])];
	bool diff = !strcmp(a->cmd, "diff");
	double w;
	int c;

	/* diff's options: flamegraph's up to --clock, and an end */
	for (size_t i = 0; longopts[i].name && strcmp(longopts[i].name, "clock"); i++)
		diff_longopts[i] = longopts[i];
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, diff ? ":o:nh" : ":o:F:h",
				diff ? diff_longopts : longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			a->output = strcmp(optarg, "-") ? optarg : NULL; /* stdout */
			break;
		case OPT_FORMAT:
			if (sink__parse_format(optarg, &a->format) ||
			    (diff && a->format == SINK_PPROF)) {
				vigil_err("%s: --format '%s': expected %s", a->cmd, optarg,
					  diff ? "svg or folded" : "svg, pprof or folded");
				return EXIT_USAGE;
			}
			a->format_given = true;
			break;
		case 'n':
			if (!diff) {
				vigil_err("flamegraph: --normalize is vigil diff's");
				return EXIT_USAGE;
			}
			a->normalize = true;
			break;
		case OPT_INVERTED:
			a->fo.inverted = true;
			break;
		case OPT_REVERSE:
			a->fo.reverse = true;
			break;
		case OPT_TITLE:
			a->title = optarg;
			break;
		case OPT_SUBTITLE:
			a->subtitle = optarg;
			break;
		case OPT_UNIT:
			if (strcmp(optarg, "samples") && strcmp(optarg, "us") &&
			    (diff || strcmp(optarg, "ns"))) {
				vigil_err("%s: --unit '%s': expected samples%s", a->cmd, optarg,
					  diff ? " or us" : ", us or ns");
				return EXIT_USAGE;
			}
			a->unit = optarg;
			break;
		case OPT_CLOCK:
			if (strcmp(optarg, "cpu") && strcmp(optarg, "off") &&
			    strcmp(optarg, "wall")) {
				vigil_err("%s: --clock '%s': expected cpu, off or wall", a->cmd,
					  optarg);
				return EXIT_USAGE;
			}
			a->clock = optarg;
			break;
		case 'F':
			if (parse_ulong(optarg, 1, 100000, "-F", &a->freq))
				return EXIT_USAGE;
			break;
		case OPT_WIDTH:
			if (parse_px(a->cmd, "--width", optarg, 200, 100000, &w))
				return EXIT_USAGE;
			a->fo.width = (unsigned int)w;
			break;
		case OPT_MINWIDTH:
			if (parse_px(a->cmd, "--min-width", optarg, 0.001, 1000, &a->fo.min_width))
				return EXIT_USAGE;
			break;
		case 'h':
			return -1;
		case ':':
			vigil_err("%s: option '%s' needs a value", a->cmd, argv[optind - 1]);
			return EXIT_USAGE;
		default:
			vigil_err("%s: unknown option '%s' (vigil %s --help lists them)", a->cmd,
				  argv[optind - 1], a->cmd);
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) {
		if (a->ninputs == (diff ? 2 : 1)) {
			vigil_err("%s: one input too many: '%s'", a->cmd, argv[optind]);
			return EXIT_USAGE;
		}
		a->inputs[a->ninputs++] = argv[optind];
	}
	if (diff && a->ninputs != 2) {
		vigil_err("diff: expected two profiles, BEFORE and AFTER");
		return EXIT_USAGE;
	}
	if (!a->format_given) {
		/* the command's own format, unless -o's suffix names another */
		enum sink_format by_path = sink__format_of_path(a->output);
		const char *o = a->output ? a->output : "";
		size_t n = strlen(o);

		a->format = by_path == SINK_PPROF ? SINK_PPROF : SINK_SVG;
		if (n > 7 && !strcmp(o + n - 7, ".folded"))
			a->format = SINK_FOLDED;
	}
	if (a->output && !a->output[0]) {
		vigil_err("%s: -o: empty file name", a->cmd);
		return EXIT_USAGE;
	}
	if ((a->fo.inverted || a->fo.reverse) && a->format != SINK_SVG) {
		vigil_err("%s: %s draws a graph: it needs svg, not %s", a->cmd,
			  a->fo.inverted ? "--inverted" : "--reverse",
			  sink__format_name(a->format));
		return EXIT_USAGE;
	}
	if (a->format == SINK_PPROF && (!a->output || !strcmp(a->output, "-")) &&
	    isatty(STDOUT_FILENO)) {
		vigil_err("%s: pprof is gzipped binary: give -o FILE, or redirect stdout", a->cmd);
		return EXIT_USAGE;
	}
	if (diff && a->format == SINK_PPROF) {
		vigil_err("diff: a difference has no pprof form; use svg or folded");
		return EXIT_USAGE;
	}
	if ((a->clock || a->freq) && a->format != SINK_PPROF) {
		vigil_err("%s: %s is for --format pprof", a->cmd, a->clock ? "--clock" : "-F");
		return EXIT_USAGE;
	}
	if (a->clock && strcmp(a->clock, "cpu") && (!a->unit || !strcmp(a->unit, "samples"))) {
		vigil_err("%s: --clock %s needs --unit us or ns: its values are times", a->cmd,
			  a->clock);
		return EXIT_USAGE;
	}
	return 0;
}

/* Read one folded profile, from path or ("-" or NULL) stdin. 0, or an exit status. */
static int read_input(const char *cmd, const char *path, struct stack_set *set)
{
	const char *name = path && strcmp(path, "-") ? path : "stdin";
	FILE *f = path && strcmp(path, "-") ? fopen(path, "r") : stdin;
	char err[256];
	struct stat st;
	int ret;

	if (!f) {
		vigil_err("%s: cannot open %s: %s", cmd, path, strerror(errno));
		return EXIT_RUNTIME;
	}
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		vigil_err("%s: %s is a folder, not a folded profile", cmd, path);
		fclose(f);
		return EXIT_RUNTIME;
	}
	ret = folded__read(f, name, set, err, sizeof(err));
	if (f != stdin)
		fclose(f);
	if (ret) {
		vigil_err("%s: %s", cmd, err);
		return EXIT_RUNTIME;
	}
	return 0;
}

/*
 * An agent window's description, WINDOW.json beside WINDOW.folded, into
 * m: what the folded text cannot say (start, length, clock, rate). The
 * strings stay in *owner, which the caller puts. false without one.
 */
static bool window_meta(const char *path, struct profile_meta *m, struct json_object **owner)
{
	struct json_object *j, *v;
	char jpath[4096];
	size_t n = path ? strlen(path) : 0;
	const char *sampler;

	if (n < 8 || strcmp(path + n - 7, ".folded") || n + 1 > sizeof(jpath))
		return false;
	snprintf(jpath, sizeof(jpath), "%.*s.json", (int)(n - 7), path);
	if (access(jpath, R_OK))
		return false;
	j = json_object_from_file(jpath);
	if (!j || !json_object_is_type(j, json_type_object)) {
		json_object_put(j);
		return false;
	}
	if (json_object_object_get_ex(j, "start", &v)) {
		struct tm tm = {0};
		const char *end = strptime(json_object_get_string(v), "%Y-%m-%dT%H:%M:%SZ", &tm);

		if (end && !*end)
			m->start = timegm(&tm);
	}
	if (json_object_object_get_ex(j, "seconds", &v))
		m->duration_ns = (__u64)(json_object_get_double(v) * 1e9);
	if (json_object_object_get_ex(j, "clock", &v))
		m->clock = json_object_get_string(v);
	if (json_object_object_get_ex(j, "unit", &v))
		m->unit = !strcmp(json_object_get_string(v), "samples") ? "samples" : "us";
	if (json_object_object_get_ex(j, "freq", &v))
		m->freq = json_object_get_int(v);
	sampler = json_object_object_get_ex(j, "sampler", &v) ? json_object_get_string(v) : "";
	m->event = strstr(sampler, "cycles")	  ? "cycles"
		   : strstr(sampler, "cpu-clock") ? "cpu-clock"
						  : NULL;
	if (!m->event)
		m->freq = 0;
	*owner = j;
	return true;
}

/* "STACK BEFORE AFTER" for every stack of either profile, in folded order. */
/*
 * v * num / den, exactly, rounded to the nearest and halves to even, so
 * that rounding does not lean one way over many stacks (num and den: the
 * totals, at most 2^63 - 1).
 */
static unsigned long long scaled(__u64 v, __u64 num, __u64 den)
{
	unsigned __int128 p = (unsigned __int128)v * num, q, r;

	if (!den)
		return v;
	q = p / den;
	r = p % den;
	if (2 * r > den || (2 * r == den && (q & 1)))
		q++;
	return (unsigned long long)q;
}

static int write_two_columns(FILE *f, struct stack_set *before, struct stack_set *after, __u64 num,
			     __u64 den)
{
	struct stack **b = stack_set__sorted(before), **a = stack_set__sorted(after);
	char buf[4096];

	if (!a || !b)
		return -ENOMEM;
	while (*a || *b) {
		int c = !*a ? -1 : !*b ? 1 : stack__cmp(*b, *a);
		const struct stack *st = c <= 0 ? *b : *a;
		unsigned long long vb = c <= 0 ? scaled((*b)->value, num, den) : 0;
		unsigned long long va = c >= 0 ? (*a)->value : 0;

		for (size_t i = 0; i < st->depth; i++) {
			if (i)
				fputc(';', f);
			fputs(folded__sanitize(st->frames[i], buf, sizeof(buf)), f);
		}
		fprintf(f, " %llu %llu\n", vb, va);
		if (c <= 0)
			b++;
		if (c >= 0)
			a++;
	}
	return ferror(f) ? -EIO : 0;
}

static int run(struct flame_args *a)
{
	bool diff = !strcmp(a->cmd, "diff");
	struct stack_set *sets[2] = {stack_set__new(), diff ? stack_set__new() : NULL};
	struct outfile out = {};
	struct json_object *desc = NULL;
	char title[256], sub[1024];
	int ret = EXIT_RUNTIME, err = 0;

	if (!sets[0] || (diff && !sets[1])) {
		vigil_err("%s: out of memory", a->cmd);
		goto done;
	}
	if (diff && a->inputs[0] && a->inputs[1] && !strcmp(a->inputs[0], "-") &&
	    !strcmp(a->inputs[1], "-")) {
		vigil_err("diff: stdin can be only one of the two profiles");
		ret = EXIT_USAGE;
		goto done;
	}
	/* the output first: a path that cannot be written fails before any work */
	if (outfile__open(&out, a->output))
		goto done;
	for (int i = 0; i < (diff ? 2 : 1); i++) {
		ret = read_input(a->cmd, a->inputs[i], sets[i]);
		if (ret)
			goto done;
	}
	ret = EXIT_RUNTIME;
	a->fo.unit = a->unit ? a->unit : "samples";
	for (int i = 0; i < (diff ? 2 : 1); i++) {
		if (!stack_set__total(sets[i]))
			vigil_err("%s: %s holds no samples", a->cmd,
				  a->inputs[i] && strcmp(a->inputs[i], "-") ? a->inputs[i]
									    : "stdin");
	}
	if (diff) {
		__u64 tb = stack_set__total(sets[0]), ta = stack_set__total(sets[1]);

		if (a->normalize && (!tb || !ta)) {
			vigil_err("diff: --normalize: %s's total is 0, nothing to scale by; not "
				  "normalised",
				  !tb ? "BEFORE" : "AFTER");
			a->normalize = false;
		}

		snprintf(title, sizeof(title), "%s",
			 a->title ? a->title : "Differential flame graph");
		if (a->subtitle)
			snprintf(sub, sizeof(sub), "%s", a->subtitle);
		else
			snprintf(sub, sizeof(sub), "%s (%llu) to %s (%llu)%s", a->inputs[0],
				 (unsigned long long)tb, a->inputs[1], (unsigned long long)ta,
				 a->normalize ? ", before normalised to after's total" : "");
		a->fo.title = title;
		a->fo.subtitle = sub;
		if (a->format == SINK_FOLDED)
			err = write_two_columns(out.f, sets[0], sets[1], a->normalize ? ta : 1,
						a->normalize ? tb : 1);
		else
			err = flame__write_diff_svg(out.f, sets[0], sets[1], a->normalize, &a->fo);
	} else {
		const char *in = a->inputs[0] && strcmp(a->inputs[0], "-") ? a->inputs[0] : "stdin";
		const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
		struct profile_meta m = {
			.command = "vigil flamegraph",
			.target = base, /* a title has room for the file's name, not its folder */
			.clock = "cpu",
			/* vigil's rate, for pprof's period, unless -F or a window says */
			.freq = 99,
			.unit = "samples",
		};
		bool window = window_meta(a->inputs[0], &m, &desc);

		/* what was given wins over the window's description */
		if (a->clock)
			m.clock = a->clock;
		if (a->freq)
			m.freq = a->freq;
		if (a->unit)
			m.unit = a->unit;
		if (!strcmp(m.clock, "off"))
			m.freq = 0; /* off-CPU time is not sampled: no rate */
		if (a->format == SINK_PPROF) {
			err = sink__write(out.f, a->format, sets[0], &m);
		} else {
			if (window) {
				sink__titles(&m, stack_set__total(sets[0]), title, sizeof(title),
					     sub, sizeof(sub));
			} else {
				snprintf(title, sizeof(title), "Flame graph");
				__u64 total = stack_set__total(sets[0]);
				size_t count = stack_set__count(sets[0]);
				bool samples = !strcmp(m.unit, "samples");

				snprintf(sub, sizeof(sub), "%s: %llu %s in %zu stack%s", in,
					 (unsigned long long)total,
					 samples && total == 1 ? "sample" : m.unit, count,
					 count == 1 ? "" : "s");
			}
			if (a->title)
				snprintf(title, sizeof(title), "%s", a->title);
			if (a->subtitle)
				snprintf(sub, sizeof(sub), "%s", a->subtitle);
			a->fo.title = title;
			a->fo.subtitle = sub;
			a->fo.unit = m.unit;
			err = a->format == SINK_SVG ? flame__write_svg(out.f, sets[0], &a->fo)
						    : sink__write(out.f, a->format, sets[0], &m);
		}
	}
	if (err == -ERANGE) {
		vigil_err("%s: the values are too large for pprof's signed 64-bit numbers (its "
			  "nanoseconds are samples times 1e9/HZ)",
			  a->cmd);
		goto done;
	}
	if (err && err != -EIO) {
		vigil_err("%s: cannot write the %s: %s", a->cmd, sink__format_name(a->format),
			  strerror(-err));
		goto done;
	}
	/* a write error shows in the stream; commit names the file */
	if (outfile__commit(&out))
		goto done;
	ret = EXIT_OK;
done:
	json_object_put(desc);
	outfile__abort(&out);
	stack_set__free(sets[0]);
	stack_set__free(sets[1]);
	return ret;
}

static int cmd_flame(const char *cmd, int argc, char **argv)
{
	struct flame_args a = {.cmd = cmd};
	int ret = flame_parse_args(argc, argv, &a);

	if (ret) {
		if (ret < 0)
			(!strcmp(cmd, "diff") ? usage_diff : usage_flamegraph)(stdout);
		return ret < 0 ? EXIT_OK : ret;
	}
	return run(&a);
}

int cmd_flamegraph(int argc, char **argv)
{
	return cmd_flame("flamegraph", argc, argv);
}

int cmd_diff(int argc, char **argv)
{
	return cmd_flame("diff", argc, argv);
}
