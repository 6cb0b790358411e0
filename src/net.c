/* net.c - connect with a deadline; buffered, time-bounded line I/O. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net.h"

struct net_conn {
	int fd;
	int timeout;                    /* seconds, for each wait */
	struct net_transport transport;
	char peer[300];
	char in[NET_IN_BUFFER];
	size_t in_start, in_end;        /* unread bytes are in[in_start..in_end) */
	char out[NET_OUT_BUFFER];
	size_t out_len;
};

/* ------------------------------------------------------------ time */

long long net_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int net_wait_fd(int fd, bool for_write, long long deadline)
{
	for (;;) {
		long long left = deadline - net_now_ms();
		struct pollfd p = { .fd = fd, .events = for_write ? POLLOUT : POLLIN };
		int r;

		/* A deadline already past still gets one look: what is there
		 * now counts (and a deadline of now asks just that). */
		r = poll(&p, 1, left <= 0 ? 0 : left > 60000 ? 60000 : (int)left);
		if (r > 0)
			return 1;
		if (r < 0 && errno != EINTR)
			return -1;
		if (left <= 0)
			return 0;
	}
}

void net_quickack(int fd)
{
#ifdef TCP_QUICKACK
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
#else
	(void)fd;
#endif
}

/* ------------------------------------------------------------ plain TCP */

static ssize_t tcp_recv(void *ctx, void *buf, size_t len, bool *wants_write)
{
	ssize_t n;

	*wants_write = false;
	do
		n = recv(*(int *)ctx, buf, len, 0);
	while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t tcp_send(void *ctx, const void *buf, size_t len, bool *wants_write)
{
	ssize_t n;

	*wants_write = true;
	do
		n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n;
}

static size_t tcp_pending(void *ctx)
{
	(void)ctx;
	return 0;
}

/* ------------------------------------------------------------ connect */

static int bind_source(int fd, const char *source_ip, int family, struct outcome *out)
{
	struct addrinfo hints = { .ai_family = family, .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_NUMERICHOST | AI_PASSIVE };
	struct addrinfo *res = NULL;
	int err = getaddrinfo(source_ip, NULL, &hints, &res);

	if (err)
		return outcome_fail(out, OUTCOME_CONFIG, "connect",
		                    "source_ip %s is not a usable address for this connection: %s",
		                    source_ip, gai_strerror(err));
	if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
		int e = errno;
		freeaddrinfo(res);
		return outcome_fail(out, OUTCOME_CONFIG, "connect",
		                    "cannot bind to source_ip %s: %s", source_ip, strerror(e));
	}
	freeaddrinfo(res);
	return 0;
}

/* One non-blocking connect attempt, bounded by `deadline`.
 * Returns the socket, or -1 with *err set (an errno value, ETIMEDOUT on time-out). */
static int connect_one(const struct addrinfo *ai, const char *source_ip,
                       long long deadline, int *err, struct outcome *out)
{
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	                ai->ai_protocol);
	int one = 1;

	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (source_ip && bind_source(fd, source_ip, ai->ai_family, out) < 0) {
		close(fd);
		*err = EADDRNOTAVAIL;
		return -2;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		if (errno != EINPROGRESS) {
			*err = errno;
			close(fd);
			return -1;
		}
		int r = net_wait_fd(fd, true, deadline);
		socklen_t len = sizeof(*err);

		if (r <= 0) {
			*err = r == 0 ? ETIMEDOUT : errno;
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) < 0)
			*err = errno;
		if (*err) {
			close(fd);
			return -1;
		}
	}
	/* Our own buffering keeps segments full; Nagle would only add a
	 * delayed-ACK stall to every turn of the conversation. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void format_address(const struct sockaddr *sa, socklen_t len, char *buf, size_t size)
{
	if (getnameinfo(sa, len, buf, size, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(buf, size, "?");
}

/* Resolve host:service before `deadline`. Returns 0 or a getaddrinfo error
 * code; *timed_out tells a lookup that did not finish in time. */
static int resolve(const char *host, const char *service, long long deadline,
                   struct addrinfo **res, bool *timed_out)
{
	struct addrinfo numeric = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                            .ai_flags = AI_NUMERICHOST };
	struct lookup {
		struct addrinfo hints;
		struct gaicb req;
		char service[16];
		char name[];
	} *lk;
	struct gaicb *list[1];
	size_t name_len = strlen(host) + 1;
	int err;

	*timed_out = false;
	/* An address needs no lookup (and no helper thread). */
	if (getaddrinfo(host, service, &numeric, res) == 0)
		return 0;

	/* glibc's asynchronous lookup, so the time spent in DNS counts against
	 * the connect deadline. The request lives on the heap: if it cannot be
	 * cancelled, a helper thread still holds it, so it is then not freed. */
	lk = malloc(sizeof(*lk) + name_len);
	if (!lk)
		return EAI_MEMORY;
	memcpy(lk->name, host, name_len);
	snprintf(lk->service, sizeof(lk->service), "%s", service);
	lk->hints = (struct addrinfo){ .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                               .ai_flags = AI_ADDRCONFIG };
	lk->req = (struct gaicb){ .ar_name = lk->name, .ar_service = lk->service,
	                          .ar_request = &lk->hints };
	list[0] = &lk->req;
	err = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
	if (err) {
		free(lk);
		return err;
	}
	for (;;) {
		long long left = deadline - net_now_ms();
		struct timespec ts = { .tv_sec = left / 1000, .tv_nsec = (left % 1000) * 1000000 };

		if (left <= 0) {
			err = EAI_AGAIN;
		} else {
			err = gai_suspend((const struct gaicb *const *)list, 1, &ts);
			if (err == EAI_INTR)
				continue;
		}
		if (err == 0 || err == EAI_ALLDONE)
			break;
		if (gai_cancel(&lk->req) != EAI_CANCELED && gai_error(&lk->req) == EAI_INPROGRESS) {
			*timed_out = true;
			return EAI_AGAIN;   /* lk deliberately not freed: still in use */
		}
		break;
	}
	err = gai_error(&lk->req);
	if (err == EAI_CANCELED) {
		*timed_out = true;
		err = EAI_AGAIN;
	}
	if (err == 0)
		*res = lk->req.ar_result;
	free(lk);
	return err;
}

struct net_conn *net_connect(const char *host, int port, const char *source_ip,
                             int timeout, struct outcome *out)
{
	struct addrinfo *res = NULL, *ai;
	char service[16], addr[INET6_ADDRSTRLEN + 1] = "";
	long long deadline = net_now_ms() + (long long)timeout * 1000;
	int err = 0, fd = -1, gai;
	bool timed_out;
	struct net_conn *c;

	snprintf(service, sizeof(service), "%d", port);
	gai = resolve(host, service, deadline, &res, &timed_out);
	if (gai == EAI_NONAME || gai == EAI_NODATA || gai == EAI_ADDRFAMILY) {
		outcome_fail(out, OUTCOME_NO_HOST, "connect",
		             "cannot resolve host %s: %s", host, gai_strerror(gai));
		return NULL;
	}
	if (gai) {
		outcome_fail(out, OUTCOME_TEMPORARY, "connect", "cannot resolve host %s: %s", host,
		             timed_out ? "no answer from DNS in time"
		             : gai == EAI_SYSTEM ? strerror(errno) : gai_strerror(gai));
		return NULL;
	}

	/* One deadline for the whole phase: each address may use what is left,
	 * but not all of it while other addresses remain to be tried. */
	for (ai = res; ai; ai = ai->ai_next) {
		long long left = deadline - net_now_ms();
		long long attempt_deadline = ai->ai_next ? net_now_ms() + left / 2 : deadline;

		format_address(ai->ai_addr, ai->ai_addrlen, addr, sizeof(addr));
		if (left <= 0) {
			err = ETIMEDOUT;
			break;
		}
		fd = connect_one(ai, source_ip, attempt_deadline, &err, out);
		if (fd >= 0 || fd == -2)
			break;
	}
	if (fd < 0) {
		if (fd != -2)
			outcome_fail(out, OUTCOME_TEMPORARY, "connect",
			             "cannot connect to %s port %d (%s): %s", host, port, addr,
			             err == ETIMEDOUT ? "timed out" : strerror(err));
		freeaddrinfo(res);
		return NULL;
	}
	freeaddrinfo(res);

	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		outcome_fail(out, OUTCOME_OS, "connect", "out of memory");
		return NULL;
	}
	c->fd = fd;
	c->timeout = timeout;
	c->transport = (struct net_transport){ tcp_recv, tcp_send, tcp_pending, &c->fd };
	snprintf(c->peer, sizeof(c->peer), "%s [%s]:%d", host, addr, port);
	return c;
}

/* ------------------------------------------------------------ output */

int net_flush(struct net_conn *c, const char *step, struct outcome *out)
{
	size_t done = 0;
	long long deadline = net_now_ms() + (long long)c->timeout * 1000;

	while (done < c->out_len) {
		bool wants_write;
		ssize_t n = c->transport.send(c->transport.ctx, c->out + done,
		                              c->out_len - done, &wants_write);

		if (n > 0) {
			done += (size_t)n;
			/* Progress renews the deadline: the limit is on stalls. */
			deadline = net_now_ms() + (long long)c->timeout * 1000;
			continue;
		}
		if (n < 0 && errno == EAGAIN) {
			int r = net_wait_fd(c->fd, wants_write, deadline);
			if (r > 0)
				continue;
			if (r == 0)
				return outcome_fail(out, OUTCOME_TEMPORARY, step, "%s did not accept data for %d seconds",
				                    c->peer, c->timeout);
		}
		return outcome_fail(out, OUTCOME_TEMPORARY, step, "connection to %s lost while sending: %s",
		                    c->peer, n == 0 ? "closed" : strerror(errno));
	}
	c->out_len = 0;
	return 0;
}

int net_write(struct net_conn *c, const void *buf, size_t len, const char *step,
              struct outcome *out)
{
	const char *p = buf;

	while (len > 0) {
		size_t room = sizeof(c->out) - c->out_len;
		size_t n = len < room ? len : room;

		memcpy(c->out + c->out_len, p, n);
		c->out_len += n;
		p += n;
		len -= n;
		if (c->out_len == sizeof(c->out) && net_flush(c, step, out) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ input */

/* Read more bytes into the input buffer. Returns 0, or -1 with an outcome. */
static int fill_input(struct net_conn *c, const char *step, struct outcome *out)
{
	long long deadline = net_now_ms() + (long long)c->timeout * 1000;

	if (c->in_start > 0) {
		memmove(c->in, c->in + c->in_start, c->in_end - c->in_start);
		c->in_end -= c->in_start;
		c->in_start = 0;
	}
	for (;;) {
		bool wants_write;
		ssize_t n = c->transport.recv(c->transport.ctx, c->in + c->in_end,
		                              sizeof(c->in) - c->in_end, &wants_write);

		if (n > 0) {
			c->in_end += (size_t)n;
			return 0;
		}
		if (n == 0)
			return outcome_fail(out, OUTCOME_TEMPORARY, step,
			                    "connection closed by %s", c->peer);
		if (errno != EAGAIN)
			return outcome_fail(out, OUTCOME_TEMPORARY, step,
			                    "connection to %s lost: %s", c->peer, strerror(errno));
		if (!wants_write)
			net_quickack(c->fd);
		int r = net_wait_fd(c->fd, wants_write, deadline);
		if (r == 0)
			return outcome_fail(out, OUTCOME_TEMPORARY, step,
			                    "%s did not answer within %d seconds", c->peer, c->timeout);
		if (r < 0)
			return outcome_fail(out, OUTCOME_TEMPORARY, step,
			                    "connection to %s lost: %s", c->peer, strerror(errno));
	}
}

int net_read_line(struct net_conn *c, char *line, size_t cap, size_t *len,
                  const char *step, struct outcome *out)
{
	for (;;) {
		char *start = c->in + c->in_start;
		size_t avail = c->in_end - c->in_start;
		char *lf = memchr(start, '\n', avail);
		size_t n = lf ? (size_t)(lf - start) : avail;

		if (n >= cap || (!lf && avail == sizeof(c->in)))
			return outcome_fail(out, OUTCOME_PROTOCOL, step,
			                    "%s sent a line longer than %zu octets", c->peer, cap - 1);
		if (lf) {
			size_t keep = n;

			if (keep > 0 && start[keep - 1] == '\r')
				keep--;
			memcpy(line, start, keep);
			line[keep] = '\0';
			*len = keep;
			c->in_start += n + 1;
			return 0;
		}
		if (fill_input(c, step, out) < 0)
			return -1;
	}
}

size_t net_pending_input(const struct net_conn *c)
{
	return c->in_end - c->in_start + c->transport.pending(c->transport.ctx);
}

int net_fd(const struct net_conn *c)
{
	return c->fd;
}

void net_set_transport(struct net_conn *c, const struct net_transport *t)
{
	c->transport = *t;
}

const char *net_peer(const struct net_conn *c)
{
	return c->peer;
}

void net_close(struct net_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}
