/* headers.c - decide which header fields postie adds or drops.
 *
 * Nothing here touches the spool: headers_plan() reads the header section
 * and returns the fields to append and the ones to drop; message.c applies
 * that. The display name from -F is the one piece of user text that goes
 * into a header, so it is either passed as atoms, quoted, or RFC 2047
 * encoded, and control characters never get in (no header injection). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>

#include "address.h"
#include "headers.h"
#include "mime.h"
#include "strbuf.h"
#include "message.h"

#define FIELD_LINE_MAX 78         /* RFC 5322 2.1.1: SHOULD, CRLF excluded */
#define ENCODED_LINE_MAX 76       /* RFC 2047 2: a line holding an encoded-word */
#define MSGID_RANDOM_BYTES 16     /* 128 bits */

/* ================================================================ text */

/* Output into a fixed buffer that counts what did not fit: `len` keeps
 * growing past `size`, so one pass tells both the text and its length. */
struct sink {
	char *buf;
	size_t size, len;
};

static void sink_put(struct sink *s, const char *text, size_t n)
{
	if (s->len + n < s->size)
		memcpy(s->buf + s->len, text, n);
	s->len += n;
}

static void sink_putc(struct sink *s, char c)
{
	sink_put(s, &c, 1);
}

/* NUL-terminate; false when the text did not fit. */
static bool sink_finish(struct sink *s)
{
	if (s->len >= s->size)
		return false;
	s->buf[s->len] = '\0';
	return true;
}

/* Append to the fields being built: -1 once memory ran out. */
static int text_put(struct strbuf *t, const char *s, size_t n)
{
	strbuf_add(t, s, n);
	return t->failed ? -1 : 0;
}

/* Append the NULL-terminated list of strings. */
static int text_put_all(struct strbuf *t, const char *const *parts)
{
	for (; *parts; parts++)
		if (text_put(t, *parts, strlen(*parts)) < 0)
			return -1;
	return 0;
}

/* Append `field` (no final CRLF; it may hold CRLF SP folds already) and
 * CRLF, breaking before a space wherever a line would pass FIELD_LINE_MAX
 * (ENCODED_LINE_MAX when the field holds encoded-words). Only the first space of a run is a break point, so no line is blank; the
 * space after "Name:" is none either (a break there gains nothing). */
static int text_put_folded(struct strbuf *t, const char *field)
{
	const char *p = field;
	size_t line = 0, segments = 0;
	size_t max = strstr(field, "=?") ? ENCODED_LINE_MAX : FIELD_LINE_MAX;

	while (*p) {
		size_t word = 0;

		if (p[0] == '\r' && p[1] == '\n') {
			if (text_put(t, "\r\n", 2) < 0)
				return -1;
			line = 0;
			p += 2;
			continue;
		}
		/* One segment: its leading spaces, then up to the next space or CR. */
		while (p[word] == ' ')
			word++;
		while (p[word] && p[word] != ' ' && p[word] != '\r')
			word++;
		if (word == 0)
			word = 1;  /* a lone CR: not in our own text; keep it as it is */
		if (p[0] == ' ' && segments > 1 && line > 0 && line + word > max) {
			if (text_put(t, "\r\n", 2) < 0)
				return -1;
			line = 0;
		}
		if (text_put(t, p, word) < 0)
			return -1;
		line += word;
		p += word;
		segments++;
	}
	return text_put(t, "\r\n", 2);
}

/* ============================================================ characters */

/* RFC 5322 atext. */
static bool is_atext(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* ========================================================= display names */

/* The -F name's own checks, in the order the reader meets its characters:
 * a broken UTF-8 sequence before the first control character is reported
 * as such. (mime_phrase refuses both, without saying which.) */
static int check_full_name(const char *name, size_t len, struct outcome *out)
{
	size_t control = 0;

	/* Plain and quoted names fold only at spaces: a long word could pass
	 * the 998-octet line limit of RFC 5322. No real name is this long. */
	if (len > HEADERS_NAME_MAX)
		return outcome_fail(out, OUTCOME_USAGE, "message",
		                    "the full name given with -F is longer than %d bytes",
		                    HEADERS_NAME_MAX);
	while (control < len && !is_control((unsigned char)name[control]))
		control++;
	if (!mime_utf8_valid(name, control))
		return outcome_fail(out, OUTCOME_USAGE, "message",
		                    "the full name given with -F is not valid UTF-8");
	if (control < len)
		return outcome_fail(out, OUTCOME_USAGE, "message",
		                    "the full name given with -F contains a control "
		                    "character; give it on one line without tabs");
	return 0;
}

int headers_encode_display_name(const char *name, char *buf, size_t size,
                                struct outcome *out)
{
	struct strbuf phrase = { 0 };
	size_t len = strlen(name);

	if (check_full_name(name, len, out) < 0)
		return -1;
	if (mime_phrase(&phrase, name, len) < 0 || phrase.failed) {
		strbuf_free(&phrase);
		return outcome_fail(out, OUTCOME_OS, "message",
		                    "cannot encode the full name: out of memory");
	}
	if (phrase.len >= size) {
		strbuf_free(&phrase);
		return outcome_fail(out, OUTCOME_USAGE, "message",
		                    "the full name given with -F is too long");
	}
	memcpy(buf, phrase.data ? phrase.data : "", phrase.len + 1);
	strbuf_free(&phrase);
	return 0;
}

/* ================================================================== Date */

size_t headers_format_date(time_t t, char *buf, size_t size)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long zone;
	int n;

	if (!localtime_r(&t, &tm) || tm.tm_wday < 0 || tm.tm_wday > 6 ||
	    tm.tm_mon < 0 || tm.tm_mon > 11)
		return 0;
	zone = tm.tm_gmtoff / 60;
	n = snprintf(buf, size, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
	             days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	             tm.tm_hour, tm.tm_min, tm.tm_sec, zone < 0 ? '-' : '+',
	             labs(zone) / 60, labs(zone) % 60);
	if (n < 0 || (size_t)n >= size)
		return 0;
	return (size_t)n;
}

/* ============================================================ Message-ID */

/* RFC 5322 dot-atom-text: atext runs joined by single dots. */
static bool is_dot_atom(const char *s)
{
	bool after_dot = true;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s == '.') {
			if (after_dot)
				return false;
			after_dot = true;
		} else if (is_atext((unsigned char)*s)) {
			after_dot = false;
		} else {
			return false;
		}
	}
	return !after_dot;
}

static bool has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return true;
	return false;
}

/* Lower-case RFC 4648 base32 without padding: letters and digits only,
 * safe in a dot-atom and the same whatever the reader's case folding. */
static void put_base32(struct sink *s, const unsigned char *bytes, size_t n)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	uint32_t bits = 0;
	int held = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		bits = (bits << 8) | bytes[i];
		held += 8;
		while (held >= 5) {
			held -= 5;
			sink_putc(s, alphabet[(bits >> held) & 31]);
		}
	}
	if (held > 0)
		sink_putc(s, alphabet[(bits << (5 - held)) & 31]);
}

static bool put_message_id(char *buf, size_t size, const unsigned char *random,
                           const char *domain)
{
	struct sink s = { buf, size, 0 };
	char stamp[32];

	snprintf(stamp, sizeof(stamp), "<%lld.", (long long)time(NULL));
	sink_put(&s, stamp, strlen(stamp));
	put_base32(&s, random, MSGID_RANDOM_BYTES);
	sink_putc(&s, '@');
	sink_put(&s, domain, strlen(domain));
	sink_putc(&s, '>');
	return sink_finish(&s);
}

int headers_make_message_id(const char *domain, char *buf, size_t size,
                            struct outcome *out)
{
	unsigned char random[MSGID_RANDOM_BYTES];
	char *ascii = NULL, err[128];
	bool done = false;

	if (gnutls_rnd(GNUTLS_RND_NONCE, random, sizeof(random)) < 0)
		return outcome_fail(out, OUTCOME_OS, "message",
		                    "cannot get random bytes for a Message-ID");
	if (domain && has_8bit(domain) &&
	    address_host_to_ascii(domain, &ascii, err, sizeof(err)) == 0)
		domain = ascii;
	if (domain && is_dot_atom(domain))
		done = put_message_id(buf, size, random, domain);
	if (!done)
		done = put_message_id(buf, size, random, "localhost");
	free(ascii);
	if (!done)
		return outcome_fail(out, OUTCOME_INTERNAL, "message",
		                    "no room for a Message-ID (%zu bytes)", size);
	return 0;
}

/* ================================================================== plan */

enum from_mode { FROM_AUTO, FROM_ON, FROM_OFF };

static int parse_from_mode(const char *value, enum from_mode *mode, struct outcome *out)
{
	if (!value || strcmp(value, "auto") == 0)
		*mode = FROM_AUTO;
	else if (strcmp(value, "on") == 0)
		*mode = FROM_ON;
	else if (strcmp(value, "off") == 0)
		*mode = FROM_OFF;
	else
		return outcome_fail(out, OUTCOME_CONFIG, "config",
		                    "set_from_header must be auto, on or off, not \"%s\"", value);
	return 0;
}

/* What the message already has. */
struct present {
	bool from, date, message_id;
};

/* The value of a Message-ID field, unfolded and trimmed, cut to fit (never
 * inside a UTF-8 character). */
static void copy_message_id(const struct header_field *f, char *id, size_t size)
{
	const char *v = f->value, *end = f->value + f->value_len;
	size_t n = 0;

	while (v < end && (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
	                   end[-1] == '\n'))
		end--;
	for (; v < end && n + 1 < size; v++)
		if (*v != '\r' && *v != '\n')
			id[n++] = *v;
	/* Cut inside a UTF-8 character: drop its first bytes as well. */
	if (v < end && ((unsigned char)*v & 0xc0) == 0x80) {
		while (n > 0 && ((unsigned char)id[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
	}
	id[n] = '\0';
}

static void scan_header(const char *hdr, size_t len, struct present *has,
                        struct header_plan *plan)
{
	struct header_field f;
	size_t pos = 0;

	memset(has, 0, sizeof(*has));
	while (header_next(hdr, len, &pos, &f) == 1) {
		if (header_is(&f, "From")) {
			has->from = true;
		} else if (header_is(&f, "Date")) {
			has->date = true;
		} else if (header_is(&f, "Message-ID") && !has->message_id) {
			has->message_id = true;
			copy_message_id(&f, plan->message_id, sizeof(plan->message_id));
		}
	}
}

static bool is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			return false;
	return true;
}

/* The display name for `full_name` in a malloc'd string. Encoded-words
 * grow a name at most about 1.8 times, quoting twice: 3n + 128 is room. */
static char *display_name(const char *full_name, struct outcome *out)
{
	size_t size = 3 * strlen(full_name) + 128;
	char *display = malloc(size);

	if (!display) {
		outcome_fail(out, OUTCOME_OS, "message", "out of memory");
		return NULL;
	}
	if (headers_encode_display_name(full_name, display, size, out) < 0) {
		free(display);
		return NULL;
	}
	return display;
}

/* "From: ADDR" or "From: DISPLAY <ADDR>", unfolded. */
static int put_from_field(struct strbuf *field, const char *display, const char *address)
{
	const char *with_name[] = { "From: ", display, " <", address, ">", NULL };
	const char *bare[] = { "From: ", address, NULL };

	return text_put_all(field, display ? with_name : bare);
}

/* Add the From field, folded. */
static int add_from(struct strbuf *t, const char *address, const char *full_name,
                    struct outcome *out)
{
	struct strbuf field = { 0 };
	char *display = NULL;
	size_t i;
	int rc;

	for (i = 0; address[i]; i++)
		if (is_control((unsigned char)address[i]))
			return outcome_fail(out, OUTCOME_USAGE, "message",
			                    "the sender address contains a control character");
	if (full_name && !is_blank(full_name)) {
		display = display_name(full_name, out);
		if (!display)
			return -1;
	}
	rc = put_from_field(&field, display, address);
	if (rc == 0)
		rc = text_put_folded(t, field.data);
	free(display);
	free(field.data);
	if (rc < 0)
		return outcome_fail(out, OUTCOME_OS, "message", "out of memory");
	return 0;
}

static int add_field(struct strbuf *t, const char *field, struct outcome *out)
{
	if (text_put_folded(t, field) < 0)
		return outcome_fail(out, OUTCOME_OS, "message", "out of memory");
	return 0;
}

static int add_date(struct strbuf *t, time_t now, struct outcome *out)
{
	char field[64] = "Date: ";
	size_t prefix = strlen(field);

	if (headers_format_date(now, field + prefix, sizeof(field) - prefix) == 0)
		return outcome_fail(out, OUTCOME_INTERNAL, "message",
		                    "cannot format the current time for a Date field");
	return add_field(t, field, out);
}

static int add_message_id(struct strbuf *t, const char *domain, struct header_plan *plan,
                          struct outcome *out)
{
	char field[sizeof("Message-ID: ") + HEADERS_MSGID_MAX];

	if (headers_make_message_id(domain, plan->message_id, sizeof(plan->message_id),
	                            out) < 0)
		return -1;
	snprintf(field, sizeof(field), "Message-ID: %s", plan->message_id);
	return add_field(t, field, out);
}

static int build_plan(const struct present *has, enum from_mode from_mode,
                      const struct header_policy *p, struct header_plan *plan,
                      struct strbuf *t, struct outcome *out)
{
	bool sender = p->from_address && *p->from_address;

	if (sender && (from_mode == FROM_ON || (from_mode == FROM_AUTO && !has->from))) {
		plan->drop_from = from_mode == FROM_ON;
		if (add_from(t, p->from_address, p->full_name, out) < 0)
			return -1;
	}
	if (p->undisclosed_recipients) {
		plan->drop_recipients = true;
		if (add_field(t, "To: undisclosed-recipients:;", out) < 0)
			return -1;
	}
	if (p->set_date && !has->date && add_date(t, p->now, out) < 0)
		return -1;
	if (p->set_msgid && !has->message_id &&
	    add_message_id(t, p->msgid_domain, plan, out) < 0)
		return -1;
	return 0;
}

int headers_plan(const char *hdr, size_t len, const struct header_policy *p,
                 struct header_plan *plan, struct outcome *out)
{
	struct strbuf t = { 0 };
	struct present has;
	enum from_mode from_mode = FROM_AUTO;

	memset(plan, 0, sizeof(*plan));
	if (parse_from_mode(p->set_from_header, &from_mode, out) < 0)
		return -1;
	scan_header(hdr, len, &has, plan);
	if (build_plan(&has, from_mode, p, plan, &t, out) < 0) {
		free(t.data);
		memset(plan, 0, sizeof(*plan));
		return -1;
	}
	plan->added = t.data;
	plan->added_len = t.len;
	return 0;
}

void headers_plan_free(struct header_plan *plan)
{
	free(plan->added);
	memset(plan, 0, sizeof(*plan));
}
