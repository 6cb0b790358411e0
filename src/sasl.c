/* sasl.c - SMTP AUTH: pick the mechanism, run its exchange.
 *
 * libgsasl runs every mechanism it has; XOAUTH2 and OAUTHBEARER are two
 * fixed strings, formatted here. Every buffer that can hold a secret (the
 * raw responses, copies of the token, libgsasl's password properties) is
 * wiped before it is freed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gnutls/gnutls.h>
#include <gsasl.h>

#include "log.h"
#include "sasl.h"

#define STEP "auth"
#define MECH_MAX GSASL_MAX_MECHANISM_SIZE
#define OFFER_SHOWN_MAX 400     /* how much of the server's list goes into a message */

/* Strongest first; what `auth on` may pick. */
static const char *const automatic_order[] = {
	"SCRAM-SHA-256-PLUS", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1",
	"PLAIN", "LOGIN", "CRAM-MD5",
};

/* libgsasl has these, but they make no sense for mail submission or need
 * an interaction postie cannot offer (a browser, a SecurID passcode). */
static const char *const refused[] = {
	"ANONYMOUS", "SAML20", "OPENID20", "SECURID",
};

/* The server speaks first: the client has no initial response. */
static const char *const server_first[] = {
	"LOGIN", "CRAM-MD5", "DIGEST-MD5",
};

/* Mechanisms that carry the password (or a bearer token) itself, so they
 * need TLS. */
static const char *const cleartext[] = {
	"PLAIN", "LOGIN", "XOAUTH2", "OAUTHBEARER",
};

static bool in_list(const char *mech, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(mech, list[i]) == 0)
			return true;
	return false;
}

#define IN_LIST(mech, list) in_list((mech), (list), sizeof(list) / sizeof((list)[0]))

static bool is_oauth(const char *mech)
{
	return strcmp(mech, "XOAUTH2") == 0 || strcmp(mech, "OAUTHBEARER") == 0;
}

static bool is_plus(const char *mech)
{
	size_t len = strlen(mech);

	return len > 5 && strcmp(mech + len - 5, "-PLUS") == 0;
}

/* ASCII only: mechanism names are ASCII, and the locale must not matter. */
static char ascii_upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

/* Upper-case copy of a mechanism name; false when it cannot be one. */
static bool mech_name(const char *src, size_t len, char dst[MECH_MAX + 1])
{
	if (len == 0 || len > MECH_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = ascii_upper(src[i]);

		if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return false;
		dst[i] = c;
	}
	dst[len] = '\0';
	return true;
}

/* ----------------------------------------------------------- choosing */

struct offer {
	char names[64][MECH_MAX + 1];   /* a server listing more is not worth reading on */
	size_t count;
	char shown[OFFER_SHOWN_MAX];    /* the list as the server sent it, escaped */
};

static void offer_parse(const char *offered, struct offer *o)
{
	const char *s = offered ? offered : "";
	char raw[OFFER_SHOWN_MAX];
	size_t used = 0;

	o->count = 0;
	while (*s) {
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		len = strcspn(s, " \t");
		if (len == 0)
			break;
		if (o->count < sizeof(o->names) / sizeof(o->names[0]) &&
		    mech_name(s, len, o->names[o->count]))
			o->count++;
		if (used + len + 2 < sizeof(raw)) {
			if (used)
				raw[used++] = ' ';
			memcpy(raw + used, s, len);
			used += len;
		}
		s += len;
	}
	raw[used] = '\0';
	log_escape(o->shown, sizeof(o->shown), raw, used);
}

static bool offer_has(const struct offer *o, const char *mech)
{
	for (size_t i = 0; i < o->count; i++)
		if (strcmp(o->names[i], mech) == 0)
			return true;
	return false;
}

static bool has_channel_binding(const struct sasl_params *p)
{
	return p->tls_active && p->cb_type && p->cb_type[0] && p->cb_data_b64 &&
	       p->cb_data_b64[0];
}

static const char no_cleartext[] = "without TLS postie sends no password in the clear";

/* Can postie run `mech` here? When not, *why says so in a clause. */
static bool usable(Gsasl *ctx, const char *mech, const struct sasl_params *p, bool forced,
                   const char **why)
{
	if (IN_LIST(mech, refused) || (!is_oauth(mech) && !gsasl_client_support_p(ctx, mech))) {
		*why = "postie does not support it";
		return false;
	}
	if (is_plus(mech) && !has_channel_binding(p)) {
		*why = p->tls_active ? "this TLS session offers no channel binding"
		                     : "it needs TLS channel binding and the connection is not encrypted";
		return false;
	}
	if (IN_LIST(mech, cleartext) && !p->tls_active && !(forced && p->tls_off_explicit)) {
		*why = no_cleartext;
		return false;
	}
	/* CRAM-MD5 and the like hide the password, but a sniffed exchange can
	 * be attacked offline: without TLS, only SCRAM unless named. */
	if (!p->tls_active && !forced && strncmp(mech, "SCRAM-", 6) != 0) {
		*why = "without TLS postie picks only SCRAM by itself";
		return false;
	}
	return true;
}

static int put_mech(const char *name, char *mech, size_t size, struct outcome *out)
{
	if (strlen(name) >= size)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "no room for the mechanism name");
	strcpy(mech, name);
	return 0;
}

/* `auth MECH`: it must be offered and usable. */
static int choose_forced(Gsasl *ctx, const char *configured, const struct offer *offer,
                         const struct sasl_params *p, char *mech, size_t size,
                         struct outcome *out)
{
	char want[MECH_MAX + 1], shown[64];
	const char *why = NULL;

	if (!mech_name(configured, strlen(configured), want) || !offer_has(offer, want)) {
		log_escape(shown, sizeof(shown), configured, strlen(configured));
		for (char *c = shown; *c; c++)
			*c = ascii_upper(*c);
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "the server does not offer AUTH %s (it offers: %s)", shown,
		                    offer->shown);
	}
	if (!usable(ctx, want, p, true, &why))
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP, "cannot use AUTH %s: %s", want,
		                    why);
	return put_mech(want, mech, size, out);
}

/* `auth on`: the strongest both sides have. When none will do, say why;
 * "no password in the clear" is the reason people most need to hear. */
static int choose_automatic(Gsasl *ctx, const struct offer *offer, const struct sasl_params *p,
                            char *mech, size_t size, struct outcome *out)
{
	const char *why = NULL, *cleartext_offered = NULL;

	for (size_t i = 0; i < sizeof(automatic_order) / sizeof(automatic_order[0]); i++) {
		const char *cand = automatic_order[i], *not_this = NULL;

		if (!offer_has(offer, cand))
			continue;
		if (usable(ctx, cand, p, false, &not_this))
			return put_mech(cand, mech, size, out);
		if (not_this == no_cleartext && !cleartext_offered)
			cleartext_offered = cand;
		if (!why)
			why = not_this;
	}
	if (cleartext_offered) {
		char lower[MECH_MAX + 1];
		size_t i;

		for (i = 0; cleartext_offered[i]; i++)
			lower[i] = cleartext_offered[i] >= 'A' && cleartext_offered[i] <= 'Z'
			           ? (char)(cleartext_offered[i] - 'A' + 'a') : cleartext_offered[i];
		lower[i] = '\0';
		if (p->tls_off_explicit)
			return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
			                    "no usable AUTH mechanism: the server offers %s; %s "
			                    "(use TLS, or set 'auth %s' to send it anyway)",
			                    offer->shown, no_cleartext, lower);
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "no usable AUTH mechanism: the server offers %s; %s (use TLS)",
		                    offer->shown, no_cleartext);
	}
	if (why)
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "no usable AUTH mechanism: the server offers %s; %s",
		                    offer->shown, why);
	return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
	                    "no usable AUTH mechanism: the server offers %s; postie picks only "
	                    "SCRAM, PLAIN, LOGIN and CRAM-MD5 by itself (name another with 'auth')",
	                    offer->shown);
}

int sasl_choose(const char *configured, const char *offered, const struct sasl_params *p,
                char *mech, size_t size, struct outcome *out)
{
	struct offer offer;
	Gsasl *ctx = NULL;
	int rc;

	if (size > 0)
		mech[0] = '\0';
	if (configured && strcasecmp(configured, "off") == 0)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "no AUTH mechanism to choose: auth is off");
	offer_parse(offered, &offer);
	if (offer.shown[0] == '\0')
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP, "the server does not offer AUTH");
	rc = gsasl_init(&ctx);
	if (rc != GSASL_OK)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "cannot start libgsasl: %s",
		                    gsasl_strerror(rc));
	if (configured && strcasecmp(configured, "on") != 0)
		rc = choose_forced(ctx, configured, &offer, p, mech, size, out);
	else
		rc = choose_automatic(ctx, &offer, p, mech, size, out);
	gsasl_done(ctx);
	return rc;
}

bool sasl_needs_password(const char *mech)
{
	/* EXTERNAL proves who we are with the TLS client certificate;
	 * GSSAPI and GS2-KRB5 with a Kerberos ticket. */
	return !(strcasecmp(mech, "EXTERNAL") == 0 || strcasecmp(mech, "GSSAPI") == 0 ||
	         strcasecmp(mech, "GS2-KRB5") == 0);
}

/* ----------------------------------------------------------- base64 */

static void wipe_free(char *p, size_t len)
{
	if (p) {
		explicit_bzero(p, len);
		free(p);
	}
}

/* A malloc'd base64 string of `len` bytes of `data` (which may be secret). */
static char *base64_encode(const char *data, size_t len)
{
	gnutls_datum_t in = { (unsigned char *)data, (unsigned)len }, enc = { NULL, 0 };
	char *copy;

	if (len == 0)
		return strdup("");
	if (gnutls_base64_encode2(&in, &enc) < 0)
		return NULL;
	copy = malloc(enc.size + 1);
	if (copy) {
		memcpy(copy, enc.data, enc.size);
		copy[enc.size] = '\0';
	}
	explicit_bzero(enc.data, enc.size);
	gnutls_free(enc.data);
	return copy;
}

/* Decode a challenge into a malloc'd buffer (NUL-terminated for
 * convenience); "" and "=" are empty. Returns -1 when it is not base64. */
static int base64_decode(const char *b64, char **data, size_t *len)
{
	size_t n = strlen(b64);
	gnutls_datum_t in = { (unsigned char *)b64, (unsigned)n }, dec = { NULL, 0 };

	*data = NULL;
	*len = 0;
	if (n == 0 || strcmp(b64, "=") == 0) {
		*data = calloc(1, 1);
		return *data ? 0 : -1;
	}
	if (gnutls_base64_decode2(&in, &dec) < 0)
		return -1;
	*data = malloc(dec.size + 1);
	if (*data) {
		memcpy(*data, dec.data, dec.size);
		(*data)[dec.size] = '\0';
		*len = dec.size;
	}
	explicit_bzero(dec.data, dec.size);
	gnutls_free(dec.data);
	return *data ? 0 : -1;
}

/* ----------------------------------------------------------- exchanges */

enum exchange_kind { KIND_GSASL, KIND_XOAUTH2, KIND_OAUTHBEARER };

struct sasl_exchange {
	char mech[MECH_MAX + 1];
	enum exchange_kind kind;
	int steps;                  /* sasl_step calls so far */
	int gsasl_steps;            /* gsasl_step calls so far */
	bool complete;              /* the client side has said its last word */
	Gsasl *ctx;
	Gsasl_session *session;
	char *cb_type;              /* channel binding for -PLUS, handed to libgsasl */
	char *cb_data_b64;
	char *initial;              /* OAuth: the base64 initial response, a secret */
};

/* libgsasl asks through this for what was not set as a property. It only
 * ever gives the channel binding; nothing here can prompt. */
static int gsasl_callback_fn(Gsasl *ctx, Gsasl_session *session, Gsasl_property prop)
{
	struct sasl_exchange *x = gsasl_callback_hook_get(ctx);

	if (!x || !x->cb_type)
		return GSASL_NO_CALLBACK;
	if ((prop == GSASL_CB_TLS_EXPORTER && strcmp(x->cb_type, "tls-exporter") == 0) ||
	    (prop == GSASL_CB_TLS_UNIQUE && strcmp(x->cb_type, "tls-unique") == 0))
		return gsasl_property_set(session, prop, x->cb_data_b64);
	return GSASL_NO_CALLBACK;
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The RFC 5801 saslname form of the authzid in the GS2 header: ',' and '='
 * escaped. */
static size_t saslname(char *dst, const char *src)
{
	size_t o = 0;

	for (; *src; src++) {
		if (*src == ',' || *src == '=') {
			if (dst)
				memcpy(dst + o, *src == ',' ? "=2C" : "=3D", 3);
			o += 3;
		} else {
			if (dst)
				dst[o] = *src;
			o++;
		}
	}
	return o;
}

/* XOAUTH2:     user=U ^A auth=Bearer T ^A ^A
 * OAUTHBEARER: n,a=U, ^A auth=Bearer T ^A ^A   (RFC 7628; host and port are
 * optional and left out.) */
static int oauth_initial(struct sasl_exchange *x, const struct sasl_params *p,
                         struct outcome *out)
{
	const char *user = p->user ? p->user : "";
	const char *token = p->password;
	size_t ulen, tlen, len, o = 0;
	char *raw;

	if (!token || !token[0])
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "AUTH %s needs a token (set password or passwordeval)", x->mech);
	if (has_control(user))
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "AUTH %s: the user name holds a control character", x->mech);
	if (has_control(token))
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "AUTH %s: the token holds a control character", x->mech);
	tlen = strlen(token);
	ulen = x->kind == KIND_XOAUTH2 ? strlen(user) : saslname(NULL, user);
	len = 8 + ulen + 1 + 12 + tlen + 2;
	raw = malloc(len + 1);
	if (!raw)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	if (x->kind == KIND_XOAUTH2) {
		memcpy(raw, "user=", 5);
		o = 5;
		memcpy(raw + o, user, ulen);
	} else {
		memcpy(raw, "n,a=", 4);
		o = 4;
		saslname(raw + o, user);
	}
	o += ulen;
	if (x->kind == KIND_OAUTHBEARER)
		raw[o++] = ',';
	memcpy(raw + o, "\001auth=Bearer ", 13);
	o += 13;
	memcpy(raw + o, token, tlen);
	o += tlen;
	raw[o++] = '\001';
	raw[o++] = '\001';
	x->initial = base64_encode(raw, o);
	wipe_free(raw, len + 1);
	if (!x->initial)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	return 0;
}

static int gsasl_failed(struct sasl_exchange *x, int rc, struct outcome *out)
{
	return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP, "AUTH %s failed on our side: %s",
	                    x->mech, gsasl_strerror(rc));
}

static int gsasl_begin(struct sasl_exchange *x, const struct sasl_params *p,
                       struct outcome *out)
{
	int rc = gsasl_init(&x->ctx);

	if (rc != GSASL_OK) {
		x->ctx = NULL;
		return gsasl_failed(x, rc, out);
	}
	gsasl_callback_set(x->ctx, gsasl_callback_fn);
	gsasl_callback_hook_set(x->ctx, x);
	if (is_plus(x->mech)) {
		if (!has_channel_binding(p))
			return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
			                    "AUTH %s needs TLS channel binding, which this connection "
			                    "does not have", x->mech);
		x->cb_type = strdup(p->cb_type);
		x->cb_data_b64 = strdup(p->cb_data_b64);
		if (!x->cb_type || !x->cb_data_b64)
			return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	}
	rc = gsasl_client_start(x->ctx, x->mech, &x->session);
	if (rc != GSASL_OK) {
		x->session = NULL;
		if (rc == GSASL_UNKNOWN_MECHANISM)
			return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
			                    "postie does not support AUTH %s", x->mech);
		return gsasl_failed(x, rc, out);
	}
	/* EXTERNAL sends only an authorization identity: the user, if set. */
	if (strcmp(x->mech, "EXTERNAL") == 0) {
		if (p->user && p->user[0])
			rc = gsasl_property_set(x->session, GSASL_AUTHZID, p->user);
	} else {
		if (p->user)
			rc = gsasl_property_set(x->session, GSASL_AUTHID, p->user);
		if (rc == GSASL_OK && p->password)
			rc = gsasl_property_set(x->session, GSASL_PASSWORD, p->password);
	}
	if (rc == GSASL_OK)
		rc = gsasl_property_set(x->session, GSASL_SERVICE, "smtp");
	if (rc == GSASL_OK && p->host)
		rc = gsasl_property_set(x->session, GSASL_HOSTNAME, p->host);
	if (rc != GSASL_OK)
		return gsasl_failed(x, rc, out);
	return 0;
}

struct sasl_exchange *sasl_start(const char *mech, const struct sasl_params *p,
                                 struct outcome *out)
{
	struct sasl_exchange *x = calloc(1, sizeof(*x));
	char shown[64];

	if (!x) {
		outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
		return NULL;
	}
	if (!mech_name(mech, strlen(mech), x->mech) || IN_LIST(x->mech, refused)) {
		log_escape(shown, sizeof(shown), mech, strlen(mech));
		outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP, "postie does not support AUTH %s",
		             shown);
		free(x);
		return NULL;
	}
	if (strcmp(x->mech, "XOAUTH2") == 0)
		x->kind = KIND_XOAUTH2;
	else if (strcmp(x->mech, "OAUTHBEARER") == 0)
		x->kind = KIND_OAUTHBEARER;
	else
		x->kind = KIND_GSASL;
	if ((x->kind == KIND_GSASL ? gsasl_begin(x, p, out) : oauth_initial(x, p, out)) < 0) {
		sasl_finish(x);
		return NULL;
	}
	return x;
}

static bool is_scram(const char *mech)
{
	return strncmp(mech, "SCRAM-", 6) == 0;
}

/* A failed libgsasl step, in words that point at the cause. */
static int gsasl_step_failed(struct sasl_exchange *x, int rc, const char *challenge,
                             size_t clen, struct outcome *out)
{
	char shown[200];

	if (is_scram(x->mech) && clen > 2 && strncmp(challenge, "e=", 2) == 0) {
		log_escape(shown, sizeof(shown), challenge + 2, clen - 2);
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "AUTH %s failed: the server says '%s'", x->mech, shown);
	}
	/* The third SCRAM step checks the server's signature over the exchange. */
	if (is_scram(x->mech) && x->gsasl_steps == 3 && rc == GSASL_AUTHENTICATION_ERROR)
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "AUTH %s failed: the server's SCRAM proof is wrong (it does "
		                    "not know the password, or something is in between)", x->mech);
	return gsasl_failed(x, rc, out);
}

static int gsasl_exchange_step(struct sasl_exchange *x, const char *challenge_b64,
                               char **response_b64, struct outcome *out)
{
	char *challenge = NULL, *raw = NULL;
	size_t clen = 0, rlen = 0;
	int rc;
	bool initial = x->steps == 0;

	/* A server-first mechanism has nothing to say before the first 334.
	 * (libgsasl's LOGIN client would answer the user name to anything,
	 * an initial response included; we send "AUTH LOGIN" alone and give
	 * the user name to the server's "Username:" challenge, as servers
	 * expect of LOGIN.) */
	if (!challenge_b64 && IN_LIST(x->mech, server_first)) {
		if (!initial)
			return outcome_fail(out, OUTCOME_INTERNAL, STEP,
			                    "AUTH %s: a step without a challenge", x->mech);
		*response_b64 = strdup("");
		return *response_b64 ? 1 : outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	}
	if (!challenge_b64 && !initial)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP,
		                    "AUTH %s: a step without a challenge", x->mech);
	if (challenge_b64 && base64_decode(challenge_b64, &challenge, &clen) < 0)
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "AUTH %s failed: the server's challenge is not valid base64",
		                    x->mech);
	x->gsasl_steps++;
	rc = gsasl_step(x->session, challenge, clen, &raw, &rlen);
	if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
		rc = gsasl_step_failed(x, rc, challenge, clen, out);
		wipe_free(challenge, clen);
		return rc;
	}
	wipe_free(challenge, clen);
	/* An empty initial response is "=" on the AUTH line (RFC 4954); an
	 * empty answer to a 334 is an empty line. */
	if (!challenge_b64 && rlen == 0)
		*response_b64 = strdup("=");
	else
		*response_b64 = base64_encode(raw ? raw : "", rlen);
	if (raw) {
		explicit_bzero(raw, rlen);
		gsasl_free(raw);
	}
	if (!*response_b64)
		return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	if (rc == GSASL_OK) {
		x->complete = true;
		return 0;
	}
	return 1;
}

int sasl_step(struct sasl_exchange *x, const char *challenge_b64, char **response_b64,
              struct outcome *out)
{
	int r;

	*response_b64 = NULL;
	if (x->complete)
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "AUTH %s failed: the server asks for more after the exchange "
		                    "is complete", x->mech);
	if (x->kind == KIND_GSASL) {
		r = gsasl_exchange_step(x, challenge_b64, response_b64, out);
	} else if (x->steps == 0) {
		/* Without a challenge, or after an empty 334 (the caller held a
		 * long initial response back from the AUTH line). */
		*response_b64 = x->initial;
		x->initial = NULL;
		r = 1;
	} else {
		/* The only challenge after the initial response is the server's
		 * JSON error. RFC 7628 ends OAUTHBEARER with a single ^A; XOAUTH2
		 * takes an empty line. The server then answers with its 5xx. */
		x->complete = true;
		*response_b64 = strdup(x->kind == KIND_OAUTHBEARER ? "AQ==" : "");
		r = *response_b64 ? 0 : outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
	}
	if (r >= 0)
		x->steps++;
	return r;
}

bool sasl_may_succeed(const struct sasl_exchange *x)
{
	/* The OAuth mechanisms have no server proof to wait for. */
	return x->kind != KIND_GSASL || x->complete;
}

void sasl_free_response(char *response_b64)
{
	if (response_b64)
		wipe_free(response_b64, strlen(response_b64));
}

/* libgsasl keeps properties in its own heap copies and frees them without
 * wiping; wipe the secret ones first. */
static void wipe_property(Gsasl_session *session, Gsasl_property prop)
{
	char *value = (char *)gsasl_property_fast(session, prop);

	if (value)
		explicit_bzero(value, strlen(value));
}

void sasl_finish(struct sasl_exchange *x)
{
	if (!x)
		return;
	if (x->session) {
		wipe_property(x->session, GSASL_PASSWORD);
		wipe_property(x->session, GSASL_SCRAM_SALTED_PASSWORD);
		wipe_property(x->session, GSASL_SCRAM_SERVERKEY);
		wipe_property(x->session, GSASL_SCRAM_STOREDKEY);
		wipe_property(x->session, GSASL_DIGEST_MD5_HASHED_PASSWORD);
		gsasl_finish(x->session);
	}
	if (x->ctx)
		gsasl_done(x->ctx);
	if (x->initial)
		wipe_free(x->initial, strlen(x->initial));
	free(x->cb_type);
	free(x->cb_data_b64);
	explicit_bzero(x, sizeof(*x));
	free(x);
}
