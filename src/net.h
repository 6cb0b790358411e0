/* net.h - one connection to the smarthost: connect with a deadline, then
 * buffered, time-bounded line I/O.
 *
 * Output is buffered and leaves the machine only in net_flush() (called when
 * the client is about to wait for a reply) or when the buffer is full, so a
 * pipelined group of commands is one write and a message body fills whole
 * packets (and, with TLS, whole records). */
#ifndef POSTIE_NET_H
#define POSTIE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "outcome.h"

#define NET_OUT_BUFFER (128 * 1024)
#define NET_IN_BUFFER (16 * 1024)

struct net_conn;

/* A byte transport under the buffers: plain TCP by default; tls.c installs
 * its own after the handshake. Both calls are non-blocking: they return the
 * bytes moved, 0 at end of stream (recv), or -1 with errno EAGAIN (then
 * *wants_write tells which way to wait) or another errno. */
struct net_transport {
	ssize_t (*recv)(void *ctx, void *buf, size_t len, bool *wants_write);
	ssize_t (*send)(void *ctx, const void *buf, size_t len, bool *wants_write);
	/* Bytes the transport holds already decoded (TLS), so no poll is needed. */
	size_t (*pending)(void *ctx);
	void *ctx;
};

/* Resolve `host` (IPv4 and IPv6), connect to `port` with one deadline of
 * `timeout` seconds for the whole phase, from `source_ip` when not NULL.
 * Failures: name unknown -> OUTCOME_NO_HOST; everything else (refused,
 * unreachable, timed out, DNS temporary failure) -> OUTCOME_TEMPORARY;
 * a bad source_ip -> OUTCOME_CONFIG. Step "connect". */
struct net_conn *net_connect(const char *host, int port, const char *source_ip,
                             int timeout, struct outcome *out);

/* Append to the output buffer; writes out only when the buffer fills. */
int net_write(struct net_conn *c, const void *buf, size_t len, const char *step,
              struct outcome *out);

/* Send everything buffered, waiting at most `timeout` seconds for progress. */
int net_flush(struct net_conn *c, const char *step, struct outcome *out);

/* Read one line ending in LF, waiting at most `timeout` seconds. The line is
 * stored without its CR LF and NUL-terminated; *len is its length. A line
 * longer than cap - 1 octets -> OUTCOME_PROTOCOL; end of stream, reset or
 * timeout -> OUTCOME_TEMPORARY. `step` names the step in the outcome. */
int net_read_line(struct net_conn *c, char *line, size_t cap, size_t *len,
                  const char *step, struct outcome *out);

/* Bytes received but not yet read as lines (STARTTLS injection check). */
size_t net_pending_input(const struct net_conn *c);

int net_fd(const struct net_conn *c);

/* Milliseconds on the monotonic clock, for deadlines. */
long long net_now_ms(void);

/* Wait until fd is readable (or writable) or the deadline (net_now_ms()
 * time) passes; a deadline of now (or past) only looks whether it is ready.
 * Returns 1 ready, 0 timed out, -1 error (errno set). */
int net_wait_fd(int fd, bool for_write, long long deadline);

/* About to wait for the server: acknowledge what it sent at once. Linux
 * delays ACKs (up to 40 ms), and a server whose Nagle holds its next
 * segment until that ACK comes (Postfix after its TLS 1.3 session tickets)
 * would stall the turn that long. The kernel clears the flag by itself,
 * so it is set before each wait. Errors are ignored. */
void net_quickack(int fd);
void net_set_transport(struct net_conn *c, const struct net_transport *t);

/* "host [address]:port" of the peer, for messages. */
const char *net_peer(const struct net_conn *c);

void net_close(struct net_conn *c);

#endif
