/* session.c - open a ready SMTP session for an account: connect, greet,
 * TLS (STARTTLS or implicit), AUTH. The policy of what is safe lives here;
 * the protocol steps live in net.c, tls.c, smtp.c and sasl.c. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "account.h"
#include "address.h"
#include "downgrade.h"
#include "log.h"
#include "net.h"
#include "sasl.h"
#include "session.h"
#include "tls.h"

struct session {
	const struct account *acct;
	char *host;                  /* acct->host in ASCII (IDNA) */
	char *tls_name;              /* the name the certificate must carry */
	struct net_conn *conn;
	struct tls_session *tls;
	struct smtp_session *smtp;
	char hello[256];             /* our name in EHLO */
	char *user, *secret;         /* AUTH credentials, wiped at close */
	const struct session_observer *observer;   /* NULL: nobody watches */
	char auth_mechanism[64];     /* the SASL mechanism used, "" before AUTH */
	const struct tls_ticket *resume;   /* offered at the handshake while opening, or NULL */
};

/* The name we give in EHLO: the account's `domain`, else this host's name
 * as the kernel knows it (no DNS lookup on the send path); either in its
 * A-label form, since EHLO takes only letters, digits and hyphens (RFC 5321
 * 4.1.2). Fails with OUTCOME_CONFIG when `domain` is no host name. */
static int choose_hello_name(const struct account *acct, char *buf, size_t size,
                             struct outcome *out)
{
	char host[256], err[128], *ascii = NULL;
	const char *name = acct->domain;

	if (!name) {
		if (gethostname(host, sizeof(host)) < 0 || host[0] == '\0')
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		name = host;
	}
	if (address_host_to_ascii(name, &ascii, err, sizeof(err)) < 0) {
		if (acct->domain)
			return outcome_fail(out, OUTCOME_CONFIG, "config",
			                    "account '%s': domain '%s' is not a host name: %s",
			                    acct->name, acct->domain, err);
		snprintf(buf, size, "localhost");
		return 0;
	}
	snprintf(buf, size, "%s", ascii);
	free(ascii);
	return 0;
}

static int start_tls(struct session *s, struct outcome *out)
{
	const struct account *a = s->acct;
	const struct tls_params params = {
		.host = s->tls_name,
		.trust_file = a->tls_trust_file,
		.crl_file = a->tls_crl_file,
		.fingerprint = a->tls_fingerprint,
		.cert_file = a->tls_cert_file,
		.key_file = a->tls_key_file,
		.certcheck = a->tls_certcheck,
		.priorities = a->tls_priorities,
		.min_dh_prime_bits = a->tls_min_dh_prime_bits,
		.timeout = a->timeout,
		.resume = s->resume,
	};
	char desc[256];

	if (!a->tls_certcheck && !a->tls_fingerprint)
		log_warning("tls_certcheck is off: the identity of %s is not verified", s->tls_name);
	s->tls = s->observer && s->observer->tls_unverified
	         ? tls_start_unverified(s->conn, &params, out)
	         : tls_start(s->conn, &params, out);
	if (!s->tls)
		return -1;
	if (log_verbose()) {
		tls_describe(s->tls, desc, sizeof(desc));
		log_debug("TLS established: %s", desc);
		if (tls_session_resumed(s->tls))
			log_debug("TLS session resumed");
	}
	return 0;
}

static int authenticate(struct session *s, struct outcome *out)
{
	const struct account *a = s->acct;
	struct sasl_params params = {
		.user = s->user ? s->user : a->user,
		.password = s->secret,
		.host = s->host,
		.tls_active = s->tls != NULL,
		.tls_off_explicit = a->tls == TLS_SETTING_OFF,
	};
	char mech[64], *cb_data = NULL;
	struct sasl_exchange *x;
	int result = -1;

	if (s->tls && tls_channel_binding(s->tls, &params.cb_type, &cb_data) == 0)
		params.cb_data_b64 = cb_data;
	if (sasl_choose(a->auth, smtp_session_caps(s->smtp)->auth, &params, mech, sizeof(mech),
	                out) < 0)
		goto done;
	log_debug("AUTH mechanism %s", mech);
	snprintf(s->auth_mechanism, sizeof(s->auth_mechanism), "%s", mech);
	x = sasl_start(mech, &params, out);
	if (!x)
		goto done;
	result = smtp_auth(s->smtp, mech, x, out);
	sasl_finish(x);
done:
	free(cb_data);
	return result;
}

static bool auth_wanted(const struct account *a)
{
	return a->auth && strcmp(a->auth, "off") != 0;
}

static void stage_done(struct session *s, enum session_stage stage)
{
	if (s->observer && s->observer->stage_done)
		s->observer->stage_done(s->observer->ctx, s, stage);
}

struct session *session_open(const struct account *acct, struct outcome *out)
{
	return session_open_until(acct, SESSION_AUTH, NULL, out);
}

static struct session *open_session(const struct account *acct, enum session_stage stop_after,
                                    const struct session_observer *observer,
                                    const struct tls_ticket *resume, struct outcome *out);

struct session *session_open_until(const struct account *acct, enum session_stage stop_after,
                                   const struct session_observer *observer, struct outcome *out)
{
	return open_session(acct, stop_after, observer, NULL, out);
}

struct session *session_open_resuming(const struct account *acct,
                                      const struct session *previous, struct outcome *out)
{
	struct tls_ticket ticket = { NULL, 0 };
	struct session *s;
	bool have = previous && previous->tls && tls_session_ticket(previous->tls, &ticket) == 0;

	s = open_session(acct, SESSION_AUTH, NULL, have ? &ticket : NULL, out);
	tls_ticket_free(&ticket);
	return s;
}

static struct session *open_session(const struct account *acct, enum session_stage stop_after,
                                    const struct session_observer *observer,
                                    const struct tls_ticket *resume, struct outcome *out)
{
	struct session *s = calloc(1, sizeof(*s));
	char err[128];
	bool lmtp = acct->protocol == PROTOCOL_LMTP;
	bool implicit_tls = acct->tls == TLS_SETTING_ON && !acct->tls_starttls;
	bool starttls = acct->tls == TLS_SETTING_ON && acct->tls_starttls;
	bool auth = stop_after >= SESSION_AUTH && auth_wanted(acct);

	if (!s) {
		outcome_fail(out, OUTCOME_OS, "connect", "out of memory");
		return NULL;
	}
	s->acct = acct;
	s->observer = observer;
	s->resume = resume;   /* the caller's: used by the handshake only */
	/* An unverified server must never see credentials or mail. */
	if (observer && observer->tls_unverified && stop_after > SESSION_TLS) {
		outcome_fail(out, OUTCOME_INTERNAL, "tls", "an unverified TLS session cannot authenticate");
		goto failed;
	}
	if (address_host_to_ascii(acct->host, &s->host, err, sizeof(err)) < 0 ||
	    address_host_to_ascii(acct->tls_host_override ? acct->tls_host_override : acct->host,
	                          &s->tls_name, err, sizeof(err)) < 0) {
		outcome_fail(out, OUTCOME_CONFIG, "config", "%s:%u: account '%s': host name: %s",
		             acct->origin.file ? acct->origin.file : "?", acct->origin.line,
		             acct->name, err);
		goto failed;
	}
	if (choose_hello_name(acct, s->hello, sizeof(s->hello), out) < 0)
		goto failed;
	/* Credentials first: a prompt or a slow passwordeval must not keep a
	 * server waiting, and a failing one should not bother it at all. */
	if (auth && sasl_needs_password(acct->auth) &&
	    account_credentials(acct, acct->host, &s->user, &s->secret, out) < 0)
		goto failed;

	s->conn = net_connect(s->host, account_port(acct), acct->source_ip, acct->timeout, out);
	if (!s->conn)
		goto failed;
	stage_done(s, SESSION_CONNECT);
	if (stop_after == SESSION_CONNECT)
		return s;
	if (implicit_tls) {
		if (start_tls(s, out) < 0)
			goto failed;
		stage_done(s, SESSION_TLS);
	}
	s->smtp = smtp_session_new(s->conn, out);
	if (!s->smtp || smtp_greet(s->smtp, s->hello, lmtp, out) < 0)
		goto failed;
	stage_done(s, SESSION_GREETING);
	if (stop_after == SESSION_GREETING)
		return s;
	if (starttls) {
		if (smtp_starttls(s->smtp, out) < 0 || start_tls(s, out) < 0 ||
		    smtp_rehello(s->smtp, s->hello, lmtp, out) < 0)
			goto failed;
		stage_done(s, SESSION_TLS);
	}
	if (auth) {
		int authenticated = authenticate(s, out);

		/* The secret is needed no longer than the exchange. */
		account_free_secret(s->secret);
		s->secret = NULL;
		if (authenticated < 0)
			goto failed;
		stage_done(s, SESSION_AUTH);
	}
	s->resume = NULL;
	return s;

failed:
	session_close(s);
	return NULL;
}

/* An 8-bit body to a server without 8BITMIME may be converted (RFC 6152
 * section 3); with -B7BIT the caller vouches for the body as it is. */
static bool needs_7bit_form(const struct session *s, const struct smtp_transaction *t)
{
	const struct smtp_caps *caps = session_caps(s);

	return t->body_8bit && caps && !caps->eightbitmime &&
	       !(t->body_type && strcasecmp(t->body_type, "7BIT") == 0);
}

/* When the message needs it and can have it, point txn at its 7-bit form
 * (*fd: that file, for the caller to close; -1 when there is none). A
 * message that cannot be converted goes as it is, for smtp_send_mail to
 * refuse. */
static int use_7bit_form(struct session *s, struct smtp_transaction *txn, int *fd,
                         struct outcome *out)
{
	off_t size = 0;
	int converted;

	*fd = -1;
	if (!needs_7bit_form(s, txn))
		return 0;
	converted = downgrade_to_7bit(txn->body_fd, txn->body_size, fd, &size, out);
	if (converted <= 0)
		return converted;
	log_debug("%s does not offer 8BITMIME: the 8-bit parts go as quoted-printable",
	          session_peer(s));
	txn->body_fd = *fd;
	txn->body_size = size;
	txn->body_8bit = false;
	txn->body_type = NULL;
	return 0;
}

int session_send(struct session *s, const struct smtp_transaction *t, struct outcome *out)
{
	struct smtp_transaction txn = *t;
	int seven_bit_fd, result;

	/* LMTP is the account's protocol, whatever the caller filled in. */
	txn.lmtp = t->lmtp || s->acct->protocol == PROTOCOL_LMTP;
	if (use_7bit_form(s, &txn, &seven_bit_fd, out) < 0)
		return -1;
	result = smtp_send_mail(s->smtp, &txn, out);
	if (seven_bit_fd >= 0)
		close(seven_bit_fd);
	return result;
}

const struct smtp_reply *session_last_reply(const struct session *s)
{
	return smtp_last_reply(s->smtp);
}

bool session_last_delivered(const struct session *s)
{
	return s->smtp && smtp_last_delivered(s->smtp);
}

bool session_rcpt_reply(const struct session *s, size_t i, struct smtp_rcpt_reply *r)
{
	return s->smtp && smtp_rcpt_reply(s->smtp, i, r);
}

const struct smtp_caps *session_caps(const struct session *s)
{
	return s->smtp ? smtp_session_caps(s->smtp) : NULL;
}

struct tls_session *session_tls(const struct session *s)
{
	return s->tls;
}

const char *session_peer(const struct session *s)
{
	return net_peer(s->conn);
}

const char *session_tls_name(const struct session *s)
{
	return s->tls_name;
}

const char *session_auth_mechanism(const struct session *s)
{
	return s->auth_mechanism;
}

const char *session_auth_user(const struct session *s)
{
	return s->user ? s->user : s->acct->user;
}

void session_close(struct session *s)
{
	if (!s)
		return;
	if (s->smtp) {
		smtp_quit(s->smtp);
		smtp_session_free(s->smtp);
	}
	if (s->tls)
		tls_close(s->tls);
	net_close(s->conn);
	account_free_secret(s->secret);
	account_free_secret(s->user);
	free(s->host);
	free(s->tls_name);
	free(s);
}

bool session_ready(const struct session *s)
{
	return s && s->smtp && smtp_session_ready(s->smtp);
}

bool session_tls_resumed(const struct session *s)
{
	return s && s->tls && tls_session_resumed(s->tls);
}
