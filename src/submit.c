/* submit.c - the send path, from the message on its input to the smarthost's
 * reply and the log line. main.c and the -bs dialogue call it; every stage
 * is a module of its own, this file only orders them. */
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "envelope.h"
#include "headers.h"
#include "log.h"
#include "message.h"
#include "net.h"
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
	const struct header_policy policy = {
		.set_from_header = from_header_rule(st->acct),
		.set_date = setting_on(st->acct->set_date_header),
		.set_msgid = setting_on(st->acct->set_msgid_header),
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

static int deliver(struct send_state *st, struct outcome *out)
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
		.partial = st->acct->partial_delivery && !st->req->all_or_nothing,
		.lmtp = st->acct->protocol == PROTOCOL_LMTP,
	};
	struct session *session = session_open(st->acct, out);
	int result = -1;

	if (!session)
		return -1;
	if (session_send(session, &txn, out) == 0)
		result = 0;
	st->delivered = result == 0 || session_last_delivered(session);
	if (result < 0 && st->delivered && out->cls != OUTCOME_RCPT_REFUSED) {
		/* The connection broke after some recipients had the message
		 * (LMTP): "try again" would send it to them twice. */
		char was[OUTCOME_TEXT_MAX];

		snprintf(was, sizeof(was), "%s", out->text);
		outcome_fail(out, OUTCOME_RCPT_REFUSED, out->step,
		             "delivered to some recipients, then: %s; the others have no verdict",
		             was);
	}
	/* After a partial delivery the server's last word is still its
	 * acceptance of the message, for the log. */
	if (st->delivered)
		*st->final = *session_last_reply(session);
	session_close(session);
	return result;
}

static void write_log(const struct send_state *st, const struct outcome *result)
{
	const struct account *acct = st->acct;
	struct outcome log_failure;
	const struct log_record rec = {
		.account = acct->name,
		.host = acct->host,
		.port = account_port(acct),
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
		.tls = acct->tls == TLS_SETTING_ON,
		.auth = acct->auth && strcmp(acct->auth, "off") != 0 ? acct->auth : NULL,
		.user = acct->user,
	};
	bool json = acct->log_format && strcmp(acct->log_format, "json") == 0;

	if (acct->syslog && strcmp(acct->syslog, "off") != 0)
		log_syslog_record(acct->syslog, json, &rec);
	if (!acct->logfile)
		return;
	outcome_clear(&log_failure);
	/* A log that cannot be written is worth a warning, but it does not
	 * change what happened to the message. */
	if (log_write_record(acct->logfile, acct->logfile_time_format, json, &rec,
	                     &log_failure) < 0)
		log_report(stderr, &log_failure);
}

int submit_message(const struct submit_request *req, bool *delivered, struct outcome *out)
{
	struct send_state st = { .req = req, .started_ms = net_now_ms(), .msg = { .fd = -1 } };
	const struct message_options opts = {
		.ignore_dots = req->ignore_dots,
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
	if (message_read(req->in_fd, &opts, &st.msg, out) < 0 ||
	    envelope_finish_recipients(&st.env, req->read_recipients ? &st.msg.header_rcpts : NULL,
	                               st.acct, out) < 0)
		goto logged;
	result = deliver(&st, out);
logged:
	if (st.acct)
		write_log(&st, out);
done:
	if (delivered)
		*delivered = st.delivered;
	message_free(&st.msg);
	envelope_free(&st.env);
	headers_plan_free(&st.plan);
	config_free(&st.cfg);
	free(st.final);
	return result;
}
