/* faulttls.h - the fault server's TLS and SASL server sides.
 *
 * GnuTLS for the server end of a connection (every wait bounded by a
 * deadline), and the server side of a SASL mechanism with libgsasl, fed
 * channel binding from that same TLS session. faultserver.c decides what
 * goes into the transcript; nothing here writes to it. */
#ifndef POSTIE_FAULTTLS_H
#define POSTIE_FAULTTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A certificate, its key and a priority string, loaded once per script. */
struct fault_tls_server;

/* NULL on failure, with the reason in err. priority NULL: GnuTLS default. */
/* Milliseconds on the monotonic clock, for deadlines. */
long long fault_now_ms(void);

/* Wait until fd is ready for `events` or the deadline (fault_now_ms time)
 * passes: 1 ready, 0 not, -1 poll failed (errno set). */
int fault_ready_by(int fd, short events, long long deadline);

struct fault_tls_server *fault_tls_load(const char *cert_file, const char *key_file,
                                        const char *priority, char *err, size_t errsize);
void fault_tls_unload(struct fault_tls_server *srv);

/* One TLS session on a connected socket, which it makes non-blocking. */
struct fault_tls_conn;

/* Run the server handshake on fd, bounded by deadline (CLOCK_MONOTONIC ms).
 * NULL on failure, with the reason (and the alert the client sent, if any). */
struct fault_tls_conn *fault_tls_accept(const struct fault_tls_server *srv, int fd,
                                        long long deadline, char *err, size_t errsize);

enum { FAULT_TLS_CLOSED = 0, FAULT_TLS_TIMEOUT = -1, FAULT_TLS_ERROR = -2 };

/* Read what is there (waiting until deadline for something): the number of
 * bytes, or FAULT_TLS_CLOSED (close_notify or the peer closed the socket),
 * FAULT_TLS_TIMEOUT or FAULT_TLS_ERROR (reason in err). */
ssize_t fault_tls_recv(struct fault_tls_conn *t, char *buf, size_t cap, long long deadline,
                       char *err, size_t errsize);

/* Send all of buf by deadline. false with the reason in err. */
bool fault_tls_send(struct fault_tls_conn *t, const char *buf, size_t len, long long deadline,
                    char *err, size_t errsize);

/* "(TLS1.3)-(ECDHE-SECP256R1)-..." for the transcript. */
void fault_tls_describe(struct fault_tls_conn *t, char *buf, size_t size);

/* Say close_notify if the socket takes it at once, then free (the fd stays open). */
void fault_tls_end(struct fault_tls_conn *t);

/* ------------------------------------------------------------ SASL */

enum fault_sasl_flag {
	/* Give the mechanism channel binding data with one bit flipped. */
	FAULT_SASL_CORRUPT_BINDING = 1 << 0,
	/* The server advertised -PLUS mechanisms: a non-PLUS SCRAM exchange gets
	 * the binding too, so a client that says "y" (RFC 5802: it could bind
	 * but thinks the server cannot) is caught as a downgrade. */
	FAULT_SASL_PLUS_OFFERED = 1 << 1,
};

/* Can libgsasl do the server side of MECH? */
bool fault_sasl_supported(const char *mech);

struct fault_sasl;

/* tls may be NULL (no channel binding then). NULL on failure, reason in err. */
struct fault_sasl *fault_sasl_start(const char *mech, const char *user, const char *password,
                                    struct fault_tls_conn *tls, unsigned flags,
                                    char *err, size_t errsize);

enum fault_sasl_result {
	FAULT_SASL_MORE,        /* send *out_b64 as a 334 challenge, read the reply */
	FAULT_SASL_DONE,        /* authenticated; *out_b64 may hold final data (a 334 first) */
	FAULT_SASL_FAILED,      /* wrong credentials or a bad exchange: 535 */
	FAULT_SASL_BAD_BASE64,  /* the client's data does not decode: 501 */
};

/* One step: in_b64 is the client's data ("" for none). *out_b64 is malloc'd
 * (free it with fault_sasl_free_data); on failure the reason is in err. */
enum fault_sasl_result fault_sasl_step(struct fault_sasl *x, const char *in_b64,
                                       char **out_b64, char *err, size_t errsize);
void fault_sasl_free_data(char *data_b64);

/* What channel binding the mechanism asked for and got since the last call
 * ("tls-exporter", "tls-unique (corrupted)", ...), or NULL. */
const char *fault_sasl_binding_note(struct fault_sasl *x);

void fault_sasl_end(struct fault_sasl *x);

/* Free the library state at exit, so a leak checker sees nothing. */
void fault_sasl_done(void);

#endif
