/* config_file.c - find the config file, check it is private enough, read it,
 * and hand the text to config_parse().
 *
 * The search order is DESIGN.md's. A file that holds a password must belong
 * to the user and be closed to everyone else; that can only be judged once
 * the text is parsed, so the check runs after config_parse(). */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fileio.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define STEP "config"
#define CONFIG_FILE_MAX (1024 * 1024)    /* 1 MiB: anything larger is not a config file */
#define SEARCH_PATH_MAX 4096
#define SEARCH_MAX 5

static int out_of_memory(struct outcome *out)
{
	return outcome_fail(out, OUTCOME_OS, STEP, "out of memory");
}

/* ------------------------------------------------------------ search order */

struct search_list {
	char path[SEARCH_MAX][SEARCH_PATH_MAX];
	size_t count;
};

static void add_search_path(struct search_list *sl, const char *dir, const char *file)
{
	int n;

	if (!dir || sl->count >= SEARCH_MAX)
		return;
	n = snprintf(sl->path[sl->count], SEARCH_PATH_MAX, "%s/%s", dir, file);
	if (n > 0 && n < SEARCH_PATH_MAX)   /* a truncated path names some other file */
		sl->count++;
}

/* DESIGN.md's order. The msmtp files come last so postie's own win. */
static void build_search_list(struct search_list *sl)
{
	char pwbuf[4096];
	const char *home = config_home_directory(pwbuf, sizeof(pwbuf));
	const char *xdg = getenv("XDG_CONFIG_HOME");

	sl->count = 0;
	if (xdg && xdg[0] == '/')    /* the XDG spec says relative paths are ignored */
		add_search_path(sl, xdg, "postie/config");
	else
		add_search_path(sl, home, ".config/postie/config");
	add_search_path(sl, home, ".postierc");
	add_search_path(sl, SYSCONFDIR, "postierc");
	add_search_path(sl, home, ".msmtprc");
	add_search_path(sl, "/etc", "msmtprc");
}

void config_describe_search(char *buf, size_t size)
{
	struct search_list sl;
	size_t used = 0;

	build_search_list(&sl);
	buf[0] = '\0';
	for (size_t i = 0; i < sl.count && used < size; i++) {
		int n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", sl.path[i]);

		if (n < 0)
			return;
		used += (size_t)n;
	}
}

/* ------------------------------------------------------------ reading */

static int cannot_read(const char *path, int err, struct outcome *out)
{
	return outcome_fail(out, OUTCOME_CONFIG, STEP, "cannot read %s: %s", path, strerror(err));
}

/* A password may only sit in a file that nobody else can read or replace. */
static int check_private(const char *path, const struct stat *st, struct outcome *out)
{
	if (st->st_uid != geteuid())
		return outcome_fail(out, OUTCOME_CONFIG, STEP,
		                    "%s: holds a password but is owned by uid %ld, not you",
		                    path, (long)st->st_uid);
	if (st->st_mode & 077)
		return outcome_fail(out, OUTCOME_CONFIG, STEP,
		                    "%s: holds a password but is readable by others (mode %04o); "
		                    "run: chmod 600 %s",
		                    path, (unsigned)(st->st_mode & 07777), path);
	return 0;
}

static int load_open_file(const char *path, int fd, struct config *cfg, struct outcome *out)
{
	struct stat st;
	ssize_t got;
	size_t len;
	char *text;
	int rc;

	if (fstat(fd, &st) < 0)
		return cannot_read(path, errno, out);
	if (S_ISDIR(st.st_mode))
		return cannot_read(path, EISDIR, out);
	/* One byte more than allowed, to tell "exactly the limit" from "more". */
	if (!(text = malloc(CONFIG_FILE_MAX + 1)))
		return out_of_memory(out);
	got = fileio_read_full(fd, text, CONFIG_FILE_MAX + 1);
	/* How much to wipe: all of it after a failed read, which may have read some. */
	len = got < 0 ? CONFIG_FILE_MAX + 1 : (size_t)got;
	if (got < 0) {
		rc = cannot_read(path, errno, out);
	} else if (len > CONFIG_FILE_MAX) {
		rc = outcome_fail(out, OUTCOME_CONFIG, STEP,
		                  "%s: larger than 1 MiB, too big to be a config file", path);
	} else {
		rc = config_parse(path, text, len, cfg, out);
		if (rc == 0 && cfg->holds_password && check_private(path, &st, out) < 0) {
			config_free(cfg);
			rc = -1;
		}
	}
	explicit_bzero(text, len);
	free(text);
	return rc;
}

/* 1: read (or failed, see rc); 0: there is no such file. */
static int load_file(const char *path, bool missing_is_error, struct config *cfg,
                     struct outcome *out, int *rc)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0 && !missing_is_error && (errno == ENOENT || errno == ENOTDIR))
		return 0;
	if (fd < 0) {
		*rc = cannot_read(path, errno, out);
		return 1;
	}
	*rc = load_open_file(path, fd, cfg, out);
	close(fd);
	return 1;
}

int config_load(const char *explicit_path, struct config *cfg, struct outcome *out)
{
	struct search_list sl;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (explicit_path) {
		load_file(explicit_path, true, cfg, out, &rc);
		return rc;
	}
	/* Only a missing file moves the search on: an unreadable one is still
	 * the user's config, and skipping it would send mail some other way. */
	build_search_list(&sl);
	for (size_t i = 0; i < sl.count; i++)
		if (load_file(sl.path[i], false, cfg, out, &rc))
			return rc;
	return 0;
}
