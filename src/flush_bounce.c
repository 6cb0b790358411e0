/* flush_bounce.c - the bounces of a flush: composed (by bounce.c) while
 * the message's data is at hand, sent over the group's session once the
 * queue has recorded the decision, queued for a later flush when that
 * cannot be done now, never a bounce of a bounce. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bounce.h"
#include "flush_internal.h"
#include "log.h"

#define STEP "queue"

static char *diagnostic_of(const struct outcome *o)
{
	char text[OUTCOME_REPLY_MAX + 32];

	if (!o->smtp_code)
		return NULL;
	snprintf(text, sizeof(text), "%d%s%s %s", o->smtp_code, o->enhanced[0] ? " " : "",
	         o->enhanced, o->reply);
	for (char *p = text; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return strdup(text);
}

static const char *permanent_status(const struct outcome *o)
{
	if (o->enhanced[0] == '5')
		return o->enhanced;
	return "5.0.0";
}

/* Compose a bounce for `rcpts` of the message; false when none is due or
 * it could not be made (the reason is reported here). */
static bool bounce_prepare(struct flush_group *g, const struct queue_envelope *env, int data_fd,
                           const struct address_list *rcpts, const char *reason,
                           const char *status, const struct outcome *why, struct bounce *b)
{
	struct queue_envelope about = *env;
	char *diagnostic = diagnostic_of(why);
	const struct bounce_input in = {
		.env = &about,
		.data_fd = data_fd,
		.size = env->size,
		.reporting_host = g->host,
		.reason = reason,
		.status = status,
		.now = g->run->req->now,
		.diagnostic = diagnostic,
	};
	struct outcome o;
	int rc;

	memset(b, 0, sizeof(*b));
	b->fd = -1;
	if (!env->from || !env->from[0] || !g->acct || !g->acct->bounce || rcpts->n == 0) {
		free(diagnostic);
		return false;
	}
	about.rcpts = *rcpts;
	outcome_clear(&o);
	rc = bounce_compose(&in, &b->fd, &b->size, &b->eight_bit, &o);
	free(diagnostic);
	if (rc < 0 || !(b->to = strdup(env->from))) {
		if (rc == 0)
			close(b->fd);
		log_warning("queue: no bounce for %s: %s", env->id, rc < 0 ? o.text : "out of memory");
		b->fd = -1;
		return false;
	}
	b->smtputf8 = env->smtputf8;
	return true;
}

/* Queue the bounce for a later flush, for the same account. */
static void bounce_enqueue(struct flush_group *g, const char *about_id, struct bounce *b,
                           const struct outcome *why)
{
	struct queue_envelope env = { 0 };
	struct outcome o;
	char *rcpt = b->to;

	env.account = g->acct ? g->acct->name : NULL;
	env.from = "";
	env.rcpts.items = &rcpt;
	env.rcpts.n = env.rcpts.cap = 1;
	env.body_8bit = b->eight_bit;
	env.smtputf8 = b->smtputf8;
	env.created = g->run->req->now;
	outcome_clear(&o);
	/* The envelope's strings are borrowed: nothing here is freed. */
	if (queue_enqueue(g->run->q, &env, b->fd, b->size, &o) < 0)
		log_warning("queue: the bounce for %s to <%s> is lost: %s", about_id, b->to, o.text);
	else
		flush_say(about_id, "bounce to <%s> queued as %s (%s)", b->to, env.id, why->text);
}

void flush_bounce_send(struct flush_group *g, const char *about_id, struct bounce *b)
{
	struct session *s = g->session && session_ready(g->session) ? g->session : NULL;
	char *const rcpts[1] = { b->to };
	const struct smtp_transaction txn = {
		.from = "",
		.rcpts = rcpts,
		.nrcpts = 1,
		.body_fd = b->fd,
		.body_size = b->size,
		.body_8bit = b->eight_bit,
		.smtputf8 = b->smtputf8,
		.lmtp = g->via && g->via->protocol == PROTOCOL_LMTP,
	};
	struct outcome o;

	outcome_clear(&o);
	if (!s)
		outcome_fail(&o, OUTCOME_TEMPORARY, STEP, "no connection for the bounce");
	else if (session_send(s, &txn, &o) == 0)
		flush_say(about_id, "bounce sent to <%s>", b->to);
	if (o.cls != OUTCOME_OK && flush_is_permanent(&o)) {
		char line[REPLY_LINE_MAX];

		/* Never a bounce of a bounce: it is dropped, and said so. */
		flush_outcome_line(line, sizeof(line), &o);
		log_warning("queue: the bounce for %s to <%s> was refused: %s", about_id, b->to, line);
	} else if (o.cls != OUTCOME_OK) {
		bounce_enqueue(g, about_id, b, &o);
	}
	if (s)
		flush_check_session(g, &o);
	close(b->fd);
	free(b->to);
	b->fd = -1;
	b->to = NULL;
}

/* Bounces for what is given up, composed while the data is at hand. */
void flush_bounces_prepare(struct flush_group *g, const struct queue_envelope *env, int data_fd,
                           struct verdict *v, bool expired, struct bounce b[2])
{
	char line[REPLY_LINE_MAX], reason[REPLY_LINE_MAX + 128], age[DURATION_TEXT_MAX];

	b[0].fd = b[1].fd = -1;
	if (v->failed.n) {
		flush_outcome_line(line, sizeof(line), &v->failed_why);
		snprintf(reason, sizeof(reason), "it was refused for good: %s", line);
		bounce_prepare(g, env, data_fd, &v->failed, reason, permanent_status(&v->failed_why),
		               &v->failed_why, &b[0]);
	}
	if (expired) {
		flush_outcome_line(line, sizeof(line), &v->deferred_why);
		flush_duration_text(flush_max_age(g->acct), age, sizeof(age));
		snprintf(reason, sizeof(reason),
		         "it could not be delivered within %s (queue_max_age); the last attempt: %s",
		         age, line);
		bounce_prepare(g, env, data_fd, &v->deferred, reason, "4.4.7", &v->deferred_why,
		               &b[1]);
	}
}
