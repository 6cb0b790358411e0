/* sender.c - the account's `from` value: substitutions and patterns. */
#include <fnmatch.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "address.h"
#include "sender.h"

#define STEP "config"
#define HOST_NAME_LEN 256   /* POSIX HOST_NAME_MAX is 255 on Linux */

/* The substitution values, each looked up the first time it is needed:
 * %C may cost a DNS query, which a plain `from` must not pay. */
struct substitutions {
	const char *mailname_path;
	char *user;
	char host[HOST_NAME_LEN];
	char *canonical;
	char *maildomain;
};

static void substitutions_free(struct substitutions *s)
{
	free(s->user);
	free(s->canonical);
	free(s->maildomain);
}

static int out_of_memory(struct outcome *out)
{
	return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
}

/* %U: the login name of the effective user; $USER or $LOGNAME when the
 * password database has no entry (containers, NSS trouble). */
static const char *user_name(struct substitutions *s, struct outcome *out)
{
	const struct passwd *pw;
	const char *name = NULL;

	if (s->user)
		return s->user;
	pw = getpwuid(geteuid());
	if (pw && pw->pw_name && pw->pw_name[0])
		name = pw->pw_name;
	if (!name)
		name = getenv("USER");
	if (!name || !name[0])
		name = getenv("LOGNAME");
	if (!name || !name[0]) {
		outcome_fail(out, OUTCOME_OS, STEP,
		             "cannot find the login name for %%U in 'from' (set USER)");
		return NULL;
	}
	s->user = strdup(name);
	if (!s->user)
		out_of_memory(out);
	return s->user;
}

/* %H: the host name. */
static const char *host_name(struct substitutions *s, struct outcome *out)
{
	if (s->host[0])
		return s->host;
	if (gethostname(s->host, sizeof(s->host)) < 0 || !s->host[0]) {
		s->host[0] = '\0';
		outcome_fail(out, OUTCOME_OS, STEP, "cannot find the host name for 'from'");
		return NULL;
	}
	s->host[sizeof(s->host) - 1] = '\0';
	return s->host;
}

/* %C: the canonical name of the host as the resolver knows it, or the
 * host name when it knows none. */
static const char *canonical_name(struct substitutions *s, struct outcome *out)
{
	const char *host;
	struct addrinfo hints, *res = NULL;

	if (s->canonical)
		return s->canonical;
	host = host_name(s, out);
	if (!host)
		return NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_CANONNAME;
	if (getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname
	    && res->ai_canonname[0])
		s->canonical = strdup(res->ai_canonname);
	else
		s->canonical = strdup(host);
	if (res)
		freeaddrinfo(res);
	if (!s->canonical)
		out_of_memory(out);
	return s->canonical;
}

/* The first line of the mailname file, trimmed; NULL when there is none. */
static char *read_mailname(const char *path)
{
	char line[512];
	FILE *f = fopen(path, "r");
	char *start, *end;

	if (!f)
		return NULL;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	start = line + strspn(line, " \t");
	end = start + strcspn(start, "\r\n");
	while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end == start)
		return NULL;
	return strndup(start, (size_t)(end - start));
}

/* %M: the mail domain from the mailname file, else the canonical name. */
static const char *mail_domain(struct substitutions *s, struct outcome *out)
{
	const char *canonical;

	if (s->maildomain)
		return s->maildomain;
	s->maildomain = read_mailname(s->mailname_path);
	if (s->maildomain)
		return s->maildomain;
	canonical = canonical_name(s, out);
	if (!canonical)
		return NULL;
	s->maildomain = strdup(canonical);
	if (!s->maildomain)
		out_of_memory(out);
	return s->maildomain;
}

/* The text for %c, NULL with an outcome when there is none. */
static const char *substitution(struct substitutions *s, const char *value, char c,
                                struct outcome *out)
{
	switch (c) {
	case 'U':
		return user_name(s, out);
	case 'H':
		return host_name(s, out);
	case 'C':
		return canonical_name(s, out);
	case 'M':
		return mail_domain(s, out);
	case '%':
		return "%";
	case '\0':
		outcome_fail(out, OUTCOME_CONFIG, STEP,
		             "'from' value '%s' ends in a lone '%%' (write %%%% for a literal %%)",
		             value);
		return NULL;
	default:
		outcome_fail(out, OUTCOME_CONFIG, STEP,
		             "unknown substitution '%%%c' in 'from' value '%s' "
		             "(known: %%U %%H %%C %%M %%%%)", c, value);
		return NULL;
	}
}

static int append(char *buf, size_t *len, const char *s, size_t n, struct outcome *out)
{
	if (n > ADDRESS_MAX - *len)
		return outcome_fail(out, OUTCOME_CONFIG, STEP,
		                    "'from' value is longer than %d bytes after substitution",
		                    ADDRESS_MAX);
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
	return 0;
}

static int expand_into(struct substitutions *s, const char *value, char *buf,
                       struct outcome *out)
{
	size_t len = 0;
	const char *p = value;

	buf[0] = '\0';
	while (*p) {
		size_t plain = strcspn(p, "%");
		const char *text;

		if (append(buf, &len, p, plain, out) < 0)
			return -1;
		p += plain;
		if (*p != '%')
			break;
		text = substitution(s, value, p[1], out);
		if (!text || append(buf, &len, text, strlen(text), out) < 0)
			return -1;
		p += 2;
	}
	return 0;
}

int sender_expand(const char *value, const char *mailname_path, char **expanded,
                  struct outcome *out)
{
	struct substitutions s = { .mailname_path = mailname_path };
	char buf[ADDRESS_MAX + 1];
	int rc;

	*expanded = NULL;
	rc = expand_into(&s, value, buf, out);
	substitutions_free(&s);
	if (rc < 0)
		return -1;
	*expanded = strdup(buf);
	return *expanded ? 0 : out_of_memory(out);
}

bool sender_is_pattern(const char *expanded)
{
	return strpbrk(expanded, "*?") != NULL;
}

/* The first '@' outside a quoted local part, or the terminating NUL. */
static const char *find_at(const char *addr)
{
	bool quoted = false;
	const char *p;

	for (p = addr; *p; p++) {
		if (*p == '"')
			quoted = !quoted;
		else if (*p == '\\' && quoted && p[1] != '\0')
			p++;
		else if (*p == '@' && !quoted)
			break;
	}
	return p;
}

static bool same_domain(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a - 'A' + 'a') : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b - 'A' + 'a') : *b;

		if (x != y)
			return false;
	}
	return *a == *b;
}

static bool matches_one(const char *expanded, const char *addr)
{
	const char *at_v, *at_a;

	if (sender_is_pattern(expanded))
		return fnmatch(expanded, addr, FNM_CASEFOLD) == 0;
	at_v = find_at(expanded);
	at_a = find_at(addr);
	if (at_v - expanded != at_a - addr
	    || memcmp(expanded, addr, (size_t)(at_v - expanded)) != 0)
		return false;
	return same_domain(at_v, at_a);
}

/* `user+tag@dom` -> `user@dom` into buf; false when addr has no tag. */
static bool strip_subaddress(const char *addr, char *buf, size_t size)
{
	const char *at = find_at(addr);
	const char *plus = memchr(addr, '+', (size_t)(at - addr));

	if (!plus || plus == addr || addr[0] == '"')
		return false;
	return (size_t)snprintf(buf, size, "%.*s%s", (int)(plus - addr), addr, at) < size;
}

bool sender_matches(const char *expanded, const char *addr)
{
	char stripped[ADDRESS_MAX + 1];

	if (!addr[0] || !expanded[0])
		return false;
	if (matches_one(expanded, addr))
		return true;
	return strip_subaddress(addr, stripped, sizeof(stripped))
	       && matches_one(expanded, stripped);
}
