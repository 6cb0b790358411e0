/* mailq.c - the queue commands, for the people and timers that look after
 * the queue: list it, flush it, take a message out or hold it back. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "flush.h"
#include "log.h"
#include "mailq.h"
#include "queue.h"

#define DIR_MAX 4096
#define QUEUES_MAX 16   /* distinct queue directories one config may name */

struct queue_dirs {
	char path[QUEUES_MAX][DIR_MAX];
	size_t n;
};

/* The config, if there is one: the queue commands work without it (the
 * default queue directory), so a missing file is no error here. */
static int load_config(const struct invocation *inv, struct config *cfg, struct outcome *out)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_load(inv->config_file, cfg, out);
}

static void add_dir(struct queue_dirs *d, const char *path)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->path[i], path) == 0)
			return;
	if (d->n < QUEUES_MAX)
		snprintf(d->path[d->n++], DIR_MAX, "%s", path);
}

/* Every queue directory the config names, the default one first. */
static int find_dirs(const struct config *cfg, struct queue_dirs *d, struct outcome *out)
{
	char dir[DIR_MAX];

	d->n = 0;
	if (queue_default_dir(dir, sizeof(dir), out) < 0)
		return -1;
	add_dir(d, dir);
	for (size_t i = 0; i < cfg->naccounts; i++)
		if (cfg->accounts[i].queue_dir)
			add_dir(d, cfg->accounts[i].queue_dir);
	return 0;
}

static bool exists(const char *dir)
{
	struct stat sb;

	return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Open each existing queue in turn: `each` returns 1 to stop early. */
static int for_each_queue(const struct invocation *inv,
                          int (*each)(struct queue *q, struct config *cfg, void *ctx,
                                      struct outcome *out),
                          void *ctx, struct outcome *out)
{
	struct config cfg;
	struct queue_dirs *dirs = calloc(1, sizeof(*dirs));
	int rc = 0;

	if (!dirs)
		return outcome_fail(out, OUTCOME_OS, "queue", "out of memory");
	if (load_config(inv, &cfg, out) < 0 || find_dirs(&cfg, dirs, out) < 0) {
		rc = -1;
		goto done;
	}
	for (size_t i = 0; i < dirs->n && rc == 0; i++) {
		struct queue *q;

		if (!exists(dirs->path[i]))
			continue;
		if (queue_open(dirs->path[i], &q, out) < 0) {
			rc = -1;
			break;
		}
		rc = each(q, &cfg, ctx, out);
		queue_close(q);
	}
done:
	config_free(&cfg);
	free(dirs);
	return rc < 0 ? -1 : 0;
}

/* ------------------------------------------------------------ listing */

struct listing {
	FILE *fp;
	size_t messages, held;
	time_t now;
};

static void print_age(FILE *fp, long seconds)
{
	if (seconds < 0)
		seconds = 0;
	if (seconds < 120)
		fprintf(fp, "%lds", seconds);
	else if (seconds < 7200)
		fprintf(fp, "%ldm", seconds / 60);
	else if (seconds < 172800)
		fprintf(fp, "%ldh", seconds / 3600);
	else
		fprintf(fp, "%ldd", seconds / 86400);
}

static void print_entry(struct listing *l, const struct queue_envelope *e)
{
	char escaped[1024];
	FILE *fp = l->fp;

	fprintf(fp, "%s  %lld bytes  age ", e->id, (long long)e->size);
	print_age(fp, (long)(l->now - e->created));
	fprintf(fp, "  attempts %u", e->attempts);
	if (e->held)
		fputs("  held", fp);
	else if (e->next_attempt > l->now) {
		fputs("  next in ", fp);
		print_age(fp, (long)(e->next_attempt - l->now));
	} else {
		fputs("  next: now", fp);
	}
	log_escape(escaped, sizeof(escaped), e->from, strlen(e->from));
	fprintf(fp, "\n    from <%s> account %s\n    to", escaped, e->account ? e->account : "?");
	for (size_t i = 0; i < e->rcpts.n; i++) {
		log_escape(escaped, sizeof(escaped), e->rcpts.items[i], strlen(e->rcpts.items[i]));
		fprintf(fp, "%s <%s>", i ? "," : "", escaped);
	}
	fputc('\n', fp);
	if (e->last_reply) {
		log_escape(escaped, sizeof(escaped), e->last_reply, strlen(e->last_reply));
		fprintf(fp, "    last error: %s\n", escaped);
	}
}

static int list_one(struct queue *q, struct config *cfg, void *ctx, struct outcome *out)
{
	struct listing *l = ctx;
	struct queue_envelope *list;
	size_t n;

	(void)cfg;
	if (queue_list(q, &list, &n, out) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		print_entry(l, &list[i]);
		l->messages++;
		l->held += list[i].held;
	}
	queue_list_free(list, n);
	return 0;
}

int mailq_list(const struct invocation *inv, FILE *fp, struct outcome *out)
{
	struct listing l = { .fp = fp, .now = time(NULL) };

	if (for_each_queue(inv, list_one, &l, out) < 0)
		return -1;
	if (l.messages == 0)
		fputs("Mail queue is empty\n", fp);
	else
		fprintf(fp, "%zu message%s in the queue%s\n", l.messages, l.messages == 1 ? "" : "s",
		        l.held ? " (some held)" : "");
	return 0;
}

/* ------------------------------------------------------------ flushing */

struct flushing {
	const struct invocation *inv;
	bool found;           /* -qI: the message was in one of the queues */
	struct flush_result total;
};

/* -qI on a held message: held means "do not send", so say how to undo
 * that instead of sending it or doing nothing silently. */
static int refuse_if_held(struct queue *q, const char *id, struct outcome *out)
{
	struct queue_envelope *list;
	size_t n;
	bool held = false;

	if (queue_list(q, &list, &n, out) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].id, id) == 0)
			held = list[i].held;
	queue_list_free(list, n);
	if (held)
		return outcome_fail(out, OUTCOME_USAGE, "queue",
		                    "message %s is held; release it first (--queue-release %s)",
		                    id, id);
	return 0;
}

static int flush_one(struct queue *q, struct config *cfg, void *ctx, struct outcome *out)
{
	struct flushing *f = ctx;
	struct flush_result r = { 0 };
	struct outcome result;
	const struct flush_request req = {
		.cfg = cfg,
		.only_id = f->inv->queue_id,
		.due_only = f->inv->queue_due_only,
		.now = time(NULL),
	};

	outcome_clear(&result);
	if (f->inv->queue_id && refuse_if_held(q, f->inv->queue_id, out) < 0)
		return -1;
	if (flush_queue(q, &req, &r, &result) < 0) {
		/* -qI: a queue that does not hold the id is not the one. */
		if (f->inv->queue_id && result.cls == OUTCOME_NO_INPUT)
			return 0;
		*out = result;
		return -1;
	}
	f->found = true;
	f->total.delivered += r.delivered;
	f->total.deferred += r.deferred;
	f->total.failed += r.failed;
	return f->inv->queue_id ? 1 : 0;
}

int mailq_flush(const struct invocation *inv, struct outcome *out)
{
	struct flushing f = { .inv = inv };

	if (for_each_queue(inv, flush_one, &f, out) < 0)
		return -1;
	if (inv->queue_id && !f.found)
		return outcome_fail(out, OUTCOME_NO_INPUT, "queue",
		                    "no queued message has the id '%s'", inv->queue_id);
	log_debug("queue flushed: %zu delivered, %zu deferred, %zu failed",
	          f.total.delivered, f.total.deferred, f.total.failed);
	return 0;
}

/* ------------------------------------------------------------ one message */

struct editing {
	const struct invocation *inv;
	bool found;
};

static int edit_one(struct queue *q, struct config *cfg, void *ctx, struct outcome *out)
{
	struct editing *e = ctx;
	struct outcome result;
	int rc;

	(void)cfg;
	outcome_clear(&result);
	switch (e->inv->mode) {
	case MODE_QUEUE_DELETE: rc = queue_delete(q, e->inv->queue_id, &result); break;
	case MODE_QUEUE_HOLD: rc = queue_hold(q, e->inv->queue_id, &result); break;
	default: rc = queue_release(q, e->inv->queue_id, &result); break;
	}
	if (rc == 0) {
		e->found = true;
		return 1;
	}
	if (result.cls == OUTCOME_NO_INPUT)
		return 0;      /* not in this queue: maybe the next */
	*out = result;
	return -1;
}

int mailq_edit(const struct invocation *inv, struct outcome *out)
{
	struct editing e = { .inv = inv };

	if (for_each_queue(inv, edit_one, &e, out) < 0)
		return -1;
	if (!e.found)
		return outcome_fail(out, OUTCOME_NO_INPUT, "queue",
		                    "no queued message has the id '%s'", inv->queue_id);
	return 0;
}
