/* tls_describe.c - say what a certificate is and why it was not trusted:
 * the words for a GnuTLS verification status (naming dates, names, issuers
 * and algorithms a user can act on) and the certificate facts --serverinfo
 * shows. Text taken from a certificate is remote input and is escaped. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "log.h"
#include "tls_describe.h"

#define STEP "tls"

/* ------------------------------------------------------------ time */

static void format_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	if (t == (time_t)-1 || !gmtime_r(&t, &tm) ||
	    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, size, "unknown date");
}

/* ------------------------------------------------------------ text helpers */

static void appendf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void appendf(char *buf, size_t size, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	if (used + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, size - used, fmt, ap);
	va_end(ap);
}

/* Append text taken from the certificate (remote input), escaped. */
static void append_remote(char *buf, size_t size, const void *text, size_t len)
{
	size_t used = strlen(buf);

	if (used + 1 < size)
		log_escape(buf + used, size - used, text, len);
}

void tls_format_fingerprint(const unsigned char *d, size_t n, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		appendf(buf, size, "%s%02X", i ? ":" : "", d[i]);
}

/* ------------------------------------------------------------ certificate facts */

static gnutls_x509_crt_t import_cert(const gnutls_datum_t *der)
{
	gnutls_x509_crt_t crt;

	if (gnutls_x509_crt_init(&crt) < 0)
		return NULL;
	if (gnutls_x509_crt_import(crt, der, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return NULL;
	}
	return crt;
}

static void append_dn(char *buf, size_t size, gnutls_x509_crt_t crt, bool issuer)
{
	gnutls_datum_t dn = { NULL, 0 };
	int r = issuer ? gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0)
	               : gnutls_x509_crt_get_dn3(crt, &dn, 0);

	if (r < 0 || !dn.data) {
		appendf(buf, size, "(unknown)");
		return;
	}
	append_remote(buf, size, dn.data, dn.size);
	gnutls_free(dn.data);
}

/* The names a certificate is for: its DNS and IP subject alternative names,
 * or its common name when it has none (as the name check does). */
static void append_names(char *buf, size_t size, gnutls_x509_crt_t crt)
{
	unsigned char name[256];
	size_t before = strlen(buf);

	for (unsigned seq = 0; seq < 100; seq++) {
		size_t len = sizeof(name) - 1;
		char ip[INET6_ADDRSTRLEN];
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, name, &len, NULL);

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			appendf(buf, size, "%s", strlen(buf) > before ? ", " : "");
			append_remote(buf, size, name, len);
		} else if (type == GNUTLS_SAN_IPADDRESS && (len == 4 || len == 16) &&
		           inet_ntop(len == 4 ? AF_INET : AF_INET6, name, ip, sizeof(ip))) {
			appendf(buf, size, "%s%s", strlen(buf) > before ? ", " : "", ip);
		}
	}
	if (strlen(buf) > before)
		return;
	size_t len = sizeof(name) - 1;
	if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
	                                  name, &len) == 0)
		append_remote(buf, size, name, len);
	else
		appendf(buf, size, "no name at all");
}

/* The expired (or not yet valid) certificate among those the server sent:
 * the server's own is the usual case, a CA certificate the rarer one. */
static void append_validity(char *buf, size_t size, const gnutls_datum_t *certs,
                            unsigned n, bool expired)
{
	time_t now = time(NULL);
	char when[64];

	for (unsigned i = 0; i < n; i++) {
		gnutls_x509_crt_t crt = import_cert(&certs[i]);
		time_t t;

		if (!crt)
			continue;
		t = expired ? gnutls_x509_crt_get_expiration_time(crt)
		            : gnutls_x509_crt_get_activation_time(crt);
		if (t != (time_t)-1 && (expired ? t < now : t > now)) {
			format_time(t, when, sizeof(when));
			if (i == 0) {
				appendf(buf, size, "%s (%s %s)", expired ? "has expired" : "is not valid yet",
				        expired ? "not after" : "not before", when);
			} else {
				appendf(buf, size, "has %s CA certificate in its chain (",
				        expired ? "an expired" : "a not yet valid");
				append_dn(buf, size, crt, false);
				appendf(buf, size, ", %s %s)", expired ? "not after" : "not before", when);
			}
			gnutls_x509_crt_deinit(crt);
			return;
		}
		gnutls_x509_crt_deinit(crt);
	}
	appendf(buf, size, "has %s CA certificate in its chain",
	        expired ? "an expired" : "a not yet valid");
}

/* ------------------------------------------------------------ why it was not trusted */

/* The first certificate the server sent that is signed with an algorithm
 * GnuTLS no longer trusts. */
static void append_insecure(char *buf, size_t size, const gnutls_datum_t *certs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		gnutls_x509_crt_t crt = import_cert(&certs[i]);
		int alg = crt ? gnutls_x509_crt_get_signature_algorithm(crt) : -1;

		if (crt)
			gnutls_x509_crt_deinit(crt);
		if (alg >= 0 && !gnutls_sign_is_secure2((gnutls_sign_algorithm_t)alg,
		                                         GNUTLS_SIGN_FLAG_SECURE_FOR_CERTS)) {
			const char *name = gnutls_sign_get_name((gnutls_sign_algorithm_t)alg);
			appendf(buf, size, "%s signed with an insecure algorithm (%s)",
			        i == 0 ? "is" : "has a CA certificate", name ? name : "unknown");
			return;
		}
	}
	appendf(buf, size, "relies on an insecure signature algorithm");
}

/* Start the next clause of the explanation:
 * "the certificate HOST presented has expired (...), and it is for X, not HOST". */
static void next_clause(char *buf, size_t size, int *clauses, const char *host)
{
	if ((*clauses)++ == 0)
		appendf(buf, size, "the certificate %s presented ", host);
	else
		appendf(buf, size, ", and it ");
}

/* One clause per problem GnuTLS found, most actionable first. */
int tls_explain_status(const char *host, unsigned status, const gnutls_datum_t *certs,
                       unsigned n, struct outcome *out)
{
	char why[OUTCOME_TEXT_MAX] = "";
	gnutls_x509_crt_t leaf = import_cert(&certs[0]);
	gnutls_x509_crt_t top = n > 1 ? import_cert(&certs[n - 1]) : leaf;
	int clauses = 0;

	if (status & GNUTLS_CERT_REVOKED) {
		next_clause(why, sizeof(why), &clauses, host);
		appendf(why, sizeof(why), "has been revoked");
	}
	if (status & GNUTLS_CERT_EXPIRED) {
		next_clause(why, sizeof(why), &clauses, host);
		append_validity(why, sizeof(why), certs, n, true);
	}
	if (status & GNUTLS_CERT_NOT_ACTIVATED) {
		next_clause(why, sizeof(why), &clauses, host);
		append_validity(why, sizeof(why), certs, n, false);
	}
	if ((status & (GNUTLS_CERT_SIGNER_NOT_FOUND | GNUTLS_CERT_SIGNER_NOT_CA)) && top) {
		next_clause(why, sizeof(why), &clauses, host);
		appendf(why, sizeof(why), "%s (%s: ", status & GNUTLS_CERT_SIGNER_NOT_FOUND
		        ? "is not issued by a trusted CA" : "is issued by a certificate that is not a CA",
		        n == 1 && gnutls_x509_crt_check_issuer(top, top) == 1 ? "self-signed" : "issuer");
		append_dn(why, sizeof(why), top, true);
		appendf(why, sizeof(why), ")");
	}
	if ((status & GNUTLS_CERT_UNEXPECTED_OWNER) && leaf) {
		next_clause(why, sizeof(why), &clauses, host);
		appendf(why, sizeof(why), "is for ");
		append_names(why, sizeof(why), leaf);
		appendf(why, sizeof(why), ", not %s", host);
	}
	if (status & GNUTLS_CERT_INSECURE_ALGORITHM) {
		next_clause(why, sizeof(why), &clauses, host);
		append_insecure(why, sizeof(why), certs, n);
	}
	if (status & GNUTLS_CERT_SIGNATURE_FAILURE) {
		next_clause(why, sizeof(why), &clauses, host);
		appendf(why, sizeof(why), "has a signature that does not verify");
	}
	if (status & GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE) {
		next_clause(why, sizeof(why), &clauses, host);
		appendf(why, sizeof(why), "is issued by a CA that may not issue it (constraints)");
	}
	if (status & GNUTLS_CERT_PURPOSE_MISMATCH) {
		next_clause(why, sizeof(why), &clauses, host);
		appendf(why, sizeof(why), "is not meant for TLS servers (extended key usage)");
	}
	if (clauses == 0) {
		gnutls_datum_t text = { NULL, 0 };

		snprintf(why, sizeof(why), "the certificate %s presented is not acceptable", host);
		if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
		                                                 &text, 0) == 0 && text.data) {
			appendf(why, sizeof(why), ": %s", (char *)text.data);
			gnutls_free(text.data);
		}
	}
	if (top && top != leaf)
		gnutls_x509_crt_deinit(top);
	if (leaf)
		gnutls_x509_crt_deinit(leaf);
	return outcome_fail(out, OUTCOME_NOT_PERMITTED, STEP, "%s", why);
}

/* ------------------------------------------------------------ what it is (--serverinfo) */

void tls_peer_certificate_facts(gnutls_session_t session, struct tls_peer_info *info)
{
	unsigned n = 0;
	const gnutls_datum_t *certs = gnutls_certificate_get_peers(session, &n);
	gnutls_x509_crt_t leaf;
	unsigned char digest[32];
	size_t len = sizeof(digest);

	if (gnutls_certificate_type_get(session) != GNUTLS_CRT_X509 || !certs || n == 0)
		return;
	info->chain_length = n;
	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, &certs[0], digest, &len) == 0)
		tls_format_fingerprint(digest, len, info->sha256, sizeof(info->sha256));
	leaf = import_cert(&certs[0]);
	if (!leaf)
		return;
	append_dn(info->subject, sizeof(info->subject), leaf, false);
	append_dn(info->issuer, sizeof(info->issuer), leaf, true);
	append_names(info->names, sizeof(info->names), leaf);
	format_time(gnutls_x509_crt_get_activation_time(leaf), info->not_before,
	            sizeof(info->not_before));
	format_time(gnutls_x509_crt_get_expiration_time(leaf), info->not_after,
	            sizeof(info->not_after));
	gnutls_x509_crt_deinit(leaf);
}
