// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* wakegraph.c - `dial9 wakegraph FILE`: waker -> woken edges and the
 * longest wake chain, as text, Graphviz (--dot) or JSON. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "dial9.h"

struct graph_ctx {
	const struct dial9_analysis *a;
	const struct dial9_wake_edge **edges;
	char loc[512];
};

static const char *edge_row(void *ctx, uint64_t i, char cells[][FMT_LEN])
{
	struct graph_ctx *c = ctx;
	const struct dial9_wake_edge *e = c->edges[i];
	const struct dial9_task_info *t = dial9_analysis__task(c->a, e->to);
	const char *loc = t ? dial9_analysis__task_location(c->a, t) : NULL;

	fmt_u64(cells[0], e->count);
	fmt_node(cells[1], &e->from);
	snprintf(cells[2], FMT_LEN, "task %" PRIu64, e->to);
	return loc ? loc : "?";
}

static void chain_text(const struct dial9_analysis *a)
{
	const struct dial9_wakegraph *g = a->graph;
	char b1[FMT_LEN], b2[FMT_LEN];
	uint64_t i;

	if (!g->chain_len) {
		printf("\nNo wake chain (no wakes).\n");
		return;
	}
	printf("\nLongest wake chain: %" PRIu64 " wake%s\n", g->chain_len,
	       g->chain_len == 1 ? "" : "s");
	for (i = 0; i < g->chain_len; i++) {
		const struct dial9_event *e = &a->dump->events[g->chain_ev[i]];

		printf("  %10s  %s woke task %" PRIu64 "\n", fmt_rel(b1, a, e->ts_ns),
		       fmt_node(b2, &g->chain_nodes[i]), g->chain_nodes[i + 1].task_id);
	}
}

/* Text inside a Graphviz quoted string: backslash and quote escaped,
 * control characters dropped. */
static void dot_escaped(const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		if ((unsigned char)*s >= 0x20)
			putchar(*s);
	}
}

static void dot_node_id(const struct dial9_node *n)
{
	if (n->kind == DIAL9_WAKER_TASK)
		printf("\"t%" PRIu64 "\"", n->task_id);
	else
		printf("\"%s\"", dial9_waker_kind_name(n->kind));
}

static bool on_chain(const struct dial9_wakegraph *g, const struct dial9_wake_edge *e)
{
	uint64_t i;

	for (i = 0; i < g->chain_len; i++)
		if (g->chain_nodes[i + 1].task_id == e->to &&
		    !dial9_node__cmp(&g->chain_nodes[i], &e->from))
			return true;
	return false;
}

/* A graph-level label="…" (escaped), for what the graph cannot show. */
static void dot_label(const char *why)
{
	printf("  label=\"");
	dot_escaped(why);
	printf("\";\n");
}

static int graph_dot(const struct dial9_analysis *a, const struct dial9_wake_edge **edges,
		      uint64_t n)
{
	const struct dial9_wakegraph *g = a->graph;
	struct dial9_idset seen = { 0 };
	uint64_t *ids, i, k, non_task = 0;
	char why[DIAL9_WHY_LEN];

	/* Nodes: each task once (sorted set), each non-task waker once. */
	ids = malloc((2 * n + 1) * sizeof(*ids));
	if (!ids) {
		p_err("out of memory");
		return -ENOMEM;
	}
	for (i = 0, k = 0; i < n; i++) {
		ids[k++] = edges[i]->to;
		if (edges[i]->from.kind == DIAL9_WAKER_TASK)
			ids[k++] = edges[i]->from.task_id;
		else
			non_task |= 1ULL << (edges[i]->from.kind & 63);
	}
	dial9_idset__init(&seen, ids, k);
	printf("digraph dial9_wakes {\n  rankdir=LR;\n  node [shape=ellipse, fontsize=10];\n");
	if (dial9_analysis__why_unknown(a, DIAL9_FIG_WAKERS, why, sizeof(why)))
		dot_label(why);
	for (i = 0; i < seen.count; i++) {
		const struct dial9_task_info *t = dial9_analysis__task(a, seen.ids[i]);
		const char *loc = t ? dial9_analysis__task_location(a, t) : NULL;

		printf("  \"t%" PRIu64 "\" [label=\"task %" PRIu64, seen.ids[i], seen.ids[i]);
		if (loc) {
			printf("\\n");
			dot_escaped(loc);
		}
		printf("\"];\n");
	}
	for (k = 0; k < 64; k++)
		if (non_task & (1ULL << k))
			printf("  \"%s\" [shape=box, style=filled, fillcolor=lightgrey];\n",
			       dial9_waker_kind_name((uint32_t)k));
	for (i = 0; i < n; i++) {
		const struct dial9_node to = { edges[i]->to, DIAL9_WAKER_TASK };

		printf("  ");
		dot_node_id(&edges[i]->from);
		printf(" -> ");
		dot_node_id(&to);
		printf(" [label=\"%" PRIu64 "\"%s];\n", edges[i]->count,
		       on_chain(g, edges[i]) ? ", color=red, penwidth=2" : "");
	}
	printf("}\n");
	dial9_idset__free(&seen);
	return 0;
}

static void graph_json(const struct dial9_analysis *a, struct json_writer *w,
		       const struct dial9_wake_edge **edges, uint64_t n)
{
	const struct dial9_wakegraph *g = a->graph;
	uint64_t i;

	json_writer__begin_object(w);
	json_writer__kv_bool(w, "available", true);
	json_writer__kv_null(w, "reason");
	dial9_analysis__write_why_json(w, "lumped_into_runtime", a, DIAL9_FIG_WAKERS);
	json_writer__kv_u64(w, "wakes", g->nwakes);
	json_writer__kv_u64(w, "edge_count", g->nedges);
	json_writer__key(w, "edges");
	json_writer__begin_array(w);
	for (i = 0; i < n; i++) {
		const struct dial9_task_info *t = dial9_analysis__task(a, edges[i]->to);

		json_writer__begin_object(w);
		json_node(w, "waker", &edges[i]->from);
		json_writer__kv_u64(w, "woken", edges[i]->to);
		json_writer__kv_string(w, "woken_location",
				       t ? dial9_analysis__task_location(a, t) : NULL);
		json_writer__kv_u64(w, "count", edges[i]->count);
		json_writer__kv_u64(w, "first_ns", edges[i]->first_ns);
		json_writer__kv_u64(w, "last_ns", edges[i]->last_ns);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__key(w, "longest_wake_chain");
	json_writer__begin_object(w);
	json_chain(w, g);
	json_writer__key(w, "wakes");
	json_writer__begin_array(w);
	for (i = 0; i < g->chain_len; i++) {
		json_writer__begin_object(w);
		json_writer__kv_u64(w, "ts_ns", a->dump->events[g->chain_ev[i]].ts_ns);
		json_node(w, "waker", &g->chain_nodes[i]);
		json_writer__kv_u64(w, "woken", g->chain_nodes[i + 1].task_id);
		json_writer__end_object(w);
	}
	json_writer__end_array(w);
	json_writer__end_object(w);
	json_writer__end_object(w);
}

/* No wake probe: one line (or object) saying why, and no graph. */
static int graph_unavailable(const struct options *o, const struct dial9_analysis *a)
{
	struct json_writer *w;
	char why[DIAL9_WHY_LEN];

	dial9_analysis__why_unknown(a, DIAL9_FIG_WAKES, why, sizeof(why));
	if (o->json) {
		w = json_out(o);
		if (!w)
			return -ENOMEM;
		json_writer__begin_object(w);
		json_writer__kv_bool(w, "available", false);
		json_writer__kv_string(w, "reason", why);
		json_writer__end_object(w);
		return json_done(w);
	}
	if (o->dot) {
		printf("digraph dial9_wakes { label=\"wake graph unavailable: ");
		dot_escaped(why);
		printf("\"; }\n");
	} else {
		printf("wake graph unavailable: %s\n", why);
	}
	return text_done();
}

int view_wakegraph(const struct options *o, const struct loaded *l)
{
	static const char *const heads[] = { "COUNT", "WAKER", "WOKEN", "WOKEN-LOCATION" };
	static const bool right[] = { true, false, false, false };
	const struct dial9_wake_edge **edges = NULL;
	struct json_writer *w;
	struct graph_ctx ctx;
	char why[DIAL9_WHY_LEN];
	uint64_t n;
	int err;

	if (!dial9_analysis__knows(l->a, DIAL9_FIG_WAKES)) {
		err = graph_unavailable(o, l->a);
		goto cleanup;
	}
	err = dial9_wakegraph__by_count(l->a->graph, &edges);
	if (err) {
		p_err("%s", strerror(-err));
		goto cleanup;
	}
	n = l->a->graph->nedges;
	if (o->limit && o->limit < n)
		n = o->limit;
	if (o->json) {
		w = json_out(o);
		err = -ENOMEM;
		if (w) {
			graph_json(l->a, w, edges, n);
			err = json_done(w);
		}
	} else if (o->dot) {
		err = graph_dot(l->a, edges, n);
		if (!err)
			err = text_done();
	} else {
		printf("%" PRIu64 " wakes over %" PRIu64 " edges (waker -> woken)", l->a->graph->nwakes,
		       l->a->graph->nedges);
		if (n < l->a->graph->nedges)
			printf(", the %" PRIu64 " most frequent shown", n);
		printf("\n");
		if (dial9_analysis__why_unknown(l->a, DIAL9_FIG_WAKERS, why, sizeof(why)))
			printf("runtime wakes include others: %s\n", why);
		ctx.a = l->a;
		ctx.edges = edges;
		if (n)
			print_table(heads, right, 4, n, edge_row, &ctx);
		chain_text(l->a);
		err = text_done();
	}
cleanup:
	free(edges);
	return err;
}

int cmd_wakegraph(const struct options *o)
{
	return run_view(o, view_wakegraph);
}
