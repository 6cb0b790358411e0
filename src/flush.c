/* flush.c - deliver what is queued: group by account, one connection per
 * account (and at most one more when it breaks, resuming TLS), each
 * message locked while it is sent; then done, rescheduled, or given up
 * with a bounce to its sender (the bounces are flush_bounce.c's). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "account.h"
#include "flush.h"
#include "flush_internal.h"
#include "log.h"
#include "net.h"

#define STEP "queue"
#define DEFAULT_RETRY "1m 2m 5m 10m 20m 40m 1h"
#define DEFAULT_MAX_AGE (5L * 24 * 60 * 60)
#define RETRY_STEPS_MAX 64

/* ------------------------------------------------------------ the schedule */

/* The steps of a `queue_retry` list; 0 when one is not a duration. */
static size_t parse_retry(const char *text, long steps[RETRY_STEPS_MAX])
{
	size_t n = 0;

	while (*text && n < RETRY_STEPS_MAX) {
		char word[DURATION_TEXT_MAX];
		size_t len;

		text += strspn(text, " \t");
		len = strcspn(text, " \t");
		if (len == 0)
			break;
		if (len >= sizeof(word))
			return 0;
		memcpy(word, text, len);
		word[len] = '\0';
		if ((steps[n++] = config_parse_duration(word)) < 0)
			return 0;
		text += len;
	}
	return n;
}

long flush_retry_delay(const char *retry, unsigned attempts)
{
	long steps[RETRY_STEPS_MAX];
	size_t n = retry ? parse_retry(retry, steps) : 0;
	size_t step = attempts > 0 ? attempts - 1 : 0;

	/* config.c checked the setting; this only guards a queue file that
	 * outlived a config change. */
	if (n == 0)
		n = parse_retry(DEFAULT_RETRY, steps);
	return steps[step < n ? step : n - 1];
}

long flush_max_age(const struct account *acct)
{
	long age = acct && acct->queue_max_age ? config_parse_duration(acct->queue_max_age) : -1;

	return age >= 0 ? age : DEFAULT_MAX_AGE;
}

/* ------------------------------------------------------------ the run */

static void verdict_free(struct verdict *v)
{
	address_list_free(&v->delivered);
	address_list_free(&v->deferred);
	address_list_free(&v->failed);
	free(v->accepted);
}

/* "step: what happened: code enhanced text", escaped, as log_report says it. */
void flush_outcome_line(char *buf, size_t size, const struct outcome *o)
{
	char text[REPLY_LINE_MAX];

	log_format_outcome(text, sizeof(text), o);
	if (o->step && o->step[0])
		snprintf(buf, size, "%s: %s", o->step, text);
	else
		snprintf(buf, size, "%s", text);
}

/* Permanent: the server (or the checks before MAIL) refused this message
 * for good. Anything else (4xx, a broken connection, a protocol error, a
 * local or configuration problem) may pass: the message waits. */
bool flush_is_permanent(const struct outcome *o)
{
	switch (o->cls) {
	case OUTCOME_REFUSED:
	case OUTCOME_BAD_MESSAGE:
	case OUTCOME_RCPT_REFUSED:
		return true;
	default:
		return false;
	}
}

/* ------------------------------------------------------------ connections */

/* Open a connection for the group: its account, then the fallbacks while
 * the failure is one they may not share. A second connection to the
 * server of a broken one offers its TLS session for resumption. */
static struct session *open_with_fallback(struct flush_group *g, struct outcome *out)
{
	const struct account *acct = g->acct;
	const char *fallbacks = acct->fallback ? acct->fallback : "";
	struct outcome first;

	outcome_clear(&first);
	for (;;) {   /* bounded by the fallback list */
		struct session *s = g->stale && acct == g->via
		                    ? session_open_resuming(acct, g->stale, out)
		                    : session_open(acct, out);

		if (s) {
			g->via = acct;
			g->run->result->connections++;
			if (log_verbose() && acct != g->acct)
				log_debug("queue: account %s delivers for %s", acct->name, g->acct->name);
			return s;
		}
		if (first.cls == OUTCOME_OK)
			first = *out;
		if (!account_fallback_may_help(out) || !(acct = account_next_fallback(g->run->req->cfg, &fallbacks)))
			break;
		log_debug("%s; trying the fallback account %s", out->text, acct->name);
	}
	/* The account's own failure says most about why its mail waits. */
	*out = first;
	return NULL;
}

static void drop_stale(struct flush_group *g)
{
	if (g->stale_owned)
		session_close(g->stale);
	g->stale = NULL;
	g->stale_owned = false;
}

/* After a failure: a session that can take no more mail is set aside
 * (its TLS ticket may serve the next connection); `why` becomes the
 * reason of the messages left when no other connection may be made. */
void flush_check_session(struct flush_group *g, const struct outcome *why)
{
	if (!g->session || session_ready(g->session))
		return;
	drop_stale(g);
	g->stale = g->session;
	g->stale_owned = g->owned;
	g->session = NULL;
	g->owned = false;
	g->failure = *why;
	/* Messages not even tried are no attempt: they keep their schedule. */
	if (g->opens_left == 0)
		g->wait_for_next_flush = true;
}

/* A session ready for the next message, or NULL (g->failure says why). */
static struct session *group_session(struct flush_group *g)
{
	struct outcome o;

	outcome_clear(&o);
	if (g->session && !session_ready(g->session)) {
		outcome_fail(&o, OUTCOME_TEMPORARY, "connect", "the connection to %s broke",
		             session_peer(g->session));
		flush_check_session(g, &o);
	}
	if (g->session)
		return g->session;
	if (g->opens_left == 0)
		return NULL;
	g->opens_left--;
	outcome_clear(&o);
	g->session = open_with_fallback(g, &o);
	drop_stale(g);
	if (!g->session) {
		g->failure = o;
		g->opens_left = 0;
		return NULL;
	}
	g->owned = true;
	return g->session;
}

/* ------------------------------------------------------------ sending */

static int send_to(struct flush_group *g, struct session *s, const struct queue_envelope *env,
                   int data_fd, char *const *rcpts, size_t nrcpts, struct outcome *out)
{
	const struct smtp_transaction txn = {
		.from = env->from ? env->from : "",
		.rcpts = rcpts,
		.nrcpts = nrcpts,
		.body_fd = data_fd,
		.body_size = env->size,
		.body_8bit = env->body_8bit,
		.smtputf8 = env->smtputf8,
		.body_type = env->body_type,
		.dsn_notify = env->dsn_notify,
		.dsn_return = env->dsn_return,
		.dsn_envid = env->dsn_envid,
		.partial = false,
		.lmtp = g->via->protocol == PROTOCOL_LMTP,
		.keep_session = true,
	};

	return session_send(s, &txn, out);
}

static void keep_reply(struct verdict *v, const struct session *s)
{
	if (!v->accepted)
		v->accepted = malloc(sizeof(*v->accepted));
	if (v->accepted)
		*v->accepted = *session_last_reply(s);
}

static void add_all(struct address_list *to, char *const *rcpts, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (address_list_add(to, rcpts[i]) < 0)
			log_warning("queue: out of memory keeping recipient <%s>", rcpts[i]);
}

/* The whole list shares one outcome. */
static void judge_all(struct verdict *v, char *const *rcpts, size_t n, const struct outcome *o)
{
	if (flush_is_permanent(o)) {
		add_all(&v->failed, rcpts, n);
		v->failed_why = *o;
	} else {
		add_all(&v->deferred, rcpts, n);
		v->deferred_why = *o;
	}
}

/* One transaction per recipient, for a verdict on each: after a refusal
 * of some of several recipients (nothing was sent), and always in LMTP,
 * where a failure after the final dot could leave unknown who has it. */
static void send_each(struct flush_group *g, const struct queue_envelope *env, int data_fd,
                      struct verdict *v)
{
	for (size_t i = 0; i < env->rcpts.n; i++) {
		struct session *s = group_session(g);
		char *const *one = &env->rcpts.items[i];
		struct outcome o;

		outcome_clear(&o);
		if (!s) {
			judge_all(v, one, 1, &g->failure);
			continue;
		}
		if (send_to(g, s, env, data_fd, one, 1, &o) == 0 || session_last_delivered(s)) {
			add_all(&v->delivered, one, 1);
			keep_reply(v, s);
		} else {
			judge_all(v, one, 1, &o);
		}
		flush_check_session(g, &o);
	}
}

static void deliver(struct flush_group *g, const struct queue_envelope *env, int data_fd,
                    struct verdict *v)
{
	struct session *s = group_session(g);
	struct outcome o;

	outcome_clear(&o);
	if (!s) {
		judge_all(v, env->rcpts.items, env->rcpts.n, &g->failure);
		return;
	}
	if (g->via->protocol == PROTOCOL_LMTP && env->rcpts.n > 1) {
		send_each(g, env, data_fd, v);
		return;
	}
	if (send_to(g, s, env, data_fd, env->rcpts.items, env->rcpts.n, &o) == 0) {
		add_all(&v->delivered, env->rcpts.items, env->rcpts.n);
		keep_reply(v, s);
	} else if (session_last_delivered(s)) {
		/* Some have it, and nobody can tell who: sending again could
		 * give it to them twice, so the sender is told instead. */
		const struct outcome was = o;

		outcome_fail(&o, OUTCOME_RCPT_REFUSED, was.step,
		             "delivered to some recipients, then: %s; not sent again, so that "
		             "nobody gets it twice", was.text);
		outcome_set_reply(&o, was.smtp_code, was.enhanced, was.reply);
		judge_all(v, env->rcpts.items, env->rcpts.n, &o);
	} else if (o.cls == OUTCOME_RCPT_REFUSED && env->rcpts.n > 1) {
		send_each(g, env, data_fd, v);
	} else {
		judge_all(v, env->rcpts.items, env->rcpts.n, &o);
	}
	flush_check_session(g, &o);
}

/* ------------------------------------------------------------ reporting */

static void write_log(const struct flush_group *g, const struct queue_envelope *env,
                      const struct address_list *rcpts, const struct outcome *result,
                      const struct smtp_reply *reply, long long started_ms)
{
	const struct account *acct = g->via ? g->via : g->acct;
	const struct log_record rec = {
		.from = env->from,
		.rcpts = rcpts->items,
		.nrcpts = rcpts->n,
		.size = (long long)env->size,
		.outcome = result,
		.smtp_code = reply ? reply->code : 0,
		.smtp_enhanced = reply ? reply->enhanced : NULL,
		.smtp_text = reply ? reply->text : NULL,
		.exit_status = outcome_exit_status(result->cls),
		.duration_ms = net_now_ms() - started_ms,
		.message_id = env->message_id,
	};

	if (acct && rcpts->n > 0)
		account_log(acct, &rec);
}

void flush_say(const char *id, const char *fmt, ...)
{
	va_list ap;

	if (!log_verbose())
		return;
	fprintf(stderr, "postie: queue: %s ", id);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void flush_duration_text(long seconds, char *buf, size_t size)
{
	if (seconds % 86400 == 0 && seconds)
		snprintf(buf, size, "%ldd", seconds / 86400);
	else if (seconds % 3600 == 0 && seconds)
		snprintf(buf, size, "%ldh", seconds / 3600);
	else if (seconds % 60 == 0 && seconds)
		snprintf(buf, size, "%ldm", seconds / 60);
	else
		snprintf(buf, size, "%lds", seconds);
}

/* ------------------------------------------------------------ deciding */

static void set_reply(struct queue_envelope *env, const char *line)
{
	char *copy = strdup(line);

	if (!copy)
		return;   /* the previous reply stays: still true, if older */
	free(env->last_reply);
	env->last_reply = copy;
}

static void take_rcpts(struct queue_envelope *env, struct address_list *list)
{
	struct address_list old = env->rcpts;

	env->rcpts = *list;
	*list = old;
}

static int reschedule(struct flush_group *g, struct queue_lock *lock, struct queue_envelope *env,
                      struct verdict *v, struct outcome *out)
{
	char line[REPLY_LINE_MAX], delay_text[DURATION_TEXT_MAX];
	long delay;

	flush_outcome_line(line, sizeof(line), &v->deferred_why);
	env->attempts++;
	delay = flush_retry_delay(g->acct ? g->acct->queue_retry : NULL, env->attempts);
	env->next_attempt = g->run->req->now + delay;
	set_reply(env, line);
	take_rcpts(env, &v->deferred);
	g->run->result->deferred++;
	flush_duration_text(delay, delay_text, sizeof(delay_text));
	flush_say(env->id, "deferred (attempt %u, next in %s): %s", env->attempts, delay_text,
	          line);
	return queue_reschedule(lock, env, out);
}

static int give_up(struct flush_group *g, struct queue_lock *lock, struct queue_envelope *env,
                   struct verdict *v, bool expired, struct outcome *out)
{
	char line[REPLY_LINE_MAX], age[DURATION_TEXT_MAX];
	size_t used = 0;

	if (expired) {
		flush_duration_text(flush_max_age(g->acct), age, sizeof(age));
		used = (size_t)snprintf(line, sizeof(line), "given up after %s in the queue: ", age);
		add_all(&v->failed, v->deferred.items, v->deferred.n);
	}
	flush_outcome_line(line + used, sizeof(line) - used,
	                   expired ? &v->deferred_why : &v->failed_why);
	env->attempts++;
	set_reply(env, line);
	take_rcpts(env, &v->failed);
	g->run->result->failed++;
	flush_say(env->id, "failed: %s", line);
	return queue_give_up(lock, env, out);
}

/* Record what happened: the queue first (the decision is durable before
 * anyone is told), then the log, then the bounces. */
static void settle(struct flush_group *g, struct queue_lock *lock, struct queue_envelope *env,
                   int data_fd, struct verdict *v, long long started_ms)
{
	const struct flush_request *req = g->run->req;
	bool expired = v->deferred.n > 0 && req->now - env->created >= flush_max_age(g->acct);
	struct outcome o, ok;
	struct bounce b[2];
	char id[QUEUE_ID_MAX];
	int rc;

	flush_bounces_prepare(g, env, data_fd, v, expired, b);
	outcome_clear(&o);
	outcome_clear(&ok);
	snprintf(id, sizeof(id), "%s", env->id);
	write_log(g, env, &v->delivered, &ok, v->accepted, started_ms);
	write_log(g, env, &v->failed, &v->failed_why, NULL, started_ms);
	write_log(g, env, &v->deferred, &v->deferred_why, NULL, started_ms);
	if (v->deferred.n && !expired) {
		rc = reschedule(g, lock, env, v, &o);
	} else if (v->failed.n || expired) {
		rc = give_up(g, lock, env, v, expired, &o);
	} else {
		rc = queue_done(lock, &o);
		g->run->result->delivered++;
		flush_say(id, "delivered via account %s", g->via ? g->via->name : "?");
	}
	if (rc < 0)
		log_report(stderr, &o);
	for (int i = 0; i < 2; i++)
		if (b[i].fd >= 0)
			flush_bounce_send(g, id, &b[i]);
}

/* ------------------------------------------------------------ the flush */

static void flush_message(struct flush_group *g, const char *id)
{
	struct queue_lock *lock = NULL;
	struct queue_envelope env;
	struct verdict v;
	struct outcome o;
	long long started_ms = net_now_ms();
	int data_fd = -1, rc;

	if (g->wait_for_next_flush) {
		g->run->result->deferred++;
		flush_say(id, "left for the next flush: the connection broke twice");
		return;
	}
	memset(&v, 0, sizeof(v));
	outcome_clear(&o);
	outcome_clear(&v.deferred_why);
	outcome_clear(&v.failed_why);
	rc = queue_lock(g->run->q, id, &lock, &env, &data_fd, &o);
	if (rc <= 0) {
		g->run->result->skipped++;
		if (rc < 0)
			log_report(stderr, &o);
		else
			flush_say(id, "skipped: another process is delivering it");
		return;
	}
	if (g->orphan) {
		add_all(&v.failed, env.rcpts.items, env.rcpts.n);
		v.failed_why = g->failure;
	} else if (env.rcpts.n > 0) {
		deliver(g, &env, data_fd, &v);
	}
	settle(g, lock, &env, data_fd, &v, started_ms);
	verdict_free(&v);
	queue_envelope_free(&env);
}

static void reporting_host(const struct account *acct, char *buf, size_t size)
{
	if (acct && acct->domain)
		snprintf(buf, size, "%s", acct->domain);
	else if (gethostname(buf, size) < 0 || !buf[0])
		snprintf(buf, size, "localhost");
	buf[size - 1] = '\0';
}

/* Set up the group of the account called `name`. */
static void group_begin(struct flush_group *g, struct flush_run *run, const char *name)
{
	const struct flush_request *req = run->req;
	struct outcome o;

	memset(g, 0, sizeof(*g));
	g->run = run;
	g->opens_left = 2;
	outcome_clear(&g->failure);
	outcome_clear(&o);
	g->acct = config_find(req->cfg, name);
	if (!g->acct) {
		/* Its bounce goes out through the default account, later. */
		g->orphan = true;
		g->opens_left = 0;
		g->acct = config_find(req->cfg, "default");
		outcome_fail(&g->failure, OUTCOME_CONFIG, STEP,
		             "account '%s' is no longer in the config", name);
	} else if (account_check(g->acct, &o) < 0) {
		g->failure = o;
		g->opens_left = 0;
	} else if (req->open && req->open_account && req->open_account->name &&
	           strcmp(req->open_account->name, name) == 0) {
		g->session = req->open;
		g->via = req->open_account;
		g->opens_left = 1;
	}
	reporting_host(g->acct, g->host, sizeof(g->host));
}

static void group_end(struct flush_group *g)
{
	if (g->owned)
		session_close(g->session);
	g->session = NULL;
	drop_stale(g);
}

struct pick {
	size_t index;          /* in the queue listing, oldest first */
	const char *account;
};

static int by_account(const void *a, const void *b)
{
	const struct pick *x = a, *y = b;
	int c = strcmp(x->account, y->account);

	return c ? c : (x->index > y->index) - (x->index < y->index);
}

/* The messages this flush takes, by account, oldest first within each. */
static size_t choose(const struct flush_request *req, const struct queue_envelope *list,
                     size_t n, struct pick *picks, bool *found)
{
	size_t npicks = 0;

	*found = false;
	for (size_t i = 0; i < n; i++) {
		const struct queue_envelope *e = &list[i];

		if (req->only_id && strcmp(e->id, req->only_id) != 0)
			continue;
		*found = true;
		if (e->held) {
			flush_say(e->id, "is on hold: not sent");
			continue;
		}
		if (!req->only_id && req->due_only && e->next_attempt > req->now)
			continue;
		picks[npicks++] = (struct pick){ i, e->account ? e->account : "" };
	}
	qsort(picks, npicks, sizeof(*picks), by_account);
	return npicks;
}

int flush_queue(struct queue *q, const struct flush_request *req, struct flush_result *result,
                struct outcome *out)
{
	struct flush_run run = { .q = q, .req = req, .result = result };
	struct queue_envelope *list = NULL;
	struct pick *picks;
	size_t n = 0, npicks;
	bool found;

	memset(result, 0, sizeof(*result));
	if (queue_list(q, &list, &n, out) < 0)
		return -1;
	picks = calloc(n ? n : 1, sizeof(*picks));
	if (!picks) {
		queue_list_free(list, n);
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	}
	npicks = choose(req, list, n, picks, &found);
	if (req->only_id && !found) {
		free(picks);
		queue_list_free(list, n);
		return outcome_fail(out, OUTCOME_NO_INPUT, STEP,
		                    "no message %.80s in the queue (see mailq)", req->only_id);
	}
	for (size_t i = 0; i < npicks; ) {   /* one group per account */
		struct flush_group g;
		size_t end = i;

		while (end < npicks && strcmp(picks[end].account, picks[i].account) == 0)
			end++;
		group_begin(&g, &run, picks[i].account);
		for (size_t k = i; k < end; k++)
			flush_message(&g, list[picks[k].index].id);
		group_end(&g);
		i = end;
	}
	free(picks);
	queue_list_free(list, n);
	/* One sync for all the messages delivered (see queue_done). */
	if (result->delivered && queue_sync_removals(q, out) < 0) {
		log_report(stderr, out);
		outcome_clear(out);
	}
	return 0;
}
