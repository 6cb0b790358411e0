/* faulttls.c - the fault server's TLS and SASL server sides (see faulttls.h).
 *
 * The socket is non-blocking once TLS starts, so that a record that arrives
 * in pieces can never block a read past its deadline; every wait is a poll
 * bounded by the caller's deadline. */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "faulttls.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gsasl.h>

struct fault_tls_server {
	gnutls_certificate_credentials_t cred;
	gnutls_priority_t priority;     /* NULL: the default */
	bool ask_client_cert;           /* FAULT_CLIENT_CA was set: ask for one, check it */
};

struct fault_tls_conn {
	gnutls_session_t session;
	int fd;
};

static void say(char *err, size_t errsize, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *err, size_t errsize, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errsize, fmt, ap);
	va_end(ap);
}

long long fault_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fault_ready_by(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - fault_now_ms();
		struct pollfd p = { .fd = fd, .events = events };
		int r;

		if (left <= 0)
			return 0;
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
	}
}

/* The direction GnuTLS is waiting in after GNUTLS_E_AGAIN. */
static short wanted_events(gnutls_session_t s)
{
	return gnutls_record_get_direction(s) ? POLLOUT : POLLIN;
}

/* ------------------------------------------------------------ credentials */

struct fault_tls_server *fault_tls_load(const char *cert_file, const char *key_file,
                                        const char *priority, char *err, size_t errsize)
{
	struct fault_tls_server *srv = calloc(1, sizeof(*srv));
	const char *where = NULL;
	int r;

	if (!srv) {
		say(err, errsize, "out of memory");
		return NULL;
	}
	r = gnutls_certificate_allocate_credentials(&srv->cred);
	if (r < 0) {
		say(err, errsize, "gnutls_certificate_allocate_credentials: %s", gnutls_strerror(r));
		free(srv);
		return NULL;
	}
	r = gnutls_certificate_set_x509_key_file(srv->cred, cert_file, key_file,
	                                         GNUTLS_X509_FMT_PEM);
	if (r < 0) {
		say(err, errsize, "cannot load certificate %s with key %s: %s", cert_file, key_file,
		    gnutls_strerror(r));
		fault_tls_unload(srv);
		return NULL;
	}
	/* For AUTH EXTERNAL: client certificates issued by this CA are valid. */
	if (getenv("FAULT_CLIENT_CA")) {
		r = gnutls_certificate_set_x509_trust_file(srv->cred, getenv("FAULT_CLIENT_CA"),
		                                           GNUTLS_X509_FMT_PEM);
		if (r <= 0) {
			say(err, errsize, "cannot load FAULT_CLIENT_CA %s: %s", getenv("FAULT_CLIENT_CA"),
			    r < 0 ? gnutls_strerror(r) : "no certificate in it");
			fault_tls_unload(srv);
			return NULL;
		}
		srv->ask_client_cert = true;
	}
	if (priority) {
		r = gnutls_priority_init(&srv->priority, priority, &where);
		if (r < 0) {
			say(err, errsize, "bad TLS priority string '%s' (at '%s'): %s", priority,
			    where ? where : "?", gnutls_strerror(r));
			srv->priority = NULL;
			fault_tls_unload(srv);
			return NULL;
		}
	}
	return srv;
}

void fault_tls_unload(struct fault_tls_server *srv)
{
	if (!srv)
		return;
	if (srv->priority)
		gnutls_priority_deinit(srv->priority);
	gnutls_certificate_free_credentials(srv->cred);
	free(srv);
}

/* ------------------------------------------------------------ sessions */

/* The reason a handshake or record call failed, with the client's alert. */
static void say_tls_error(char *err, size_t errsize, gnutls_session_t s, int r)
{
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED || r == GNUTLS_E_WARNING_ALERT_RECEIVED)
		say(err, errsize, "%s (the client's alert: %s)", gnutls_strerror(r),
		    gnutls_alert_get_name(gnutls_alert_get(s)));
	else
		say(err, errsize, "%s", gnutls_strerror(r));
}

struct fault_tls_conn *fault_tls_accept(const struct fault_tls_server *srv, int fd,
                                        long long deadline, char *err, size_t errsize)
{
	struct fault_tls_conn *t = calloc(1, sizeof(*t));
	int flags = fcntl(fd, F_GETFL), r;

	if (!t) {
		say(err, errsize, "out of memory");
		return NULL;
	}
	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		say(err, errsize, "fcntl O_NONBLOCK: %s", strerror(errno));
		free(t);
		return NULL;
	}
	t->fd = fd;
	r = gnutls_init(&t->session, GNUTLS_SERVER);
	if (r < 0) {
		say(err, errsize, "gnutls_init: %s", gnutls_strerror(r));
		free(t);
		return NULL;
	}
	r = srv->priority ? gnutls_priority_set(t->session, srv->priority)
	                  : gnutls_set_default_priority(t->session);
	if (r >= 0)
		r = gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, srv->cred);
	if (r < 0) {
		say(err, errsize, "setting up the session: %s", gnutls_strerror(r));
		fault_tls_end(t);
		return NULL;
	}
	gnutls_certificate_server_set_request(t->session, srv->ask_client_cert
	                                      ? GNUTLS_CERT_REQUEST : GNUTLS_CERT_IGNORE);
	gnutls_transport_set_int(t->session, fd);
	/* The deadline below bounds the handshake, not GnuTLS's own timer. */
	gnutls_handshake_set_timeout(t->session, GNUTLS_INDEFINITE_TIMEOUT);

	for (int warnings = 0;;) {
		int ready;

		r = gnutls_handshake(t->session);
		if (r == GNUTLS_E_SUCCESS)
			return t;
		if (r != GNUTLS_E_AGAIN && r != GNUTLS_E_INTERRUPTED) {
			/* A warning alert does not end a handshake; a few are tolerated. */
			if (gnutls_error_is_fatal(r) || ++warnings > 8) {
				say_tls_error(err, errsize, t->session, r);
				break;
			}
			continue;
		}
		ready = fault_ready_by(fd, wanted_events(t->session), deadline);
		if (ready == 0) {
			say(err, errsize, "the handshake did not finish in time");
			break;
		}
		if (ready < 0) {
			say(err, errsize, "poll: %s", strerror(errno));
			break;
		}
	}
	gnutls_deinit(t->session);
	free(t);
	return NULL;
}

ssize_t fault_tls_recv(struct fault_tls_conn *t, char *buf, size_t cap, long long deadline,
                       char *err, size_t errsize)
{
	for (;;) {
		ssize_t n;

		/* Decrypted bytes may be waiting that poll cannot see. */
		if (gnutls_record_check_pending(t->session) == 0) {
			int ready = fault_ready_by(t->fd, POLLIN, deadline);

			if (ready == 0)
				return FAULT_TLS_TIMEOUT;
			if (ready < 0) {
				say(err, errsize, "poll: %s", strerror(errno));
				return FAULT_TLS_ERROR;
			}
		}
		n = gnutls_record_recv(t->session, buf, cap);
		if (n > 0)
			return n;
		if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
			return FAULT_TLS_CLOSED;
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n == GNUTLS_E_WARNING_ALERT_RECEIVED &&
		    gnutls_alert_get(t->session) != GNUTLS_A_CLOSE_NOTIFY)
			continue;
		say_tls_error(err, errsize, t->session, (int)n);
		return FAULT_TLS_ERROR;
	}
}

bool fault_tls_send(struct fault_tls_conn *t, const char *buf, size_t len, long long deadline,
                    char *err, size_t errsize)
{
	while (len > 0) {
		ssize_t n = gnutls_record_send(t->session, buf, len);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) {
			/* GnuTLS keeps the record; the retry sends the same bytes. */
			int ready = fault_ready_by(t->fd, POLLOUT, deadline);

			if (ready > 0)
				continue;
			say(err, errsize, ready == 0 ? "the client did not read in time" : "poll failed");
			return false;
		}
		say_tls_error(err, errsize, t->session, (int)n);
		return false;
	}
	return true;
}

void fault_tls_describe(struct fault_tls_conn *t, char *buf, size_t size)
{
	char *desc = gnutls_session_get_desc(t->session);

	snprintf(buf, size, "%s", desc ? desc : "?");
	gnutls_free(desc);
}

void fault_tls_end(struct fault_tls_conn *t)
{
	if (!t)
		return;
	/* Best effort on a non-blocking socket: no waiting for the client. */
	gnutls_bye(t->session, GNUTLS_SHUT_WR);
	gnutls_deinit(t->session);
	free(t);
}

/* ------------------------------------------------------------ SASL */

struct fault_sasl {
	Gsasl_session *session;
	char *mech;
	char *user;
	char *password;
	struct fault_tls_conn *tls;
	unsigned flags;
	char note[96];          /* channel binding given since the last note */
};

static Gsasl *sasl_library;

/* SCRAM's PLUS variants end in "-PLUS"; only they (or a server that
 * advertised them) hand the binding to the mechanism. */
static bool is_plus(const char *mech)
{
	size_t len = strlen(mech);

	return len > 5 && strcasecmp(mech + len - 5, "-PLUS") == 0;
}

static int give_binding(struct fault_sasl *x, Gsasl_session *sctx, Gsasl_property prop)
{
	gnutls_channel_binding_t type =
		prop == GSASL_CB_TLS_EXPORTER ? GNUTLS_CB_TLS_EXPORTER : GNUTLS_CB_TLS_UNIQUE;
	const char *name = prop == GSASL_CB_TLS_EXPORTER ? "tls-exporter" : "tls-unique";
	bool corrupt = x->flags & FAULT_SASL_CORRUPT_BINDING;
	gnutls_datum_t cb = { NULL, 0 };
	char *b64 = NULL;
	int r;

	if (!x->tls || (!is_plus(x->mech) && !(x->flags & FAULT_SASL_PLUS_OFFERED)))
		return GSASL_NO_CALLBACK;
	if (gnutls_session_channel_binding(x->tls->session, type, &cb) < 0 || cb.size == 0)
		return GSASL_NO_CALLBACK;
	if (corrupt)
		cb.data[cb.size - 1] ^= 0x01;
	r = gsasl_base64_to((const char *)cb.data, cb.size, &b64, NULL);
	gnutls_free(cb.data);
	if (r != GSASL_OK)
		return r;
	r = gsasl_property_set(sctx, prop, b64);
	gsasl_free(b64);
	snprintf(x->note, sizeof(x->note), "%s%s", name, corrupt ? " (corrupted on purpose)" : "");
	return r;
}

/* EXTERNAL: the client presented a certificate that chains to FAULT_CLIENT_CA. */
static bool client_cert_verified(struct fault_tls_conn *t)
{
	unsigned status = 1;
	unsigned n = 0;

	return gnutls_certificate_get_peers(t->session, &n) != NULL && n > 0 &&
	       gnutls_certificate_verify_peers2(t->session, &status) == 0 && status == 0;
}

static int sasl_callback(Gsasl *ctx, Gsasl_session *sctx, Gsasl_property prop)
{
	struct fault_sasl *x = gsasl_session_hook_get(sctx);
	const char *authid = gsasl_property_fast(sctx, GSASL_AUTHID);
	const char *password;

	(void)ctx;
	if (!x)
		return GSASL_NO_CALLBACK;
	switch (prop) {
	case GSASL_VALIDATE_SIMPLE:
		password = gsasl_property_fast(sctx, GSASL_PASSWORD);
		if (authid && password && strcmp(authid, x->user) == 0 &&
		    strcmp(password, x->password) == 0)
			return GSASL_OK;
		return GSASL_AUTHENTICATION_ERROR;
	case GSASL_PASSWORD:
		/* Mechanisms that need the stored secret ask for it by user. */
		if (authid && strcmp(authid, x->user) == 0)
			return gsasl_property_set(sctx, GSASL_PASSWORD, x->password);
		return GSASL_NO_CALLBACK;
	case GSASL_VALIDATE_EXTERNAL:
		return x->tls && client_cert_verified(x->tls) ? GSASL_OK
		                                               : GSASL_AUTHENTICATION_ERROR;
	case GSASL_CB_TLS_UNIQUE:
	case GSASL_CB_TLS_EXPORTER:
		return give_binding(x, sctx, prop);
	case GSASL_SERVICE:
		return gsasl_property_set(sctx, GSASL_SERVICE, "smtp");
	case GSASL_HOSTNAME:
		return gsasl_property_set(sctx, GSASL_HOSTNAME, "faultserver.example.test");
	default:
		return GSASL_NO_CALLBACK;
	}
}

static bool library_ready(void)
{
	if (sasl_library)
		return true;
	if (gsasl_init(&sasl_library) != GSASL_OK) {
		sasl_library = NULL;
		return false;
	}
	gsasl_callback_set(sasl_library, sasl_callback);
	return true;
}

bool fault_sasl_supported(const char *mech)
{
	return library_ready() && gsasl_server_support_p(sasl_library, mech);
}

static char *copy(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct fault_sasl *fault_sasl_start(const char *mech, const char *user, const char *password,
                                    struct fault_tls_conn *tls, unsigned flags,
                                    char *err, size_t errsize)
{
	struct fault_sasl *x;
	int r;

	if (!library_ready()) {
		say(err, errsize, "gsasl_init failed");
		return NULL;
	}
	x = calloc(1, sizeof(*x));
	if (!x || !(x->mech = copy(mech)) || !(x->user = copy(user)) ||
	    !(x->password = copy(password))) {
		say(err, errsize, "out of memory");
		fault_sasl_end(x);
		return NULL;
	}
	x->tls = tls;
	x->flags = flags;
	r = gsasl_server_start(sasl_library, mech, &x->session);
	if (r != GSASL_OK) {
		say(err, errsize, "gsasl_server_start %s: %s", mech, gsasl_strerror(r));
		x->session = NULL;
		fault_sasl_end(x);
		return NULL;
	}
	gsasl_session_hook_set(x->session, x);
	return x;
}

enum fault_sasl_result fault_sasl_step(struct fault_sasl *x, const char *in_b64,
                                       char **out_b64, char *err, size_t errsize)
{
	int r;

	*out_b64 = NULL;
	r = gsasl_step64(x->session, in_b64, out_b64);
	switch (r) {
	case GSASL_NEEDS_MORE:
		return FAULT_SASL_MORE;
	case GSASL_OK:
		return FAULT_SASL_DONE;
	case GSASL_BASE64_ERROR:
		say(err, errsize, "%s", gsasl_strerror(r));
		return FAULT_SASL_BAD_BASE64;
	default:
		say(err, errsize, "%s", gsasl_strerror(r));
		return FAULT_SASL_FAILED;
	}
}

void fault_sasl_free_data(char *data_b64)
{
	if (data_b64) {
		memset(data_b64, 0, strlen(data_b64));
		gsasl_free(data_b64);
	}
}

const char *fault_sasl_binding_note(struct fault_sasl *x)
{
	static char shown[sizeof(x->note)];

	if (x->note[0] == '\0')
		return NULL;
	memcpy(shown, x->note, sizeof(shown));
	x->note[0] = '\0';
	return shown;
}

void fault_sasl_end(struct fault_sasl *x)
{
	if (!x)
		return;
	if (x->session)
		gsasl_finish(x->session);
	free(x->mech);
	free(x->user);
	if (x->password) {
		memset(x->password, 0, strlen(x->password));
		free(x->password);
	}
	free(x);
}

void fault_sasl_done(void)
{
	if (sasl_library)
		gsasl_done(sasl_library);
	sasl_library = NULL;
}
