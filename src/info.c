/* info.c - --pretend, --serverinfo and --check: postie explains itself
 * without sending mail. The network work is session.c's (the same code a
 * send runs); this file only watches it and prints. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "account.h"
#include "address.h"
#include "info.h"
#include "log.h"
#include "net.h"
#include "session.h"
#include "smtp.h"
#include "tls.h"

#define INFO_LINE_MAX 1024

/* ------------------------------------------------------------ --pretend */

/* "key = value", escaped; `unset` when value is NULL. */
static void print_setting(FILE *fp, const char *key, const char *value, const char *unset)
{
	char shown[INFO_LINE_MAX];

	if (value)
		log_escape(shown, sizeof(shown), value, strlen(value));
	fprintf(fp, "%-23s = %s\n", key, value ? shown : unset);
}

static void print_flag(FILE *fp, const char *key, bool on)
{
	print_setting(fp, key, on ? "on" : "off", NULL);
}

static void print_number(FILE *fp, const char *key, long long value)
{
	char text[32];

	snprintf(text, sizeof(text), "%lld", value);
	print_setting(fp, key, text, NULL);
}

/* Whether a secret is there, never what it is. */
static void print_secret(FILE *fp, const char *key, const char *value)
{
	print_setting(fp, key, value ? "<set>" : "<not set>", NULL);
}

static const char *queue_name(enum queue_setting q)
{
	return q == QUEUE_ON ? "on" : q == QUEUE_AUTO ? "auto" : "off";
}

static void pretend_connection(FILE *fp, const struct account *a)
{
	print_setting(fp, "host", a->host, "(not set)");
	print_number(fp, "port", account_port(a));
	print_setting(fp, "protocol", a->protocol == PROTOCOL_LMTP ? "lmtp" : "smtp", NULL);
	print_number(fp, "timeout", a->timeout);
	print_setting(fp, "source_ip", a->source_ip, "(not set)");
	print_setting(fp, "proxy_host", a->proxy_host, "(not set)");
	if (a->proxy_host)
		print_number(fp, "proxy_port", a->proxy_port);
	print_setting(fp, "domain", a->domain, "(not set: this host's name)");
}

static void pretend_tls(FILE *fp, const struct account *a)
{
	print_flag(fp, "tls", a->tls == TLS_SETTING_ON);
	print_flag(fp, "tls_starttls", a->tls_starttls);
	print_setting(fp, "tls_trust_file", a->tls_trust_file, "system");
	print_setting(fp, "tls_crl_file", a->tls_crl_file, "(not set)");
	print_setting(fp, "tls_fingerprint", a->tls_fingerprint, "(not set)");
	print_flag(fp, "tls_certcheck", a->tls_certcheck);
	print_setting(fp, "tls_cert_file", a->tls_cert_file, "(not set)");
	print_setting(fp, "tls_key_file", a->tls_key_file, "(not set)");
	print_setting(fp, "tls_priorities", a->tls_priorities, "(not set: library default, TLS 1.2 or later)");
	print_setting(fp, "tls_host_override", a->tls_host_override, "(not set)");
	if (a->tls_min_dh_prime_bits > 0)
		print_number(fp, "tls_min_dh_prime_bits", a->tls_min_dh_prime_bits);
}

static void pretend_auth(FILE *fp, const struct account *a)
{
	print_setting(fp, "auth", a->auth, "off");
	print_setting(fp, "user", a->user, "(not set)");
	print_secret(fp, "password", a->password);
	print_secret(fp, "passwordeval", a->passwordeval);
}

static void pretend_message(FILE *fp, const struct account *a)
{
	print_setting(fp, "from", a->from, "(not set)");
	print_flag(fp, "allow_from_override", a->allow_from_override);
	print_flag(fp, "auto_from", a->auto_from);
	print_setting(fp, "maildomain", a->maildomain, "(not set)");
	print_setting(fp, "set_from_header", a->set_from_header, "auto");
	print_setting(fp, "set_date_header", a->set_date_header, "auto");
	print_setting(fp, "set_msgid_header", a->set_msgid_header, "auto");
	print_flag(fp, "add_missing_from_header", a->add_missing_from_header);
	print_flag(fp, "remove_bcc_headers", a->remove_bcc_headers);
	print_flag(fp, "undisclosed_recipients", a->undisclosed_recipients);
	print_setting(fp, "dsn_notify", a->dsn_notify, "(not set)");
	print_setting(fp, "dsn_return", a->dsn_return, "(not set)");
	print_flag(fp, "partial_delivery", a->partial_delivery);
	print_setting(fp, "aliases", a->aliases, "(not set)");
}

static void pretend_records(FILE *fp, const struct account *a)
{
	print_setting(fp, "logfile", a->logfile, "(not set)");
	print_setting(fp, "logfile_time_format", a->logfile_time_format, "(not set: RFC 3339)");
	print_setting(fp, "log_format", a->log_format, "text");
	print_setting(fp, "status_format", a->status_format, "text");
	print_setting(fp, "syslog", a->syslog, "off");
	print_setting(fp, "queue", queue_name(a->queue), NULL);
	print_setting(fp, "queue_dir", a->queue_dir, "(not set: the default)");
	print_setting(fp, "queue_max_age", a->queue_max_age, "(not set)");
	print_setting(fp, "fallback", a->fallback, "(not set)");
}

void info_pretend(FILE *fp, const char *config_path, const struct account *acct,
                  const char *envelope_from, char *const *rcpts, size_t nrcpts)
{
	char where[INFO_LINE_MAX];

	print_setting(fp, "config file", config_path, "(none)");
	if (acct->origin.line)
		snprintf(where, sizeof(where), "%s (%s:%u)", acct->name,
		         acct->origin.file ? acct->origin.file : "?", acct->origin.line);
	else
		snprintf(where, sizeof(where), "%s (from the command line)", acct->name);
	print_setting(fp, "account", where, NULL);
	pretend_connection(fp, acct);
	pretend_tls(fp, acct);
	pretend_auth(fp, acct);
	pretend_message(fp, acct);
	pretend_records(fp, acct);
	print_setting(fp, "envelope from", envelope_from, "(not set)");
	if (nrcpts == 0)
		print_setting(fp, "recipient", NULL, "(none)");
	for (size_t i = 0; i < nrcpts; i++)
		print_setting(fp, "recipient", rcpts[i], NULL);
	fflush(fp);
}

/* ------------------------------------------------------------ shared */

/* The address out of net_peer()'s "host [address]:port". */
static void peer_address(const char *peer, char *buf, size_t size)
{
	const char *open = strrchr(peer, '[');
	const char *close = open ? strchr(open, ']') : NULL;

	if (open && close)
		snprintf(buf, size, "%.*s", (int)(close - open - 1), open + 1);
	else
		snprintf(buf, size, "%s", peer);
}

/* "STEP: failed: <what happened>[: <server reply>]". */
static void print_failure(FILE *fp, const struct outcome *out)
{
	char text[INFO_LINE_MAX * 2];

	log_format_outcome(text, sizeof(text), out);
	fprintf(fp, "%s: failed: %s\n", out->step && out->step[0] ? out->step : "check", text);
	fflush(fp);
}

/* ------------------------------------------------------------ --serverinfo */

#define GREETING_LINES 8

struct serverinfo {
	const struct account *acct;
	/* The greeting: the server lines before our first command. */
	char greeting[GREETING_LINES][SMTP_LINE_MAX + 1];
	unsigned greeting_lines;
	bool client_spoke;
	struct smtp_caps caps_before_tls;   /* from the first EHLO */
	bool have_caps_before_tls;
	char peer[300];
};

static void capture_greeting(void *ctx, bool from_server, const char *line, size_t len)
{
	struct serverinfo *info = ctx;

	if (!from_server) {
		info->client_spoke = true;
		return;
	}
	if (info->client_spoke || info->greeting_lines >= GREETING_LINES)
		return;
	log_escape(info->greeting[info->greeting_lines++], sizeof(info->greeting[0]), line, len);
}

static void serverinfo_stage(void *ctx, const struct session *s, enum session_stage stage)
{
	struct serverinfo *info = ctx;

	if (stage == SESSION_CONNECT)
		snprintf(info->peer, sizeof(info->peer), "%s", session_peer(s));
	/* Kept for STARTTLS (to compare) and for a failure after EHLO. */
	if (stage == SESSION_GREETING && session_caps(s)) {
		info->caps_before_tls = *session_caps(s);
		info->have_caps_before_tls = true;
	}
}

static void print_caps(FILE *fp, const char *title, const struct smtp_caps *c)
{
	char mechs[sizeof(c->auth)];

	fprintf(fp, "%s:\n", title);
	if (!c->esmtp) {
		fprintf(fp, "    (none: the server refused EHLO and speaks plain SMTP)\n");
		return;
	}
	if (c->size_offered && c->size_limit)
		fprintf(fp, "    SIZE %llu (largest message: %.1f MiB)\n", c->size_limit,
		        (double)c->size_limit / (1024.0 * 1024.0));
	else if (c->size_offered)
		fprintf(fp, "    SIZE (no limit announced)\n");
	if (c->pipelining)
		fprintf(fp, "    PIPELINING\n");
	if (c->chunking)
		fprintf(fp, "    CHUNKING\n");
	if (c->starttls)
		fprintf(fp, "    STARTTLS\n");
	if (c->eightbitmime)
		fprintf(fp, "    8BITMIME\n");
	if (c->smtputf8)
		fprintf(fp, "    SMTPUTF8\n");
	if (c->dsn)
		fprintf(fp, "    DSN\n");
	if (c->enhancedstatuscodes)
		fprintf(fp, "    ENHANCEDSTATUSCODES\n");
	if (c->auth[0]) {
		log_escape(mechs, sizeof(mechs), c->auth, strlen(c->auth));
		fprintf(fp, "    AUTH %s\n", mechs);
	}
}

/* Whether postie pipelines and sends BDAT with this server (smtp.h). */
static void print_transfer(FILE *fp, const struct smtp_caps *c)
{
	bool bdat = smtp_uses_chunking(c, 0);

	fprintf(fp, "Pipelining and chunking:\n");
	if (!c->pipelining)
		fprintf(fp, "    PIPELINING not offered: postie sends one command at a time\n");
	else if (bdat)
		fprintf(fp, "    PIPELINING offered and used: MAIL and every RCPT in one write, "
		        "with BDAT and a small message for one recipient (or with "
		        "partial_delivery)\n");
	else
		fprintf(fp, "    PIPELINING offered and used: MAIL, every RCPT and DATA in one write\n");
	if (bdat)
		fprintf(fp, "    CHUNKING offered and used: the message goes as one BDAT chunk, "
		        "as it is\n");
	else
		fprintf(fp, "    CHUNKING %s: the message goes as DATA, dot-stuffed\n",
		        c->chunking ? "offered, not used" : "not offered");
}

static bool same_caps(const struct smtp_caps *a, const struct smtp_caps *b)
{
	return a->esmtp == b->esmtp && a->pipelining == b->pipelining &&
	       a->eightbitmime == b->eightbitmime && a->smtputf8 == b->smtputf8 &&
	       a->starttls == b->starttls && a->chunking == b->chunking && a->dsn == b->dsn &&
	       a->enhancedstatuscodes == b->enhancedstatuscodes &&
	       a->size_offered == b->size_offered && a->size_limit == b->size_limit &&
	       strcmp(a->auth, b->auth) == 0;
}

/* Prints the TLS facts; returns -1 (with the reason in out) when the
 * certificate would not pass a send's checks. */
static int print_tls(FILE *fp, struct session *s, const struct account *acct,
                     struct outcome *out)
{
	struct tls_peer_info *p = calloc(1, sizeof(*p));
	const char *host = session_tls_name(s);
	int result = 0;

	if (!p)
		return outcome_fail(out, OUTCOME_OS, "tls", "out of memory");
	fprintf(fp, "TLS (%s):\n", acct->tls_starttls ? "STARTTLS" : "implicit, from the first byte");
	if (tls_peer_info(session_tls(s), host, acct->tls_certcheck, p) < 0) {
		fprintf(fp, "    %s\n", p->verify_detail);
		free(p);
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, "tls", "%s sent no X.509 certificate",
		                    host);
	}
	fprintf(fp, "    protocol:      %s\n", p->version);
	fprintf(fp, "    cipher suite:  %s\n", p->cipher_suite);
	fprintf(fp, "Server certificate:\n");
	fprintf(fp, "    subject:       %s\n", p->subject);
	fprintf(fp, "    issuer:        %s\n", p->issuer);
	fprintf(fp, "    names:         %s\n", p->names);
	fprintf(fp, "    not before:    %s\n", p->not_before);
	fprintf(fp, "    not after:     %s\n", p->not_after);
	fprintf(fp, "    SHA-256:       %s\n", p->sha256);
	fprintf(fp, "    chain:         %u certificate%s sent\n", p->chain_length,
	        p->chain_length == 1 ? "" : "s");
	if (p->verified)
		fprintf(fp, "    verified:      yes: %s\n", p->verify_detail);
	else
		fprintf(fp, "    verified:      NO: %s\n", p->verify_detail);
	if (!p->verified && (acct->tls_certcheck || acct->tls_fingerprint))
		result = outcome_fail(out, OUTCOME_NOT_PERMITTED, "tls", "%s", p->verify_detail);
	free(p);
	return result;
}

static void print_server(FILE *fp, const struct serverinfo *info)
{
	fprintf(fp, "Server %s\n", info->peer[0] ? info->peer : "(not connected)");
	for (unsigned i = 0; i < info->greeting_lines; i++)
		fprintf(fp, "%s %s\n", i == 0 ? "    greeting:     " : "                  ",
		        info->greeting[i]);
}

int info_serverinfo(FILE *fp, const struct account *acct, struct outcome *out)
{
	struct serverinfo *info = calloc(1, sizeof(*info));
	struct session_observer observer = { serverinfo_stage, info, true };
	struct session *s;
	const struct smtp_caps *caps;
	int result = 0;

	if (!info)
		return outcome_fail(out, OUTCOME_OS, "serverinfo", "out of memory");
	info->acct = acct;
	log_set_transcript_hook(capture_greeting, info);
	s = session_open_until(acct, SESSION_TLS, &observer, out);
	log_set_transcript_hook(NULL, NULL);
	print_server(fp, info);
	if (!s) {
		/* What the server offered helps to see why (no STARTTLS, ...). */
		if (info->have_caps_before_tls)
			print_caps(fp, "Capabilities (in plain text)", &info->caps_before_tls);
		fflush(fp);
		free(info);
		return -1;
	}
	if (session_tls(s))
		result = print_tls(fp, s, acct, out);
	else
		fprintf(fp, "TLS: not used (the account says tls off)\n");
	caps = session_caps(s);
	if (acct->tls == TLS_SETTING_ON && acct->tls_starttls && info->have_caps_before_tls &&
	    caps && !same_caps(&info->caps_before_tls, caps)) {
		print_caps(fp, "Capabilities before STARTTLS", &info->caps_before_tls);
		print_caps(fp, "Capabilities after STARTTLS", caps);
	} else if (caps) {
		print_caps(fp, "Capabilities", caps);
	}
	if (caps)
		print_transfer(fp, caps);
	fflush(fp);
	session_close(s);
	free(info);
	return result;
}

/* ------------------------------------------------------------ --check */

/* Resolve `host` within `timeout` seconds (the time a send gives its
 * connect phase) and list its addresses. Step "dns"; a name that does
 * not exist -> OUTCOME_NO_HOST, anything else -> OUTCOME_TEMPORARY, as
 * net_connect() classes them. */
static int lookup_host(const char *host, int timeout, char *addrs, size_t size,
                       struct outcome *out)
{
	/* On the heap, name and hints included: when a lookup cannot be
	 * cancelled, the resolver thread still reads them after we return. */
	struct lookup {
		struct addrinfo hints;
		struct gaicb req;
		char name[];
	} *lk = calloc(1, sizeof(*lk) + strlen(host) + 1);
	struct gaicb *list[1];
	long long deadline = net_now_ms() + (long long)timeout * 1000;
	int err;

	if (!lk)
		return outcome_fail(out, OUTCOME_OS, "dns", "out of memory");
	strcpy(lk->name, host);
	lk->hints = (struct addrinfo){ .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                               .ai_flags = AI_ADDRCONFIG };
	lk->req = (struct gaicb){ .ar_name = lk->name, .ar_request = &lk->hints };
	list[0] = &lk->req;
	err = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	/* Bounded: each round waits at most for what is left of the deadline. */
	while (err == 0 && gai_error(&lk->req) == EAI_INPROGRESS) {
		long long left = deadline - net_now_ms();
		struct timespec ts = { .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000 };

		if (left > 0) {
			gai_suspend((const struct gaicb *const *)list, 1, &ts);
			continue;
		}
		if (gai_cancel(&lk->req) != EAI_CANCELED && gai_error(&lk->req) == EAI_INPROGRESS)
			return outcome_fail(out, OUTCOME_TEMPORARY, "dns",
			                    "cannot resolve host %s: no answer from DNS within %d seconds",
			                    host, timeout);   /* lk deliberately not freed: in use */
		break;
	}
	if (err == 0)
		err = gai_error(&lk->req);
	if (err == EAI_CANCELED)
		err = EAI_AGAIN;
	if (err == 0) {
		addrs[0] = '\0';
		for (struct addrinfo *ai = lk->req.ar_result; ai; ai = ai->ai_next) {
			char addr[INET6_ADDRSTRLEN];
			size_t used = strlen(addrs);

			if (getnameinfo(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr), NULL, 0,
			                NI_NUMERICHOST) == 0 && used + 1 < size)
				snprintf(addrs + used, size - used, "%s%s", used ? ", " : "", addr);
		}
		freeaddrinfo(lk->req.ar_result);
	}
	free(lk);
	if (err == EAI_NONAME || err == EAI_NODATA || err == EAI_ADDRFAMILY)
		return outcome_fail(out, OUTCOME_NO_HOST, "dns", "cannot resolve host %s: %s", host,
		                    gai_strerror(err));
	if (err)
		return outcome_fail(out, OUTCOME_TEMPORARY, "dns", "cannot resolve host %s: %s", host,
		                    err == EAI_SYSTEM ? strerror(errno) : gai_strerror(err));
	return 0;
}

struct check {
	FILE *fp;
	const struct account *acct;
};

static void check_tls_line(FILE *fp, const struct session *s, const struct account *a)
{
	char desc[256];

	tls_describe(session_tls(s), desc, sizeof(desc));
	if (a->tls_fingerprint)
		fprintf(fp, "tls: ok %s, certificate matches tls_fingerprint\n", desc);
	else if (!a->tls_certcheck)
		fprintf(fp, "tls: ok %s, certificate NOT verified (tls_certcheck off)\n", desc);
	else
		fprintf(fp, "tls: ok %s, certificate verified for %s\n", desc, session_tls_name(s));
}

static void check_stage(void *ctx, const struct session *s, enum session_stage stage)
{
	struct check *c = ctx;
	char addr[INET6_ADDRSTRLEN + 1];
	const char *user;

	switch (stage) {
	case SESSION_CONNECT:
		peer_address(session_peer(s), addr, sizeof(addr));
		fprintf(c->fp, "connect: ok %s port %d\n", addr, account_port(c->acct));
		break;
	case SESSION_GREETING:
		fprintf(c->fp, "smtp: ok greeting and %s answered%s\n",
		        c->acct->protocol == PROTOCOL_LMTP ? "LHLO" : "EHLO",
		        session_caps(s) && session_caps(s)->esmtp ? "" : " (HELO: no ESMTP)");
		if (c->acct->tls != TLS_SETTING_ON)
			fprintf(c->fp, "tls: off (the account says tls off)\n");
		break;
	case SESSION_TLS:
		check_tls_line(c->fp, s, c->acct);
		break;
	case SESSION_AUTH:
		user = session_auth_user(s);
		fprintf(c->fp, "auth: ok %s%s%s\n", session_auth_mechanism(s),
		        user ? " as " : "", user ? user : "");
		break;
	}
	fflush(c->fp);
}

int info_check(FILE *fp, const char *config_path, const struct account *acct,
               struct outcome *out)
{
	struct check c = { fp, acct };
	struct session_observer observer = { check_stage, &c, false };
	char addrs[INFO_LINE_MAX], err[128], *ascii = NULL;
	struct session *s;

	fprintf(fp, "config: ok (%s, account %s)\n", config_path ? config_path : "no file",
	        acct->name);
	fflush(fp);
	if (address_host_to_ascii(acct->host, &ascii, err, sizeof(err)) < 0) {
		outcome_fail(out, OUTCOME_CONFIG, "config", "account '%s': host name: %s",
		             acct->name, err);
		print_failure(fp, out);
		return -1;
	}
	if (lookup_host(ascii, acct->timeout, addrs, sizeof(addrs), out) < 0) {
		free(ascii);
		print_failure(fp, out);
		return -1;
	}
	fprintf(fp, "dns: ok %s -> %s\n", ascii, addrs);
	free(ascii);
	fflush(fp);
	s = session_open_until(acct, SESSION_AUTH, &observer, out);
	if (!s) {
		print_failure(fp, out);
		return -1;
	}
	if (!acct->auth || strcmp(acct->auth, "off") == 0)
		fprintf(fp, "auth: not configured\n");
	fprintf(fp, "check: ok, no mail sent\n");
	fflush(fp);
	session_close(s);
	return 0;
}
