// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dial9 - read dial9 dump files.
 *
 *   dial9 [--json] COMMAND [OPTIONS] FILE ...
 *
 * Commands may be abbreviated to any unambiguous prefix (like bpftool).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dial9.h"

#define COMMON_OPTS "  -j, --json         machine-readable JSON on stdout\n" \
		    "  -p, --pretty       indent the JSON\n" \
		    "      --max-events N refuse dumps of more than N events (default\n" \
		    "                     33554432, up to ~2.5 GiB; at most 67108864)\n"

static const struct cmd cmds[] = {
	{ "summary", cmd_summary, OPT_JSON | OPT_PRETTY | OPT_MAX_EVENTS, 1, "FILE",
	  "process, reason, window, event counts, losses, longest polls, worst latency",
	  NULL },
	{ "tasks", cmd_tasks, OPT_JSON | OPT_PRETTY | OPT_SORT | OPT_LIMIT | OPT_MAX_EVENTS,
	  1, "FILE",
	  "one row per task",
	  "  -s, --sort KEY     id (default), polls, total, max, wakes, latency\n"
	  "  -n, --limit N      show the first N rows\n" },
	{ "task", cmd_task, OPT_JSON | OPT_PRETTY | OPT_MAX_EVENTS, 2, "FILE ID",
	  "one task's lifecycle in time order", NULL },
	{ "wakegraph", cmd_wakegraph,
	  OPT_JSON | OPT_PRETTY | OPT_DOT | OPT_LIMIT | OPT_MAX_EVENTS, 1, "FILE",
	  "who wakes whom (waker -> woken, counts) and the longest wake chain",
	  "      --dot          Graphviz output\n"
	  "  -n, --limit N      only the N most frequent edges\n" },
	{ "timeline", cmd_timeline, OPT_JSON | OPT_PRETTY | OPT_RANGE | OPT_MAX_EVENTS, 1, "FILE",
	  "per worker thread: polls and idle periods over time",
	  "      --from MS      start, in ms from the window start\n"
	  "      --to MS        end, in ms from the window start\n" },
	{ "metrics", cmd_metrics, OPT_JSON | OPT_PRETTY | OPT_INTERVAL | OPT_MAX_EVENTS, 1, "FILE",
	  "per interval: polls, wakes, wake-to-poll latency, runnable queue, mode, losses",
	  "      --interval MS  interval length (default 1000)\n" },
	{ "profile", cmd_profile, OPT_JSON | OPT_PRETTY | OPT_BY | OPT_LIMIT | OPT_MAX_EVENTS, 1,
	  "FILE", "the CPU profile from the CPU sampler, per task or spawn location",
	  "      --by KEY       task (default) or location (spawn location)\n"
	  "  -n, --limit N      the first N rows\n" },
	{ "report", cmd_report, OPT_OUTPUT | OPT_MAX_EVENTS, 1, "FILE",
	  "a self-contained HTML page: timeline, charts, task table, wake graph",
	  "  -o, --output FILE  the HTML file to write (required)\n" },
	{ "export", cmd_export, OPT_OUTPUT | OPT_FORMAT | OPT_MAX_EVENTS, 1, "FILE",
	  "convert for other tools: --format perfetto (Chrome trace-event JSON)",
	  "      --format NAME  perfetto (required)\n"
	  "  -o, --output FILE  where to write (default: stdout)\n" },
};

#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"Usage: dial9 [-j|--json] [-p|--pretty] COMMAND [OPTIONS] ARGS\n"
		"       dial9 help [COMMAND]\n"
		"\n"
		"Read dial9 flight-recorder dumps.  Times are relative to the start of the\n"
		"recorded window.  Commands may be abbreviated.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-10s %-8s  %s\n", cmds[i].name, cmds[i].args_help, cmds[i].help);
	fprintf(f,
		"\n"
		"Options:\n" COMMON_OPTS
		"  -h, --help         this help\n"
		"\n"
		"Examples:\n"
		"  dial9 summary /var/lib/dial9/dumps/1000/server.1234.20261126T120000Z.000.panic.dial9\n"
		"  dial9 tasks --sort max --limit 20 dump.dial9\n"
		"  dial9 wakegraph --dot dump.dial9 | dot -Tsvg > wakes.svg\n"
		"  dial9 timeline --from 1200 --to 1300 dump.dial9\n");
}

static void cmd_usage(const struct cmd *c)
{
	printf("Usage: dial9 %s [OPTIONS] %s\n\n%s\n\nOptions:\n%s%s", c->name, c->args_help,
	       c->help, COMMON_OPTS, c->opts_help ? c->opts_help : "");
}

/* Exact name, else the one command the prefix matches.  NULL: message printed. */
static const struct cmd *find_cmd(const char *name)
{
	const struct cmd *found = NULL;
	char list[256] = "";
	size_t i, n = 0, len = strlen(name);

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(cmds[i].name, name))
			return &cmds[i];
	for (i = 0; len && i < NCMDS; i++) {
		if (strncmp(cmds[i].name, name, len))
			continue;
		found = &cmds[i];
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			 n++ ? ", " : "", cmds[i].name);
	}
	if (n == 1)
		return found;
	if (n > 1)
		p_err("command '%s' is ambiguous: %s", name, list);
	else
		p_err("unknown command '%s'; try 'dial9 help'", name);
	return NULL;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

/* Milliseconds (non-negative, may have decimals) to ns. */
static int parse_ms(const char *s, uint64_t *ns)
{
	char *end;
	double ms;

	if (!s || !*s)
		return -EINVAL;
	errno = 0;
	ms = strtod(s, &end);
	if (errno || *end || !isfinite(ms) || ms < 0 || ms > 1e12)
		return -EINVAL;
	*ns = (uint64_t)llround(ms * 1e6);
	return 0;
}

static int parse_sort(const char *s, enum dial9_task_sort *key)
{
	static const struct {
		const char *name;
		enum dial9_task_sort key;
	} keys[] = {
		{ "id", DIAL9_SORT_ID },         { "polls", DIAL9_SORT_POLLS },
		{ "total", DIAL9_SORT_TOTAL },   { "max", DIAL9_SORT_MAX },
		{ "wakes", DIAL9_SORT_WAKES },   { "latency", DIAL9_SORT_LATENCY },
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		if (!strcmp(s, keys[i].name)) {
			*key = keys[i].key;
			return 0;
		}
	}
	return -EINVAL;
}

enum { LOPT_DOT = 256, LOPT_FROM, LOPT_TO, LOPT_FORMAT, LOPT_MAX_EVENTS, LOPT_INTERVAL, LOPT_BY };

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "help", no_argument, NULL, 'h' },
	{ "sort", required_argument, NULL, 's' },
	{ "limit", required_argument, NULL, 'n' },
	{ "dot", no_argument, NULL, LOPT_DOT },
	{ "from", required_argument, NULL, LOPT_FROM },
	{ "to", required_argument, NULL, LOPT_TO },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, LOPT_FORMAT },
	{ "max-events", required_argument, NULL, LOPT_MAX_EVENTS },
	{ "interval", required_argument, NULL, LOPT_INTERVAL },
	{ "by", required_argument, NULL, LOPT_BY },
	{ NULL, 0, NULL, 0 },
};

static unsigned int opt_bit(int c)
{
	switch (c) {
	case 'j': return OPT_JSON;
	case 'p': return OPT_PRETTY;
	case 's': return OPT_SORT;
	case 'n': return OPT_LIMIT;
	case LOPT_DOT: return OPT_DOT;
	case LOPT_FROM:
	case LOPT_TO: return OPT_RANGE;
	case 'o': return OPT_OUTPUT;
	case LOPT_FORMAT: return OPT_FORMAT;
	case LOPT_MAX_EVENTS: return OPT_MAX_EVENTS;
	case LOPT_INTERVAL: return OPT_INTERVAL;
	case LOPT_BY: return OPT_BY;
	default: return 0;
	}
}

/* Parse argv (argv[0] = command name).  0, 1 for --help, or negative errno
 * (message printed). */
static int parse_cmd_args(const struct cmd *c, int argc, char **argv, struct options *o)
{
	int ch;

	opterr = 0;
	optind = 0; /* full reset of GNU getopt */
	while ((ch = getopt_long(argc, argv, ":jphs:n:o:", long_opts, NULL)) != -1) {
		if (ch == 'h') {
			cmd_usage(c);
			return 1;
		}
		if (ch == ':') {
			p_err("option '%s' needs an argument", argv[optind - 1]);
			return -EINVAL;
		}
		if (ch == '?' || !(c->opts & opt_bit(ch))) {
			if (ch == '?' && optopt)
				p_err("unknown option '-%c' for '%s'", optopt, c->name);
			else
				p_err("unknown option '%s' for '%s'", argv[optind - 1], c->name);
			return -EINVAL;
		}
		switch (ch) {
		case 'j':
			o->json = true;
			p_err_json(true);
			break;
		case 'p':
			o->pretty = true;
			break;
		case 's':
			if (parse_sort(optarg, &o->sort)) {
				p_err("bad --sort key '%s' (id, polls, total, max, wakes, latency)",
				      optarg);
				return -EINVAL;
			}
			break;
		case 'n':
			if (parse_u64(optarg, &o->limit) || !o->limit) {
				p_err("bad --limit '%s' (a positive number)", optarg);
				return -EINVAL;
			}
			break;
		case LOPT_DOT:
			o->dot = true;
			break;
		case 'o':
			o->output = optarg;
			break;
		case LOPT_FORMAT:
			o->format = optarg;
			break;
		case LOPT_MAX_EVENTS:
			if (parse_u64(optarg, &o->max_events) || !o->max_events ||
			    o->max_events > DIAL9_DUMP_MAX_EVENTS) {
				p_err("bad --max-events '%s' (1 to %llu)", optarg,
				      (unsigned long long)DIAL9_DUMP_MAX_EVENTS);
				return -EINVAL;
			}
			break;
		case LOPT_BY:
			if (strcmp(optarg, "task") && strcmp(optarg, "location")) {
				p_err("bad --by '%s' (task or location)", optarg);
				return -EINVAL;
			}
			o->by_location = !strcmp(optarg, "location");
			break;
		case LOPT_INTERVAL:
			if (parse_ms(optarg, &o->interval_ns) || o->interval_ns < 1000000) {
				p_err("bad --interval '%s' (milliseconds, at least 1)", optarg);
				return -EINVAL;
			}
			break;
		case LOPT_FROM:
		case LOPT_TO:
			if (parse_ms(optarg, ch == LOPT_FROM ? &o->from_ns : &o->to_ns)) {
				p_err("bad --%s '%s' (milliseconds from the window start)",
				      ch == LOPT_FROM ? "from" : "to", optarg);
				return -EINVAL;
			}
			*(ch == LOPT_FROM ? &o->has_from : &o->has_to) = true;
			break;
		}
	}
	if (argc - optind != c->nargs) {
		p_err("'%s' takes %s (%d argument%s given); try 'dial9 help %s'", c->name,
		      c->args_help, argc - optind, argc - optind == 1 ? "" : "s", c->name);
		return -EINVAL;
	}
	for (o->nargs = 0; optind < argc; optind++)
		o->args[o->nargs++] = argv[optind];
	if (o->json && o->dot) {
		p_err("--json and --dot exclude each other");
		return -EINVAL;
	}
	if (o->has_from && o->has_to && o->from_ns > o->to_ns) {
		p_err("--from is after --to");
		return -EINVAL;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	const struct cmd *c;
	int i, err;

	/* Global options before the command. */
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			o.json = true;
			p_err_json(true);
		} else if (!strcmp(a, "-p") || !strcmp(a, "--pretty")) {
			o.pretty = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return text_done() ? 1 : 0;
		} else {
			p_err("unknown option '%s'; try 'dial9 help'", a);
			return 1;
		}
	}
	if (i >= argc || !strcmp(argv[i], "help")) {
		if (i + 1 < argc && i < argc) {
			c = find_cmd(argv[i + 1]);
			if (!c)
				return 1;
			cmd_usage(c);
		} else {
			usage(stdout);
		}
		return text_done() ? 1 : 0;
	}
	c = find_cmd(argv[i]);
	if (!c)
		return 1;
	err = parse_cmd_args(c, argc - i, argv + i, &o);
	if (err)
		return err > 0 ? (text_done() ? 1 : 0) : 1;
	err = c->run(&o);
	return err ? 1 : 0;
}
