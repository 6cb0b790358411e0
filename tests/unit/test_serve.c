/* test_serve.c - `-bs`: the SMTP dialogue with our caller, driven two ways:
 * a whole client script written first (pipelined) and the replies read
 * after, and a live client on a socketpair with serve_smtp in a thread. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "address.h"
#include "serve.h"
#include "tap.h"

#define HOST "test.example"
#define GREETING "220 " HOST " ESMTP postie\r\n"
#define EHLO_REPLY "250-" HOST "\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n" \
                   "250-ENHANCEDSTATUSCODES\r\n250-SIZE\r\n250 HELP\r\n"
#define DATA_MAX (1 << 18)

/* ------------------------------------------------------- the fake submit */

struct fake {
	/* the script: what the next submissions return */
	int result;
	struct outcome failure;
	/* what the last submission was given */
	int calls;
	char from[256];
	char rcpts[2048];          /* joined by '|' */
	size_t nrcpts;
	const char *body_type;
	bool smtputf8;
	char data[DATA_MAX];       /* its first DATA_MAX bytes */
	size_t data_len;           /* bytes read from data_fd */
	unsigned long data_sum;    /* of every byte read */
	off_t data_size;
	mode_t mode;
	nlink_t nlink;
};

static int fake_submit(void *ctx, const struct serve_envelope *env, struct outcome *out)
{
	struct fake *f = ctx;
	struct stat st;
	char buf[8192];
	ssize_t n;

	f->calls++;
	snprintf(f->from, sizeof(f->from), "%s", env->from);
	f->rcpts[0] = '\0';
	for (size_t i = 0; i < env->nrcpts; i++)
		snprintf(f->rcpts + strlen(f->rcpts), sizeof(f->rcpts) - strlen(f->rcpts), "%s%s",
		         i ? "|" : "", env->rcpts[i]);
	f->nrcpts = env->nrcpts;
	f->body_type = env->body_type;
	f->smtputf8 = env->smtputf8;
	f->data_size = env->data_size;
	f->data_len = 0;
	f->data_sum = 0;
	if (fstat(env->data_fd, &st) == 0) {
		f->mode = st.st_mode & 07777;
		f->nlink = st.st_nlink;
	}
	/* read(), not pread(): the file must come rewound */
	while ((n = read(env->data_fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			if (f->data_len + (size_t)i < DATA_MAX)
				f->data[f->data_len + (size_t)i] = buf[i];
			f->data_sum += (unsigned char)buf[i];
		}
		f->data_len += (size_t)n;
	}
	if (f->result < 0)
		*out = f->failure;
	return f->result;
}

static void fake_init(struct fake *f)
{
	memset(f, 0, sizeof(*f));
	outcome_clear(&f->failure);
}

static void fake_fail(struct fake *f, enum outcome_class cls, const char *step, int code,
                      const char *enhanced, const char *reply, const char *text)
{
	f->result = -1;
	outcome_fail(&f->failure, cls, step, "%s", text);
	if (code)
		outcome_set_reply(&f->failure, code, enhanced, reply);
}

/* ---------------------------------------------- driver 1: whole script */

static char replies[1 << 20];

/* Feed `len` bytes of client input at once (a pipe when it fits, else a
 * file), run the dialogue, and collect every reply into `replies`. */
static int run_script_len(const char *input, size_t len, struct fake *f, int timeout,
                          struct outcome *out)
{
	char out_path[] = "/tmp/test_serve.out.XXXXXX";
	char in_path[] = "/tmp/test_serve.in.XXXXXX";
	int out_fd = mkstemp(out_path);
	int in_fd, r;
	ssize_t n;

	unlink(out_path);
	if (len < 60000) {
		int p[2];

		if (pipe(p) < 0 || write(p[1], input, len) != (ssize_t)len)
			return -2;
		close(p[1]);
		in_fd = p[0];
	} else {
		in_fd = mkstemp(in_path);
		unlink(in_path);
		if (write(in_fd, input, len) != (ssize_t)len || lseek(in_fd, 0, SEEK_SET) < 0)
			return -2;
	}
	outcome_clear(out);
	r = serve_smtp(in_fd, out_fd, HOST, timeout, fake_submit, f, out);
	n = pread(out_fd, replies, sizeof(replies) - 1, 0);
	replies[n > 0 ? n : 0] = '\0';
	close(in_fd);
	close(out_fd);
	return r;
}

static int run_script(const char *input, struct fake *f, struct outcome *out)
{
	return run_script_len(input, strlen(input), f, 5, out);
}

/* ------------------------------------------- driver 2: a live client */

struct server_thread {
	pthread_t thread;
	int fd;
	int timeout;
	struct fake *fake;
	struct outcome out;
	int result;
};

static void *server_main(void *arg)
{
	struct server_thread *t = arg;

	outcome_clear(&t->out);
	t->result = serve_smtp(t->fd, t->fd, HOST, t->timeout, fake_submit, t->fake, &t->out);
	close(t->fd);
	return NULL;
}

/* Start the server; returns the client's end of the socketpair. */
static int server_start(struct server_thread *t, struct fake *f, int timeout)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
		return -1;
	t->fd = sv[1];
	t->fake = f;
	t->timeout = timeout;
	if (pthread_create(&t->thread, NULL, server_main, t) != 0)
		return -1;
	return sv[0];
}

/* Read one whole reply (up to a "ddd " line), waiting at most 5 s: a
 * server that forgets to flush before it waits fails here, not hangs. */
static const char *read_reply(int fd)
{
	static char buf[8192];
	size_t len = 0;

	buf[0] = '\0';
	while (len < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *last;
		ssize_t n;

		if (poll(&p, 1, 5000) <= 0)
			break;
		n = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		if (len < 2 || strcmp(buf + len - 2, "\r\n") != 0)
			continue;
		buf[len - 2] = '\0';
		last = strrchr(buf, '\n');
		last = last ? last + 1 : buf;
		buf[len - 2] = '\r';
		if (strlen(last) >= 4 && last[3] == ' ')
			break;
	}
	return buf;
}

static const char *say(int fd, const char *line)
{
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		return "(write failed)";
	return read_reply(fd);
}

/* ------------------------------------------------------------ the tests */

static void test_live_session(void)
{
	struct server_thread t;
	struct fake f;
	int fd;

	fake_init(&f);
	fd = server_start(&t, &f, 5);
	ok(fd >= 0, "live: server started");
	is_str(read_reply(fd), GREETING, "live: greeting");
	is_str(say(fd, "EHLO client.example\r\n"), EHLO_REPLY, "live: EHLO capabilities");
	is_str(say(fd, "MAIL FROM:<alice@example.org>\r\n"), "250 2.1.0 Sender OK\r\n",
	       "live: MAIL");
	is_str(say(fd, "RCPT TO:<bob@example.net>\r\n"), "250 2.1.5 Recipient OK\r\n",
	       "live: RCPT");
	is_str(say(fd, "DATA\r\n"), "354 End data with <CR><LF>.<CR><LF>\r\n", "live: DATA");
	is_str(say(fd, "Subject: hi\r\n\r\nhello\r\n.\r\n"), "250 2.0.0 Message accepted\r\n",
	       "live: end of data");
	is_str(say(fd, "NOOP\r\n"), "250 2.0.0 OK\r\n", "live: NOOP");
	is_str(say(fd, "QUIT\r\n"), "221 2.0.0 " HOST " closing connection\r\n", "live: QUIT");
	pthread_join(t.thread, NULL);
	close(fd);
	is_int(t.result, 0, "live: serve_smtp returns 0 after QUIT");
	is_int(f.calls, 1, "live: one submission");
	is_str(f.from, "alice@example.org", "live: envelope sender");
	is_str(f.rcpts, "bob@example.net", "live: envelope recipient");
	is_str(f.data, "Subject: hi\r\n\r\nhello\r\n", "live: message data");
	is_int(f.data_size, (long long)strlen("Subject: hi\r\n\r\nhello\r\n"), "live: data_size");
	is_int(f.mode, 0600, "live: data file is mode 0600");
	is_int(f.nlink, 0, "live: data file is unlinked");
	ok(f.body_type == NULL && !f.smtputf8, "live: no BODY, no SMTPUTF8");
}

static void test_pipelined_session(void)
{
	struct fake f;
	struct outcome out;
	int r;

	fake_init(&f);
	r = run_script("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRCPT TO:<c@z>\r\n"
	               "DATA\r\nline 1\r\nline 2\r\n.\r\nQUIT\r\n", &f, &out);
	is_int(r, 0, "pipelined: returns 0");
	is_str(replies, GREETING EHLO_REPLY "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n"
	       "250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
	       "250 2.0.0 Message accepted\r\n221 2.0.0 " HOST " closing connection\r\n",
	       "pipelined: every reply, in order");
	is_str(f.rcpts, "b@y|c@z", "pipelined: both recipients");
	is_str(f.data, "line 1\r\nline 2\r\n", "pipelined: data");
}

static void test_dots_and_line_ends(void)
{
	struct fake f;
	struct outcome out;

	fake_init(&f);
	run_script("HELO c\nMAIL FROM:<a@x>\nRCPT TO:<b@y>\nDATA\n"
	           "..hidden\n..\n. not the end\nbare LF\r\nCRLF\r\n...\nlast\n.\nQUIT\n", &f, &out);
	is_int(f.calls, 1, "LF input: submitted");
	is_str(f.data, ".hidden\r\n.\r\n not the end\r\nbare LF\r\nCRLF\r\n..\r\nlast\r\n",
	       "LF input: dots unstuffed, lines end CRLF");
	ok(strstr(replies, "250 " HOST "\r\n") != NULL, "HELO: plain 250 with our name");
}

/* SMTP smuggling: a client that speaks CRLF cannot end the data with a
 * bare <LF>.<LF>, so a message cannot carry a second transaction of its
 * own through us. */
static void test_no_smuggling(void)
{
	struct fake f;
	struct outcome out;

	fake_init(&f);
	run_script("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n"
	           "Subject: hi\r\n\r\nbody\n.\nMAIL FROM:<ceo@corp>\r\nRCPT TO:<victim@x>\r\n"
	           "DATA\r\nforged\r\n.\r\nQUIT\r\n", &f, &out);
	is_int(f.calls, 1, "CRLF client, <LF>.<LF> in the data: one message, not two");
	is_str(f.from, "a@x", "CRLF client: the only sender is the real one");
	is_str(f.data, "Subject: hi\r\n\r\nbody\r\n.\r\nMAIL FROM:<ceo@corp>\r\n"
	       "RCPT TO:<victim@x>\r\nDATA\r\nforged\r\n",
	       "CRLF client: the would-be commands are data of the one message");
	ok(strstr(replies, "250 2.0.0") != NULL && strstr(replies, "221") != NULL,
	   "CRLF client: the real end of data and QUIT still work");
}

static void test_null_sender_and_params(void)
{
	struct fake f;
	struct outcome out;

	fake_init(&f);
	run_script("EHLO c\r\nMAIL FROM:<> BODY=8BITMIME SMTPUTF8 SIZE=1234\r\n"
	           "RCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n", &f, &out);
	is_int(f.calls, 1, "null sender: submitted");
	is_str(f.from, "", "null sender: from is empty");
	is_str(f.body_type, "8BITMIME", "BODY=8BITMIME passed through");
	ok(f.smtputf8, "SMTPUTF8 passed through");

	fake_init(&f);
	run_script("EHLO c\r\nmail from: <a@x> body=7bit\r\nrcpt to: <b@y>\r\ndata\r\nx\r\n.\r\n",
	           &f, &out);
	is_str(f.body_type, "7BIT", "lower case verbs, space after colon, BODY=7BIT");
	ok(!f.smtputf8, "no SMTPUTF8 when not asked");
}

static void test_several_transactions(void)
{
	struct fake f;
	struct outcome out;

	fake_init(&f);
	run_script("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\none\r\n.\r\n"
	           "MAIL FROM:<c@x>\r\nRCPT TO:<d@y>\r\nRCPT TO:<e@y>\r\nDATA\r\ntwo\r\n.\r\n"
	           "QUIT\r\n", &f, &out);
	is_int(f.calls, 2, "two transactions: two submissions");
	is_str(f.from, "c@x", "second transaction: its own sender");
	is_str(f.rcpts, "d@y|e@y", "second transaction: only its own recipients");
	is_str(f.data, "two\r\n", "second transaction: its own data");
}

static void test_rset(void)
{
	struct fake f;
	struct outcome out;

	fake_init(&f);
	run_script("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nRSET\r\nDATA\r\n"
	           "MAIL FROM:<z@x>\r\nRCPT TO:<q@y>\r\nDATA\r\nm\r\n.\r\nQUIT\r\n", &f, &out);
	is_str(replies, GREETING EHLO_REPLY "250 2.1.0 Sender OK\r\n250 2.1.5 Recipient OK\r\n"
	       "250 2.0.0 OK\r\n503 5.5.1 Send MAIL first\r\n250 2.1.0 Sender OK\r\n"
	       "250 2.1.5 Recipient OK\r\n354 End data with <CR><LF>.<CR><LF>\r\n"
	       "250 2.0.0 Message accepted\r\n221 2.0.0 " HOST " closing connection\r\n",
	       "RSET drops the transaction; a new one starts clean");
	is_str(f.rcpts, "q@y", "RSET: the old recipient is gone");
}

/* One command after a fixed start; the last reply line it got. */
static const char *last_reply(const char *script, struct fake *f)
{
	static char last[1024];
	struct outcome out;
	char *end, *start;

	run_script(script, f, &out);
	end = replies + strlen(replies);
	if (end - replies >= 2)
		end -= 2;
	*end = '\0';
	start = strrchr(replies, '\n');
	start = start ? start + 1 : replies;
	memcpy(last, start, strlen(start) < sizeof(last) ? strlen(start) + 1 : sizeof(last));
	last[sizeof(last) - 1] = '\0';
	return last;
}

static const struct {
	const char *name;
	const char *script;
	const char *reply;
} sequence_cases[] = {
	{ "MAIL before EHLO", "MAIL FROM:<a@x>\r\n", "503 5.5.1 Send EHLO or HELO first" },
	{ "RCPT before MAIL", "EHLO c\r\nRCPT TO:<b@y>\r\n", "503 5.5.1 Send MAIL first" },
	{ "DATA before MAIL", "EHLO c\r\nDATA\r\n", "503 5.5.1 Send MAIL first" },
	{ "DATA without RCPT", "EHLO c\r\nMAIL FROM:<a@x>\r\nDATA\r\n",
	  "554 5.5.1 No valid recipients" },
	{ "nested MAIL", "EHLO c\r\nMAIL FROM:<a@x>\r\nMAIL FROM:<a@x>\r\n",
	  "503 5.5.1 Sender already given (RSET starts over)" },
	{ "EHLO without domain", "EHLO\r\n", "501 5.5.4 Syntax: EHLO your.domain" },
	{ "bad sender", "EHLO c\r\nMAIL FROM:<a@>\r\n",
	  "501 5.1.7 Bad sender address syntax: missing domain after '@'" },
	{ "two senders", "EHLO c\r\nMAIL FROM:<a@x,b@y>\r\n",
	  "501 5.1.7 Bad sender address syntax: more than one address" },
	{ "bad recipient", "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<\"b@y>\r\n",
	  "501 5.5.2 Syntax: RCPT TO:<address>" },
	{ "recipient missing domain", "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@>\r\n",
	  "501 5.1.3 Bad recipient address syntax: missing domain after '@'" },
	{ "empty recipient", "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<>\r\n",
	  "501 5.1.3 Bad recipient address syntax: empty address" },
	{ "no angle brackets", "EHLO c\r\nMAIL FROM:a@x\r\n", "501 5.5.2 Syntax: MAIL FROM:<address>" },
	{ "text glued after path", "EHLO c\r\nMAIL FROM:<a@x>SIZE=1\r\n",
	  "501 5.5.2 Syntax: MAIL FROM:<address>" },
	{ "unknown MAIL parameter", "EHLO c\r\nMAIL FROM:<a@x> RET=FULL\r\n",
	  "555 5.5.4 Unsupported MAIL parameter RET=FULL" },
	{ "bad BODY", "EHLO c\r\nMAIL FROM:<a@x> BODY=BINARYMIME\r\n",
	  "501 5.5.4 BODY must be 7BIT or 8BITMIME" },
	{ "bad SIZE", "EHLO c\r\nMAIL FROM:<a@x> SIZE=lots\r\n", "501 5.5.4 SIZE must be a number" },
	{ "RCPT parameter", "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y> NOTIFY=NEVER\r\n",
	  "555 5.5.4 Unsupported RCPT parameter NOTIFY=NEVER" },
	{ "DATA with argument", "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA x\r\n",
	  "501 5.5.4 DATA takes no arguments" },
	{ "VRFY", "VRFY root\r\n", "252 2.1.5 Cannot verify, but will accept the message" },
	{ "HELP", "HELP\r\n", "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP VRFY HELP QUIT" },
	{ "unknown command", "FROB\r\n", "500 5.5.1 Command unrecognized" },
	{ "long unknown verb", "ABCDEFGHIJKLMNOPQRSTUVWXYZ x\r\n", "500 5.5.1 Command unrecognized" },
	{ "empty line", "\r\n", "500 5.5.1 Command unrecognized" },
	{ "not implemented", "EXPN list\r\n", "502 5.5.1 Command not implemented" },
	{ "STARTTLS not offered", "STARTTLS\r\n", "502 5.5.1 Command not implemented" },
	{ "control character", "NOOP \x1b[2J\r\n", "500 5.5.2 Syntax error: control character in command" },
	{ "NUL in command", "NO\0OP\r\n", "500 5.5.2 Syntax error: control character in command" },
	{ "quoted local part with >", "EHLO c\r\nMAIL FROM:<\"a>b\"@x>\r\n", "250 2.1.0 Sender OK" },
	{ "source route dropped", "EHLO c\r\nMAIL FROM:<@r1,@r2:a@x>\r\n", "250 2.1.0 Sender OK" },
	{ "route without mailbox", "EHLO c\r\nMAIL FROM:<@r1:>\r\n",
	  "501 5.1.7 Bad sender address syntax: missing local part before '@'" },
	{ "space after the path", "EHLO c\r\nMAIL FROM:<a@x> \r\n", "250 2.1.0 Sender OK" },
};

static void test_sequence_and_syntax(void)
{
	for (size_t i = 0; i < sizeof(sequence_cases) / sizeof(sequence_cases[0]); i++) {
		struct fake f;
		struct outcome out;
		const char *script = sequence_cases[i].script;
		size_t len = strlen(script);

		if (strcmp(sequence_cases[i].name, "NUL in command") == 0)
			len = 7;   /* "NO\0OP\r\n" */
		fake_init(&f);
		run_script_len(script, len, &f, 5, &out);
		{
			char *end = replies + strlen(replies);
			char *start;

			if (end - replies >= 2)
				end[-2] = '\0';
			start = strrchr(replies, '\n');
			is_str(start ? start + 1 : replies, sequence_cases[i].reply, "%s",
			       sequence_cases[i].name);
		}
		is_int(f.calls, 0, "%s: nothing submitted", sequence_cases[i].name);
	}
}

static void test_too_many_recipients(void)
{
	size_t cap = 64 + (ADDRESS_LIST_MAX + 1) * 32;
	char *script = malloc(cap);
	size_t len;
	struct fake f;

	len = (size_t)snprintf(script, cap, "EHLO c\r\nMAIL FROM:<a@x>\r\n");
	for (int i = 0; i <= ADDRESS_LIST_MAX; i++)
		len += (size_t)snprintf(script + len, cap - len, "RCPT TO:<r%d@y>\r\n", i);
	fake_init(&f);
	is_str(last_reply(script, &f), "452 4.5.3 Too many recipients (at most 1000 per message)",
	       "recipient %d refused with 452 4.5.3", ADDRESS_LIST_MAX + 1);
	free(script);
}

/* The end-of-data reply for a submission that fails as `f` says. */
static const char *end_of_data_reply(struct fake *f)
{
	return last_reply("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\n", f);
}

static void test_failure_pass_through(void)
{
	struct fake f;
	struct outcome out;

	fake_init(&f);
	fake_fail(&f, OUTCOME_RCPT_REFUSED, "rcpt", 550, "5.1.1", "no such user",
	          "recipient <b@y> refused");
	is_str(end_of_data_reply(&f), "550 5.1.1 no such user", "5xx passed through");
	is_int(f.calls, 1, "the failing submission was made");

	fake_init(&f);
	fake_fail(&f, OUTCOME_TEMPORARY, "mail", 451, "4.7.1", "greylisted, try again",
	          "sender refused");
	is_str(end_of_data_reply(&f), "451 4.7.1 greylisted, try again", "4xx passed through");

	fake_init(&f);
	fake_fail(&f, OUTCOME_REFUSED, "data", 554, "", "rejected", "message refused");
	is_str(end_of_data_reply(&f), "554 5.0.0 rejected", "no enhanced code: X.0.0 added");

	fake_init(&f);
	fake_fail(&f, OUTCOME_REFUSED, "data", 554, "", "evil\r250 ok\x1b[2J\x7f", "refused");
	is_str(end_of_data_reply(&f), "554 5.0.0 evil\\r250 ok\\x1b[2J\\x7f",
	       "control characters in server text escaped");

	fake_init(&f);
	fake_fail(&f, OUTCOME_REFUSED, "data", 550, "5.7.1", "first\nsecond\r\nthird", "refused");
	run_script("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nx\r\n.\r\n", &f, &out);
	ok(strstr(replies, "\r\n550-5.7.1 first\r\n550-5.7.1 second\\r\r\n550 5.7.1 third\r\n") != NULL,
	   "multi-line server text becomes a multi-line reply");

	fake_init(&f);
	fake_fail(&f, OUTCOME_CONFIG, "config", 0, "", "", "no account named \"work\"");
	is_str(end_of_data_reply(&f), "451 4.3.5 postie is not configured: no account named \"work\"",
	       "config failure");

	fake_init(&f);
	fake_fail(&f, OUTCOME_TEMPORARY, "connect", 0, "", "", "cannot connect to smtp.x: refused");
	is_str(end_of_data_reply(&f), "451 4.3.0 postie: connect: cannot connect to smtp.x: refused",
	       "local temporary failure");

	fake_init(&f);
	fake_fail(&f, OUTCOME_BAD_MESSAGE, "message", 0, "", "", "the message holds a NUL byte");
	is_str(end_of_data_reply(&f), "554 5.6.0 postie: message: the message holds a NUL byte",
	       "bad message");
}

static const struct {
	const char *name;
	const char *step;
	enum outcome_class cls;
	int code_in;
	const char *enhanced_in, *reply_in, *text_in;
	int code;
	const char *enhanced, *text;
} reply_cases[] = {
	{ "5xx at RCPT", "rcpt", OUTCOME_RCPT_REFUSED, 550, "5.1.1", "no such user", "x",
	  550, "5.1.1", "no such user" },
	{ "enhanced of the wrong class", "data", OUTCOME_REFUSED, 550, "4.1.1", "odd", "x",
	  550, "5.0.0", "odd" },
	{ "4xx at MAIL", "mail", OUTCOME_TEMPORARY, 421, "4.3.2", "shutting down", "x",
	  421, "4.3.2", "shutting down" },
	{ "code without text", "data", OUTCOME_REFUSED, 554, "5.7.1", "", "refused at end of data",
	  554, "5.7.1", "postie: data: refused at end of data" },
	{ "2xx is no failure reply", "data", OUTCOME_PROTOCOL, 250, "", "ok?", "unexpected reply",
	  451, "4.3.0", "postie: data: unexpected reply: the server said 250 ok?" },
	/* The smarthost refusing our session is our fault to fix: temporary. */
	{ "535 at AUTH", "auth", OUTCOME_NOT_PERMITTED, 535, "5.7.8", "bad credentials",
	  "authentication failed", 451, "4.7.0",
	  "postie: auth: authentication failed: the server said 535 5.7.8 bad credentials" },
	{ "554 greeting", "greeting", OUTCOME_REFUSED, 554, "", "go away", "refused",
	  451, "4.3.0", "postie: greeting: refused: the server said 554 go away" },
	{ "550 to EHLO", "ehlo", OUTCOME_REFUSED, 550, "5.7.1", "no", "EHLO refused",
	  451, "4.3.0", "postie: ehlo: EHLO refused: the server said 550 5.7.1 no" },
	{ "454 at STARTTLS", "tls", OUTCOME_NOT_PERMITTED, 454, "4.7.0", "TLS not available",
	  "STARTTLS refused", 451, "4.7.0",
	  "postie: tls: STARTTLS refused: the server said 454 4.7.0 TLS not available" },
	{ "config", "s", OUTCOME_CONFIG, 0, "", "", "no config file", 451, "4.3.5",
	  "postie is not configured: no config file" },
	{ "temporary", "s", OUTCOME_TEMPORARY, 0, "", "", "timed out", 451, "4.3.0",
	  "postie: s: timed out" },
	{ "io", "s", OUTCOME_IO, 0, "", "", "disk", 451, "4.3.0", "postie: s: disk" },
	{ "bad message", "s", OUTCOME_BAD_MESSAGE, 0, "", "", "NUL", 554, "5.6.0", "postie: s: NUL" },
	{ "several rcpts refused", "s", OUTCOME_RCPT_REFUSED, 0, "", "", "2 of 2 refused",
	  550, "5.1.0", "postie: s: 2 of 2 refused" },
	{ "refused", "s", OUTCOME_REFUSED, 0, "", "", "too big", 554, "5.0.0", "postie: s: too big" },
	{ "no host", "s", OUTCOME_NO_HOST, 0, "", "", "no such host", 451, "4.4.3",
	  "postie: s: no such host" },
	{ "auth", "s", OUTCOME_NOT_PERMITTED, 0, "", "", "TLS unavailable", 451, "4.7.0",
	  "postie: s: TLS unavailable" },
	{ "internal", "s", OUTCOME_INTERNAL, 0, "", "", "bug", 451, "4.3.0", "postie: s: bug" },
	{ "our text on one line", "s", OUTCOME_IO, 0, "", "", "a\nb", 451, "4.3.0",
	  "postie: s: a\\nb" },
};

static void test_reply_for_table(void)
{
	for (size_t i = 0; i < sizeof(reply_cases) / sizeof(reply_cases[0]); i++) {
		struct outcome o;
		char enhanced[16], text[2048];
		int code = 0;

		outcome_clear(&o);
		outcome_fail(&o, reply_cases[i].cls, reply_cases[i].step, "%s", reply_cases[i].text_in);
		if (reply_cases[i].code_in)
			outcome_set_reply(&o, reply_cases[i].code_in, reply_cases[i].enhanced_in,
			                  reply_cases[i].reply_in);
		serve_reply_for(&o, &code, enhanced, sizeof(enhanced), text, sizeof(text));
		is_int(code, reply_cases[i].code, "reply_for %s: code", reply_cases[i].name);
		is_str(enhanced, reply_cases[i].enhanced, "reply_for %s: enhanced", reply_cases[i].name);
		is_str(text, reply_cases[i].text, "reply_for %s: text", reply_cases[i].name);
	}
}

static void test_long_server_line_cut(void)
{
	struct outcome o;
	char enhanced[16], text[4096];
	char longline[1001];
	int code;

	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	outcome_clear(&o);
	outcome_fail(&o, OUTCOME_REFUSED, "data", "refused");
	outcome_set_reply(&o, 554, "5.0.0", longline);
	serve_reply_for(&o, &code, enhanced, sizeof(enhanced), text, sizeof(text));
	ok(strlen(text) <= 480, "a long server line is cut to fit one reply line (%zu)", strlen(text));
}

static void test_eof(void)
{
	struct fake f;
	struct outcome out;
	int r;

	fake_init(&f);
	r = run_script("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nhalf a mess", &f, &out);
	is_int(r, 0, "EOF mid-DATA: returns 0");
	is_int(f.calls, 0, "EOF mid-DATA: nothing submitted");

	fake_init(&f);
	r = run_script("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\nall\r\n", &f, &out);
	is_int(f.calls, 0, "EOF before the dot line: nothing submitted");

	fake_init(&f);
	r = run_script("", &f, &out);
	is_int(r, 0, "EOF at once: returns 0");
	is_str(replies, GREETING, "EOF at once: the greeting went out");

	fake_init(&f);
	r = run_script("EHLO c\r\nNOOP", &f, &out);
	is_int(r, 0, "EOF inside a command line: returns 0");
	ok(strstr(replies, "250 2.0.0 OK") == NULL, "a command without its line end is not run");
}

static void test_long_lines(void)
{
	static char script[200000];
	struct fake f;
	struct outcome out;
	size_t len;

	/* exactly 1000 octets with CRLF: accepted */
	len = (size_t)snprintf(script, sizeof(script), "NOOP");
	memset(script + len, ' ', 994);
	len += 994;
	memcpy(script + len, "\r\n", 3);
	fake_init(&f);
	is_str(last_reply(script, &f), "250 2.0.0 OK", "a 1000-octet command line is taken");

	/* 1001 octets: refused, and the session goes on */
	len = (size_t)snprintf(script, sizeof(script), "NOOP");
	memset(script + len, ' ', 995);
	len += 995;
	len += (size_t)snprintf(script + len, sizeof(script) - len, "\r\nNOOP\r\n");
	fake_init(&f);
	run_script(script, &f, &out);
	is_str(replies, GREETING "500 5.5.2 Line too long (at most 1000 octets)\r\n250 2.0.0 OK\r\n",
	       "a 1001-octet command line: 500 5.5.2, then on");

	/* longer than the input buffer: one 500, then on */
	len = (size_t)snprintf(script, sizeof(script), "MAIL FROM:<");
	memset(script + len, 'a', 150000);
	len += 150000;
	len += (size_t)snprintf(script + len, sizeof(script) - len, ">\r\nNOOP\r\n");
	fake_init(&f);
	run_script_len(script, len, &f, 5, &out);
	is_str(replies, GREETING "500 5.5.2 Line too long (at most 1000 octets)\r\n250 2.0.0 OK\r\n",
	       "a 150000-octet command line: one 500 5.5.2, then on");

	/* data lines have no such limit, and may hold NUL and a lone CR */
	len = (size_t)snprintf(script, sizeof(script), "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
	script[len++] = '.';
	script[len++] = '.';
	memset(script + len, 'd', 100000);
	len += 100000;
	static const char tail[] = "\r\nnul\0byte\rcr\r\n.\r\nQUIT\r\n";
	memcpy(script + len, tail, sizeof(tail) - 1);
	len += sizeof(tail) - 1;
	fake_init(&f);
	run_script_len(script, len, &f, 5, &out);
	is_int(f.calls, 1, "long data line: submitted");
	is_int(f.data_len, 1 + 100000 + 2 + 13, "long data line: every byte kept, one dot unstuffed");
	is_int(f.data_size, (long long)f.data_len, "long data line: data_size matches the file");
	ok(f.data[0] == '.' && f.data[1] == 'd', "long data line: starts with one dot");
	ok(memcmp(f.data + 100003, "nul\0byte\rcr\r\n", 13) == 0, "NUL and lone CR passed through");
}

static void test_large_message(void)
{
	size_t lines = 40000, cap = 64 + lines * 80 + 64;
	char *script = malloc(cap);
	unsigned long sum = 0;
	size_t len, body_len = 0;
	struct fake f;
	struct outcome out;

	len = (size_t)snprintf(script, cap, "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
	for (size_t i = 0; i < lines; i++) {
		int n = snprintf(script + len, cap - len, "line %zu of a large message, LF only\n", i);

		for (int k = 0; k < n - 1; k++)
			sum += (unsigned char)script[len + (size_t)k];
		sum += '\r' + '\n';
		body_len += (size_t)n + 1;
		len += (size_t)n;
	}
	/* The end of data is CRLF.CRLF: the last line ends with CRLF. */
	script[len - 1] = '\r';
	script[len++] = '\n';
	len += (size_t)snprintf(script + len, cap - len, ".\r\nQUIT\r\n");
	fake_init(&f);
	run_script_len(script, len, &f, 5, &out);
	is_int(f.calls, 1, "large message: submitted");
	is_int(f.data_len, (long long)body_len, "large message: size (%zu octets)", body_len);
	ok(f.data_sum == sum, "large message: content intact");
	free(script);
}

static void test_idle_timeout(void)
{
	struct server_thread t;
	struct fake f;
	time_t start;
	const char *r;
	int fd;

	fake_init(&f);
	fd = server_start(&t, &f, 1);
	is_str(read_reply(fd), GREETING, "timeout: greeting");
	is_str(say(fd, "EHLO c\r\n"), EHLO_REPLY, "timeout: EHLO");
	start = time(NULL);
	r = read_reply(fd);
	is_str(r, "421 4.4.2 " HOST " closing: no input for 1 s\r\n", "timeout: 421 after 1 s");
	ok(time(NULL) - start <= 3, "timeout: came in time");
	pthread_join(t.thread, NULL);
	close(fd);
	is_int(t.result, -1, "timeout: serve_smtp returns -1");
	is_int(t.out.cls, OUTCOME_TEMPORARY, "timeout: a temporary failure");
	is_str(t.out.text, "the SMTP client sent nothing for 1 s", "timeout: outcome text");

	/* during DATA too, and nothing is submitted */
	fake_init(&f);
	fd = server_start(&t, &f, 1);
	read_reply(fd);
	say(fd, "EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\n");
	is_str(say(fd, "DATA\r\n"), "354 End data with <CR><LF>.<CR><LF>\r\n", "timeout in DATA: 354");
	is_str(say(fd, "partial\r\n"), "421 4.4.2 " HOST " closing: no input for 1 s\r\n",
	       "timeout in DATA: 421");
	pthread_join(t.thread, NULL);
	close(fd);
	is_int(f.calls, 0, "timeout in DATA: nothing submitted");
}

static void test_live_pipelining(void)
{
	struct server_thread t;
	struct fake f;
	const char *r;
	int fd;

	fake_init(&f);
	fd = server_start(&t, &f, 5);
	read_reply(fd);
	say(fd, "EHLO c\r\n");
	/* one write: three replies come back without a further command */
	r = say(fd, "MAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n");
	if (!strstr(r, "354 "))
		r = read_reply(fd);   /* the 354 may come in a later read */
	ok(strstr(r, "354 End data") != NULL, "live pipelining: group answered up to 354");
	/* both replies in one write: the 221 waited for the 250 */
	is_str(say(fd, "body\r\n.\r\nQUIT\r\n"),
	       "250 2.0.0 Message accepted\r\n221 2.0.0 " HOST " closing connection\r\n",
	       "live pipelining: end of data and QUIT in one write, answered in one");
	pthread_join(t.thread, NULL);
	close(fd);
	is_int(t.result, 0, "live pipelining: returns 0");
}

static void test_caller_gone(void)
{
	struct fake f;
	struct outcome out;
	int in[2], outp[2], r;

	fake_init(&f);
	if (pipe(in) < 0 || pipe(outp) < 0)
		return;
	if (write(in[1], "NOOP\r\nNOOP\r\n", 12) != 12)
		return;
	close(outp[0]);   /* nobody reads the replies */
	outcome_clear(&out);
	r = serve_smtp(in[0], outp[1], HOST, 2, fake_submit, &f, &out);
	is_int(r, -1, "caller gone: -1");
	is_int(out.cls, OUTCOME_IO, "caller gone: an I/O failure");
	close(in[0]);
	close(in[1]);
	close(outp[1]);
}

static void test_tmpdir(void)
{
	struct fake f;
	struct outcome out;
	const char *old = getenv("TMPDIR");
	char *saved = old ? strdup(old) : NULL;

	setenv("TMPDIR", "/nonexistent/dir", 1);
	fake_init(&f);
	is_str(last_reply("EHLO c\r\nMAIL FROM:<a@x>\r\nRCPT TO:<b@y>\r\nDATA\r\n", &f),
	       "451 4.3.0 Cannot create a temporary file: No such file or directory",
	       "no temporary file: 451 4.3.0 instead of 354");
	(void)out;
	if (saved) {
		setenv("TMPDIR", saved, 1);
		free(saved);
	} else {
		unsetenv("TMPDIR");
	}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);   /* as main.c does */
	test_live_session();
	test_pipelined_session();
	test_dots_and_line_ends();
	test_null_sender_and_params();
	test_several_transactions();
	test_rset();
	test_sequence_and_syntax();
	test_too_many_recipients();
	test_failure_pass_through();
	test_reply_for_table();
	test_no_smuggling();
	test_long_server_line_cut();
	test_eof();
	test_long_lines();
	test_large_message();
	test_live_pipelining();
	test_caller_gone();
	test_tmpdir();
	test_idle_timeout();
	return tap_done();
}
