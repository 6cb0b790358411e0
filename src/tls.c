/* tls.c - GnuTLS for one connection: a handshake bounded by the timeout,
 * server verification (its failures put in words by tls_describe.c),
 * certificate pinning, channel binding, and the TLS byte transport that
 * net.c's buffers run over afterwards. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include "tls.h"
#include "tls_describe.h"

#define STEP "tls"
/* Appended to the library's (or the administrator's) default priorities;
 * GnuTLS puts the ':' in between itself. */
#define TLS12_MINIMUM "-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define DEFAULT_TIMEOUT 60
#define MAX_PIN 32

struct tls_session {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	struct net_conn *conn;
	int fd;
	int timeout;
	unsigned char pin[MAX_PIN];     /* tls_fingerprint, decoded */
	size_t pin_len;                 /* 0: no pin; 20: SHA-1; 32: SHA-256 */
	/* Valid during tls_start() only: what the verify callback needs. */
	const char *host;
	struct outcome *verify_out;
	bool verify_failed;
};

/* ------------------------------------------------------------ time */

/* Wait until the socket is ready the way GnuTLS last wanted, or the
 * deadline passes. Returns 1 ready, 0 timed out, -1 error. */
static int wait_session(struct tls_session *s, long long deadline)
{
	bool for_write = gnutls_record_get_direction(s->session) == 1;

	if (!for_write)
		net_quickack(s->fd);
	return net_wait_fd(s->fd, for_write, deadline);
}

/* ------------------------------------------------------------ text helpers */

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "AB:CD:..." or "abcd...", any case, colons optional. Returns 0 when it
 * decodes to a SHA-1 (20) or SHA-256 (32) digest. */
static int parse_pin(const char *text, unsigned char *pin, size_t *len)
{
	size_t n = 0;

	for (const char *p = text; *p; ) {
		int hi, lo;

		if (*p == ':') {
			p++;
			continue;
		}
		hi = hex_value(p[0]);
		lo = hi < 0 ? -1 : hex_value(p[1]);
		if (lo < 0 || n == MAX_PIN)
			return -1;
		pin[n++] = (unsigned char)(hi << 4 | lo);
		p += 2;
	}
	*len = n;
	return n == 20 || n == 32 ? 0 : -1;
}

static bool is_ip_literal(const char *host)
{
	unsigned char addr[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/* ------------------------------------------------------------ verification */

/* A pin replaces the CA and name checks: the user said which key to trust. */
static int check_pin(struct tls_session *s, const gnutls_datum_t *leaf, struct outcome *out)
{
	gnutls_digest_algorithm_t alg = s->pin_len == 20 ? GNUTLS_DIG_SHA1 : GNUTLS_DIG_SHA256;
	unsigned char digest[MAX_PIN];
	size_t len = sizeof(digest);
	char seen[3 * MAX_PIN];

	if (gnutls_fingerprint(alg, leaf, digest, &len) < 0 || len != s->pin_len)
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "cannot compute the fingerprint of the certificate of %s", s->host);
	if (memcmp(digest, s->pin, len) == 0)
		return 0;
	tls_format_fingerprint(digest, len, seen, sizeof(seen));
	return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
	                    "certificate fingerprint mismatch: the server's is %s %s",
	                    alg == GNUTLS_DIG_SHA1 ? "SHA1" : "SHA256", seen);
}

static int check_server(struct tls_session *s, struct outcome *out)
{
	unsigned n = 0, status = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(s->session, &n);
	int r;

	if (gnutls_certificate_type_get(s->session) != GNUTLS_CRT_X509 || !certs || n == 0)
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "%s sent no X.509 certificate", net_peer(s->conn));
	if (s->pin_len)
		return check_pin(s, &certs[0], out);
	r = gnutls_certificate_verify_peers3(s->session, s->host, &status);
	if (r < 0)
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "cannot verify the certificate of %s: %s", s->host, gnutls_strerror(r));
	return status ? tls_explain_status(s->host, status, certs, n, out) : 0;
}

/* Called by GnuTLS as soon as the server's certificate is in, so a bad
 * server is refused with an alert before we send anything (not even a
 * client certificate). */
static int verify_callback(gnutls_session_t session)
{
	struct tls_session *s = gnutls_session_get_ptr(session);

	if (check_server(s, s->verify_out) < 0) {
		s->verify_failed = true;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ setup */

/* GnuTLS says only "error reading file"; open() says why. */
static int check_readable(const char *what, const char *path, struct outcome *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return outcome_fail(out, OUTCOME_CONFIG, STEP, "cannot read %s %s: %s",
		                    what, path, strerror(errno));
	close(fd);
	return 0;
}

static int load_trust(struct tls_session *s, const struct tls_params *p, struct outcome *out)
{
	int r;

	if (!p->trust_file || strcmp(p->trust_file, "system") == 0) {
		r = gnutls_certificate_set_x509_system_trust(s->cred);
		if (r < 0)
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "cannot load the system's trusted CAs: %s (set tls_trust_file)",
			                    gnutls_strerror(r));
	} else {
		if (check_readable("tls_trust_file", p->trust_file, out) < 0)
			return -1;
		r = gnutls_certificate_set_x509_trust_file(s->cred, p->trust_file, GNUTLS_X509_FMT_PEM);
		if (r <= 0)
			return outcome_fail(out, OUTCOME_CONFIG, STEP, "tls_trust_file %s: %s",
			                    p->trust_file, r < 0 ? gnutls_strerror(r)
			                    : "no PEM certificates in it");
	}
	/* After the trust: GnuTLS checks each CRL against the trusted CAs. */
	if (p->crl_file) {
		if (check_readable("tls_crl_file", p->crl_file, out) < 0)
			return -1;
		r = gnutls_certificate_set_x509_crl_file(s->cred, p->crl_file, GNUTLS_X509_FMT_PEM);
		if (r < 0)
			return outcome_fail(out, OUTCOME_CONFIG, STEP, "tls_crl_file %s: %s",
			                    p->crl_file, gnutls_strerror(r));
	}
	return 0;
}

static int setup_credentials(struct tls_session *s, const struct tls_params *p,
                             struct outcome *out)
{
	int r = gnutls_certificate_allocate_credentials(&s->cred);

	if (r < 0)
		return outcome_fail(out, OUTCOME_OS, STEP, "cannot set up TLS: %s", gnutls_strerror(r));
	/* A pin is checked even with certcheck off: the user named the one
	 * certificate to accept, and ignoring that would only be less safe. */
	if (p->fingerprint) {
		if (parse_pin(p->fingerprint, s->pin, &s->pin_len) < 0)
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "tls_fingerprint %s is not a SHA-256 or SHA-1 fingerprint "
			                    "(AB:CD:... with 32 or 20 bytes)", p->fingerprint);
	} else if (p->certcheck && load_trust(s, p, out) < 0) {
		return -1;
	}
	if (s->pin_len || p->certcheck)
		gnutls_certificate_set_verify_function(s->cred, verify_callback);
	if (!p->cert_file != !p->key_file)
		return outcome_fail(out, OUTCOME_CONFIG, STEP,
		                    "tls_cert_file and tls_key_file must be set together");
	if (p->cert_file) {
		if (check_readable("tls_cert_file", p->cert_file, out) < 0 ||
		    check_readable("tls_key_file", p->key_file, out) < 0)
			return -1;
		r = gnutls_certificate_set_x509_key_file(s->cred, p->cert_file, p->key_file,
		                                         GNUTLS_X509_FMT_PEM);
		if (r < 0)
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "cannot use tls_cert_file %s with tls_key_file %s: %s",
			                    p->cert_file, p->key_file, gnutls_strerror(r));
	}
	return 0;
}

static int setup_session(struct tls_session *s, const struct tls_params *p, struct outcome *out)
{
	const char *err_pos = NULL;
	int r = gnutls_init(&s->session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL);

	if (r < 0) {
		s->session = NULL;
		return outcome_fail(out, OUTCOME_OS, STEP, "cannot set up TLS: %s", gnutls_strerror(r));
	}
	gnutls_session_set_ptr(s->session, s);
	if (p->priorities) {
		r = gnutls_priority_set_direct(s->session, p->priorities, &err_pos);
		if (r < 0)
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "tls_priorities \"%s\" is not valid at position %td (\"%s\"): %s",
			                    p->priorities, err_pos ? err_pos - p->priorities : (ptrdiff_t)0,
			                    err_pos ? err_pos : "", gnutls_strerror(r));
	} else {
		r = gnutls_set_default_priority_append(s->session, TLS12_MINIMUM, &err_pos, 0);
		if (r < 0)
			r = gnutls_priority_set_direct(s->session, "NORMAL:" TLS12_MINIMUM, &err_pos);
		if (r < 0)
			return outcome_fail(out, OUTCOME_INTERNAL, STEP,
			                    "cannot set the TLS priorities: %s", gnutls_strerror(r));
	}
	r = gnutls_credentials_set(s->session, GNUTLS_CRD_CERTIFICATE, s->cred);
	if (r < 0)
		return outcome_fail(out, OUTCOME_INTERNAL, STEP, "cannot set up TLS: %s", gnutls_strerror(r));
	/* RFC 6066: no SNI for an address. */
	if (!is_ip_literal(p->host)) {
		r = gnutls_server_name_set(s->session, GNUTLS_NAME_DNS, p->host, strlen(p->host));
		if (r < 0)
			return outcome_fail(out, OUTCOME_CONFIG, STEP, "cannot use %s as TLS server name: %s",
			                    p->host, gnutls_strerror(r));
	}
	if (p->min_dh_prime_bits > 0)
		gnutls_dh_set_prime_bits(s->session, (unsigned)p->min_dh_prime_bits);
	/* Our poll() loop enforces the caller's timeout; GnuTLS's own handshake
	 * timer (40 s by default) must not cut it shorter. */
	gnutls_handshake_set_timeout(s->session, GNUTLS_INDEFINITE_TIMEOUT);
	gnutls_transport_set_int(s->session, s->fd);
	/* A stale or foreign ticket is no error: the server just runs a full
	 * handshake, with every check as usual. */
	if (p->resume && p->resume->data && p->resume->size)
		gnutls_session_set_data(s->session, p->resume->data, p->resume->size);
	return 0;
}

/* ------------------------------------------------------------ handshake */

static int handshake_failed(struct tls_session *s, int r, int saved_errno, struct outcome *out)
{
	const char *peer = net_peer(s->conn);
	const char *alert;
	gnutls_alert_description_t code;

	if (s->verify_failed)
		return -1;      /* verify_callback filled the outcome */
	switch (r) {
	case GNUTLS_E_PREMATURE_TERMINATION:
		return outcome_fail(out, OUTCOME_TEMPORARY, STEP,
		                    "connection closed by %s during the TLS handshake", peer);
	case GNUTLS_E_PULL_ERROR:
	case GNUTLS_E_PUSH_ERROR:
		return outcome_fail(out, OUTCOME_TEMPORARY, STEP,
		                    "connection to %s lost during the TLS handshake: %s", peer,
		                    saved_errno ? strerror(saved_errno) : gnutls_strerror(r));
	case GNUTLS_E_TIMEDOUT:
		return outcome_fail(out, OUTCOME_TEMPORARY, STEP,
		                    "no TLS handshake with %s within %d seconds", peer, s->timeout);
	case GNUTLS_E_FATAL_ALERT_RECEIVED:
		code = gnutls_alert_get(s->session);
		alert = gnutls_alert_get_name(code);
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "%s refused the TLS handshake: %s%s", peer, alert ? alert : "unknown alert",
		                    code == GNUTLS_A_HANDSHAKE_FAILURE || code == GNUTLS_A_PROTOCOL_VERSION ||
		                    code == GNUTLS_A_INSUFFICIENT_SECURITY
		                    ? " (no TLS version or cipher in common; see tls_priorities)" : "");
	case GNUTLS_E_UNEXPECTED_PACKET:
	case GNUTLS_E_UNEXPECTED_PACKET_LENGTH:
	case GNUTLS_E_UNSUPPORTED_VERSION_PACKET:
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "TLS handshake with %s failed: %s (the server may not speak TLS "
		                    "on this port)", peer, gnutls_strerror(r));
	default:
		return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP,
		                    "TLS handshake with %s failed: %s", peer, gnutls_strerror(r));
	}
}

static int handshake(struct tls_session *s, const struct tls_params *p, struct outcome *out)
{
	long long deadline = net_now_ms() + (long long)s->timeout * 1000;

	s->host = p->host;
	s->verify_out = out;
	for (;;) {
		int r, w;

		errno = 0;
		r = gnutls_handshake(s->session);
		if (r == 0)
			return 0;
		if (r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r != GNUTLS_E_AGAIN && gnutls_error_is_fatal(r)) {
			int e = errno == EAGAIN ? 0 : errno;
			return handshake_failed(s, r, e, out);
		}
		/* Warning alerts and the like: the handshake goes on, within the
		 * deadline (each one consumed a record: no busy loop). */
		if (r != GNUTLS_E_AGAIN && net_now_ms() < deadline)
			continue;
		w = r == GNUTLS_E_AGAIN ? wait_session(s, deadline) : 0;
		if (w == 0)
			return handshake_failed(s, GNUTLS_E_TIMEDOUT, 0, out);
		if (w < 0)
			return handshake_failed(s, GNUTLS_E_PULL_ERROR, errno, out);
	}
}

/* ------------------------------------------------------------ transport */

/* The non-blocking contract of struct net_transport (net.h). */
static ssize_t transport_result(struct tls_session *s, ssize_t r, bool *wants_write)
{
	*wants_write = false;
	if (r >= 0)
		return r;
	if (r == GNUTLS_E_AGAIN) {
		*wants_write = gnutls_record_get_direction(s->session) == 1;
		errno = EAGAIN;
	} else if (r == GNUTLS_E_PREMATURE_TERMINATION || r == GNUTLS_E_PULL_ERROR ||
	           r == GNUTLS_E_PUSH_ERROR) {
		errno = ECONNRESET;
	} else {
		errno = EPROTO;
	}
	return -1;
}

/* Retry on a signal, and past non-fatal events (a warning alert, a
 * renegotiation request we ignore), but not forever: a server could send
 * nothing else. */
#define MAX_NONFATAL 32

static bool retry(ssize_t r, int *events)
{
	if (r == GNUTLS_E_INTERRUPTED)
		return true;
	return r < 0 && r != GNUTLS_E_AGAIN && !gnutls_error_is_fatal((int)r) &&
	       ++*events < MAX_NONFATAL;
}

static ssize_t tls_recv(void *ctx, void *buf, size_t len, bool *wants_write)
{
	struct tls_session *s = ctx;
	int events = 0;
	ssize_t r;

	do
		r = gnutls_record_recv(s->session, buf, len);
	while (retry(r, &events));
	return transport_result(s, r, wants_write);
}

/* After GNUTLS_E_AGAIN, net_flush() calls again with the same buffer and
 * length, which is what GnuTLS requires to finish the pending record. */
static ssize_t tls_send(void *ctx, const void *buf, size_t len, bool *wants_write)
{
	struct tls_session *s = ctx;
	int events = 0;
	ssize_t r;

	do
		r = gnutls_record_send(s->session, buf, len);
	while (retry(r, &events));
	return transport_result(s, r, wants_write);
}

static size_t tls_pending(void *ctx)
{
	struct tls_session *s = ctx;

	return gnutls_record_check_pending(s->session);
}

/* Installed by tls_close(), so a stray use of the connection fails cleanly
 * instead of touching a freed session. */
static ssize_t closed_recv(void *ctx, void *buf, size_t len, bool *wants_write)
{
	(void)ctx, (void)buf, (void)len;
	*wants_write = false;
	errno = ENOTCONN;
	return -1;
}

static ssize_t closed_send(void *ctx, const void *buf, size_t len, bool *wants_write)
{
	(void)ctx, (void)buf, (void)len;
	*wants_write = true;
	errno = ENOTCONN;
	return -1;
}

static size_t closed_pending(void *ctx)
{
	(void)ctx;
	return 0;
}

/* ------------------------------------------------------------ public */

static void free_session(struct tls_session *s)
{
	if (s->session)
		gnutls_deinit(s->session);
	if (s->cred)
		gnutls_certificate_free_credentials(s->cred);
	free(s);
}

/* Set up and run the handshake. Without `verify` the certificate is not
 * refused during the handshake; trust and pin stay loaded for
 * tls_peer_info() (--serverinfo shows why it would have been). */
static struct tls_session *start_session(struct net_conn *conn, const struct tls_params *p,
                                         bool verify, struct outcome *out)
{
	struct tls_session *s;

	if (!p->host || !*p->host) {
		outcome_fail(out, OUTCOME_INTERNAL, STEP, "no server name for TLS");
		return NULL;
	}
	/* Bytes received before the handshake would be read as if they came
	 * through TLS: a STARTTLS injection. */
	if (net_pending_input(conn) > 0) {
		outcome_fail(out, OUTCOME_PROTOCOL, STEP,
		             "%s sent data before the TLS handshake", net_peer(conn));
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
		return NULL;
	}
	s->conn = conn;
	s->fd = net_fd(conn);
	s->timeout = p->timeout > 0 ? p->timeout : DEFAULT_TIMEOUT;
	if (setup_credentials(s, p, out) < 0 || setup_session(s, p, out) < 0) {
		free_session(s);
		return NULL;
	}
	if (!verify)
		gnutls_certificate_set_verify_function(s->cred, NULL);
	if (handshake(s, p, out) < 0) {
		free_session(s);
		return NULL;
	}
	s->host = NULL;
	s->verify_out = NULL;
	net_set_transport(conn, &(struct net_transport){ tls_recv, tls_send, tls_pending, s });
	return s;
}

struct tls_session *tls_start(struct net_conn *conn, const struct tls_params *p,
                              struct outcome *out)
{
	return start_session(conn, p, true, out);
}

int tls_channel_binding(struct tls_session *s, const char **type, char **data_b64)
{
	gnutls_protocol_t version = gnutls_protocol_get_version(s->session);
	gnutls_channel_binding_t cb_type;
	gnutls_datum_t cb = { NULL, 0 }, b64 = { NULL, 0 };
	const char *name;

	*type = NULL;
	*data_b64 = NULL;
	if (version == GNUTLS_TLS1_3) {
		cb_type = GNUTLS_CB_TLS_EXPORTER;
		name = "tls-exporter";
	} else if (version == GNUTLS_TLS1_2 && gnutls_session_ext_master_secret_status(s->session)) {
		/* Without the extended master secret, tls-unique can be made the
		 * same on two connections (triple handshake), so offer none. */
		cb_type = GNUTLS_CB_TLS_UNIQUE;
		name = "tls-unique";
	} else {
		return -1;
	}
	if (gnutls_session_channel_binding(s->session, cb_type, &cb) < 0)
		return -1;
	if (gnutls_base64_encode2(&cb, &b64) < 0) {
		gnutls_free(cb.data);
		return -1;
	}
	gnutls_free(cb.data);
	/* The caller frees with free(); GnuTLS's allocator need not be malloc. */
	*data_b64 = strndup((const char *)b64.data, b64.size);
	gnutls_free(b64.data);
	if (!*data_b64)
		return -1;
	*type = name;
	return 0;
}

void tls_describe(struct tls_session *s, char *buf, size_t size)
{
	/* GnuTLS says "(TLS1.3)-(ECDHE-X25519)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)". */
	char *desc = gnutls_session_get_desc(s->session);
	size_t o = 0;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (!desc)
		return;
	for (const char *p = desc; *p && o + 1 < size; p++) {
		if (*p == '(' || *p == ')')
			continue;
		if (strncmp(p, "-(", 2) == 0 && p > desc && p[-1] == ')') {
			if (o + 2 >= size)
				break;
			buf[o++] = ',';
			buf[o++] = ' ';
			continue;
		}
		buf[o++] = *p;
	}
	buf[o] = '\0';
	gnutls_free(desc);
}

void tls_close(struct tls_session *s)
{
	long long deadline;

	if (!s)
		return;
	deadline = net_now_ms() + (long long)s->timeout * 1000;
	for (;;) {
		int r = gnutls_bye(s->session, GNUTLS_SHUT_WR);

		if (r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r != GNUTLS_E_AGAIN || wait_session(s, deadline) <= 0)
			break;
	}
	net_set_transport(s->conn, &(struct net_transport){ closed_recv, closed_send,
	                                                    closed_pending, NULL });
	free_session(s);
}

/* ------------------------------------------------------------ inspection (--serverinfo) */

struct tls_session *tls_start_unverified(struct net_conn *conn, const struct tls_params *p,
                                         struct outcome *out)
{
	return start_session(conn, p, false, out);
}

/* The same checks a send makes (pin, or CA and name), run afresh. */
static void peer_verification(struct tls_session *s, const char *host, bool certcheck,
                              struct tls_peer_info *info)
{
	struct outcome verdict;

	outcome_clear(&verdict);
	if (!s->pin_len && !certcheck) {
		snprintf(info->verify_detail, sizeof(info->verify_detail),
		         "not checked: tls_certcheck is off");
		return;
	}
	s->host = host;
	info->verified = check_server(s, &verdict) == 0;
	s->host = NULL;
	if (info->verified && s->pin_len)
		snprintf(info->verify_detail, sizeof(info->verify_detail),
		         "it matches tls_fingerprint (which replaces the CA and name checks)");
	else if (info->verified)
		snprintf(info->verify_detail, sizeof(info->verify_detail),
		         "issued by a trusted CA, for %s", host);
	else
		snprintf(info->verify_detail, sizeof(info->verify_detail), "%s", verdict.text);
}

int tls_peer_info(struct tls_session *s, const char *host, bool certcheck,
                  struct tls_peer_info *info)
{
	const char *version = gnutls_protocol_get_name(gnutls_protocol_get_version(s->session));

	memset(info, 0, sizeof(*info));
	snprintf(info->version, sizeof(info->version), "%s", version ? version : "unknown");
	tls_describe(s, info->cipher_suite, sizeof(info->cipher_suite));
	tls_peer_certificate_facts(s->session, info);
	if (info->chain_length == 0) {
		snprintf(info->verify_detail, sizeof(info->verify_detail), "%s sent no X.509 certificate",
		         host);
		return -1;
	}
	peer_verification(s, host, certcheck, info);
	return 0;
}

/* ------------------------------------------------------------ resumption */

int tls_session_ticket(struct tls_session *s, struct tls_ticket *ticket)
{
	gnutls_datum_t data = { NULL, 0 };

	ticket->data = NULL;
	ticket->size = 0;
	/* TLS 1.3 tickets come after the handshake; without one the data
	 * returned could not resume anything. */
	if (gnutls_protocol_get_version(s->session) == GNUTLS_TLS1_3 &&
	    !(gnutls_session_get_flags(s->session) & GNUTLS_SFLAGS_SESSION_TICKET))
		return -1;
	if (gnutls_session_get_data2(s->session, &data) < 0 || !data.data || data.size == 0)
		return -1;
	/* Copied so that the caller frees with free(), like everything else. */
	ticket->data = malloc(data.size);
	if (ticket->data) {
		memcpy(ticket->data, data.data, data.size);
		ticket->size = data.size;
	}
	gnutls_memset(data.data, 0, data.size);
	gnutls_free(data.data);
	return ticket->data ? 0 : -1;
}

void tls_ticket_free(struct tls_ticket *ticket)
{
	if (!ticket || !ticket->data)
		return;
	gnutls_memset(ticket->data, 0, ticket->size);
	free(ticket->data);
	ticket->data = NULL;
	ticket->size = 0;
}

bool tls_session_resumed(struct tls_session *s)
{
	return s && gnutls_session_is_resumed(s->session) != 0;
}
