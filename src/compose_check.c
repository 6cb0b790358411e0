/* compose_check.c - the checks on a composed message's arguments that
 * need nothing read: --subject, the recipients and --cc, --charset, each
 * --header (and the fields postie writes itself, with the option to use
 * instead), and each --attach spec, parsed here for compose.c too. Every
 * refusal is OUTCOME_USAGE, step "usage", and names the argument. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE       /* strndup */
#endif
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "address.h"
#include "compose.h"
#include "compose_internal.h"
#include "mime.h"

#define STEP_USAGE "usage"
#define CHARSET_MAX 40

int compose_out_of_memory(struct outcome *out, const char *step)
{
	return outcome_fail(out, OUTCOME_OS, step, "out of memory");
}

/* A C0 control (tab allowed when `tab_ok`), DEL, or a C1 control (U+0080
 * to U+009F, bytes C2 80..C2 9F in UTF-8). */
static bool has_control(const char *s, bool tab_ok)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if ((*p < 0x20 && !(tab_ok && *p == '\t')) || *p == 0x7f)
			return true;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			return true;
	}
	return false;
}

/* What is wrong with a piece of text we will put in a header, or NULL. */
static const char *text_problem(const char *s, bool tab_ok)
{
	if (!mime_utf8_valid(s, strlen(s)))
		return "is not valid UTF-8";
	if (has_control(s, tab_ok))
		return "holds a control character";
	return NULL;
}

/* RFC 2045 token: printable ASCII but space and tspecials. */
static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

static bool charset_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > CHARSET_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		             (c >= '0' && c <= '9');

		if (!alnum && !strchr("!#$%&'+^_`{}~.-", c))
			return false;
	}
	return true;
}

/* "type/subtype", both RFC 2045 tokens. */
static bool media_type_valid(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	size_t major;

	if (!slash || len > MEDIA_TYPE_MAX)
		return false;
	major = (size_t)(slash - s);
	if (major == 0 || major + 1 == len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (i != major && !is_token_char((unsigned char)s[i]))
			return false;
	return true;
}

static int check_subject(const char *subject, struct outcome *out)
{
	const char *problem = text_problem(subject, true);

	if (problem)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "--subject %s; a subject is one line of UTF-8 text", problem);
	return 0;
}

/* What compose_header.c can write of an argument the parser accepted: one
 * "Name <address>" with any name (encoded), or text as given that is ASCII
 * outside its addresses; names of at most DISPLAY_NAME_MAX octets; no run
 * that no fold can break over ADDRESS_PIECE_MAX. */
static int check_writable(const char *what, const char *arg, struct outcome *out)
{
	struct named_mailbox m;
	struct address_scan scan;
	int named = compose_named_mailbox(arg, &m);
	size_t name_len = 0;

	if (named < 0)
		return compose_out_of_memory(out, STEP_USAGE);
	if (named) {
		name_len = strlen(m.name);
		free(m.name);
		compose_address_scan(m.angle, m.angle_len, &scan);
	} else {
		compose_address_scan(arg, strlen(arg), &scan);
		name_len = scan.longest_name;
	}
	if (scan.non_ascii_name)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "%s '%.*s': give a non-ASCII name as one 'Name <address>' per "
		                    "argument", what, SHOWN, arg);
	if (name_len > DISPLAY_NAME_MAX)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "%s '%.*s...': a display name is longer than %d octets", what,
		                    SHOWN, arg, DISPLAY_NAME_MAX);
	if (scan.longest_piece > ADDRESS_PIECE_MAX)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "%s '%.*s...': over %d octets without a space, too long for a "
		                    "header line", what, SHOWN, arg, ADDRESS_PIECE_MAX);
	return 0;
}

/* A recipient argument (or the value of an address field): clean text
 * that the address parser reads as one or more mailboxes, and that can be
 * written. `what` is "recipient", "--cc" or "--header NAME". */
static int check_recipient(const char *what, const char *arg, struct outcome *out)
{
	struct address_list list = { 0 };
	const char *problem = text_problem(arg, true);
	char err[128] = "";
	size_t n;
	int rc;

	if (problem)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE, "invalid %s '%.*s': it %s",
		                    what, SHOWN, arg, problem);
	rc = address_list_parse(arg, strlen(arg), &list, err, sizeof(err));
	n = list.n;
	address_list_free(&list);
	if (rc < 0)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE, "invalid %s '%.*s': %s",
		                    what, SHOWN, arg, err);
	if (n == 0)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "invalid %s '%.*s': no address in it", what, SHOWN, arg);
	return check_writable(what, arg, out);
}

/* ---- --header ---- */

int compose_header_split(const char *arg, struct header_arg *h)
{
	const char *colon = strchr(arg, ':');

	if (!colon)
		return -1;
	h->name = arg;
	h->name_len = (size_t)(colon - arg);
	h->value = colon + 1;
	while (*h->value == ' ' || *h->value == '\t')
		h->value++;
	return 0;
}

/* Fields postie writes itself, and where they come from instead. */
struct owned_field {
	const char *name;
	bool prefix;            /* matches every field starting with `name` */
	const char *instead;
};

#define TO_CC_BCC "To/Cc/Bcc come from the recipients, --cc and --bcc"
#define MIME_FIELDS "MIME fields are written by postie (see --attach and --charset)"

static const struct owned_field owned_fields[] = {
	{ "From", false, "From is set with -f/-F or the account's from" },
	{ "To", false, TO_CC_BCC },
	{ "Cc", false, TO_CC_BCC },
	{ "Bcc", false, TO_CC_BCC },
	{ "Subject", false, "Subject is set with --subject" },
	{ "Date", false, "Date is written by postie when it sends" },
	{ "Message-ID", false, "Message-ID is written by postie when it sends" },
	{ "MIME-Version", false, MIME_FIELDS },
	{ "Content-", true, MIME_FIELDS },
	{ "Return-Path", false, "Return-Path is added by the server that delivers the message" },
	{ "Received", false, "Received is added by the servers the message passes" },
	{ "Resent-", true, "Resent- fields are for resending a message, not for composing one" },
};

static const struct owned_field *owned_field(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(owned_fields) / sizeof(owned_fields[0]); i++) {
		const struct owned_field *f = &owned_fields[i];
		size_t flen = strlen(f->name);

		if (f->prefix ? len >= flen && strncasecmp(name, f->name, flen) == 0
		              : len == flen && strncasecmp(name, f->name, flen) == 0)
			return f;
	}
	return NULL;
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* The value as its kind of field needs it (compose_field_kind). */
static int check_header_value(const char *arg, const struct header_arg *h,
                              struct outcome *out)
{
	char what[SHOWN + 16];
	int shown = (int)(h->name_len < SHOWN ? h->name_len : SHOWN);

	switch (compose_field_kind(h->name, h->name_len)) {
	case FIELD_ADDRESS:
		snprintf(what, sizeof(what), "--header %.*s", shown, h->name);
		return check_recipient(what, h->value, out);
	case FIELD_STRUCTURED:
		if (!is_ascii(h->value))
			return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
			                    "--header '%.*s': %.*s is a structured field; its value "
			                    "must be ASCII", SHOWN, arg, shown, h->name);
		return 0;
	case FIELD_UNSTRUCTURED:
		break;
	}
	return 0;
}

static int check_header(const char *arg, struct outcome *out)
{
	const struct owned_field *owned;
	struct header_arg h;
	const char *problem;

	if (strchr(arg, '\r') || strchr(arg, '\n'))
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "--header '%.*s' holds a line break; give each field as one "
		                    "'Name: value' line", SHOWN, arg);
	if (strlen(arg) > LINE_OCTETS_MAX)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "--header '%.*s...' is over %d octets", SHOWN, arg,
		                    LINE_OCTETS_MAX);
	if (compose_header_split(arg, &h) < 0)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "--header '%.*s' is not 'Name: value'", SHOWN, arg);
	if (h.name_len == 0)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "--header '%.*s' has no field name before the ':'", SHOWN, arg);
	if (!mime_field_name_valid(h.name, h.name_len))
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "--header '%.*s': '%.*s' is not a field name", SHOWN, arg,
		                    (int)(h.name_len < SHOWN ? h.name_len : SHOWN), h.name);
	owned = owned_field(h.name, h.name_len);
	if (owned)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE, "--header: %s", owned->instead);
	problem = text_problem(h.value, true);
	if (problem)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE, "--header '%.*s': the value %s",
		                    SHOWN, arg, problem);
	return check_header_value(arg, &h, out);
}

/* ---- --attach ---- */

bool compose_type_is_composite(const char *type)
{
	return strncasecmp(type, "multipart/", 10) == 0 ||
	       (strncasecmp(type, "message/", 8) == 0 &&
	        strncasecmp(type, "message/global", 14) != 0);
}

void compose_attachment_free(struct attachment *a)
{
	free(a->path);
	free(a->filename);
	free(a->type);
	if (a->fd >= 0)
		close(a->fd);
	a->path = a->filename = a->type = NULL;
	a->fd = -1;
}

/* Where the ";key=value" parts start: the first ";type=" or ";name=". */
static const char *first_parameter(const char *spec)
{
	const char *type = strstr(spec, ";type="), *name = strstr(spec, ";name=");

	if (!type || !name)
		return type ? type : name;
	return type < name ? type : name;
}

static int attach_fail(const struct attachment *a, struct outcome *out, const char *what)
{
	return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE, "--attach '%.*s': %s", SHOWN,
	                    a->spec, what);
}

/* One ";key=value" part of `a->spec` at [p, end). */
static int attachment_parameter(struct attachment *a, const char *p, const char *end,
                                struct outcome *out)
{
	const char *eq = memchr(p, '=', (size_t)(end - p));
	size_t key_len = eq ? (size_t)(eq - p) : 0;
	char **slot = NULL;

	if (eq && key_len == 4 && memcmp(p, "type", 4) == 0)
		slot = &a->type;
	else if (eq && key_len == 4 && memcmp(p, "name", 4) == 0)
		slot = &a->filename;
	if (!slot) {
		char what[SHOWN + 64];
		size_t len = (size_t)(end - p);

		snprintf(what, sizeof(what), "unknown part ';%.*s' (use ;type=TYPE/SUBTYPE or "
		         ";name=NAME)", (int)(len < SHOWN ? len : SHOWN), p);
		return attach_fail(a, out, what);
	}
	if (*slot)
		return attach_fail(a, out, slot == &a->type ? ";type= is given twice"
		                                            : ";name= is given twice");
	*slot = strndup(eq + 1, (size_t)(end - eq - 1));
	return *slot ? 0 : compose_out_of_memory(out, STEP_USAGE);
}

/* A ";key=" in `path` that looks like a misspelt parameter, or NULL. */
static const char *parameter_in_path(const char *path)
{
	for (const char *semi = strchr(path, ';'); semi; semi = strchr(semi + 1, ';')) {
		size_t key = strspn(semi + 1, "abcdefghijklmnopqrstuvwxyz"
		                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");

		if (key > 0 && semi[1 + key] == '=')
			return semi;
	}
	return NULL;
}

/* ";colour=blue" is part of the path by the splitting rule; when no such
 * file exists it is far more likely a mistyped key than a file name. */
static int check_path_parameter(const struct attachment *a, struct outcome *out)
{
	const char *semi = parameter_in_path(a->path);
	struct stat st;
	char what[SHOWN + 64];
	size_t len;

	if (!semi || stat(a->path, &st) == 0 || errno != ENOENT)
		return 0;
	len = strcspn(semi + 1, ";") + 1;
	snprintf(what, sizeof(what), "unknown part '%.*s' (use ;type=TYPE/SUBTYPE or "
	         ";name=NAME)", (int)(len < SHOWN ? len : SHOWN), semi);
	return attach_fail(a, out, what);
}

static int attachment_check_parts(struct attachment *a, struct outcome *out)
{
	const char *problem;

	if (a->path[0] == '\0')
		return attach_fail(a, out, "no file name before the ';'");
	if (check_path_parameter(a, out) < 0)
		return -1;
	if (a->type && !media_type_valid(a->type, strlen(a->type)))
		return attach_fail(a, out, "the type is not TYPE/SUBTYPE (e.g. ;type=text/csv)");
	if (a->type && compose_type_is_composite(a->type))
		return attach_fail(a, out, "a multipart or message type cannot be sent base64-encoded "
		                   "(RFC 2046); leave out ;type= to send the file as "
		                   "application/octet-stream");
	if (a->filename && a->filename[0] == '\0')
		return attach_fail(a, out, ";name= is empty");
	if (!a->filename) {
		const char *slash = strrchr(a->path, '/');
		const char *base = slash ? slash + 1 : a->path;

		if (*base == '\0')      /* a directory: opening it says so */
			return 0;
		problem = text_problem(base, false);
		if (problem) {
			char what[128];

			snprintf(what, sizeof(what), "the file name %s; give a name with ;name=NAME",
			         problem);
			return attach_fail(a, out, what);
		}
		a->filename = strdup(base);
		return a->filename ? 0 : compose_out_of_memory(out, STEP_USAGE);
	}
	problem = text_problem(a->filename, false);
	if (problem) {
		char what[96];

		snprintf(what, sizeof(what), "the name %s", problem);
		return attach_fail(a, out, what);
	}
	return 0;
}

int compose_attachment_parse(const char *spec, struct attachment *a, struct outcome *out)
{
	const char *params = first_parameter(spec);
	const char *end = spec + strlen(spec);
	const char *p;

	*a = (struct attachment){ .spec = spec, .fd = -1 };
	a->path = strndup(spec, (size_t)((params ? params : end) - spec));
	if (!a->path)
		return compose_out_of_memory(out, STEP_USAGE);
	/* bounded: every turn moves p past one ';' */
	for (p = params; p && p < end;) {
		const char *next = strchr(p + 1, ';');

		if (!next)
			next = end;
		if (attachment_parameter(a, p + 1, next, out) < 0) {
			compose_attachment_free(a);
			return -1;
		}
		p = next;
	}
	if (attachment_check_parts(a, out) < 0) {
		compose_attachment_free(a);
		return -1;
	}
	return 0;
}

int compose_check(const struct compose_request *req, struct outcome *out)
{
	if (req->body && req->body_file)
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "--body and --body-file cannot be used together");
	if (req->subject && check_subject(req->subject, out) < 0)
		return -1;
	if (req->charset && !charset_valid(req->charset))
		return outcome_fail(out, OUTCOME_USAGE, STEP_USAGE,
		                    "--charset '%.*s' is not a MIME charset name (e.g. iso-8859-1)",
		                    SHOWN, req->charset);
	for (size_t i = 0; i < req->nto; i++)
		if (check_recipient("recipient", req->to[i], out) < 0)
			return -1;
	for (size_t i = 0; i < req->ncc; i++)
		if (check_recipient("--cc", req->cc[i], out) < 0)
			return -1;
	for (size_t i = 0; i < req->nheaders; i++)
		if (check_header(req->headers[i], out) < 0)
			return -1;
	for (size_t i = 0; i < req->nattachments; i++) {
		struct attachment a;

		if (compose_attachment_parse(req->attachments[i], &a, out) < 0)
			return -1;
		compose_attachment_free(&a);
	}
	return 0;
}
