/* tls.h - GnuTLS for the connection: handshake, verification, pinning,
 * channel binding. After tls_start() the connection's buffered I/O runs
 * through TLS (net_set_transport), so smtp.c does not change. */
#ifndef POSTIE_TLS_H
#define POSTIE_TLS_H

#include <stdbool.h>
#include <stddef.h>

#include "net.h"
#include "outcome.h"

struct tls_params {
	const char *host;             /* name to verify and send as SNI, ASCII (IDN already converted) */
	const char *trust_file;       /* NULL or "system": the system trust store; else a PEM file */
	const char *crl_file;         /* PEM CRL file, or NULL */
	const char *fingerprint;      /* pin "AB:CD:..." (SHA-256, or SHA-1 for msmtp configs): replaces CA and name checks */
	const char *cert_file;        /* client certificate (PEM), with key_file */
	const char *key_file;
	bool certcheck;               /* false: no CA/name checks (the caller warns);
	                                 * a fingerprint, if set, is still checked */
	const char *priorities;       /* GnuTLS priority string; NULL: system default with TLS 1.2 as the minimum */
	int min_dh_prime_bits;        /* 0: GnuTLS default */
	int timeout;                  /* seconds for the handshake */
	/* A ticket from an earlier session with the same server
	 * (tls_session_ticket), offered for resumption; NULL: a full handshake.
	 * A ticket the server does not take just costs the full handshake. */
	const struct tls_ticket *resume;
};

/* What resumes a TLS session on a later connection: GnuTLS's session data,
 * malloc'd. It holds key material: keep it in memory only. */
struct tls_ticket {
	unsigned char *data;
	size_t size;
};

struct tls_session;

/* Run the TLS handshake on the connection (which must have no unread input)
 * and verify the server. On success the connection's transport is TLS.
 * Failures, step "tls": verification failed (expired, not yet valid, unknown
 * CA, name mismatch naming the certificate's names, fingerprint mismatch
 * naming the fingerprint seen, revoked), no common protocol/cipher ->
 * OUTCOME_NOT_PERMITTED; any trust/CRL/cert/key file that cannot be read
 * or used (missing, malformed, key does not match the certificate) ->
 * OUTCOME_CONFIG naming the file; data already buffered before the
 * handshake -> OUTCOME_PROTOCOL; connection closed, reset or timed out
 * during the handshake -> OUTCOME_TEMPORARY. */
struct tls_session *tls_start(struct net_conn *conn, const struct tls_params *p,
                              struct outcome *out);

/* Channel binding for SCRAM-*-PLUS: tls-exporter (TLS 1.3) or tls-unique
 * (TLS 1.2). Sets *type ("tls-exporter" / "tls-unique") and a malloc'd
 * base64 string of the binding data. Returns 0, or -1 when none is available. */
int tls_channel_binding(struct tls_session *s, const char **type, char **data_b64);

/* "TLS1.3, ECDHE-X25519, AES-256-GCM" for -v. */
void tls_describe(struct tls_session *s, char *buf, size_t size);

/* tls_start() for --serverinfo: the handshake completes whatever the
 * server's certificate, which tls_peer_info() then judges (trust file and
 * pin are loaded as `p` says). Never use such a session for AUTH or mail. */
struct tls_session *tls_start_unverified(struct net_conn *conn, const struct tls_params *p,
                                         struct outcome *out);

/* What --serverinfo shows about the TLS session and the server's
 * certificate. Remote text (DNs, names) is escaped. */
struct tls_peer_info {
	char version[32];            /* "TLS1.3" */
	char cipher_suite[256];      /* as tls_describe() */
	unsigned chain_length;       /* certificates the server sent; 0: none */
	char subject[512];           /* the server certificate's subject DN */
	char issuer[512];
	char names[512];             /* DNS and IP subject alternative names, or the CN */
	char not_before[64];         /* "2024-05-01 10:00 UTC" */
	char not_after[64];
	char sha256[3 * 32];         /* "AB:CD:...", the tls_fingerprint syntax */
	bool verified;               /* for `host`, as a send would check it */
	char verify_detail[OUTCOME_TEXT_MAX];  /* how it verified, or why not */
};

/* Fill `info`; `host` is the name the certificate must carry, `certcheck`
 * the account's tls_certcheck (off and no pin: "not checked"). Returns -1
 * when the server sent no X.509 certificate. */
int tls_peer_info(struct tls_session *s, const char *host, bool certcheck,
                  struct tls_peer_info *info);

/* The ticket to resume this session on a new connection (with TLS 1.3,
 * only once the server has sent one after the handshake). Returns 0 with
 * *ticket filled (free with tls_ticket_free), -1 when there is none. */
int tls_session_ticket(struct tls_session *s, struct tls_ticket *ticket);
void tls_ticket_free(struct tls_ticket *ticket);

/* Did the handshake resume an earlier session (for -v and tests)? */
bool tls_session_resumed(struct tls_session *s);

/* Say close_notify (bounded by the timeout, errors ignored) and free.
 * Afterwards any I/O on the connection fails with ENOTCONN; net_close() it. */
void tls_close(struct tls_session *s);

#endif
