/* test_normalize.c - line-ending normaliser, dot-stuffing and message_read.
 *
 * Every normaliser and dot-stuffing case is also run split into two blocks
 * at every position and fed byte by byte: block boundaries must never change
 * the output, since the reader sees whatever sizes read() returns. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "message.h"
#include "tap.h"

#define BYTES(s) s, sizeof(s) - 1

/* Show text with control bytes escaped, for failure diagnostics. */
static const char *escaped(const char *text, size_t len)
{
	static char buf[4][2048];
	static int which;
	char *out = buf[which++ % 4];
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < sizeof(buf[0]); i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == '\r')
			o += (size_t)snprintf(out + o, 8, "\\r");
		else if (c == '\n')
			o += (size_t)snprintf(out + o, 8, "\\n");
		else if (c < 32 || c >= 127)
			o += (size_t)snprintf(out + o, 8, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

static bool same_bytes(const char *got, size_t got_len, const char *want, size_t want_len)
{
	return got_len == want_len && memcmp(got, want, got_len) == 0;
}

#define is_bytes(got, got_len, want, want_len, ...) do { \
	bool p_ = same_bytes(got, got_len, want, want_len); \
	ok(p_, __VA_ARGS__); \
	if (!p_) printf("#   got:  \"%s\"\n#   want: \"%s\"\n", \
	                escaped(got, got_len), escaped(want, want_len)); \
} while (0)

/* ===================================================== the normaliser */

struct norm_case {
	const char *name;
	const char *in;
	size_t in_len;
	bool ignore_dots;
	const char *want;
	size_t want_len;
	bool ended;
	unsigned long nul_line;
	bool has_8bit;
	unsigned long lines;
};

static const struct norm_case norm_cases[] = {
	{ "LF lines", BYTES("a\nb\n"), false, BYTES("a\r\nb\r\n"), false, 0, false, 2 },
	{ "CRLF lines", BYTES("a\r\nb\r\n"), false, BYTES("a\r\nb\r\n"), false, 0, false, 2 },
	{ "lone CR ends a line", BYTES("a\rb\r"), false, BYTES("a\r\nb\r\n"), false, 0, false, 2 },
	{ "CR CR LF is two lines", BYTES("a\r\r\nb"), false, BYTES("a\r\n\r\nb\r\n"), false, 0, false, 3 },
	{ "mixed endings", BYTES("a\nb\r\nc\rd"), false, BYTES("a\r\nb\r\nc\r\nd\r\n"), false, 0, false, 4 },
	{ "empty lines", BYTES("\n\r\n\r"), false, BYTES("\r\n\r\n\r\n"), false, 0, false, 3 },
	{ "empty input", BYTES(""), false, BYTES(""), false, 0, false, 0 },
	{ "unterminated last line", BYTES("a\nbc"), false, BYTES("a\r\nbc\r\n"), false, 0, false, 2 },
	/* Smuggling: whatever the input endings, a lone dot is a clean line. */
	{ "<LF>.<LF> ends input", BYTES("a\n.\nMAIL FROM:<x@y>\n"), false,
	  BYTES("a\r\n"), true, 0, false, 1 },
	{ "<LF>.<LF> with -i is data", BYTES("a\n.\nMAIL FROM:<x@y>\n"), true,
	  BYTES("a\r\n.\r\nMAIL FROM:<x@y>\r\n"), false, 0, false, 3 },
	{ "<CRLF>.<CR> ends input", BYTES("a\r\n.\rRCPT TO:<x@y>\r\n"), false,
	  BYTES("a\r\n"), true, 0, false, 1 },
	{ "<CRLF>.<CR> with -i is data", BYTES("a\r\n.\rRCPT TO:<x@y>\r\n"), true,
	  BYTES("a\r\n.\r\nRCPT TO:<x@y>\r\n"), false, 0, false, 3 },
	{ "<CR>.<CR><LF> ends input", BYTES("a\r.\r\nb\r\n"), false, BYTES("a\r\n"), true, 0, false, 1 },
	{ "<CR>.<CR><LF> with -i", BYTES("a\r.\r\nb\r\n"), true,
	  BYTES("a\r\n.\r\nb\r\n"), false, 0, false, 3 },
	{ "<LF>.<CR><LF> ends input", BYTES("a\n.\r\nb"), false, BYTES("a\r\n"), true, 0, false, 1 },
	{ "dot on the first line", BYTES(".\nbody\n"), false, BYTES(""), true, 0, false, 0 },
	{ "dot-dot lines are data", BYTES("..\n..x\n"), false, BYTES("..\r\n..x\r\n"), false, 0, false, 2 },
	{ "dot-dot with -i", BYTES("..\n..x\n"), true, BYTES("..\r\n..x\r\n"), false, 0, false, 2 },
	{ "dot then text", BYTES(".x\n.\tx\r"), false, BYTES(".x\r\n.\tx\r\n"), false, 0, false, 2 },
	{ "dot not at line start", BYTES("a.\n \n."), false, BYTES("a.\r\n \r\n"), true, 0, false, 2 },
	{ "space dot is data", BYTES(" .\n"), false, BYTES(" .\r\n"), false, 0, false, 1 },
	{ "dot at EOF without newline", BYTES("a\n."), false, BYTES("a\r\n"), true, 0, false, 1 },
	{ "dot at EOF with -i", BYTES("a\n."), true, BYTES("a\r\n.\r\n"), false, 0, false, 2 },
	{ "dot CR at EOF", BYTES("a\r\n.\r"), false, BYTES("a\r\n"), true, 0, false, 1 },
	{ "dot CR at EOF with -i", BYTES("a\r\n.\r"), true, BYTES("a\r\n.\r\n"), false, 0, false, 2 },
	{ "only a dot", BYTES("."), false, BYTES(""), true, 0, false, 0 },
	{ "8-bit text", BYTES("caf\xc3\xa9\n"), false, BYTES("caf\xc3\xa9\r\n"), false, 0, true, 1 },
	{ "8-bit after the end is not read", BYTES("a\n.\n\xff\n"), false,
	  BYTES("a\r\n"), true, 0, false, 1 },
	{ "NUL on line 2", BYTES("a\nb\0c\nd"), false, BYTES("a\r\nb\0c\r\nd\r\n"), false, 2, false, 3 },
	{ "NUL alone", BYTES("\0"), false, BYTES("\0\r\n"), false, 1, false, 1 },
	{ "NUL after CR endings", BYTES("a\rb\r\n\0\n\0"), false,
	  BYTES("a\r\nb\r\n\0\r\n\0\r\n"), false, 3, false, 4 },
	{ "NUL after a dot", BYTES(".\0\n"), false, BYTES(".\0\r\n"), false, 1, false, 1 },
};

struct norm_run {
	char out[1024];
	size_t len;
	bool ended, has_8bit, consumed_ok;
	unsigned long nul_line, lines;
};

static void append_output(struct norm_run *r, const char *text, size_t len)
{
	if (r->len + len > sizeof(r->out))
		abort();
	memcpy(r->out + r->len, text, len);
	r->len += len;
}

/* One feed() with the block and the output buffer allocated to their exact
 * sizes, so ASan catches a read or write past either. */
static void feed_block(struct normalizer *nz, const char *block, size_t n, struct norm_run *r)
{
	char *in = malloc(n ? n : 1), *out = malloc(2 * n + 4);
	size_t consumed = n + 1, written;

	if (!in || !out)
		abort();
	memcpy(in, block, n);
	written = normalizer_feed(nz, in, n, out, &consumed);
	append_output(r, out, written);
	/* Less than the whole block is used only at the end marker. */
	if (consumed > n || (!nz->ended && consumed != n))
		r->consumed_ok = false;
	free(in);
	free(out);
}

/* Feed the first `first` bytes, then the rest in pieces of `piece` bytes. */
static void normalize_in_pieces(const char *text, size_t len, bool ignore_dots,
                                size_t first, size_t piece, struct norm_run *r)
{
	struct normalizer nz;
	size_t pos = 0, n = first;
	char *tail = malloc(4);

	if (!tail)
		abort();
	memset(r, 0, sizeof(*r));
	r->consumed_ok = true;
	normalizer_init(&nz, ignore_dots);
	do {
		if (n > len - pos)
			n = len - pos;
		feed_block(&nz, text + pos, n, r);
		pos += n;
		n = piece;
	} while (pos < len && !nz.ended);
	append_output(r, tail, normalizer_finish(&nz, tail));
	free(tail);
	r->ended = nz.ended;
	r->has_8bit = nz.has_8bit;
	r->nul_line = nz.nul_line;
	r->lines = nz.line - 1;
}

static bool same_run(const struct norm_run *a, const struct norm_run *b)
{
	return same_bytes(a->out, a->len, b->out, b->len) && a->ended == b->ended &&
	       a->has_8bit == b->has_8bit && a->nul_line == b->nul_line &&
	       a->lines == b->lines && a->consumed_ok && b->consumed_ok;
}

static void diag_run(const char *what, const struct norm_run *r)
{
	printf("#   %s: \"%s\" ended=%d 8bit=%d nul_line=%lu lines=%lu consumed_ok=%d\n", what,
	       escaped(r->out, r->len), r->ended, r->has_8bit, r->nul_line, r->lines,
	       r->consumed_ok);
}

static void test_norm_case(const struct norm_case *c)
{
	struct norm_run whole, split;
	size_t bad = 0;
	bool agree = true;

	normalize_in_pieces(c->in, c->in_len, c->ignore_dots, c->in_len, c->in_len, &whole);
	is_bytes(whole.out, whole.len, c->want, c->want_len, "%s: output", c->name);
	is_int(whole.ended, c->ended, "%s: ended", c->name);
	is_int(whole.nul_line, c->nul_line, "%s: nul_line", c->name);
	is_int(whole.has_8bit, c->has_8bit, "%s: has_8bit", c->name);
	is_int(whole.lines, c->lines, "%s: lines", c->name);
	ok(whole.consumed_ok, "%s: all input consumed unless ended", c->name);

	for (size_t k = 0; k <= c->in_len && agree; k++) {
		normalize_in_pieces(c->in, c->in_len, c->ignore_dots, k, c->in_len, &split);
		agree = same_run(&split, &whole);
		bad = k;
	}
	ok(agree, "%s: same result split in two at every position", c->name);
	if (!agree) {
		printf("#   split after %zu bytes\n", bad);
		diag_run("split", &split);
		diag_run("whole", &whole);
	}
	normalize_in_pieces(c->in, c->in_len, c->ignore_dots, 0, 1, &split);
	ok(same_run(&split, &whole), "%s: same result byte by byte", c->name);
}

/* The rules the slow, obvious way: cut into lines, then decide per line. */
static void normalize_by_lines(const char *in, size_t len, bool ignore_dots, struct norm_run *r)
{
	size_t i = 0;
	unsigned long line = 1;

	memset(r, 0, sizeof(*r));
	r->consumed_ok = true;
	while (i < len) {
		size_t start = i, end;

		while (i < len && in[i] != '\r' && in[i] != '\n')
			i++;
		end = i;
		if (i < len)
			i += (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n') ? 2 : 1;
		if (!ignore_dots && end - start == 1 && in[start] == '.') {
			r->ended = true;
			break;
		}
		for (size_t k = start; k < end; k++) {
			if (in[k] == '\0' && !r->nul_line)
				r->nul_line = line;
			if (in[k] & 0x80)
				r->has_8bit = true;
		}
		append_output(r, in + start, end - start);
		append_output(r, "\r\n", 2);
		line++;
	}
	r->lines = line - 1;
}

/* Random inputs over the bytes that matter, against the line-by-line model,
 * whole, byte by byte and split at a random point. */
static void test_norm_random(void)
{
	static const char alphabet[] = { 'a', '.', '.', '\r', '\n', '\n', '\0', '\xe9', ' ' };
	unsigned long seed = 12345;
	char in[48];
	struct norm_run want, got;
	int failures = 0;

	for (int round = 0; round < 4000 && !failures; round++) {
		bool ignore_dots = round % 2;
		size_t len, split;

		seed = seed * 6364136223846793005UL + 1442695040888963407UL;
		len = (seed >> 33) % sizeof(in);
		for (size_t i = 0; i < len; i++) {
			seed = seed * 6364136223846793005UL + 1442695040888963407UL;
			in[i] = alphabet[(seed >> 33) % sizeof(alphabet)];
		}
		split = len ? (seed >> 40) % len : 0;
		normalize_by_lines(in, len, ignore_dots, &want);
		normalize_in_pieces(in, len, ignore_dots, len, len, &got);
		if (!same_run(&got, &want))
			failures++;
		normalize_in_pieces(in, len, ignore_dots, 0, 1, &got);
		if (!same_run(&got, &want))
			failures++;
		normalize_in_pieces(in, len, ignore_dots, split, 3, &got);
		if (!same_run(&got, &want))
			failures++;
		if (failures) {
			printf("#   input \"%s\" ignore_dots=%d\n", escaped(in, len), ignore_dots);
			diag_run("got", &got);
			diag_run("want", &want);
		}
	}
	ok(!failures, "random inputs agree with the line-by-line model");
}

/* The end marker stops consumption right after its line. */
static void test_norm_consumed(void)
{
	static const struct {
		const char *in;
		size_t len, consumed;
	} cases[] = {
		{ BYTES("a\n.\nrest"), 4 },
		{ BYTES("a\r\n.\r\nrest"), 6 },
		{ BYTES("a\r\n.\rrest"), 5 },
		{ BYTES(".\n"), 2 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct normalizer nz;
		char out[64];
		size_t consumed = 0;

		normalizer_init(&nz, false);
		normalizer_feed(&nz, cases[i].in, cases[i].len, out, &consumed);
		is_int(consumed, cases[i].consumed, "end marker in \"%s\": consumed",
		       escaped(cases[i].in, cases[i].len));
		consumed = 99;
		is_int(normalizer_feed(&nz, "more\n", 5, out, &consumed), 0,
		       "nothing is taken after the end");
		is_int(consumed, 0, "and nothing consumed");
	}
}

/* ==================================================== dot-stuffing */

struct stuff_case {
	const char *name, *in, *want;
};

static const struct stuff_case stuff_cases[] = {
	{ "no dots", "a\r\nb\r\n", "a\r\nb\r\n" },
	{ "a dot line", "a\r\n.\r\nb\r\n", "a\r\n..\r\nb\r\n" },
	{ "leading dot", ".x\r\n", "..x\r\n" },
	{ "two dots", "..\r\n", "...\r\n" },
	{ "dot inside a line", "a.b\r\n.", "a.b\r\n.." },
	{ "empty lines then dots", "\r\n\r\n.\r\n.\r\n", "\r\n\r\n..\r\n..\r\n" },
	{ "empty", "", "" },
	{ "dot after text without newline", "a.", "a." },
};

/* Stuff `first` bytes, then the rest in pieces of `piece` bytes, carrying
 * the line-start state across blocks. Returns the bytes put in `result`. */
static size_t stuff_in_pieces(const char *in, size_t len, size_t first, size_t piece,
                              char *result)
{
	bool at_line_start = true;
	size_t pos = 0, n = first, total = 0;

	do {
		char *block, *out;
		size_t written;

		if (n > len - pos)
			n = len - pos;
		block = malloc(n ? n : 1);
		out = malloc(n ? 2 * n : 1);
		if (!block || !out)
			abort();
		memcpy(block, in + pos, n);
		written = message_dotstuff(block, n, &at_line_start, out);
		memcpy(result + total, out, written);
		total += written;
		free(block);
		free(out);
		pos += n;
		n = piece;
	} while (pos < len);
	return total;
}

static void test_stuff_case(const struct stuff_case *c)
{
	char got[128];
	size_t len = strlen(c->in), got_len;
	bool agree = true;

	got_len = stuff_in_pieces(c->in, len, len, len, got);
	is_bytes(got, got_len, c->want, strlen(c->want), "dot-stuffing %s", c->name);
	for (size_t k = 0; k <= len && agree; k++) {
		got_len = stuff_in_pieces(c->in, len, k, len, got);
		agree = same_bytes(got, got_len, c->want, strlen(c->want));
	}
	ok(agree, "dot-stuffing %s: split in two at every position", c->name);
	got_len = stuff_in_pieces(c->in, len, 0, 1, got);
	is_bytes(got, got_len, c->want, strlen(c->want), "dot-stuffing %s: byte by byte", c->name);
}

static void test_stuff_mid_line(void)
{
	bool at_line_start = false;
	char out[8];
	size_t n = message_dotstuff(".x\r\n.", 5, &at_line_start, out);

	is_bytes(out, n, ".x\r\n..", 6, "dot-stuffing continues a line begun in the last block");
	ok(!at_line_start, "and ends mid-line");
}

/* ==================================================== message_read */

static void write_all_or_die(int fd, const char *text, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		text += n;
		len -= (size_t)n;
	}
}

/* An input file holding `text`, already unlinked and rewound. */
static int input_file(const char *text, size_t len)
{
	char path[] = "/tmp/postie-test-input.XXXXXX";
	int fd = mkstemp(path);

	if (fd < 0 || unlink(path) < 0)
		abort();
	write_all_or_die(fd, text, len);
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	return fd;
}

struct read_opts {
	bool ignore_dots, read_recipients, remove_bcc;
};

static int read_text(const char *text, size_t len, struct read_opts o,
                     struct message *msg, struct outcome *out)
{
	struct message_options opt = {
		.ignore_dots = o.ignore_dots, .read_recipients = o.read_recipients, .remove_bcc = o.remove_bcc,
	};
	int fd = input_file(text, len), rc;

	outcome_clear(out);
	rc = message_read(fd, &opt, msg, out);
	close(fd);
	return rc;
}

/* The spool read back from msg->fd, which must be rewound. NUL-terminated. */
static char *spool_content(const struct message *msg, size_t *len)
{
	char *text = malloc((size_t)msg->size + 1);
	size_t got = 0;

	if (!text)
		abort();
	while (got < (size_t)msg->size + 1) {
		ssize_t n = read(msg->fd, text + got, (size_t)msg->size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	text[got < (size_t)msg->size ? got : (size_t)msg->size] = '\0';
	*len = got;
	return text;
}

static void is_spool(const struct message *msg, const char *want, const char *what)
{
	size_t len;
	char *text;

	is_int(lseek(msg->fd, 0, SEEK_CUR), 0, "%s: spool rewound", what);
	text = spool_content(msg, &len);
	is_bytes(text, len, want, strlen(want), "%s: spool content", what);
	is_int(msg->size, strlen(want), "%s: size", what);
	free(text);
}

static void is_rcpts(const struct message *msg, const char *const *want, const char *what)
{
	size_t n = 0;
	bool same = true;

	while (want[n])
		n++;
	same = msg->header_rcpts.n == n;
	for (size_t i = 0; same && i < n; i++)
		same = strcmp(msg->header_rcpts.items[i], want[i]) == 0;
	ok(same, "%s: recipients", what);
	if (!same) {
		for (size_t i = 0; i < msg->header_rcpts.n; i++)
			printf("#   got:  %s\n", msg->header_rcpts.items[i]);
		for (size_t i = 0; i < n; i++)
			printf("#   want: %s\n", want[i]);
	}
}

static const struct read_opts plain = { false, false, false };
static const struct read_opts cut_bcc = { false, false, true };
static const struct read_opts take_rcpts = { false, true, false };
static const struct read_opts take_rcpts_cut_bcc = { false, true, true };
static const struct read_opts keep_dots = { true, false, false };

static const char folded_bcc[] =
	"From: a@example.org\n"
	"To: b@example.org\n"
	"Bcc: hidden@example.org,\n"
	"\tother@example.org\n"
	"Subject: hello\r\n"
	"RESENT-BCC: r@example.org\n"
	"\n"
	"Bcc: this is the body\n";

static void test_bcc_removed(void)
{
	struct message msg;
	struct outcome out;
	struct stat st;
	const char *head = "From: a@example.org\r\nTo: b@example.org\r\nSubject: hello\r\n";

	is_int(read_text(BYTES(folded_bcc), cut_bcc, &msg, &out), 0, "Bcc: message read");
	is_spool(&msg, "From: a@example.org\r\nTo: b@example.org\r\nSubject: hello\r\n"
	         "\r\nBcc: this is the body\r\n", "Bcc removed");
	is_bytes(msg.headers, msg.headers_len, head, strlen(head), "Bcc removed: msg->headers");
	is_str(msg.headers, head, "Bcc removed: msg->headers is a string");
	is_int(msg.lines, 5, "Bcc removed: lines counts what is spooled");
	ok(!msg.has_8bit, "Bcc removed: 7-bit");
	is_int(msg.header_rcpts.n, 0, "no -t: no header recipients");
	ok(fstat(msg.fd, &st) == 0 && (st.st_mode & 0777) == 0600 && st.st_nlink == 0,
	   "spool file is mode 0600 and already unlinked");
	message_free(&msg);
	is_int(msg.fd, -1, "message_free resets the fd");

	is_int(read_text(BYTES(folded_bcc), plain, &msg, &out), 0, "Bcc kept: message read");
	is_spool(&msg, "From: a@example.org\r\nTo: b@example.org\r\nBcc: hidden@example.org,\r\n"
	         "\tother@example.org\r\nSubject: hello\r\nRESENT-BCC: r@example.org\r\n"
	         "\r\nBcc: this is the body\r\n", "Bcc kept without remove_bcc");
	message_free(&msg);
	message_free(&msg);
	ok(1, "message_free twice is harmless");
}

static void test_header_recipients(void)
{
	static const char *const all[] = { "b@example.org", "c@example.org", "hidden@example.org",
	                                   "other@example.org", NULL };
	static const char *const from_folded[] = { "b@example.org", "hidden@example.org",
	                                           "other@example.org", NULL };
	static const char *const resent[] = { "r1@example.org", "r2@example.org", NULL };
	static const char *const merged[] = { "a@example.org", "b@example.org", NULL };
	static const char *const none[] = { NULL };
	struct message msg;
	struct outcome out;

	is_int(read_text(BYTES("To: B <b@example.org>\nCc: c@example.org\nSubject: x\n"
	                       "Bcc: hidden@example.org,\n other@example.org\n\n"
	                       "To: body@example.org\n"), take_rcpts, &msg, &out), 0, "-t: read");
	is_rcpts(&msg, all, "-t from To, Cc and folded Bcc");
	message_free(&msg);

	is_int(read_text(BYTES("To: b@example.org\nBcc: hidden@example.org,\n\tother@example.org\n"
	                       "Subject: s\n\nbody\n"), take_rcpts_cut_bcc, &msg, &out),
	       0, "-t and Bcc cut: read");
	is_rcpts(&msg, from_folded, "-t still sees the Bcc it cuts");
	is_spool(&msg, "To: b@example.org\r\nSubject: s\r\n\r\nbody\r\n", "-t and Bcc cut");
	message_free(&msg);

	is_int(read_text(BYTES(folded_bcc), take_rcpts_cut_bcc, &msg, &out), 0,
	       "-t with a Resent-Bcc: read");
	is_rcpts(&msg, (const char *const[]){ "r@example.org", NULL },
	         "-t: a Resent-Bcc alone makes the Resent-* fields the recipients");
	message_free(&msg);

	is_int(read_text(BYTES("To: t@example.org\nResent-To: r1@example.org\nCc: c@example.org\n"
	                       "resent-cc: r2@example.org\n\nbody\n"), take_rcpts, &msg, &out),
	       0, "-t resent: read");
	is_rcpts(&msg, resent, "-t with Resent-* takes only the Resent-* fields");
	message_free(&msg);

	is_int(read_text(BYTES("To: a@example.org, b@example.org\nCc: a@EXAMPLE.org\n"
	                       "Bcc: b@example.org\n\n"), take_rcpts, &msg, &out), 0, "-t dup: read");
	is_rcpts(&msg, merged, "-t merges duplicates");
	message_free(&msg);

	is_int(read_text(BYTES("not a header\nTo: x@example.org\n\n"), take_rcpts, &msg, &out),
	       0, "-t no header: read");
	is_rcpts(&msg, none, "-t: a first line that is not a field means no header section");
	is_int(msg.headers_len, 0, "no header section: headers_len 0");
	is_spool(&msg, "not a header\r\nTo: x@example.org\r\n\r\n", "no header section");
	message_free(&msg);

	is_int(read_text(BYTES("To: a@example.org\nbody line\nCc: b@example.org\n"), take_rcpts,
	                 &msg, &out), 0, "-t body without empty line: read");
	is_rcpts(&msg, (const char *const[]){ "a@example.org", NULL },
	         "-t: the header section ends at the first line that is not a field");
	is_str(msg.headers, "To: a@example.org\r\n", "header section without empty line");
	message_free(&msg);
}

static void test_bad_recipient_header(void)
{
	struct message msg;
	struct outcome out;

	is_int(read_text(BYTES("Subject: x\nTo: <a@example.org\n\n"), take_rcpts, &msg, &out), -1,
	       "-t: unparseable To fails");
	is_int(out.cls, OUTCOME_BAD_MESSAGE, "unparseable To: bad message");
	is_str(out.step, "message", "unparseable To: step");
	ok(strncmp(out.text, "cannot parse the To header: ", 28) == 0,
	   "unparseable To: text names the field (%s)", out.text);
	is_int(msg.fd, -1, "unparseable To: no spool");
	message_free(&msg);

	is_int(read_text(BYTES("To: ok@example.org\nResent-Cc: <a@example.org\n\n"), take_rcpts,
	                 &msg, &out), -1, "-t: unparseable Resent-Cc fails");
	ok(strncmp(out.text, "cannot parse the Resent-Cc header: ", 35) == 0,
	   "unparseable Resent-Cc: text names the field as written (%s)", out.text);
	message_free(&msg);

	is_int(read_text(BYTES("Subject: x\nTo: <a@example.org\n\n"), plain, &msg, &out), 0,
	       "without -t the To field is not parsed");
	message_free(&msg);
}

static void test_nul_byte(void)
{
	struct message msg;
	struct outcome out;

	is_int(read_text(BYTES("Subject: x\n\nline 3\nline\0 4\nline 5\n"), plain, &msg, &out), -1,
	       "NUL in the body fails");
	is_int(out.cls, OUTCOME_BAD_MESSAGE, "NUL: bad message");
	is_str(out.step, "message", "NUL: step");
	is_str(out.text, "line 4 contains a NUL byte", "NUL: names the line");
	is_int(msg.fd, -1, "NUL: no spool");
	ok(msg.headers == NULL, "NUL: no headers kept");
	message_free(&msg);

	is_int(read_text(BYTES("Sub\0ject: x\n\n"), take_rcpts, &msg, &out), -1, "NUL in a header");
	is_str(out.text, "line 1 contains a NUL byte", "NUL in a header: line 1");
	message_free(&msg);

	is_int(read_text(BYTES("a\rb\r\nc\n\0"), plain, &msg, &out), -1, "NUL after CR lines");
	is_str(out.text, "line 4 contains a NUL byte", "NUL: lone CRs count as lines");
	message_free(&msg);
}

static void test_empty_and_short(void)
{
	struct message msg;
	struct outcome out;

	is_int(read_text(BYTES(""), take_rcpts_cut_bcc, &msg, &out), 0, "empty input is a message");
	is_spool(&msg, "", "empty input");
	is_int(msg.lines, 0, "empty input: 0 lines");
	is_int(msg.headers_len, 0, "empty input: no header");
	ok(msg.headers && !*msg.headers, "empty input: headers is an empty string");
	message_free(&msg);

	is_int(read_text(BYTES("From: a@example.org\nSubject: s"), take_rcpts, &msg, &out), 0,
	       "headers only");
	is_spool(&msg, "From: a@example.org\r\nSubject: s\r\n", "headers only");
	is_str(msg.headers, "From: a@example.org\r\nSubject: s\r\n", "headers only: all header");
	is_int(msg.lines, 2, "headers only: 2 lines");
	message_free(&msg);

	is_int(read_text(BYTES("Subject: caf\xc3\xa9\n\n"), plain, &msg, &out), 0, "8-bit header");
	ok(msg.has_8bit, "8-bit header: has_8bit");
	message_free(&msg);
}

static void test_end_marker(void)
{
	static const char text[] = "Subject: x\n\nbody\n.\nafter\n";
	struct message msg;
	struct outcome out;

	is_int(read_text(BYTES(text), plain, &msg, &out), 0, "dot line: read");
	is_spool(&msg, "Subject: x\r\n\r\nbody\r\n", "a lone dot ends the message");
	is_int(msg.lines, 3, "dot line: 3 lines");
	message_free(&msg);

	is_int(read_text(BYTES(text), keep_dots, &msg, &out), 0, "dot line -i: read");
	is_spool(&msg, "Subject: x\r\n\r\nbody\r\n.\r\nafter\r\n", "with -i the dot is data");
	message_free(&msg);

	is_int(read_text(BYTES("To: a@example.org\n.\nCc: b@example.org\n"), take_rcpts, &msg, &out),
	       0, "dot inside the header: read");
	is_rcpts(&msg, (const char *const[]){ "a@example.org", NULL },
	         "a dot line ends the header section too");
	message_free(&msg);
}

/* A header section of exactly `len` spooled bytes: one long field. */
static char *header_of_size(size_t len, const char *body)
{
	size_t body_len = strlen(body);
	char *text = malloc(len + body_len + 1);

	if (!text)
		abort();
	memcpy(text, "X-Big: ", 7);
	memset(text + 7, 'a', len - 7 - 2);
	memcpy(text + len - 2, "\n", 1);
	memcpy(text + len - 1, body, body_len + 1);
	return text;   /* LF in, CRLF spooled: len - 1 input bytes, len spooled */
}

static void test_header_limit(void)
{
	struct message msg;
	struct outcome out;
	char *text;
	size_t len;

	text = header_of_size(MESSAGE_HEADER_MAX, "\nbody\n");
	is_int(read_text(text, strlen(text), plain, &msg, &out), 0, "header of exactly 1 MiB");
	is_int(msg.headers_len, MESSAGE_HEADER_MAX, "1 MiB header kept whole");
	is_int(msg.size, MESSAGE_HEADER_MAX + 8, "1 MiB header: size");
	message_free(&msg);
	free(text);

	text = header_of_size(MESSAGE_HEADER_MAX + 1, "\nbody\n");
	is_int(read_text(text, strlen(text), plain, &msg, &out), -1, "header of 1 MiB + 1 fails");
	is_int(out.cls, OUTCOME_BAD_MESSAGE, "header too large: bad message");
	is_str(out.step, "message", "header too large: step");
	is_str(out.text, "header section larger than 1 MiB", "header too large: text");
	is_int(msg.fd, -1, "header too large: no spool");
	message_free(&msg);
	free(text);

	/* Many fields, with no end in sight. */
	len = 3 * MESSAGE_HEADER_MAX;
	text = malloc(len);
	if (!text)
		abort();
	for (size_t i = 0; i < len; i += 16)
		memcpy(text + i, "X-Filler: abcde\n", 16);
	is_int(read_text(text, len, plain, &msg, &out), -1, "endless header fails");
	is_str(out.text, "header section larger than 1 MiB", "endless header: text");
	message_free(&msg);

	/* A short header, then one body line longer than the bound. */
	memcpy(text, "Subject: x\n", 11);
	for (size_t i = 11; i < len; i++)
		text[i] = i % 5 ? 'w' : ' ';
	is_int(read_text(text, len, plain, &msg, &out), 0, "a long body line is not header");
	is_str(msg.headers, "Subject: x\r\n", "long body line: header is the Subject");
	is_int(msg.size, len + 3, "long body line: size");
	message_free(&msg);
	free(text);
}

/* Several MiB of mixed line endings: the spool buffer fills and flushes. */
static void test_large_message(void)
{
	enum { LINES = 60000 };
	char *in = malloc(LINES * 64), *want = malloc(LINES * 64), *got;
	size_t in_len = 0, want_len = 0, got_len;
	static const char *const endings[] = { "\n", "\r\n", "\r" };
	struct message msg;
	struct outcome out;

	if (!in || !want)
		abort();
	in_len = (size_t)sprintf(in, "Subject: big\n\n");
	want_len = (size_t)sprintf(want, "Subject: big\r\n\r\n");
	for (int i = 0; i < LINES; i++) {
		in_len += (size_t)sprintf(in + in_len, "%s%d the quick brown fox%s",
		                          i % 7 ? "" : ".", i, endings[i % 3]);
		want_len += (size_t)sprintf(want + want_len, "%s%d the quick brown fox\r\n",
		                            i % 7 ? "" : ".", i);
	}
	is_int(read_text(in, in_len, plain, &msg, &out), 0, "large message: read");
	got = spool_content(&msg, &got_len);
	ok(same_bytes(got, got_len, want, want_len), "large message: spool content");
	is_int(msg.size, want_len, "large message: size");
	is_int(msg.lines, LINES + 2, "large message: lines");
	free(got);
	message_free(&msg);
	free(in);
	free(want);
}

/* Through a pipe, written in small pieces: the same spool as from a file. */
static void test_pipe_in_pieces(void)
{
	static const struct message_options opt = { .read_recipients = true, .remove_bcc = true };
	char *in = malloc(200000);
	size_t in_len, file_len, pipe_len;
	char *from_file, *from_pipe;
	struct message file_msg, pipe_msg;
	struct outcome out;
	int fds[2], status;
	pid_t writer;

	if (!in)
		abort();
	in_len = (size_t)sprintf(in, "%s", folded_bcc);
	while (in_len < 190000)
		in_len += (size_t)sprintf(in + in_len, "line %zu\r\n.dot\r", in_len);

	is_int(read_text(in, in_len, take_rcpts_cut_bcc, &file_msg, &out), 0, "pipe: file read");
	if (pipe(fds) < 0)
		abort();
	writer = fork();
	if (writer < 0)
		abort();
	if (writer == 0) {
		close(fds[0]);
		for (size_t pos = 0; pos < in_len; pos += 7)
			write_all_or_die(fds[1], in + pos, in_len - pos < 7 ? in_len - pos : 7);
		_exit(0);
	}
	close(fds[1]);
	outcome_clear(&out);
	is_int(message_read(fds[0], &opt, &pipe_msg, &out), 0, "pipe: read in small pieces");
	close(fds[0]);
	ok(waitpid(writer, &status, 0) == writer && WIFEXITED(status) && !WEXITSTATUS(status),
	   "pipe: writer finished");

	from_file = spool_content(&file_msg, &file_len);
	from_pipe = spool_content(&pipe_msg, &pipe_len);
	ok(same_bytes(from_file, file_len, from_pipe, pipe_len), "pipe: same spool as from a file");
	ok(pipe_msg.header_rcpts.n == 1 && file_msg.header_rcpts.n == 1 &&
	   !strcmp(pipe_msg.header_rcpts.items[0], file_msg.header_rcpts.items[0]),
	   "pipe: same recipients");
	is_int(pipe_msg.lines, file_msg.lines, "pipe: same line count");
	is_str(pipe_msg.headers, file_msg.headers, "pipe: same header section");
	free(from_file);
	free(from_pipe);
	message_free(&file_msg);
	message_free(&pipe_msg);
	free(in);
}

static void test_local_failures(const char *spool_dir)
{
	static const struct message_options opt = { .ignore_dots = false };
	struct message msg;
	struct outcome out;
	char missing[4096];
	int dir_fd;

	snprintf(missing, sizeof(missing), "%s/missing", spool_dir);
	setenv("TMPDIR", missing, 1);
	is_int(read_text(BYTES("Subject: x\n\nbody\n"), plain, &msg, &out), -1,
	       "missing spool directory fails");
	is_int(out.cls, OUTCOME_CANT_CREATE, "missing spool directory: cannot create");
	is_str(out.step, "message", "missing spool directory: step");
	ok(strstr(out.text, missing) && strstr(out.text, strerror(ENOENT)),
	   "missing spool directory: names it and why (%s)", out.text);
	is_int(msg.fd, -1, "missing spool directory: no spool");
	message_free(&msg);
	setenv("TMPDIR", spool_dir, 1);

	dir_fd = open(spool_dir, O_RDONLY | O_DIRECTORY);
	if (dir_fd < 0)
		abort();
	outcome_clear(&out);
	is_int(message_read(dir_fd, &opt, &msg, &out), -1, "read error fails");
	close(dir_fd);
	is_int(out.cls, OUTCOME_IO, "read error: I/O");
	is_str(out.step, "message", "read error: step");
	ok(strncmp(out.text, "reading standard input: ", 24) == 0, "read error: text (%s)", out.text);
	message_free(&msg);
}

static bool directory_is_empty(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *entry;
	bool empty = true;

	if (!dir)
		return false;
	while ((entry = readdir(dir)))
		if (strcmp(entry->d_name, ".") && strcmp(entry->d_name, ".."))
			empty = false;
	closedir(dir);
	return empty;
}

/* ---- the header edit: what the caller's hook asks for is applied ---- */

struct edit_case {
	const char *desc;
	const char *input;
	struct message_edit edit;
	const char *want;
	const char *hook_saw;       /* the header section the hook was given */
};

static const struct edit_case edit_cases[] = {
	{ "fields appended at the end of the header section",
	  "Subject: s\nTo: a@x\n\nbody\n", { .append = "X-Added: 1\r\n", .append_len = 12 },
	  "Subject: s\r\nTo: a@x\r\nX-Added: 1\r\n\r\nbody\r\n", "Subject: s\r\nTo: a@x\r\n" },
	{ "no header at all: an empty line keeps the text out of the added fields",
	  "hello\nworld\n", { .append = "X-Added: 1\r\n", .append_len = 12 },
	  "X-Added: 1\r\n\r\nhello\r\nworld\r\n", "" },
	{ "headers only, no body: nothing more is added",
	  "Subject: s\n", { .append = "X-Added: 1\r\n", .append_len = 12 },
	  "Subject: s\r\nX-Added: 1\r\n", "Subject: s\r\n" },
	{ "empty input: just the added fields",
	  "", { .append = "X-Added: 1\r\n", .append_len = 12 }, "X-Added: 1\r\n", "" },
	{ "no edit: a message without header is left as it is",
	  "hello\n", { 0 }, "hello\r\n", "" },
	{ "drop_from removes every From, folded lines and all",
	  "From: a@x\nTo: b@x\nfrom: c\n  folded\n\nbody\n", { .drop_from = true },
	  "To: b@x\r\n\r\nbody\r\n", NULL },
	{ "drop_recipients removes To, Cc and Bcc",
	  "To: a@x\nCc: b@x\nBcc: c@x\nSubject: s\n\nbody\n", { .drop_recipients = true },
	  "Subject: s\r\n\r\nbody\r\n", NULL },
	{ "drop_bcc keeps To and Cc",
	  "To: a@x\nBcc: c@x\nResent-Bcc: d@x\n\nbody\n", { .drop_bcc = true },
	  "To: a@x\r\n\r\nbody\r\n", NULL },
};

struct edit_hook {
	const struct edit_case *c;
	char saw[256];
	int calls;
};

static int apply_edit_case(void *ctx, const char *hdr, size_t len,
                           const struct address_list *rcpts, struct message_edit *edit,
                           struct outcome *out)
{
	struct edit_hook *h = ctx;

	(void)rcpts;
	(void)out;
	h->calls++;
	snprintf(h->saw, sizeof(h->saw), "%.*s", (int)len, hdr);
	*edit = h->c->edit;
	return 0;
}

static int refuse_headers(void *ctx, const char *hdr, size_t len,
                          const struct address_list *rcpts, struct message_edit *edit,
                          struct outcome *out)
{
	(void)ctx; (void)hdr; (void)len; (void)rcpts; (void)edit;
	return outcome_fail(out, OUTCOME_CONFIG, "config", "no account for this sender");
}

static void test_header_edits(void)
{
	for (size_t i = 0; i < sizeof(edit_cases) / sizeof(edit_cases[0]); i++) {
		const struct edit_case *c = &edit_cases[i];
		struct edit_hook hook = { .c = c };
		const struct message_options opt = { .ignore_dots = true, .on_headers = apply_edit_case,
		                                     .ctx = &hook };
		struct message msg;
		struct outcome out;
		int fd = input_file(c->input, strlen(c->input));

		outcome_clear(&out);
		ok(message_read(fd, &opt, &msg, &out) == 0, "%s: read", c->desc);
		close(fd);
		is_int(hook.calls, 1, "%s: the hook ran once", c->desc);
		if (c->hook_saw)
			is_str(hook.saw, c->hook_saw, "%s: the hook saw the header section", c->desc);
		is_spool(&msg, c->want, c->desc);
		message_free(&msg);
	}

	struct message msg;
	struct outcome out;
	const struct message_options refusing = { .on_headers = refuse_headers };
	int fd = input_file("Subject: s\n\nbody\n", strlen("Subject: s\n\nbody\n"));

	outcome_clear(&out);
	ok(message_read(fd, &refusing, &msg, &out) == -1 && out.cls == OUTCOME_CONFIG &&
	   !strcmp(out.text, "no account for this sender"),
	   "a hook's failure stops the reading with its outcome");
	ok(msg.fd < 0, "and leaves no spool file open");
	close(fd);
}

/* An mbox "From " separator as the first line is dropped; a body that
 * merely starts with "From " is not. */
static void test_mbox_from_line(void)
{
	static const struct {
		const char *desc, *input, *want;
	} cases[] = {
		{ "mbox separator dropped", "From alice@example.org Tue Dec  1 10:00:00 2026\n"
		  "To: bob@example.org\nSubject: s\n\nbody\n",
		  "To: bob@example.org\r\nSubject: s\r\n\r\nbody\r\n" },
		{ "MAILER-DAEMON separator dropped", "From MAILER-DAEMON Sun Nov 29 23:59:59 2026\n\nx\n",
		  "\r\nx\r\n" },
		{ "a body starting with From kept", "From now on, mail goes to ops\n",
		  "From now on, mail goes to ops\r\n" },
		{ "a From: field kept", "From: a@x\n\nbody\n", "From: a@x\r\n\r\nbody\r\n" },
		{ "only the first line", "Subject: s\nFrom a@x Mon Jan  1 00:00:00 2026\n",
		  "Subject: s\r\nFrom a@x Mon Jan  1 00:00:00 2026\r\n" },
	};
	struct message msg;
	struct outcome out;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok(read_text(cases[i].input, strlen(cases[i].input), (struct read_opts){ .ignore_dots = true },
		             &msg, &out) == 0, "%s: read", cases[i].desc);
		is_spool(&msg, cases[i].want, cases[i].desc);
		message_free(&msg);
	}
	ok(read_text("From alice@example.org Tue Dec  1 10:00:00 2026\nTo: bob@example.org\n\nx\n",
	             strlen("From alice@example.org Tue Dec  1 10:00:00 2026\nTo: bob@example.org\n\nx\n"),
	             (struct read_opts){ .read_recipients = true }, &msg, &out) == 0 &&
	   msg.header_rcpts.n == 1 && !strcmp(msg.header_rcpts.items[0], "bob@example.org"),
	   "-t finds the recipients after an mbox separator");
	message_free(&msg);
}

int main(void)
{
	char spool_dir[] = "/tmp/postie-test-spool.XXXXXX";

	for (size_t i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++)
		test_norm_case(&norm_cases[i]);
	test_norm_random();
	test_norm_consumed();
	for (size_t i = 0; i < sizeof(stuff_cases) / sizeof(stuff_cases[0]); i++)
		test_stuff_case(&stuff_cases[i]);
	test_stuff_mid_line();

	/* Every spool file goes to a private directory that must stay empty. */
	if (!mkdtemp(spool_dir) || setenv("TMPDIR", spool_dir, 1) < 0)
		abort();
	test_bcc_removed();
	test_header_recipients();
	test_bad_recipient_header();
	test_nul_byte();
	test_empty_and_short();
	test_end_marker();
	test_header_limit();
	test_large_message();
	test_pipe_in_pieces();
	test_local_failures(spool_dir);
	test_header_edits();
	test_mbox_from_line();
	ok(directory_is_empty(spool_dir), "no spool file is ever left behind");
	rmdir(spool_dir);
	return tap_done();
}
