/* test_sasl.c - choosing the AUTH mechanism, and every exchange run against
 * libgsasl's server side in the same process. */
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gsasl.h>

#include "sasl.h"
#include "tap.h"

#define USER "alice@example.org"
#define PASSWORD "correct horse"
#define CB_DATA "Y2hhbm5lbC1iaW5kaW5nLWRhdGEtMzItYnl0ZXMtbG9uZyE="       /* 32 bytes */
#define CB_OTHER "b3RoZXItYmluZGluZy1kYXRhLTMyLWJ5dGVzLWxvbmchIQ=="

/* ------------------------------------------------------------ choosing */

enum conn { TLS_CB, TLS_NO_CB, PLAIN_EXPLICIT, PLAIN_IMPLICIT };

static struct sasl_params conn_params(enum conn c)
{
	struct sasl_params p = { .user = USER, .password = PASSWORD, .host = "mail.example.org" };

	p.tls_active = c == TLS_CB || c == TLS_NO_CB;
	p.tls_off_explicit = c == PLAIN_EXPLICIT;
	if (c == TLS_CB) {
		p.cb_type = "tls-exporter";
		p.cb_data_b64 = CB_DATA;
	}
	return p;
}

#define ALL "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS"

static const struct {
	const char *configured;
	const char *offered;
	enum conn conn;
	const char *mech;        /* chosen, or NULL when it fails */
	const char *error;
} choose_cases[] = {
	/* automatic: the strongest both sides have */
	{ "on", ALL, TLS_CB, "SCRAM-SHA-256-PLUS", NULL },
	{ "on", ALL, TLS_NO_CB, "SCRAM-SHA-256", NULL },
	{ "on", ALL, PLAIN_EXPLICIT, "SCRAM-SHA-256", NULL },
	{ "on", "SCRAM-SHA-1 SCRAM-SHA-1-PLUS PLAIN", TLS_CB, "SCRAM-SHA-1-PLUS", NULL },
	{ "on", "SCRAM-SHA-1 SCRAM-SHA-1-PLUS PLAIN", TLS_NO_CB, "SCRAM-SHA-1", NULL },
	{ "on", "LOGIN PLAIN CRAM-MD5", TLS_NO_CB, "PLAIN", NULL },
	{ "on", "CRAM-MD5 LOGIN", TLS_NO_CB, "LOGIN", NULL },
	/* without TLS, only SCRAM is picked automatically (CRAM-MD5 can be
	 * attacked offline from a sniffed exchange); naming it still works */
	{ "on", "CRAM-MD5 LOGIN", PLAIN_EXPLICIT, NULL,
	  "no usable AUTH mechanism: the server offers CRAM-MD5 LOGIN; without TLS postie "
	  "sends no password in the clear (use TLS, or set 'auth login' to send it anyway)" },
	{ "on", "CRAM-MD5", PLAIN_EXPLICIT, NULL,
	  "no usable AUTH mechanism: the server offers CRAM-MD5; without TLS postie picks "
	  "only SCRAM by itself" },
	{ "cram-md5", "CRAM-MD5", PLAIN_EXPLICIT, "CRAM-MD5", NULL },
	{ "on", "PLAIN SCRAM-SHA-1", PLAIN_IMPLICIT, "SCRAM-SHA-1", NULL },
	{ "on", "XOAUTH2 PLAIN", TLS_CB, "PLAIN", NULL },
	/* any case, any spacing */
	{ "ON", "plain  login\tcram-md5", TLS_NO_CB, "PLAIN", NULL },
	{ "On", "Scram-Sha-256 plain", TLS_NO_CB, "SCRAM-SHA-256", NULL },
	/* never PLAIN or LOGIN automatically without TLS, even with tls off */
	{ "on", "PLAIN LOGIN", PLAIN_EXPLICIT, NULL,
	  "no usable AUTH mechanism: the server offers PLAIN LOGIN; without TLS postie sends "
	  "no password in the clear (use TLS, or set 'auth plain' to send it anyway)" },
	{ "on", "LOGIN", PLAIN_IMPLICIT, NULL,
	  "no usable AUTH mechanism: the server offers LOGIN; without TLS postie sends no "
	  "password in the clear (use TLS)" },
	/* XOAUTH2, OAUTHBEARER and EXTERNAL only when named */
	{ "on", "XOAUTH2 OAUTHBEARER EXTERNAL", TLS_CB, NULL,
	  "no usable AUTH mechanism: the server offers XOAUTH2 OAUTHBEARER EXTERNAL; postie "
	  "picks only SCRAM, PLAIN, LOGIN and CRAM-MD5 by itself (name another with 'auth')" },
	{ "on", "SCRAM-SHA-256-PLUS", TLS_NO_CB, NULL,
	  "no usable AUTH mechanism: the server offers SCRAM-SHA-256-PLUS; this TLS session "
	  "offers no channel binding" },
	/* nothing offered */
	{ "on", "", TLS_CB, NULL, "the server does not offer AUTH" },
	{ "on", "   ", TLS_CB, NULL, "the server does not offer AUTH" },
	{ "plain", "", TLS_CB, NULL, "the server does not offer AUTH" },
	/* forced */
	{ "plain", "PLAIN LOGIN", TLS_NO_CB, "PLAIN", NULL },
	{ "Login", "plain login", TLS_NO_CB, "LOGIN", NULL },
	{ "plain", "PLAIN LOGIN", PLAIN_EXPLICIT, "PLAIN", NULL },
	{ "login", "PLAIN LOGIN", PLAIN_EXPLICIT, "LOGIN", NULL },
	{ "plain", "PLAIN LOGIN", PLAIN_IMPLICIT, NULL,
	  "cannot use AUTH PLAIN: without TLS postie sends no password in the clear" },
	{ "login", "PLAIN", TLS_CB, NULL,
	  "the server does not offer AUTH LOGIN (it offers: PLAIN)" },
	{ "cram-md5", "PLAIN  SCRAM-SHA-1", TLS_CB, NULL,
	  "the server does not offer AUTH CRAM-MD5 (it offers: PLAIN SCRAM-SHA-1)" },
	{ "cram-md5", "CRAM-MD5", PLAIN_IMPLICIT, "CRAM-MD5", NULL },
	{ "xoauth2", "PLAIN XOAUTH2", TLS_NO_CB, "XOAUTH2", NULL },
	{ "oauthbearer", "oauthbearer", TLS_NO_CB, "OAUTHBEARER", NULL },
	{ "xoauth2", "XOAUTH2", PLAIN_IMPLICIT, NULL,
	  "cannot use AUTH XOAUTH2: without TLS postie sends no password in the clear" },
	{ "external", "EXTERNAL PLAIN", TLS_NO_CB, "EXTERNAL", NULL },
	{ "scram-sha-256-plus", ALL, TLS_CB, "SCRAM-SHA-256-PLUS", NULL },
	{ "scram-sha-256", ALL, TLS_CB, "SCRAM-SHA-256", NULL },
	{ "scram-sha-256-plus", ALL, TLS_NO_CB, NULL,
	  "cannot use AUTH SCRAM-SHA-256-PLUS: this TLS session offers no channel binding" },
	{ "scram-sha-1-plus", ALL, PLAIN_EXPLICIT, NULL,
	  "cannot use AUTH SCRAM-SHA-1-PLUS: it needs TLS channel binding and the connection "
	  "is not encrypted" },
	{ "anonymous", "ANONYMOUS PLAIN", TLS_CB, NULL,
	  "cannot use AUTH ANONYMOUS: postie does not support it" },
	{ "foo-bar", "FOO-BAR PLAIN", TLS_CB, NULL,
	  "cannot use AUTH FOO-BAR: postie does not support it" },
	{ "digest-md5", "DIGEST-MD5", TLS_CB, "DIGEST-MD5", NULL },
	/* server text is escaped in messages */
	{ "login", "PLAIN \033[2J", TLS_CB, NULL,
	  "the server does not offer AUTH LOGIN (it offers: PLAIN \\x1b[2J)" },
};

static void test_choose(void)
{
	for (size_t i = 0; i < sizeof(choose_cases) / sizeof(choose_cases[0]); i++) {
		struct sasl_params p = conn_params(choose_cases[i].conn);
		struct outcome out;
		char mech[32] = "untouched";
		int r;

		outcome_clear(&out);
		r = sasl_choose(choose_cases[i].configured, choose_cases[i].offered, &p, mech,
		                sizeof(mech), &out);
		if (choose_cases[i].mech) {
			is_int(r, 0, "choose %s from '%s' (conn %d): succeeds",
			       choose_cases[i].configured, choose_cases[i].offered, choose_cases[i].conn);
			is_str(mech, choose_cases[i].mech, "  picks %s", choose_cases[i].mech);
		} else {
			is_int(r, -1, "choose %s from '%s' (conn %d): fails",
			       choose_cases[i].configured, choose_cases[i].offered, choose_cases[i].conn);
			is_int(out.cls, OUTCOME_NOT_PERMITTED, "  not permitted");
			is_str(out.step, "auth", "  step auth");
			is_str(out.text, choose_cases[i].error, "  says why");
		}
	}

	struct sasl_params p = conn_params(TLS_CB);
	struct outcome out;
	char small[5];

	outcome_clear(&out);
	is_int(sasl_choose("on", ALL, &p, small, sizeof(small), &out), -1,
	       "a buffer too small for the name fails");
	is_int(out.cls, OUTCOME_INTERNAL, "  as an internal error");

	ok(!sasl_needs_password("EXTERNAL") && !sasl_needs_password("external"),
	   "EXTERNAL needs no password");
	ok(!sasl_needs_password("GSSAPI") && !sasl_needs_password("GS2-KRB5"),
	   "nor do GSSAPI and GS2-KRB5 (a Kerberos ticket)");
	ok(sasl_needs_password("PLAIN") && sasl_needs_password("SCRAM-SHA-256-PLUS") &&
	   sasl_needs_password("XOAUTH2") && sasl_needs_password("CRAM-MD5"),
	   "PLAIN, SCRAM, XOAUTH2, CRAM-MD5 need one");
}

/* ------------------------------------------------------------ base64 helpers */

static char *b64(const char *data, size_t len)
{
	gnutls_datum_t in = { (unsigned char *)data, (unsigned)len }, outd;
	char *s;

	if (gnutls_base64_encode2(&in, &outd) < 0)
		return NULL;
	s = strndup((char *)outd.data, outd.size);
	gnutls_free(outd.data);
	return s;
}

static char *unb64(const char *text, size_t *len)
{
	gnutls_datum_t in = { (unsigned char *)text, (unsigned)strlen(text) }, outd;
	char *s;

	*len = 0;
	if (!text[0])
		return strdup("");
	if (gnutls_base64_decode2(&in, &outd) < 0)
		return NULL;
	s = malloc(outd.size + 1);
	memcpy(s, outd.data, outd.size);
	s[outd.size] = '\0';
	*len = outd.size;
	gnutls_free(outd.data);
	return s;
}

/* ------------------------------------------------------------ the server side */

static struct {
	const char *user;
	const char *password;
	const char *cb_type;
	const char *cb_data;
} server;

static int server_callback(Gsasl *ctx, Gsasl_session *s, Gsasl_property prop)
{
	const char *authid = gsasl_property_fast(s, GSASL_AUTHID);
	const char *password = gsasl_property_fast(s, GSASL_PASSWORD);

	(void)ctx;
	switch (prop) {
	case GSASL_VALIDATE_SIMPLE:
		return authid && password && strcmp(authid, server.user) == 0 &&
		       strcmp(password, server.password) == 0 ? GSASL_OK : GSASL_AUTHENTICATION_ERROR;
	case GSASL_PASSWORD:
		if (!authid || strcmp(authid, server.user) != 0)
			return GSASL_NO_PASSWORD;
		return gsasl_property_set(s, GSASL_PASSWORD, server.password);
	case GSASL_CB_TLS_EXPORTER:
		if (server.cb_type && strcmp(server.cb_type, "tls-exporter") == 0)
			return gsasl_property_set(s, prop, server.cb_data);
		return GSASL_NO_CALLBACK;
	case GSASL_CB_TLS_UNIQUE:
		if (server.cb_type && strcmp(server.cb_type, "tls-unique") == 0)
			return gsasl_property_set(s, prop, server.cb_data);
		return GSASL_NO_CALLBACK;
	default:
		return GSASL_NO_CALLBACK;
	}
}

enum result { ACCEPTED, CLIENT_FAILED, SERVER_REFUSED, CLIENT_UNFINISHED };

/* Change the SCRAM server signature in a server-final message. */
static char *tamper_signature(const char *challenge_b64)
{
	size_t len;
	char *raw = unb64(challenge_b64, &len), *again;

	if (raw && len > 4 && strncmp(raw, "v=", 2) == 0)
		raw[2] = raw[2] == 'A' ? 'B' : 'A';
	again = b64(raw, len);
	free(raw);
	return again;
}

/* Run `mech` from sasl_start to the server's verdict, the way smtp.c will
 * drive it: the initial response on the AUTH line ("" means none), then one
 * sasl_step per 334. `first_response` gets a copy of what went on the AUTH
 * line. */
static enum result run(const char *mech, const struct sasl_params *p, bool tamper,
                       struct outcome *out, char **first_response, int *rounds)
{
	Gsasl *ctx;
	Gsasl_session *ss;
	struct sasl_exchange *x;
	char *resp = NULL;
	enum result result = CLIENT_UNFINISHED;
	int c, n = 0;

	outcome_clear(out);
	if (first_response)
		*first_response = NULL;
	if (gsasl_init(&ctx) != GSASL_OK)
		return CLIENT_FAILED;
	gsasl_callback_set(ctx, server_callback);
	if (gsasl_server_start(ctx, mech, &ss) != GSASL_OK) {
		gsasl_done(ctx);
		return CLIENT_FAILED;
	}
	x = sasl_start(mech, p, out);
	if (!x) {
		result = CLIENT_FAILED;
		goto done;
	}
	c = sasl_step(x, NULL, &resp, out);
	if (c < 0) {
		result = CLIENT_FAILED;
		goto done;
	}
	if (first_response)
		*first_response = strdup(resp);
	for (;;) {
		char *challenge = NULL;
		const char *to_server = strcmp(resp, "=") == 0 ? "" : resp;
		int s = gsasl_step64(ss, to_server, &challenge);

		sasl_free_response(resp);
		resp = NULL;
		if (s != GSASL_OK && s != GSASL_NEEDS_MORE) {
			result = SERVER_REFUSED;
			break;
		}
		if (s == GSASL_OK && !challenge[0]) {      /* 235 */
			result = c == 0 ? ACCEPTED : CLIENT_UNFINISHED;
			free(challenge);
			break;
		}
		if (tamper && s == GSASL_OK) {
			char *t = tamper_signature(challenge);

			free(challenge);
			challenge = t;
		}
		n++;
		c = sasl_step(x, challenge, &resp, out);   /* 334 challenge */
		free(challenge);
		if (c < 0) {
			result = CLIENT_FAILED;
			break;
		}
		if (s == GSASL_OK) {                        /* server's last word was in the 334 */
			result = c == 0 && !resp[0] ? ACCEPTED : CLIENT_UNFINISHED;
			break;
		}
		if (n > 10)
			break;
	}
done:
	sasl_free_response(resp);
	sasl_finish(x);
	gsasl_finish(ss);
	gsasl_done(ctx);
	if (rounds)
		*rounds = n;
	return result;
}

static void set_server(const char *user, const char *password, const char *cb_type,
                       const char *cb_data)
{
	server.user = user;
	server.password = password;
	server.cb_type = cb_type;
	server.cb_data = cb_data;
}

static void test_exchanges(void)
{
	static const char *const mechs[] = {
		"PLAIN", "LOGIN", "CRAM-MD5", "DIGEST-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256",
	};
	struct sasl_params p = conn_params(TLS_NO_CB);
	struct outcome out;
	char *first;
	int rounds;

	for (size_t i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
		set_server(USER, PASSWORD, NULL, NULL);
		is_int(run(mechs[i], &p, false, &out, &first, NULL), ACCEPTED, "%s: accepted", mechs[i]);
		if (strcmp(mechs[i], "LOGIN") == 0 || strcmp(mechs[i], "CRAM-MD5") == 0 ||
		    strcmp(mechs[i], "DIGEST-MD5") == 0)
			is_str(first, "", "  server first: no initial response");
		else
			ok(first && first[0] && strcmp(first, "=") != 0, "  has an initial response");
		free(first);

		set_server(USER, "wrong", NULL, NULL);
		is_int(run(mechs[i], &p, false, &out, NULL, NULL), SERVER_REFUSED,
		       "%s: a wrong password is refused by the server", mechs[i]);
		set_server("bob", PASSWORD, NULL, NULL);
		is_int(run(mechs[i], &p, false, &out, NULL, NULL), SERVER_REFUSED,
		       "%s: a wrong user is refused by the server", mechs[i]);
	}

	/* PLAIN is exactly \0user\0password */
	{
		struct sasl_exchange *x;
		char *resp, *raw;
		size_t len;

		outcome_clear(&out);
		x = sasl_start("plain", &p, &out);
		ok(x != NULL, "PLAIN starts (lower-case name)");
		is_int(sasl_step(x, NULL, &resp, &out), 0, "  the initial response completes PLAIN");
		raw = unb64(resp, &len);
		ok(raw && len == 1 + strlen(USER) + 1 + strlen(PASSWORD) &&
		   memcmp(raw, "\0" USER "\0" PASSWORD, len) == 0, "  \\0user\\0password");
		free(raw);
		sasl_free_response(resp);
		is_int(sasl_step(x, "", &resp, &out), -1, "  a further challenge fails");
		is_str(out.text, "AUTH PLAIN failed: the server asks for more after the exchange "
		       "is complete", "  and says so");
		ok(resp == NULL, "  with no response");
		sasl_finish(x);
	}

	/* LOGIN: user, then password, whatever the prompts say */
	{
		struct sasl_exchange *x;
		char *resp, *raw;
		size_t len;

		outcome_clear(&out);
		x = sasl_start("LOGIN", &p, &out);
		is_int(sasl_step(x, NULL, &resp, &out), 1, "LOGIN: no initial response, needs more");
		is_str(resp, "", "  empty");
		sasl_free_response(resp);
		is_int(sasl_step(x, "VXNlcm5hbWU6", &resp, &out), 1, "  Username: -> needs more");
		raw = unb64(resp, &len);
		is_str(raw, USER, "  answers the user");
		free(raw);
		sasl_free_response(resp);
		is_int(sasl_step(x, "UGFzc3dvcmQ6", &resp, &out), 0, "  Password: -> complete");
		raw = unb64(resp, &len);
		is_str(raw, PASSWORD, "  answers the password");
		free(raw);
		sasl_free_response(resp);
		sasl_finish(x);
	}

	/* LOGIN driven without the NULL step: the first 334 gets the user */
	{
		struct sasl_exchange *x;
		char *resp, *raw;
		size_t len;

		outcome_clear(&out);
		x = sasl_start("LOGIN", &p, &out);
		is_int(sasl_step(x, "VXNlcm5hbWU6", &resp, &out), 1, "LOGIN: first 334 -> needs more");
		raw = unb64(resp, &len);
		is_str(raw, USER, "  answers the user");
		free(raw);
		sasl_free_response(resp);
		sasl_finish(x);
	}

	/* PLAIN held back from the AUTH line: the empty 334 gets it */
	{
		struct sasl_exchange *x;
		char *resp, *raw;
		size_t len;

		outcome_clear(&out);
		x = sasl_start("PLAIN", &p, &out);
		is_int(sasl_step(x, "", &resp, &out), 0, "PLAIN after an empty 334: complete");
		raw = unb64(resp, &len);
		ok(raw && len == 1 + strlen(USER) + 1 + strlen(PASSWORD), "  the initial response");
		free(raw);
		sasl_free_response(resp);
		sasl_finish(x);
	}

	/* a challenge that is not base64 */
	{
		struct sasl_exchange *x;
		char *resp;

		outcome_clear(&out);
		x = sasl_start("CRAM-MD5", &p, &out);
		is_int(sasl_step(x, NULL, &resp, &out), 1, "CRAM-MD5: waits for the challenge");
		sasl_free_response(resp);
		is_int(sasl_step(x, "!!not base64!!", &resp, &out), -1, "  a bad challenge fails");
		is_int(out.cls, OUTCOME_NOT_PERMITTED, "  not permitted");
		is_str(out.text, "AUTH CRAM-MD5 failed: the server's challenge is not valid base64",
		       "  says so");
		sasl_finish(x);
	}

	/* SCRAM: the client checks the server's proof */
	set_server(USER, PASSWORD, NULL, NULL);
	is_int(run("SCRAM-SHA-256", &p, false, &out, NULL, &rounds), ACCEPTED,
	       "SCRAM-SHA-256 accepted");
	is_int(rounds, 2, "  server-first and server-final came as 334s");
	is_int(run("SCRAM-SHA-256", &p, true, &out, NULL, NULL), CLIENT_FAILED,
	       "SCRAM-SHA-256: a wrong server signature fails on our side");
	is_int(out.cls, OUTCOME_NOT_PERMITTED, "  not permitted");
	is_str(out.text, "AUTH SCRAM-SHA-256 failed: the server's SCRAM proof is wrong (it does "
	       "not know the password, or something is in between)", "  says so");
	is_int(run("SCRAM-SHA-1", &p, true, &out, NULL, NULL), CLIENT_FAILED,
	       "SCRAM-SHA-1: a wrong server signature fails on our side");

	/* SCRAM: a server error in the server-final message */
	{
		struct sasl_exchange *x;
		char *resp, *err;

		outcome_clear(&out);
		x = sasl_start("SCRAM-SHA-1", &p, &out);
		is_int(sasl_step(x, NULL, &resp, &out), 1, "SCRAM-SHA-1: client-first");
		sasl_free_response(resp);
		err = b64("e=invalid-proof", 15);
		is_int(sasl_step(x, err, &resp, &out), -1, "  e= instead of server-first fails");
		is_str(out.text, "AUTH SCRAM-SHA-1 failed: the server says 'invalid-proof'",
		       "  with the server's words");
		free(err);
		sasl_finish(x);
	}

	/* SCRAM-*-PLUS with channel binding */
	p = conn_params(TLS_CB);
	set_server(USER, PASSWORD, "tls-exporter", CB_DATA);
	is_int(run("SCRAM-SHA-256-PLUS", &p, false, &out, &first, NULL), ACCEPTED,
	       "SCRAM-SHA-256-PLUS with tls-exporter: accepted");
	{
		size_t len;
		char *raw = unb64(first, &len);

		ok(raw && strncmp(raw, "p=tls-exporter,,", 16) == 0, "  gs2 header p=tls-exporter");
		free(raw);
		free(first);
	}
	is_int(run("SCRAM-SHA-1-PLUS", &p, false, &out, NULL, NULL), ACCEPTED,
	       "SCRAM-SHA-1-PLUS with tls-exporter: accepted");
	set_server(USER, PASSWORD, "tls-exporter", CB_OTHER);
	is_int(run("SCRAM-SHA-256-PLUS", &p, false, &out, NULL, NULL), SERVER_REFUSED,
	       "SCRAM-SHA-256-PLUS: other channel-binding data is refused");
	set_server(USER, "wrong", "tls-exporter", CB_DATA);
	is_int(run("SCRAM-SHA-256-PLUS", &p, false, &out, NULL, NULL), SERVER_REFUSED,
	       "SCRAM-SHA-256-PLUS: a wrong password is refused");

	p.cb_type = "tls-unique";
	set_server(USER, PASSWORD, "tls-unique", CB_DATA);
	is_int(run("SCRAM-SHA-256-PLUS", &p, false, &out, &first, NULL), ACCEPTED,
	       "SCRAM-SHA-256-PLUS with tls-unique: accepted");
	{
		size_t len;
		char *raw = unb64(first, &len);

		ok(raw && strncmp(raw, "p=tls-unique,,", 14) == 0, "  gs2 header p=tls-unique");
		free(raw);
		free(first);
	}

	/* non-PLUS SCRAM over TLS with binding data: flag n, the server accepts */
	p = conn_params(TLS_CB);
	set_server(USER, PASSWORD, NULL, NULL);
	is_int(run("SCRAM-SHA-256", &p, false, &out, &first, NULL), ACCEPTED,
	       "SCRAM-SHA-256 over TLS with binding data: accepted");
	{
		size_t len;
		char *raw = unb64(first, &len);

		ok(raw && strncmp(raw, "n,,", 3) == 0, "  gs2 header n");
		free(raw);
		free(first);
	}

	p = conn_params(TLS_NO_CB);
	outcome_clear(&out);
	ok(sasl_start("SCRAM-SHA-256-PLUS", &p, &out) == NULL, "-PLUS without binding data fails");
	is_str(out.text, "AUTH SCRAM-SHA-256-PLUS needs TLS channel binding, which this "
	       "connection does not have", "  says so");
	ok(sasl_start("ANONYMOUS", &p, &out) == NULL, "ANONYMOUS is refused");
	is_str(out.text, "postie does not support AUTH ANONYMOUS", "  says so");
	ok(sasl_start("NO-SUCH-MECH", &p, &out) == NULL, "an unknown mechanism is refused");
	is_str(out.text, "postie does not support AUTH NO-SUCH-MECH", "  says so");

	/* EXTERNAL: the user as the authorization identity, else "=" */
	{
		struct sasl_exchange *x;
		char *resp;

		p.user = NULL;
		x = sasl_start("EXTERNAL", &p, &out);
		is_int(sasl_step(x, NULL, &resp, &out), 0, "EXTERNAL without a user completes");
		is_str(resp, "=", "  with an empty initial response, '='");
		sasl_free_response(resp);
		sasl_finish(x);
		p.user = USER;
		x = sasl_start("EXTERNAL", &p, &out);
		is_int(sasl_step(x, NULL, &resp, &out), 0, "EXTERNAL with a user completes");
		is_str(resp, "YWxpY2VAZXhhbXBsZS5vcmc=", "  with the user as authzid");
		sasl_free_response(resp);
		sasl_finish(x);
	}
}

/* ------------------------------------------------------------ OAuth */

static void check_oauth(const char *mech, const char *user, const char *token,
                        const char *want, size_t want_len, const char *dismissal)
{
	struct sasl_params p = conn_params(TLS_NO_CB);
	struct outcome out;
	struct sasl_exchange *x;
	char *resp, *resp2, *raw, *err;
	size_t len;

	p.user = user;
	p.password = token;
	outcome_clear(&out);
	x = sasl_start(mech, &p, &out);
	ok(x != NULL, "%s starts (token of %zu bytes)", mech, strlen(token));
	if (!x)
		return;
	is_int(sasl_step(x, NULL, &resp, &out), 1, "  initial response, then needs more");
	raw = unb64(resp, &len);
	ok(raw && len == want_len && memcmp(raw, want, len) == 0, "  byte-exact");
	free(raw);
	resp2 = strdup(resp);
	sasl_free_response(resp);

	/* held back from the AUTH line: the empty 334 gets the same */
	{
		struct sasl_exchange *y = sasl_start(mech, &p, &out);
		char *again;

		is_int(sasl_step(y, "", &again, &out), 1, "  after an empty 334: the initial response");
		is_int(strcmp(again, resp2), 0, "  the same bytes");
		sasl_free_response(again);
		sasl_finish(y);
	}
	free(resp2);

	err = b64("{\"status\":\"401\",\"schemes\":\"bearer\"}", 35);
	is_int(sasl_step(x, err, &resp, &out), 0, "  an error challenge completes the client");
	is_str(resp, dismissal, "  with the dismissal");
	sasl_free_response(resp);
	is_int(sasl_step(x, err, &resp, &out), -1, "  a second challenge fails");
	free(err);
	sasl_finish(x);
}

static void test_oauth(void)
{
	static char token[10001];
	char *want;
	size_t n;

	check_oauth("XOAUTH2", "someone@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg",
	            "user=someone@example.com\001auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001",
	            strlen("user=someone@example.com\001auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\001\001"),
	            "");
	check_oauth("OAUTHBEARER", "user@example.com", "vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==",
	            "n,a=user@example.com,\001auth=Bearer vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==\001\001",
	            strlen("n,a=user@example.com,\001auth=Bearer vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==\001\001"),
	            "AQ==");
	/* ',' and '=' in the authzid are escaped in the GS2 header */
	check_oauth("oauthbearer", "a,b=c", "t",
	            "n,a=a=2Cb=3Dc,\001auth=Bearer t\001\001",
	            strlen("n,a=a=2Cb=3Dc,\001auth=Bearer t\001\001"), "AQ==");

	for (size_t i = 0; i < sizeof(token) - 1; i++)
		token[i] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/"[i % 68];
	want = malloc(20000);
	n = (size_t)sprintf(want, "user=%s\001auth=Bearer %s\001\001", USER, token);
	check_oauth("XOAUTH2", USER, token, want, n, "");
	n = (size_t)sprintf(want, "n,a=%s,\001auth=Bearer %s\001\001", USER, token);
	check_oauth("OAUTHBEARER", USER, token, want, n, "AQ==");
	free(want);

	struct sasl_params p = conn_params(TLS_NO_CB);
	struct outcome out;

	p.password = "s3cr\001t";
	outcome_clear(&out);
	ok(sasl_start("XOAUTH2", &p, &out) == NULL, "a token with a control character is refused");
	ok(strstr(out.text, "s3cr") == NULL, "  without showing it");
	p.password = NULL;
	ok(sasl_start("OAUTHBEARER", &p, &out) == NULL, "no token is refused");
	is_str(out.text, "AUTH OAUTHBEARER needs a token (set password or passwordeval)",
	       "  and says so");
}

int main(void)
{
	test_choose();
	test_exchanges();
	test_oauth();
	return tap_done();
}
