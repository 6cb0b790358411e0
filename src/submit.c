/* submit.c - the send path, from the message on its input to the smarthost's
 * reply and the log line. main.c and the -bs dialogue call it; every stage
 * is a module of its own, this file only orders them. */
#include <dirent.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "envelope.h"
#include "flush.h"
#include "headers.h"
#include "log.h"
#include "message.h"
#include "net.h"
#include "queue.h"
#include "session.h"
#include "smtp.h"
#include "submit.h"

/* Everything one submission builds, so that a single function frees it. */
struct send_state {
	const struct submit_request *req;
	long long started_ms;
	struct config cfg;
	struct account *acct;         /* chosen once the headers are read */
	struct envelope env;
	struct message msg;
	struct header_plan plan;
	bool header_utf8;             /* an address field holds non-ASCII text */
	struct smtp_reply *final;     /* the server's last word on success */
	bool delivered;               /* some recipient has the message */
	const struct account *via;    /* the account that delivered (a fallback, maybe) */
	const struct account *tried;  /* the account of the last attempt */
	struct session *session;      /* open after a successful send, for the queue */
	struct queue *queue;          /* open when the message is or may be queued */
	struct queue_lock *lock;      /* held while a queued message is being sent */
	bool queue_waiting;           /* the account's queue held messages when the send
	                                 began: the session must outlive it, for a flush */
	char queue_id[QUEUE_ID_MAX];  /* set once the message is queued */
	struct outcome deferred;      /* the temporary failure that queued it */
	struct log_refusal *refused;  /* recipients refused in the last attempt */
	size_t nrefused;
	int composed_fd;              /* the message built from arguments, or -1 */
};

static bool overrides_host(const struct invocation *inv)
{
	for (size_t i = 0; i < inv->noverrides; i++)
		if (strcmp(inv->overrides[i].keyword, "host") == 0)
			return true;
	return false;
}

static int apply_overrides(const struct invocation *inv, struct account *acct,
                           struct outcome *out)
{
	for (size_t i = 0; i < inv->noverrides; i++)
		if (config_override(acct, inv->overrides[i].keyword, inv->overrides[i].value,
		                    out) < 0)
			return -1;
	return 0;
}

int submit_check_options(const struct invocation *inv, struct outcome *out)
{
	struct config scratch = { 0 };
	struct account *acct = config_add_account(&scratch, "command line", out);
	int rc = acct ? apply_overrides(inv, acct, out) : -1;

	config_free(&scratch);
	return rc;
}

int submit_choose_account(const struct invocation *inv, const char *sender,
                          struct config *cfg, struct account **acct, struct outcome *out)
{
	const struct account *chosen = NULL;

	*acct = NULL;
	if (overrides_host(inv)) {
		/* msmtp's rule: --host means "these options, no config file". */
		memset(cfg, 0, sizeof(*cfg));
		if (!(*acct = config_add_account(cfg, "command line", out)))
			return -1;
	} else {
		char *address = NULL;
		int rc;

		if (!cfg->path && !cfg->naccounts &&
		    config_load(inv->config_file, cfg, out) < 0)
			return -1;
		/* "Me <me@x>" must pick the account whose from is me@x. */
		if (sender && envelope_parse_sender(sender, &address, out) < 0)
			return -1;
		rc = account_select_for_sender(cfg, inv->account, address, &chosen, out);
		free(address);
		if (rc < 0)
			return -1;
		*acct = (struct account *)chosen;   /* cfg is ours to change */
	}
	if (apply_overrides(inv, *acct, out) < 0 || account_check(*acct, out) < 0)
		return -1;
	/* This run will hold a password: a crash must not write it to disk. */
	if (cfg->holds_password || ((*acct)->auth && strcmp((*acct)->auth, "off") != 0))
		setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	return 0;
}

/* ------------------------------------------------------------ headers */

static bool field_is_address(const struct header_field *f)
{
	static const char *const names[] = {
		"From", "To", "Cc", "Bcc", "Sender", "Reply-To",
		"Resent-From", "Resent-To", "Resent-Cc", "Resent-Bcc", "Resent-Sender", NULL
	};

	for (const char *const *n = names; *n; n++)
		if (header_is(f, *n))
			return true;
	return false;
}

static bool has_8bit(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] >= 0x80)
			return true;
	return false;
}

/* The address of the From field, for --read-envelope-from; NULL if none. */
static char *header_sender(const char *hdr, size_t len)
{
	struct header_field f;
	size_t pos = 0;

	while (header_next(hdr, len, &pos, &f)) {
		struct address_list one = { 0 };
		char err[64], *addr = NULL;

		if (!header_is(&f, "From"))
			continue;
		if (address_list_parse(f.value, f.value_len, &one, err, sizeof(err)) == 0 &&
		    one.n >= 1) {
			addr = one.items[0];
			one.items[0] = NULL;
		}
		address_list_free(&one);
		return addr;
	}
	return NULL;
}

/* The right-hand side of a new Message-ID: the sender's domain, else the
 * account's EHLO domain, else this host's name. */
static void message_id_domain(const struct send_state *st, char *buf, size_t size)
{
	const char *at = st->env.from ? strrchr(st->env.from, '@') : NULL;

	if (at && at[1])
		snprintf(buf, size, "%s", at + 1);
	else if (st->acct->domain)
		snprintf(buf, size, "%s", st->acct->domain);
	else if (gethostname(buf, size) < 0 || !buf[0])
		snprintf(buf, size, "localhost");
	buf[size - 1] = '\0';
}

static bool setting_on(const char *value)
{
	return !value || strcmp(value, "off") != 0;
}

static const char *from_header_rule(const struct account *acct)
{
	if (acct->set_from_header)
		return acct->set_from_header;
	return acct->add_missing_from_header ? "auto" : "off";
}

/* The header section is in: choose the account and the sender, and plan the
 * fields to add. Runs inside message_read, before anything is spooled. */
static int on_headers(void *ctx, const char *hdr, size_t len,
                      const struct address_list *header_rcpts, struct message_edit *edit,
                      struct outcome *out)
{
	struct send_state *st = ctx;
	const struct submit_request *req = st->req;
	char *given = NULL, domain[256];
	struct header_field f;
	size_t pos = 0;
	int rc;

	(void)header_rcpts;
	while (header_next(hdr, len, &pos, &f))
		if (field_is_address(&f) && has_8bit(f.value, f.value_len))
			st->header_utf8 = true;
	if (req->sender && envelope_parse_sender(req->sender, &given, out) < 0)
		return -1;
	if (!given && req->inv->read_envelope_from)
		given = header_sender(hdr, len);
	rc = submit_choose_account(req->inv, given, &st->cfg, &st->acct, out) < 0 ||
	     envelope_choose_sender(&st->env, given, st->acct, out) < 0 ? -1 : 0;
	free(given);
	if (rc < 0)
		return -1;

	message_id_domain(st, domain, sizeof(domain));
	/* A composed message has none of the three: it always gets them. */
	bool composed = req->compose != NULL;
	const char *from_rule = from_header_rule(st->acct);
	const struct header_policy policy = {
		.set_from_header = composed && strcmp(from_rule, "off") == 0 ? "auto" : from_rule,
		.set_date = composed || setting_on(st->acct->set_date_header),
		.set_msgid = composed || setting_on(st->acct->set_msgid_header),
		.undisclosed_recipients = st->acct->undisclosed_recipients,
		.from_address = st->env.from,
		.full_name = req->inv->full_name,
		.msgid_domain = domain,
		.now = time(NULL),
	};
	if (headers_plan(hdr, len, &policy, &st->plan, out) < 0)
		return -1;
	/* A From we add may be UTF-8 (a sender at an IDN domain). */
	if (st->plan.added && has_8bit(st->plan.added, st->plan.added_len))
		st->header_utf8 = true;
	edit->drop_bcc = st->acct->remove_bcc_headers;
	edit->drop_from = st->plan.drop_from;
	edit->drop_recipients = st->plan.drop_recipients;
	edit->append = st->plan.added;
	edit->append_len = st->plan.added_len;
	return 0;
}

/* ------------------------------------------------------------ sending */

/* DSN settings: the command line wins over the account. */
static const char *dsn_notify(const struct send_state *st)
{
	const char *v = st->req->inv->dsn_notify ? st->req->inv->dsn_notify : st->acct->dsn_notify;

	return v && strcmp(v, "off") != 0 ? v : NULL;
}

static const char *dsn_return(const struct send_state *st)
{
	const char *v = st->req->inv->dsn_return ? st->req->inv->dsn_return : st->acct->dsn_return;

	if (!v || strcmp(v, "off") == 0)
		return NULL;
	return strcmp(v, "headers") == 0 ? "hdrs" : v;
}

static void forget_refusals(struct send_state *st)
{
	for (size_t i = 0; i < st->nrefused; i++) {
		free((char *)st->refused[i].enhanced);
		free((char *)st->refused[i].text);
	}
	free(st->refused);
	st->refused = NULL;
	st->nrefused = 0;
}

/* The recipients the server refused in this attempt, with its replies,
 * for the status object and the JSON log. */
static void note_refusals(struct send_state *st, const struct session *session)
{
	struct smtp_rcpt_reply r;

	forget_refusals(st);
	for (size_t i = 0; session_rcpt_reply(session, i, &r); i++) {
		struct log_refusal *more;

		if (r.code == 0 || r.code / 100 == 2)
			continue;
		more = realloc(st->refused, (st->nrefused + 1) * sizeof(*more));
		if (!more)
			return;   /* the outcome's text still names them */
		st->refused = more;
		st->refused[st->nrefused] = (struct log_refusal){
			.rcpt = st->env.rcpts.items[i],
			.code = r.code,
			.enhanced = strdup(r.enhanced),
			.text = strdup(r.text),
		};
		st->nrefused++;
	}
}

/* One attempt through one account. On success the session stays open in
 * st->session (a queue flush may use it). */
static int deliver_via(struct send_state *st, const struct account *acct, struct outcome *out)
{
	const struct smtp_transaction txn = {
		.from = st->env.from,
		.rcpts = st->env.rcpts.items,
		.nrcpts = st->env.rcpts.n,
		.body_fd = st->msg.fd,
		.body_size = st->msg.size,
		.body_8bit = st->msg.has_8bit,
		.smtputf8 = st->header_utf8 || st->req->smtputf8,
		.body_type = st->req->body_type,
		.dsn_notify = dsn_notify(st),
		.dsn_return = dsn_return(st),
		.dsn_envid = st->req->inv->dsn_envid,
		.partial = acct->partial_delivery && !st->req->all_or_nothing,
		.lmtp = acct->protocol == PROTOCOL_LMTP,
		.quit_after = !st->queue_waiting,
	};
	struct session *session;
	int result = -1;

	/* What an earlier account's server said is not this one's. */
	forget_refusals(st);
	st->tried = acct;
	if (!(session = session_open(acct, out)))
		return -1;
	if (session_send(session, &txn, out) == 0)
		result = 0;
	note_refusals(st, session);
	st->delivered = result == 0 || session_last_delivered(session);
	if (result < 0 && st->delivered && out->cls != OUTCOME_RCPT_REFUSED) {
		/* The connection broke after some recipients had the message
		 * (LMTP): "try again" would send it to them twice. */
		const struct outcome was = *out;

		outcome_fail(out, OUTCOME_RCPT_REFUSED, was.step,
		             "delivered to some recipients, then: %s; the others have no verdict",
		             was.text);
		outcome_set_reply(out, was.smtp_code, was.enhanced, was.reply);
	}
	/* After a partial delivery the server's last word is still its
	 * acceptance of the message, for the log. */
	if (st->delivered) {
		*st->final = *session_last_reply(session);
		st->via = acct;
	}
	if (result == 0)
		st->session = session;
	else
		session_close(session);
	return result;
}

/* The account, then its fallbacks in order, while the failure is one a
 * fallback may not share and nobody has the message yet. */
static int deliver(struct send_state *st, struct outcome *out)
{
	const struct account *acct = st->acct;
	const char *fallbacks = acct->fallback ? acct->fallback : "";

	for (;;) {   /* bounded by the fallback list */
		if (deliver_via(st, acct, out) == 0) {
			outcome_clear(out);   /* an earlier account's failure is history */
			return 0;
		}
		if (st->delivered || !account_fallback_may_help(out))
			return -1;
		acct = account_next_fallback(&st->cfg, &fallbacks);
		if (!acct)
			return -1;
		log_debug("%s; trying the fallback account %s", out->text, acct->name);
	}
}

static struct log_record make_record(const struct send_state *st, const struct outcome *result)
{
	return (struct log_record){
		.from = st->env.from,
		.rcpts = st->env.rcpts.items,
		.nrcpts = st->env.rcpts.n,
		.size = st->msg.fd >= 0 ? (long long)st->msg.size : -1,
		.outcome = result,
		.smtp_code = st->final->code,
		.smtp_enhanced = st->final->enhanced,
		.smtp_text = st->final->text,
		.exit_status = outcome_exit_status(result->cls),
		.duration_ms = net_now_ms() - st->started_ms,
		.message_id = st->plan.message_id[0] ? st->plan.message_id : NULL,
		.queue_id = st->queue_id[0] ? st->queue_id : NULL,
		.queued_after = st->queue_id[0] ? &st->deferred : NULL,
		.refused = st->refused,
		.nrefused = st->nrefused,
	};
}

/* The account a record is about: the one that delivered, else the one
 * whose server had the last word, else the one chosen. */
static const struct account *record_account(const struct send_state *st)
{
	return st->via ? st->via : st->tried ? st->tried : st->acct;
}

static void write_log(const struct send_state *st, const struct outcome *result)
{
	const struct log_record rec = make_record(st, result);

	account_log(record_account(st), &rec);
}

/* --status-json, or the account's status_format json. Before an account
 * was chosen, the account -a names (or the default) decides. */
static bool status_wanted(const struct send_state *st)
{
	const struct account *acct = st->acct;

	if (st->req->status != STATUS_BY_CONFIG)
		return st->req->status == STATUS_JSON;
	if (!acct && st->cfg.naccounts) {
		struct outcome ignored;

		outcome_clear(&ignored);
		if (account_select_for_sender(&st->cfg, st->req->inv->account, NULL, &acct,
		                              &ignored) < 0)
			acct = NULL;
	}
	return acct && acct->status_format && strcmp(acct->status_format, "json") == 0;
}

static void print_status(const struct send_state *st, const struct outcome *result)
{
	struct log_record rec = make_record(st, result);

	if (st->acct)
		account_fill_record(record_account(st), &rec);
	if (log_print_json(stdout, &rec) < 0)
		log_warning("cannot write the status to standard output");
}

void submit_print_early_status(const struct outcome *result, long long started_ms)
{
	const struct log_record rec = {
		.size = -1,
		.outcome = result,
		.exit_status = outcome_exit_status(result->cls),
		.duration_ms = net_now_ms() - started_ms,
	};

	if (log_print_json(stdout, &rec) < 0)
		log_warning("cannot write the status to standard output");
}

/* ------------------------------------------------------------ the queue */

static int queue_directory(const struct account *acct, char *buf, size_t size,
                           struct outcome *out)
{
	if (!acct->queue_dir)
		return queue_default_dir(buf, size, out);
	snprintf(buf, size, "%s", acct->queue_dir);
	return 0;
}

static int open_queue(struct send_state *st, struct outcome *out)
{
	char dir[4096];

	if (st->queue)
		return 0;
	if (queue_directory(st->acct, dir, sizeof(dir), out) < 0)
		return -1;
	return queue_open(dir, &st->queue, out);
}

static int copy_text(char **dst, const char *src)
{
	*dst = NULL;
	return src && !(*dst = strdup(src)) ? -1 : 0;
}

/* Note a temporary failure in the envelope: one more attempt, the next
 * one after the account's retry delay. */
static void note_attempt(struct queue_envelope *qe, const struct account *acct,
                         const struct outcome *why)
{
	char line[OUTCOME_TEXT_MAX + OUTCOME_REPLY_MAX];

	qe->attempts++;
	qe->next_attempt = time(NULL) + flush_retry_delay(acct->queue_retry, qe->attempts);
	log_format_outcome(line, sizeof(line), why);
	free(qe->last_reply);
	qe->last_reply = strdup(line);
}

/* The queue's record of this message. */
static int fill_envelope(const struct send_state *st, struct queue_envelope *qe,
                         struct outcome *out)
{
	memset(qe, 0, sizeof(*qe));
	qe->smtputf8 = st->header_utf8 || st->req->smtputf8;
	qe->body_8bit = st->msg.has_8bit;
	qe->created = time(NULL);
	if (copy_text(&qe->account, st->acct->name) < 0 || copy_text(&qe->from, st->env.from) < 0 ||
	    copy_text(&qe->dsn_notify, dsn_notify(st)) < 0 ||
	    copy_text(&qe->dsn_return, dsn_return(st)) < 0 ||
	    copy_text(&qe->dsn_envid, st->req->inv->dsn_envid) < 0 ||
	    copy_text(&qe->body_type, st->req->body_type) < 0 ||
	    copy_text(&qe->message_id, st->plan.message_id[0] ? st->plan.message_id : NULL) < 0)
		return outcome_fail(out, OUTCOME_OS, "queue", "out of memory");
	for (size_t i = 0; i < st->env.rcpts.n; i++)
		if (address_list_add(&qe->rcpts, st->env.rcpts.items[i]) < 0)
			return outcome_fail(out, OUTCOME_OS, "queue", "out of memory");
	return 0;
}

/* Put the message in the queue, durably; `why` (may be NULL) is the
 * temporary failure that sends it there. */
static int enqueue(struct send_state *st, const struct outcome *why, struct outcome *out)
{
	struct queue_envelope qe;
	int rc = -1;

	if (open_queue(st, out) < 0)
		return -1;
	if (fill_envelope(st, &qe, out) == 0) {
		if (why)
			note_attempt(&qe, st->acct, why);
		rc = queue_enqueue(st->queue, &qe, st->msg.fd, st->msg.size, out);
		if (rc == 0)
			snprintf(st->queue_id, sizeof(st->queue_id), "%s", qe.id);
	}
	queue_envelope_free(&qe);
	return rc;
}

/* `queue on`: queued first, then tried at once under the queue's lock, so
 * a flush running meanwhile cannot send it too. Sent: out of the queue.
 * Temporarily refused: it stays, rescheduled, and the run is a success.
 * Refused for good: out of the queue, and the caller hears why. */
static int send_from_queue(struct send_state *st, struct outcome *out)
{
	struct queue_envelope qe;
	struct outcome ignored;
	int data_fd = -1, result, locked;

	memset(&qe, 0, sizeof(qe));
	locked = queue_lock(st->queue, st->queue_id, &st->lock, &qe, &data_fd, out);
	if (locked <= 0) {
		/* Queued all the same: a flush has it, or will. */
		if (locked < 0)
			log_warning("queued as %s, but not sent now: %s", st->queue_id, out->text);
		queue_envelope_free(&qe);
		outcome_clear(out);
		return 0;
	}
	result = deliver(st, out);
	outcome_clear(&ignored);
	if (result < 0 && out->cls == OUTCOME_TEMPORARY && !st->delivered) {
		st->deferred = *out;
		note_attempt(&qe, st->acct, out);
		queue_reschedule(st->lock, &qe, &ignored);
		outcome_clear(out);
		result = 0;
	} else {
		/* Sent, or refused for good (the caller hears it now): either
		 * way no longer queued. */
		if (queue_done(st->lock, &ignored) == 0)
			queue_sync_removals(st->queue, &ignored);
		st->queue_id[0] = '\0';
	}
	st->lock = NULL;
	queue_envelope_free(&qe);
	return result;
}

/* After a send the smarthost is up: what waits in this account's queue
 * goes now, over the same connection. A queue that was never made stays
 * unmade. */
/* Does the account's queue hold messages (new/ not empty)? A queue that
 * was never made, or cannot be read, holds none to flush. */
static bool queue_holds_messages(const struct send_state *st)
{
	char dir[4096], new_dir[4200];
	struct outcome ignored;
	struct dirent *e;
	DIR *d;
	bool found = false;

	outcome_clear(&ignored);
	if (queue_directory(st->acct, dir, sizeof(dir), &ignored) < 0)
		return false;
	snprintf(new_dir, sizeof(new_dir), "%s/new", dir);
	if (!(d = opendir(new_dir)))
		return false;
	while (!found && (e = readdir(d)))   /* bounded by the directory */
		found = e->d_name[0] != '.';
	closedir(d);
	return found;
}

static void flush_after_send(struct send_state *st)
{
	char dir[4096];
	struct outcome ignored;
	struct flush_result done;

	outcome_clear(&ignored);
	if (!st->queue_waiting || queue_directory(st->acct, dir, sizeof(dir), &ignored) < 0 ||
	    (!st->queue && queue_open(dir, &st->queue, &ignored) < 0))
		return;
	const struct flush_request req = {
		.cfg = &st->cfg,
		.now = time(NULL),
		.open = st->session,
		.open_account = st->via,
	};
	flush_queue(st->queue, &req, &done, &ignored);
}

/* Send, queue, or both, as the account's `queue` and -odq say. */
static int hand_over(struct send_state *st, struct outcome *out)
{
	enum queue_setting mode = st->req->inv->queue_only ? QUEUE_ON : st->acct->queue;
	int result;

	if (mode == QUEUE_ON) {
		if (enqueue(st, NULL, out) < 0)
			return -1;
		if (st->req->inv->queue_only) {
			outcome_clear(&st->deferred);
			return 0;
		}
		st->queue_waiting = true;   /* this message, at least */
		result = send_from_queue(st, out);
	} else {
		/* Looked at once, before the first connection: whether the
		 * session must stay open after the send (see quit_after). */
		st->queue_waiting = queue_holds_messages(st);
		result = deliver(st, out);
		if (result < 0 && mode == QUEUE_AUTO && out->cls == OUTCOME_TEMPORARY &&
		    !st->delivered) {
			struct outcome why = *out;

			if (enqueue(st, &why, out) == 0) {
				st->deferred = why;
				outcome_clear(out);
				result = 0;
			}
		}
	}
	if (st->queue_id[0] && result == 0) {
		char line[OUTCOME_TEXT_MAX + OUTCOME_REPLY_MAX];

		log_format_outcome(line, sizeof(line), &st->deferred);
		if (st->deferred.cls != OUTCOME_OK)
			fprintf(stderr, "postie: queued as %s: %s\n", st->queue_id, line);
	}
	if (result == 0 && st->session)
		flush_after_send(st);
	return result;
}

int submit_message(const struct submit_request *req, bool *delivered, struct outcome *out)
{
	struct send_state st = {
		.req = req, .started_ms = net_now_ms(), .msg = { .fd = -1 }, .composed_fd = -1,
	};
	const struct message_options opts = {
		.ignore_dots = req->ignore_dots || req->compose,
		.read_recipients = req->read_recipients,
		.on_headers = on_headers,
		.ctx = &st,
	};
	int result = -1;

	if (!(st.final = calloc(1, sizeof(*st.final))))
		return outcome_fail(out, OUTCOME_OS, "", "out of memory");
	if (envelope_add_arguments(&st.env, req->rcpts, req->nrcpts, req->read_recipients, out) < 0)
		goto done;
	/* Config errors are found before the message is read; the account is
	 * chosen once its headers are known (--read-envelope-from). */
	if (!overrides_host(req->inv) && config_load(req->inv->config_file, &st.cfg, out) < 0)
		goto done;
	if (req->compose && compose_message(req->compose, &st.composed_fd, out) < 0)
		goto done;
	if (message_read(req->compose ? st.composed_fd : req->in_fd, &opts, &st.msg, out) < 0 ||
	    envelope_finish_recipients(&st.env, req->read_recipients ? &st.msg.header_rcpts : NULL,
	                               st.acct, out) < 0)
		goto logged;
	result = hand_over(&st, out);
logged:
	if (st.acct)
		write_log(&st, out);
done:
	if (status_wanted(&st))
		print_status(&st, out);
	if (delivered)
		*delivered = st.delivered;
	if (st.lock)
		queue_unlock(st.lock);
	session_close(st.session);
	if (st.queue)
		queue_close(st.queue);
	message_free(&st.msg);
	if (st.composed_fd >= 0)
		close(st.composed_fd);
	forget_refusals(&st);
	envelope_free(&st.env);
	headers_plan_free(&st.plan);
	config_free(&st.cfg);
	free(st.final);
	return result;
}
