/* esmtp.c - ESMTP extensions: the parameters of MAIL and RCPT and what may
 * be sent (RFC 1870, 6152, 6531, 3461). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "address.h"
#include "esmtp.h"

/* ------------------------------------------------------------ parameters */

int esmtp_xtext(const char *in, char *out, size_t outlen)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t used = 0;

	if (outlen == 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)in; *p; p++) {
		bool plain = *p >= 0x21 && *p <= 0x7e && *p != '+' && *p != '=';

		if (used + (plain ? 1 : 3) >= outlen)
			return -1;
		if (plain) {
			out[used++] = (char)*p;
		} else {
			out[used++] = '+';
			out[used++] = hex[*p >> 4];
			out[used++] = hex[*p & 0x0f];
		}
	}
	out[used] = '\0';
	return (int)used;
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Append to a parameter string. The buffers are sized for the longest
 * parameters we make, so running out is a bug. */
static int append_parameter(char *buf, size_t size, struct outcome *out, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int append_parameter(char *buf, size_t size, struct outcome *out, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size - used)
		return outcome_fail(out, OUTCOME_INTERNAL, "mail", "ESMTP parameters too long");
	return 0;
}

static bool dsn_requested(const struct smtp_transaction *t)
{
	return t->dsn_notify || t->dsn_return || t->dsn_envid;
}

/* The BODY parameter (RFC 6152) in *param, once it is sure the server can
 * take the body. */
static int body_parameter(const struct smtp_caps *caps, const char *peer,
                          const struct smtp_transaction *t, const char **param,
                          struct outcome *out)
{
	bool declared_7bit = t->body_type && strcasecmp(t->body_type, "7BIT") == 0;
	bool declared_8bit = t->body_type && strcasecmp(t->body_type, "8BITMIME") == 0;

	*param = "";
	if (t->body_type && !declared_7bit && !declared_8bit)
		return outcome_fail(out, OUTCOME_USAGE, "mail", "body type '%s' is not 7BIT or 8BITMIME",
		                    t->body_type);
	if (declared_7bit) {
		/* The caller vouches for the body: it is not checked. */
		if (caps->eightbitmime)
			*param = " BODY=7BIT";
		return 0;
	}
	if (!t->body_8bit && !declared_8bit)
		return 0;
	if (caps->eightbitmime) {
		*param = " BODY=8BITMIME";
		return 0;
	}
	if (!t->body_8bit)
		return 0;   /* declared 8BITMIME, but every byte is ASCII: it goes as it is */
	return outcome_fail(out, OUTCOME_REFUSED, "mail",
	                    "the message has 8-bit bytes but %s does not offer 8BITMIME; "
	                    "send it MIME-encoded (quoted-printable or base64)", peer);
}

/* What the server announced against what the message needs: SIZE, 8BITMIME
 * and DSN are checked before MAIL, so nothing is sent in vain. */
static int check_capabilities(const struct smtp_caps *caps, const char *peer,
                              const struct smtp_transaction *t, const char **body_param,
                              struct outcome *out)
{
	if (caps->size_limit && (unsigned long long)t->body_size > caps->size_limit)
		return outcome_fail(out, OUTCOME_REFUSED, "mail",
		                    "the message is %lld bytes, more than the %llu bytes %s accepts (SIZE)",
		                    (long long)t->body_size, caps->size_limit, peer);
	if (body_parameter(caps, peer, t, body_param, out) < 0)
		return -1;
	if (dsn_requested(t) && !caps->dsn)
		return outcome_fail(out, OUTCOME_REFUSED, "mail",
		                    "delivery status notifications were requested (-N/-R/-V or "
		                    "dsn_notify/dsn_return) but %s does not offer DSN", peer);
	return 0;
}

/* NOTIFY's value (RFC 3461 4.1), upper case, from "never" or a list of
 * success, failure and delay. */
static int notify_value(const char *notify, char *value, size_t size, struct outcome *out)
{
	static const char *const words[] = { "NEVER", "SUCCESS", "FAILURE", "DELAY" };
	const size_t nwords = sizeof(words) / sizeof(words[0]);
	const char *p = notify;
	unsigned seen = 0;

	for (;;) {
		size_t len = strcspn(p, ","), w = 0;

		while (w < nwords && !(strlen(words[w]) == len && strncasecmp(p, words[w], len) == 0))
			w++;
		if (w == nwords || (seen & (1u << w)))
			goto bad;
		seen |= 1u << w;
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if ((seen & 1u) && seen != 1u)
		goto bad;   /* NEVER stands alone */
	value[0] = '\0';
	for (size_t w = 0; w < nwords; w++)
		if ((seen & (1u << w)) && append_parameter(value, size, out, "%s%s",
		                                            value[0] ? "," : "", words[w]) < 0)
			return -1;
	return 0;
bad:
	return outcome_fail(out, OUTCOME_USAGE, "rcpt", "DSN notify '%s' is not 'never' or a list "
	                    "of success, failure and delay", notify);
}

static bool printable_ascii(const char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static int mail_parameters(const struct smtp_caps *caps, bool use_smtputf8,
                           const struct smtp_transaction *t, const char *body_param,
                           char *buf, size_t size, struct outcome *out)
{
	char envid[ESMTP_ENVID_MAX + 1];

	buf[0] = '\0';
	if (caps->size_offered &&
	    append_parameter(buf, size, out, " SIZE=%lld", (long long)t->body_size) < 0)
		return -1;
	if (append_parameter(buf, size, out, "%s%s", body_param,
	                     use_smtputf8 ? " SMTPUTF8" : "") < 0)
		return -1;
	if (t->dsn_return) {
		bool full = strcasecmp(t->dsn_return, "full") == 0;

		if (!full && strcasecmp(t->dsn_return, "hdrs") != 0)
			return outcome_fail(out, OUTCOME_USAGE, "mail", "DSN return '%s' is not full or hdrs",
			                    t->dsn_return);
		if (append_parameter(buf, size, out, " RET=%s", full ? "FULL" : "HDRS") < 0)
			return -1;
	}
	if (t->dsn_envid) {
		if (!printable_ascii(t->dsn_envid) ||
		    esmtp_xtext(t->dsn_envid, envid, sizeof(envid)) < 0)
			return outcome_fail(out, OUTCOME_USAGE, "mail", "the DSN envelope id (-V) must be "
			                    "printable ASCII, at most %d characters once encoded",
			                    ESMTP_ENVID_MAX);
		if (append_parameter(buf, size, out, " ENVID=%s", envid) < 0)
			return -1;
	}
	return 0;
}

/* NOTIFY when asked for, and ORCPT whenever DSN is in use, so a report
 * names the recipient as it was given. A non-ASCII address would need the
 * utf-8 address type (RFC 6533): it gets no ORCPT. */
int esmtp_rcpt_parameters(const struct esmtp_envelope *e, const struct smtp_transaction *t,
                          size_t i, char *buf, size_t size, struct outcome *out)
{
	const char *addr = t->rcpts[i];
	const char *notify = e->notify;
	char orcpt[ESMTP_ORCPT_MAX + 1 - sizeof("rfc822;") + 1];

	buf[0] = '\0';
	if (!dsn_requested(t))
		return 0;
	if (notify[0] && append_parameter(buf, size, out, " NOTIFY=%s", notify) < 0)
		return -1;
	if (is_ascii(addr) && esmtp_xtext(addr, orcpt, sizeof(orcpt)) >= 0 &&
	    append_parameter(buf, size, out, " ORCPT=rfc822;%s", orcpt) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------ addresses */

static bool local_part_is_ascii(const char *addr)
{
	const char *at = strrchr(addr, '@');
	size_t len = at ? (size_t)(at - addr) : strlen(addr);

	for (size_t i = 0; i < len; i++)
		if ((unsigned char)addr[i] >= 0x80)
			return false;
	return true;
}

/* The address as the server is to see it, in *wire (malloc'd), or NULL when
 * it goes as it is (ASCII). A non-ASCII domain goes as A-labels even with
 * SMTPUTF8: that form is valid everywhere, and servers match their domain
 * tables against it (Postfix 3.7 does not match the UTF-8 form). A non-ASCII
 * local part has no such form: it needs SMTPUTF8. */
static int wire_address(const char *peer, bool use_smtputf8, const char *addr,
                        const char *step, char **wire, struct outcome *out)
{
	const char *at = strrchr(addr, '@');
	size_t local_len = at ? (size_t)(at - addr) : strlen(addr);
	char *host, err[128];
	size_t size;

	*wire = NULL;
	if (!local_part_is_ascii(addr) && !use_smtputf8)
		return outcome_fail(out, OUTCOME_BAD_MESSAGE, step, "%s does not offer SMTPUTF8, "
		                    "and the local part of <%s> is not ASCII", peer, addr);
	if (!at || is_ascii(at + 1))
		return 0;
	if (address_host_to_ascii(at + 1, &host, err, sizeof(err)) < 0)
		return outcome_fail(out, OUTCOME_BAD_MESSAGE, step,
		                    "the domain of <%s> cannot be converted to ASCII (IDNA): %s", addr, err);
	size = local_len + 1 + strlen(host) + 1;
	*wire = malloc(size);
	if (*wire)
		snprintf(*wire, size, "%.*s@%s", (int)local_len, addr, host);
	free(host);
	if (!*wire)
		return outcome_fail(out, OUTCOME_OS, step, "out of memory");
	return 0;
}

/* Decide on SMTPUTF8 (RFC 6531): UTF-8 address headers, or a local part
 * that is not ASCII, need it; then make every address ready for the wire. */
static int prepare_addresses(struct esmtp_envelope *e, const struct smtp_caps *caps,
                             const char *peer, const struct smtp_transaction *t,
                             struct outcome *out)
{
	bool utf8 = t->smtputf8 || !local_part_is_ascii(t->from);

	for (size_t i = 0; i < t->nrcpts && !utf8; i++)
		utf8 = !local_part_is_ascii(t->rcpts[i]);
	/* Without SMTPUTF8, UTF-8 headers alone still go: as 8-bit text. */
	e->use_smtputf8 = utf8 && caps->smtputf8;
	e->wire_rcpts = calloc(t->nrcpts ? t->nrcpts : 1, sizeof(*e->wire_rcpts));
	if (!e->wire_rcpts)
		return outcome_fail(out, OUTCOME_OS, "rcpt", "out of memory");
	e->nwire_rcpts = t->nrcpts;
	if (wire_address(peer, e->use_smtputf8, t->from, "mail", &e->wire_from, out) < 0)
		return -1;
	for (size_t i = 0; i < t->nrcpts; i++)
		if (wire_address(peer, e->use_smtputf8, t->rcpts[i], "rcpt", &e->wire_rcpts[i],
		                 out) < 0)
			return -1;
	return 0;
}

const char *esmtp_sender_on_wire(const struct esmtp_envelope *e,
                                 const struct smtp_transaction *t)
{
	return e->wire_from ? e->wire_from : t->from;
}

const char *esmtp_rcpt_on_wire(const struct esmtp_envelope *e,
                               const struct smtp_transaction *t, size_t i)
{
	return e->wire_rcpts[i] ? e->wire_rcpts[i] : t->rcpts[i];
}

/* ------------------------------------------------------------ the envelope */

int esmtp_envelope_prepare(struct esmtp_envelope *e, const struct smtp_caps *caps,
                           const char *peer, const struct smtp_transaction *t,
                           struct outcome *out)
{
	const char *body_param = "";

	e->notify[0] = '\0';
	if (check_capabilities(caps, peer, t, &body_param, out) < 0 ||
	    prepare_addresses(e, caps, peer, t, out) < 0 ||
	    mail_parameters(caps, e->use_smtputf8, t, body_param, e->mail_params,
	                    sizeof(e->mail_params), out) < 0 ||
	    (t->dsn_notify && notify_value(t->dsn_notify, e->notify, sizeof(e->notify), out) < 0))
		return -1;
	return 0;
}

void esmtp_envelope_free(struct esmtp_envelope *e)
{
	free(e->wire_from);
	e->wire_from = NULL;
	for (size_t i = 0; i < e->nwire_rcpts; i++)
		free(e->wire_rcpts[i]);
	free(e->wire_rcpts);
	e->wire_rcpts = NULL;
	e->nwire_rcpts = 0;
}
