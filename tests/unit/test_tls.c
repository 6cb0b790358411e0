/* test_tls.c - tls.c against a small GnuTLS server in a child process:
 * the handshake, data both ways, verification errors, pinning, channel
 * binding, configuration errors and time-outs. The certificates are made
 * here, with GnuTLS's own API, in a temporary directory. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "net.h"
#include "tap.h"
#include "tls.h"

#define HOST "mail.example.test"
#define T_2019 1546300800          /* 2019-01-01 00:00 UTC */
#define T_EXPIRED 1577934240       /* 2020-01-02 03:04 UTC */
#define T_FUTURE 3786912000LL      /* 2090-01-01 00:00 UTC */

static char dir[] = "/tmp/postie-test-tls.XXXXXX";

struct pair {                       /* a certificate, its key and their files */
	gnutls_x509_crt_t crt;
	gnutls_x509_privkey_t key;
	char cert_file[128];
	char key_file[128];
};

static struct pair ca, good, expired, future, other, self, revoked, client, sha1;
static char crl_file[128];

/* ------------------------------------------------------------ making certificates */

static void die(const char *what, int r)
{
	printf("Bail out! %s: %s\n", what, r < 0 ? gnutls_strerror(r) : strerror(errno));
	exit(1);
}

static void write_file(const char *path, const gnutls_datum_t *d)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fwrite(d->data, 1, d->size, fp) != d->size || fclose(fp) != 0)
		die(path, 0);
}

static void check(int r, const char *what)
{
	if (r < 0)
		die(what, r);
}

struct cert_spec {
	const char *name;              /* file name stem */
	const char *dn;
	const char *dns[3];            /* subject alternative names */
	const char *ip;                /* four bytes, or NULL */
	time_t not_before, not_after;
	const struct pair *issuer;     /* NULL: self-signed */
	bool is_ca, for_client;
	int serial;
	gnutls_digest_algorithm_t digest;  /* 0: SHA-256 */
};

static void make_pair(struct pair *kp, const struct cert_spec *spec)
{
	gnutls_datum_t pem;
	unsigned char serial = (unsigned char)spec->serial;

	check(gnutls_x509_privkey_init(&kp->key), "privkey_init");
	check(gnutls_x509_privkey_generate(kp->key, GNUTLS_PK_ECDSA,
	                                   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
	      "privkey_generate");
	check(gnutls_x509_crt_init(&kp->crt), "crt_init");
	check(gnutls_x509_crt_set_version(kp->crt, 3), "set_version");
	check(gnutls_x509_crt_set_serial(kp->crt, &serial, 1), "set_serial");
	check(gnutls_x509_crt_set_dn(kp->crt, spec->dn, NULL), "set_dn");
	check(gnutls_x509_crt_set_key(kp->crt, kp->key), "set_key");
	check(gnutls_x509_crt_set_activation_time(kp->crt, spec->not_before), "activation");
	check(gnutls_x509_crt_set_expiration_time(kp->crt, spec->not_after), "expiration");
	check(gnutls_x509_crt_set_basic_constraints(kp->crt, spec->is_ca, -1), "constraints");
	check(gnutls_x509_crt_set_key_usage(kp->crt, spec->is_ca
	      ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN : GNUTLS_KEY_DIGITAL_SIGNATURE),
	      "key_usage");
	if (!spec->is_ca)
		check(gnutls_x509_crt_set_key_purpose_oid(kp->crt, spec->for_client
		      ? GNUTLS_KP_TLS_WWW_CLIENT : GNUTLS_KP_TLS_WWW_SERVER, 0), "purpose");
	for (int i = 0; i < 3 && spec->dns[i]; i++)
		check(gnutls_x509_crt_set_subject_alt_name(kp->crt, GNUTLS_SAN_DNSNAME, spec->dns[i],
		      (unsigned)strlen(spec->dns[i]), GNUTLS_FSAN_APPEND), "san");
	if (spec->ip)
		check(gnutls_x509_crt_set_subject_alt_name(kp->crt, GNUTLS_SAN_IPADDRESS, spec->ip, 4,
		      GNUTLS_FSAN_APPEND), "san ip");
	check(gnutls_x509_crt_sign2(kp->crt, spec->issuer ? spec->issuer->crt : kp->crt,
	                            spec->issuer ? spec->issuer->key : kp->key,
	                            spec->digest ? spec->digest : GNUTLS_DIG_SHA256, 0),
	      "sign");

	snprintf(kp->cert_file, sizeof(kp->cert_file), "%s/%s.pem", dir, spec->name);
	snprintf(kp->key_file, sizeof(kp->key_file), "%s/%s.key", dir, spec->name);
	check(gnutls_x509_crt_export2(kp->crt, GNUTLS_X509_FMT_PEM, &pem), "export crt");
	write_file(kp->cert_file, &pem);
	gnutls_free(pem.data);
	check(gnutls_x509_privkey_export2(kp->key, GNUTLS_X509_FMT_PEM, &pem), "export key");
	write_file(kp->key_file, &pem);
	gnutls_free(pem.data);
}

static void make_crl(const struct pair *issuer, const struct pair *victim, time_t now)
{
	gnutls_x509_crl_t crl;
	gnutls_datum_t pem;

	check(gnutls_x509_crl_init(&crl), "crl_init");
	check(gnutls_x509_crl_set_version(crl, 2), "crl version");
	check(gnutls_x509_crl_set_this_update(crl, now - 3600), "this_update");
	check(gnutls_x509_crl_set_next_update(crl, now + 86400), "next_update");
	check(gnutls_x509_crl_set_crt(crl, victim->crt, now - 1800), "crl_set_crt");
	check(gnutls_x509_crl_sign2(crl, issuer->crt, issuer->key, GNUTLS_DIG_SHA256, 0), "crl sign");
	check(gnutls_x509_crl_export2(crl, GNUTLS_X509_FMT_PEM, &pem), "crl export");
	snprintf(crl_file, sizeof(crl_file), "%s/ca.crl", dir);
	write_file(crl_file, &pem);
	gnutls_free(pem.data);
	gnutls_x509_crl_deinit(crl);
}

static void make_certificates(void)
{
	time_t now = time(NULL), year = 365 * 86400;
	const char ip[4] = { 127, 0, 0, 1 };

	make_pair(&ca, &(struct cert_spec){ "ca", "CN=postie test CA", { NULL }, NULL,
	          now - year, now + year, NULL, true, false, 1, 0 });
	make_pair(&good, &(struct cert_spec){ "good", "CN=" HOST, { HOST }, ip,
	          now - 86400, now + year, &ca, false, false, 2, 0 });
	make_pair(&expired, &(struct cert_spec){ "expired", "CN=" HOST, { HOST }, NULL,
	          T_2019, T_EXPIRED, &ca, false, false, 3, 0 });
	make_pair(&future, &(struct cert_spec){ "future", "CN=" HOST, { HOST }, NULL,
	          (time_t)T_FUTURE, (time_t)T_FUTURE + year, &ca, false, false, 4, 0 });
	make_pair(&other, &(struct cert_spec){ "other", "CN=a.other.test",
	          { "a.other.test", "b.other.test" }, NULL, now - 86400, now + year, &ca, false, false, 5, 0 });
	make_pair(&self, &(struct cert_spec){ "self", "CN=" HOST, { HOST }, NULL,
	          now - 86400, now + year, NULL, false, false, 6, 0 });
	make_pair(&revoked, &(struct cert_spec){ "revoked", "CN=" HOST, { HOST }, NULL,
	          now - 86400, now + year, &ca, false, false, 7, 0 });
	make_pair(&client, &(struct cert_spec){ "client", "CN=postie client", { NULL }, NULL,
	          now - 86400, now + year, &ca, false, true, 8, 0 });
	make_pair(&sha1, &(struct cert_spec){ "sha1", "CN=" HOST, { HOST }, NULL,
	          now - 86400, now + year, &ca, false, false, 9, GNUTLS_DIG_SHA1 });
	make_crl(&ca, &revoked, now);
}

static void fingerprint(const struct pair *kp, gnutls_digest_algorithm_t alg, bool colons,
                        bool lower, char *buf, size_t size)
{
	unsigned char d[32];
	size_t len = sizeof(d);

	check(gnutls_x509_crt_get_fingerprint(kp->crt, alg, d, &len), "fingerprint");
	buf[0] = '\0';
	for (size_t i = 0; i < len; i++)
		snprintf(buf + strlen(buf), size - strlen(buf), lower ? "%s%02x" : "%s%02X",
		         i && colons ? ":" : "", d[i]);
}

/* ------------------------------------------------------------ the server */

enum server_mode {
	SERVE_TLS,          /* handshake, greet with the channel binding, count lines */
	SERVE_CLIENT_CERT,  /* the same, but require a client certificate */
	SERVE_TLS13_ONLY,   /* the same, but refuse TLS 1.2 */
	SERVE_PLAIN,        /* not TLS at all: an SMTP greeting in clear */
	SERVE_CLOSE,        /* read the ClientHello, then close */
	SERVE_SILENT,       /* accept, say nothing until the client goes */
};

struct server {
	pid_t pid;
	int port;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool wait_readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

static void send_text(gnutls_session_t s, const char *text)
{
	if (gnutls_record_send(s, text, strlen(text)) < 0)
		_exit(3);
}

/* The channel binding as the server sees it, so the client's can be compared. */
static void greet(gnutls_session_t s, bool client_cert)
{
	gnutls_datum_t cb = { NULL, 0 }, b64 = { NULL, 0 };
	char line[256] = "220 cb=none";
	gnutls_channel_binding_t type = gnutls_protocol_get_version(s) == GNUTLS_TLS1_3
	                                ? GNUTLS_CB_TLS_EXPORTER : GNUTLS_CB_TLS_UNIQUE;

	if (client_cert) {
		unsigned n = 0, status = 1;
		bool have = gnutls_certificate_get_peers(s, &n) && n > 0 &&
		            gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0;
		snprintf(line, sizeof(line), "220 client certificate %s", have ? "ok" : "missing");
	} else if (gnutls_session_channel_binding(s, type, &cb) == 0 &&
	           gnutls_base64_encode2(&cb, &b64) == 0) {
		snprintf(line, sizeof(line), "220 cb=%.*s", (int)b64.size, (char *)b64.data);
	}
	strcat(line, "\r\n");
	send_text(s, line);
}

static void serve_tls(int fd, const struct pair *kp, bool client_cert, const char *priorities)
{
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	unsigned long long bytes = 0, lines = 0;
	char tail[6] = "", buf[16384], reply[100];

	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_certificate_set_x509_key_file(cred, kp->cert_file, kp->key_file,
	                                         GNUTLS_X509_FMT_PEM) < 0 ||
	    (client_cert && gnutls_certificate_set_x509_trust_file(cred, ca.cert_file,
	                                                           GNUTLS_X509_FMT_PEM) < 0) ||
	    gnutls_init(&s, GNUTLS_SERVER) < 0 ||
	    (priorities ? gnutls_priority_set_direct(s, priorities, NULL)
	                : gnutls_set_default_priority(s)) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		_exit(2);
	if (client_cert)
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUIRE);
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, 10000);
	int r = gnutls_handshake(s);
	if (r < 0) {
		gnutls_alert_send_appropriate(s, r);    /* as a real server does */
		_exit(1);
	}
	greet(s, client_cert);
	/* Count until the client's "QUIT\r\n", then report and close properly. */
	for (;;) {
		ssize_t n = gnutls_record_recv(s, buf, sizeof(buf));

		if (n <= 0)
			_exit(4);
		bytes += (unsigned long long)n;
		for (ssize_t i = 0; i < n; i++) {
			lines += buf[i] == '\n';
			memmove(tail, tail + 1, sizeof(tail) - 1);
			tail[sizeof(tail) - 1] = buf[i];
		}
		if (memcmp(tail, "QUIT\r\n", 6) == 0)
			break;
	}
	snprintf(reply, sizeof(reply), "221 lines=%llu bytes=%llu\r\n", lines, bytes);
	send_text(s, reply);
	gnutls_bye(s, GNUTLS_SHUT_WR);
	_exit(0);
}

static void serve(int listener, enum server_mode mode, const struct pair *kp)
{
	struct timeval tv = { .tv_sec = 10 };
	char buf[4096];
	int fd;

	alarm(20);      /* whatever happens, this child goes */
	if (!wait_readable(listener, 10000) || (fd = accept(listener, NULL, NULL)) < 0)
		_exit(5);
	close(listener);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	switch (mode) {
	case SERVE_TLS:
	case SERVE_CLIENT_CERT:
		serve_tls(fd, kp, mode == SERVE_CLIENT_CERT, NULL);
		break;
	case SERVE_TLS13_ONLY:
		serve_tls(fd, kp, false, "NORMAL:-VERS-ALL:+VERS-TLS1.3");
		break;
	case SERVE_PLAIN:
		if (send(fd, "220 mail.example.test ESMTP\r\n", 29, MSG_NOSIGNAL) < 0)
			_exit(3);
		while (wait_readable(fd, 10000) && recv(fd, buf, sizeof(buf), 0) > 0)
			;
		break;
	case SERVE_CLOSE:
		if (wait_readable(fd, 10000) && recv(fd, buf, sizeof(buf), 0) > 0)
			shutdown(fd, SHUT_RDWR);
		break;
	case SERVE_SILENT:
		while (wait_readable(fd, 10000) && recv(fd, buf, sizeof(buf), 0) > 0)
			;
		break;
	}
	_exit(0);
}

static void start_server(struct server *srv, enum server_mode mode, const struct pair *kp)
{
	struct sockaddr_in addr = { .sin_family = AF_INET,
	                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 1) < 0 || getsockname(listener, (struct sockaddr *)&addr, &len) < 0)
		die("listener", 0);
	srv->port = ntohs(addr.sin_port);
	fflush(stdout);         /* the child must not print our buffered TAP lines again */
	srv->pid = fork();
	if (srv->pid < 0)
		die("fork", 0);
	if (srv->pid == 0)
		serve(listener, mode, kp);
	close(listener);
}

/* Reap the child within 5 s, or kill it. Returns its exit status, or -1. */
static int stop_server(struct server *srv)
{
	long long deadline = now_ms() + 5000;
	int status;

	while (now_ms() < deadline) {
		pid_t r = waitpid(srv->pid, &status, WNOHANG);

		if (r == srv->pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		if (r < 0)
			return -1;
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	}
	kill(srv->pid, SIGKILL);
	waitpid(srv->pid, &status, 0);
	return -1;
}

/* ------------------------------------------------------------ the client */

static struct tls_params params(void)
{
	return (struct tls_params){ .host = HOST, .trust_file = ca.cert_file,
	                            .certcheck = true, .timeout = 5 };
}

struct client {
	struct server srv;
	struct net_conn *conn;
	struct tls_session *tls;
	struct outcome out;
};

static bool client_start(struct client *c, enum server_mode mode, const struct pair *kp,
                         const struct tls_params *p)
{
	outcome_clear(&c->out);
	c->tls = NULL;
	start_server(&c->srv, mode, kp);
	c->conn = net_connect("127.0.0.1", c->srv.port, NULL, 5, &c->out);
	if (!c->conn)
		return false;
	c->tls = tls_start(c->conn, p, &c->out);
	return c->tls != NULL;
}

static int client_end(struct client *c)
{
	tls_close(c->tls);
	net_close(c->conn);
	return stop_server(&c->srv);
}

static bool read_line(struct client *c, char *line, size_t cap)
{
	size_t len;

	return net_read_line(c->conn, line, cap, &len, "test", &c->out) == 0;
}

/* A handshake that must fail with `cls` and a text holding `want`. */
static void expect_failure(const char *name, enum server_mode mode, const struct pair *kp,
                           const struct tls_params *p, enum outcome_class cls, const char *want)
{
	struct client c;

	ok(!client_start(&c, mode, kp, p), "%s: refused", name);
	is_int(c.out.cls, cls, "%s: outcome class", name);
	is_str(c.out.step, "tls", "%s: step", name);
	ok(strstr(c.out.text, want) != NULL, "%s: text holds \"%s\"", name, want);
	if (!strstr(c.out.text, want))
		printf("#   text: %s\n", c.out.text);
	client_end(&c);
}

static void expect_success(const char *name, const struct pair *kp, const struct tls_params *p)
{
	struct client c;
	char line[512];

	ok(client_start(&c, SERVE_TLS, kp, p), "%s: accepted", name);
	if (!c.tls)
		printf("#   text: %s\n", c.out.text);
	ok(c.tls && read_line(&c, line, sizeof(line)) && strncmp(line, "220 ", 4) == 0,
	   "%s: greeting read through TLS", name);
	client_end(&c);
}

/* ------------------------------------------------------------ cases */

static size_t base64_length(const char *b64)
{
	gnutls_datum_t in = { (unsigned char *)b64, (unsigned)strlen(b64) }, raw = { NULL, 0 };
	size_t n;

	if (gnutls_base64_decode2(&in, &raw) < 0)
		return 0;
	n = raw.size;
	gnutls_free(raw.data);
	return n;
}

static void test_session(const char *priorities, const char *version, const char *cb_type,
                         size_t cb_len)
{
	struct tls_params p = params();
	struct client c;
	char line[512], desc[200], want[300], payload[1001];
	const char *type = NULL;
	char *data = NULL;
	struct outcome out;

	p.priorities = priorities;
	ok(client_start(&c, SERVE_TLS, &good, &p), "%s: handshake and verification", version);
	if (!c.tls) {
		printf("#   text: %s\n", c.out.text);
		client_end(&c);
		return;
	}
	tls_describe(c.tls, desc, sizeof(desc));
	ok(strncmp(desc, version, strlen(version)) == 0 && strstr(desc, ", ") && !strchr(desc, '('),
	   "%s: described as \"%s\"", version, desc);

	ok(tls_channel_binding(c.tls, &type, &data) == 0, "%s: channel binding available", version);
	is_str(type, cb_type, "%s: channel binding type", version);
	is_int(data ? base64_length(data) : 0, cb_len, "%s: channel binding length", version);
	ok(read_line(&c, line, sizeof(line)), "%s: greeting read", version);
	snprintf(want, sizeof(want), "220 cb=%s", data ? data : "");
	is_str(line, want, "%s: the server sees the same channel binding", version);
	free(data);

	/* ~1 MB in many records and several flushes, then the server's count. */
	memset(payload, 'x', sizeof(payload) - 2);
	memcpy(payload + sizeof(payload) - 2, "\r\n", 2);
	bool written = true;
	for (int i = 0; i < 1000 && written; i++)
		written = net_write(c.conn, payload, sizeof(payload), "test", &c.out) == 0;
	ok(written && net_write(c.conn, "QUIT\r\n", 6, "test", &c.out) == 0 &&
	   net_flush(c.conn, "test", &c.out) == 0, "%s: 1 MB written", version);
	ok(read_line(&c, line, sizeof(line)), "%s: reply read", version);
	is_str(line, "221 lines=1001 bytes=1001006", "%s: the server got every byte", version);
	/* close_notify from the server: a clean end of stream. */
	ok(!read_line(&c, line, sizeof(line)) && strstr(c.out.text, "connection closed by"),
	   "%s: close_notify read as end of stream (%s)", version, c.out.text);

	tls_close(c.tls);
	c.tls = NULL;
	ok(net_read_line(c.conn, line, sizeof(line), &(size_t){ 0 }, "test", &out) < 0,
	   "%s: after tls_close the connection fails cleanly", version);
	is_int(client_end(&c), 0, "%s: server finished", version);
}

static bool have_system_trust(void)
{
	gnutls_certificate_credentials_t cred;
	int n;

	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return false;
	n = gnutls_certificate_set_x509_system_trust(cred);
	gnutls_certificate_free_credentials(cred);
	return n > 0;
}

static void test_verification(void)
{
	struct tls_params p = params();

	expect_failure("expired", SERVE_TLS, &expired, &p, OUTCOME_NOT_PERMITTED,
	               "the certificate " HOST " presented has expired (not after 2020-01-02 03:04 UTC)");
	expect_failure("not yet valid", SERVE_TLS, &future, &p, OUTCOME_NOT_PERMITTED,
	               "the certificate " HOST " presented is not valid yet (not before 2090-01-01 00:00 UTC)");
	expect_failure("self-signed", SERVE_TLS, &self, &p, OUTCOME_NOT_PERMITTED,
	               "the certificate " HOST " presented is not issued by a trusted CA (self-signed: CN=" HOST ")");
	expect_failure("name mismatch", SERVE_TLS, &other, &p, OUTCOME_NOT_PERMITTED,
	               "the certificate " HOST " presented is for a.other.test, b.other.test, "
	               "not " HOST);
	expect_failure("SHA-1 signature", SERVE_TLS, &sha1, &p, OUTCOME_NOT_PERMITTED,
	               "the certificate " HOST " presented is signed with an insecure algorithm (ECDSA-SHA1)");
	p.crl_file = crl_file;
	expect_failure("revoked", SERVE_TLS, &revoked, &p, OUTCOME_NOT_PERMITTED,
	               "the certificate " HOST " presented has been revoked");
	expect_success("CRL, certificate not revoked", &good, &p);

	p = params();
	p.trust_file = self.cert_file;
	expect_failure("unknown CA", SERVE_TLS, &good, &p, OUTCOME_NOT_PERMITTED,
	               "is not issued by a trusted CA (issuer: CN=postie test CA)");
	if (have_system_trust()) {
		p.trust_file = NULL;
		expect_failure("system trust", SERVE_TLS, &good, &p, OUTCOME_NOT_PERMITTED,
		               "is not issued by a trusted CA (issuer: CN=postie test CA)");
		p.trust_file = "system";
		expect_failure("system trust by name", SERVE_TLS, &good, &p, OUTCOME_NOT_PERMITTED,
		               "is not issued by a trusted CA");
	} else {
		ok(1, "system trust # SKIP this machine has no system trust store");
	}

	p = params();
	p.host = "127.0.0.1";
	expect_success("IP address in the certificate", &good, &p);
	p.host = "127.0.0.2";
	expect_failure("IP address mismatch", SERVE_TLS, &good, &p, OUTCOME_NOT_PERMITTED,
	               "is for " HOST ", 127.0.0.1, not 127.0.0.2");

	p = params();
	p.certcheck = false;
	expect_success("certcheck off, self-signed", &self, &p);
	p.trust_file = "/nonexistent/ca.pem";
	expect_success("certcheck off ignores the trust file", &expired, &p);
}

static void test_pinning(void)
{
	struct tls_params p = params();
	char pin[100], seen[100], want[200];

	fingerprint(&self, GNUTLS_DIG_SHA256, true, true, pin, sizeof(pin));
	p.fingerprint = pin;
	expect_success("SHA-256 pin (lower case) of an untrusted certificate", &self, &p);
	fingerprint(&self, GNUTLS_DIG_SHA1, false, false, pin, sizeof(pin));
	expect_success("SHA-1 pin (no colons) of an untrusted certificate", &self, &p);
	fingerprint(&expired, GNUTLS_DIG_SHA256, true, false, pin, sizeof(pin));
	expect_success("pin replaces the other checks", &expired, &p);

	fingerprint(&good, GNUTLS_DIG_SHA256, true, false, pin, sizeof(pin));
	fingerprint(&self, GNUTLS_DIG_SHA256, true, false, seen, sizeof(seen));
	snprintf(want, sizeof(want), "certificate fingerprint mismatch: the server's is SHA256 %s", seen);
	expect_failure("SHA-256 pin mismatch", SERVE_TLS, &self, &p, OUTCOME_NOT_PERMITTED, want);

	fingerprint(&good, GNUTLS_DIG_SHA1, true, false, pin, sizeof(pin));
	fingerprint(&self, GNUTLS_DIG_SHA1, true, false, seen, sizeof(seen));
	snprintf(want, sizeof(want), "certificate fingerprint mismatch: the server's is SHA1 %s", seen);
	expect_failure("SHA-1 pin mismatch", SERVE_TLS, &self, &p, OUTCOME_NOT_PERMITTED, want);

	p.certcheck = false;
	expect_failure("a pin holds with certcheck off", SERVE_TLS, &self, &p, OUTCOME_NOT_PERMITTED, want);
	p.certcheck = true;

	p.fingerprint = "AB:CD:EF";
	expect_failure("malformed pin", SERVE_SILENT, NULL, &p, OUTCOME_CONFIG, "tls_fingerprint AB:CD:EF");
}

static void test_configuration(void)
{
	struct tls_params p = params();

	p.priorities = "NORMAL:+BOGUS";
	expect_failure("bad priority string", SERVE_SILENT, NULL, &p, OUTCOME_CONFIG,
	               "at position 7 (\"+BOGUS\")");
	p = params();
	p.trust_file = "/nonexistent/ca.pem";
	expect_failure("missing trust file", SERVE_SILENT, NULL, &p, OUTCOME_CONFIG,
	               "cannot read tls_trust_file /nonexistent/ca.pem: No such file or directory");
	p.trust_file = good.key_file;
	expect_failure("trust file without certificates", SERVE_SILENT, NULL, &p, OUTCOME_CONFIG,
	               "tls_trust_file");
	p = params();
	p.crl_file = "/nonexistent/ca.crl";
	expect_failure("missing CRL file", SERVE_SILENT, NULL, &p, OUTCOME_CONFIG,
	               "tls_crl_file /nonexistent/ca.crl");
	p = params();
	p.cert_file = client.cert_file;
	expect_failure("client certificate without key", SERVE_SILENT, NULL, &p, OUTCOME_CONFIG,
	               "must be set together");
	p.key_file = "/nonexistent/client.key";
	expect_failure("missing key file", SERVE_SILENT, NULL, &p, OUTCOME_CONFIG,
	               "tls_key_file /nonexistent/client.key");
	p.key_file = good.key_file;
	expect_failure("key that does not fit", SERVE_SILENT, NULL, &p, OUTCOME_CONFIG,
	               "cannot use tls_cert_file");
}

static void test_client_certificate(void)
{
	struct tls_params p = params();
	struct client c;
	char line[200];

	p.cert_file = client.cert_file;
	p.key_file = client.key_file;
	ok(client_start(&c, SERVE_CLIENT_CERT, &good, &p), "client certificate: handshake");
	ok(c.tls && read_line(&c, line, sizeof(line)), "client certificate: greeting read");
	is_str(c.tls ? line : "", "220 client certificate ok", "client certificate: server verified it");
	client_end(&c);
}

static void test_broken_servers(void)
{
	struct tls_params p = params();
	long long start;

	expect_failure("server closes in the handshake", SERVE_CLOSE, NULL, &p, OUTCOME_TEMPORARY,
	               "during the TLS handshake");
	expect_failure("not a TLS server", SERVE_PLAIN, NULL, &p, OUTCOME_NOT_PERMITTED,
	               "(the server may not speak TLS on this port)");
	p.priorities = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
	expect_failure("no common protocol version", SERVE_TLS13_ONLY, &good, &p,
	               OUTCOME_NOT_PERMITTED, "refused the TLS handshake: ");
	p = params();
	p.timeout = 1;
	start = now_ms();
	expect_failure("silent server", SERVE_SILENT, NULL, &p, OUTCOME_TEMPORARY,
	               "within 1 seconds");
	ok(now_ms() - start < 2500, "silent server: gave up in time (%lld ms)", now_ms() - start);
}

static void remove_files(void)
{
	const struct pair *all[] = { &ca, &good, &expired, &future, &other, &self, &revoked, &client, &sha1 };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		unlink(all[i]->cert_file);
		unlink(all[i]->key_file);
		gnutls_x509_crt_deinit(all[i]->crt);
		gnutls_x509_privkey_deinit(all[i]->key);
	}
	unlink(crl_file);
	rmdir(dir);
}

int main(void)
{
	alarm(120);     /* a hang is a failure, not a stuck "make check" */
	signal(SIGPIPE, SIG_IGN);
	if (!mkdtemp(dir))
		die("mkdtemp", 0);
	make_certificates();

	test_session(NULL, "TLS1.3", "tls-exporter", 32);
	test_session("NORMAL:-VERS-ALL:+VERS-TLS1.2", "TLS1.2", "tls-unique", 12);
	test_verification();
	test_pinning();
	test_configuration();
	test_client_certificate();
	test_broken_servers();

	remove_files();
	return tap_done();
}
