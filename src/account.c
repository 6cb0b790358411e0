/* account.c - choose the account a message goes out through, and say
 * plainly why when there is none or it cannot be used yet; find its
 * credentials for AUTH. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "fileio.h"
#include "sender.h"
#include "log.h"

#define STEP "config"

int account_select(const struct config *cfg, const char *name,
                   const struct account **chosen, struct outcome *out)
{
	const struct account *acct;

	*chosen = NULL;
	if (!cfg->path) {
		char searched[OUTCOME_TEXT_MAX];

		config_describe_search(searched, sizeof(searched));
		return outcome_fail(out, OUTCOME_CONFIG, STEP,
		                    "no configuration file found (looked for %s)", searched);
	}
	if (name) {
		acct = config_find(cfg, name);
		if (!acct)
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "account '%s' not found in %s", name, cfg->path);
	} else {
		acct = config_find(cfg, "default");
		if (!acct)
			return outcome_fail(out, OUTCOME_CONFIG, STEP,
			                    "no account chosen: %s has no 'account default' "
			                    "(use -a NAME or add 'account default : NAME')",
			                    cfg->path);
	}
	*chosen = acct;
	return 0;
}

/* The first account whose `from` matches the sender; a `from` that cannot
 * be expanded simply does not match here (it is reported if used). */
static const struct account *account_matching(const struct config *cfg, const char *sender)
{
	for (size_t i = 0; i < cfg->naccounts; i++) {
		const struct account *a = &cfg->accounts[i];
		struct outcome ignored;
		char *expanded = NULL;
		bool match;

		if (!a->from || sender_expand(a->from, SENDER_MAILNAME_PATH, &expanded, &ignored) < 0)
			continue;
		match = sender_matches(expanded, sender);
		free(expanded);
		if (match)
			return a;
	}
	return NULL;
}

int account_select_for_sender(const struct config *cfg, const char *name, const char *sender,
                              const struct account **chosen, struct outcome *out)
{
	if (!name && sender && sender[0] && cfg->path) {
		const struct account *acct = account_matching(cfg, sender);

		if (acct) {
			*chosen = acct;
			return 0;
		}
	}
	return account_select(cfg, name, chosen, out);
}

int account_check(const struct account *acct, struct outcome *out)
{
	if (!acct->host || !acct->host[0])
		return outcome_fail(out, OUTCOME_CONFIG, STEP, "%s:%u: account '%s' has no 'host'",
		                    acct->origin.file ? acct->origin.file : "(config)",
		                    acct->origin.line, acct->name ? acct->name : "");
	/* Parsed fine, but needs something this version cannot do: say so only
	 * now, for the account actually used, so other accounts keep working. */
	if (acct->unsupported[0])
		return outcome_fail(out, OUTCOME_CONFIG, STEP, "%s", acct->unsupported);
	return 0;
}

int account_port(const struct account *acct)
{
	if (acct->port > 0)
		return acct->port;
	if (acct->protocol == PROTOCOL_LMTP)
		return 2003;
	if (acct->tls == TLS_SETTING_ON)
		return acct->tls_starttls ? 587 : 465;
	return 25;
}

/* ------------------------------------------------------------ credentials
 *
 * Every buffer that may hold a secret is wiped before it is freed, and no
 * outcome text is built from one. */

#define AUTH_STEP "auth"
#define EVAL_OUTPUT_MAX (64 * 1024)     /* what we keep of passwordeval's stdout and stderr */
#define NETRC_MAX (1024 * 1024)
#define PROMPT_MAX 1024

void account_free_secret(char *secret)
{
	if (secret) {
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}

static void wipe_free(char *p, size_t size)
{
	if (p) {
		explicit_bzero(p, size);
		free(p);
	}
}

static const char *account_name(const struct account *acct)
{
	return acct->name ? acct->name : "";
}

static char *copy_bytes(const char *s, size_t len)
{
	char *c = malloc(len + 1);

	if (c) {
		memcpy(c, s, len);
		c[len] = '\0';
	}
	return c;
}

/* --- passwordeval */

struct capture {
	int fd;                 /* -1 once closed */
	char *buf;              /* EVAL_OUTPUT_MAX + 1 bytes */
	size_t len;
	bool overflow;          /* more came than we keep (and was read and dropped) */
};

/* Read what is there: 1 some was read, 0 nothing yet, -1 the end (closed). */
static int capture_read(struct capture *c)
{
	char chunk[4096];
	ssize_t n = read(c->fd, chunk, sizeof(chunk));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	size_t room = EVAL_OUTPUT_MAX - c->len, take = (size_t)n < room ? (size_t)n : room;

	memcpy(c->buf + c->len, chunk, take);
	c->len += take;
	if (take < (size_t)n)
		c->overflow = true;
	explicit_bzero(chunk, sizeof(chunk));
	return 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The child: stdin from /dev/null, stdout and stderr into the pipes, the
 * command run by the shell. Only async-signal-safe calls after fork(). */
static _Noreturn void exec_passwordeval(char *const argv[], int out_fd, int err_fd)
{
	extern char **environ;
	struct sigaction dfl;
	sigset_t none;
	int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	/* If we were started with 0, 1 or 2 closed, the pipes may sit there:
	 * move everything above 2 first, so no dup2 clobbers another. */
	out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
	err_fd = fcntl(err_fd, F_DUPFD_CLOEXEC, 3);
	null_fd = null_fd < 0 ? -1 : fcntl(null_fd, F_DUPFD_CLOEXEC, 3);
	if (out_fd < 0 || err_fd < 0 || null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 ||
	    dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0)
		_exit(126);
	/* The command gets ordinary signal handling, whatever ours is. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	execve("/bin/sh", argv, environ);
	_exit(127);
}

/* The first line of `text` that is not empty (up to LF, CR before it
 * dropped), escaped. */
static void first_line_escaped(const char *text, size_t len, char *dst, size_t size)
{
	while (len > 0 && (*text == '\n' || *text == '\r')) {
		text++;
		len--;
	}
	const char *nl = memchr(text, '\n', len);
	size_t n = nl ? (size_t)(nl - text) : len;

	if (n > 0 && text[n - 1] == '\r')
		n--;
	log_escape(dst, size, text, n);
}

/* Runs acct->passwordeval; on success *secret is its first stdout line. */
static int run_passwordeval(const struct account *acct, char **secret, struct outcome *out)
{
	const char *name = account_name(acct);
	int timeout = acct->timeout > 0 ? acct->timeout : CONFIG_DEFAULT_TIMEOUT;
	struct capture cap[2] = { { -1, NULL, 0, false }, { -1, NULL, 0, false } };
	int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
	char *argv[] = { (char *)"sh", (char *)"-c", acct->passwordeval, NULL };
	long long deadline = now_ms() + (long long)timeout * 1000;
	bool timed_out = false;
	int status = 0, r = -1;
	pid_t pid;

	cap[0].buf = malloc(EVAL_OUTPUT_MAX + 1);
	cap[1].buf = malloc(EVAL_OUTPUT_MAX + 1);
	if (!cap[0].buf || !cap[1].buf) {
		outcome_fail(out, OUTCOME_OS, AUTH_STEP, "out of memory");
		goto done;
	}
	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
		outcome_fail(out, OUTCOME_OS, AUTH_STEP,
		             "cannot run passwordeval for account '%s': pipe: %s", name,
		             strerror(errno));
		goto done;
	}
	pid = fork();
	if (pid < 0) {
		outcome_fail(out, OUTCOME_OS, AUTH_STEP,
		             "cannot run passwordeval for account '%s': fork: %s", name,
		             strerror(errno));
		goto done;
	}
	if (pid == 0)
		exec_passwordeval(argv, out_pipe[1], err_pipe[1]);
	close(out_pipe[1]);
	close(err_pipe[1]);
	out_pipe[1] = err_pipe[1] = -1;
	cap[0].fd = out_pipe[0];
	cap[1].fd = err_pipe[0];
	out_pipe[0] = err_pipe[0] = -1;

	/* Read both pipes while the command runs (dropping what is over the
	 * limit, so it never blocks on a full pipe); when it has exited, take
	 * what is left in them. Something it started in the background may
	 * hold the pipes open: we do not wait for that. */
	for (int i = 0; i < 2; i++)
		fcntl(cap[i].fd, F_SETFL, fcntl(cap[i].fd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		struct pollfd pfd[2];
		nfds_t n = 0;
		long long left;
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w < 0 && errno != EINTR) {
			outcome_fail(out, OUTCOME_OS, AUTH_STEP,
			             "passwordeval for account '%s': waitpid: %s", name, strerror(errno));
			goto done;
		}
		if (w == pid) {
			for (int i = 0; i < 2; i++)
				while (cap[i].fd >= 0 && capture_read(&cap[i]) > 0 &&
				       now_ms() < deadline)
					;
			break;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		for (int i = 0; i < 2; i++)
			if (cap[i].fd >= 0)
				pfd[n++] = (struct pollfd){ .fd = cap[i].fd, .events = POLLIN };
		/* Short waits: the exit is noticed by waitpid, not by a poll event. */
		if (poll(pfd, n, (int)(left > 20 ? 20 : left)) < 0 && errno != EINTR)
			continue;
		for (nfds_t j = 0; j < n; j++) {
			if (!(pfd[j].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			for (int i = 0; i < 2; i++)
				if (cap[i].fd == pfd[j].fd)
					capture_read(&cap[i]);
		}
	}
	if (timed_out) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP,
		             "passwordeval for account '%s' did not finish within %d second%s: "
		             "postie killed it (pid %ld)", name, timeout, timeout == 1 ? "" : "s",
		             (long)pid);
		goto done;
	}

	const char *nl = memchr(cap[0].buf, '\n', cap[0].len);
	size_t line = nl ? (size_t)(nl - cap[0].buf) : cap[0].len;

	if (line > 0 && cap[0].buf[line - 1] == '\r')
		line--;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		char err[256], how[64];

		first_line_escaped(cap[1].buf, cap[1].len, err, sizeof(err));
		/* The command may have echoed what it printed on stdout. */
		if (line > 0 && memmem(cap[1].buf, cap[1].len, cap[0].buf, line))
			snprintf(err, sizeof(err), "(its error output repeats its output; not shown)");
		if (WIFEXITED(status))
			snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
		else
			snprintf(how, sizeof(how), "killed by signal %d", WTERMSIG(status));
		outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP, "passwordeval for account '%s' failed (%s)%s%s",
		             name, how, err[0] ? ": " : "", err);
		goto done;
	}
	if (!nl && cap[0].overflow) {
		outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP,
		             "passwordeval for account '%s': the first line of its output is longer "
		             "than %d KiB", name, EVAL_OUTPUT_MAX / 1024);
		goto done;
	}
	if (line == 0) {
		outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP,
		             "passwordeval for account '%s' printed an empty first line (no password)",
		             name);
		goto done;
	}
	if (memchr(cap[0].buf, '\0', line)) {
		outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP,
		             "passwordeval for account '%s': the first line of its output holds a "
		             "NUL byte", name);
		goto done;
	}
	*secret = copy_bytes(cap[0].buf, line);
	if (!*secret) {
		outcome_fail(out, OUTCOME_OS, AUTH_STEP, "out of memory");
		goto done;
	}
	r = 0;
done:
	for (int i = 0; i < 2; i++) {
		if (cap[i].fd >= 0)
			close(cap[i].fd);
		wipe_free(cap[i].buf, EVAL_OUTPUT_MAX + 1);
	}
	for (int i = 0; i < 2; i++) {
		if (out_pipe[i] >= 0)
			close(out_pipe[i]);
		if (err_pipe[i] >= 0)
			close(err_pipe[i]);
	}
	return r;
}

/* --- ~/.netrc */

struct netrc_match {
	char *login;            /* malloc'd, or NULL */
	char *password;         /* malloc'd secret, or NULL */
	const char *ignored;    /* why the file was not read, for the "no password" message */
};

/* The next token, decoded in place ("..." quoting, backslash escapes);
 * NULL at the end. */
static char *netrc_token(char **pos, char *end)
{
	char *p = *pos, *start, *w;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p >= end)
		return NULL;
	start = w = p;
	if (*p == '"') {
		p++;
		while (p < end && *p != '"') {
			if (*p == '\\' && p + 1 < end)
				p++;
			*w++ = *p++;
		}
		if (p < end)
			p++;            /* the closing quote */
		*w = '\0';      /* w < p: the quote is never overwritten */
		*pos = p;
		return start;
	}
	while (p < end && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
		if (*p == '\\' && p + 1 < end)
			p++;
		*w++ = *p++;
	}
	/* w <= p: the terminator takes the place of the white space that
	 * ended the token (or the spare byte after the end). */
	*w = '\0';
	*pos = p < end ? p + 1 : end;
	return start;
}

/* "macdef NAME": the rest of the line, then a body up to the first empty
 * line. */
static void netrc_skip_macdef(char **pos, char *end)
{
	char *p = *pos;

	p = memchr(p, '\n', (size_t)(end - p));
	while (p && p < end) {
		char *line = p + 1, *eol = memchr(line, '\n', (size_t)(end - line));
		size_t len = eol ? (size_t)(eol - line) : (size_t)(end - line);

		if (len == 0 || (len == 1 && line[0] == '\r')) {
			p = eol ? eol : end;
			break;
		}
		p = eol;
	}
	*pos = p ? p : end;
}

/* The entry for `host` (and, when `user` is set, for that login; an entry
 * without a login fits any user), else `default`. */
static int netrc_lookup(const char *host, const char *user, struct netrc_match *m,
                        struct outcome *out)
{
	const char *home = getenv("HOME");
	char path[4096];
	struct stat st;
	char *text = NULL, *pos, *end;
	size_t len;
	ssize_t got;
	int fd;
	struct entry { bool is_machine, is_default, host_match; char *login, *password; } cur = { 0 },
		best_machine = { 0 }, best_default = { 0 };
	bool have_machine = false, have_default = false;

	if (!home || !home[0]) {
		struct passwd *pw = getpwuid(geteuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (!home || (size_t)snprintf(path, sizeof(path), "%s/.netrc", home) >= sizeof(path))
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > NETRC_MAX) {
		m->ignored = "~/.netrc is ignored: it is not a regular file of at most 1 MiB";
		close(fd);
		return 0;
	}
	if (st.st_uid != geteuid() || (st.st_mode & (S_IRWXG | S_IRWXO))) {
		m->ignored = "~/.netrc is ignored: it must be yours and readable by you alone "
		             "(chmod 600 ~/.netrc)";
		close(fd);
		return 0;
	}
	text = malloc((size_t)st.st_size + 1);
	if (!text) {
		close(fd);
		return outcome_fail(out, OUTCOME_OS, AUTH_STEP, "out of memory");
	}
	got = fileio_read_full(fd, text, (size_t)st.st_size);
	len = got > 0 ? (size_t)got : 0;   /* a file that cannot be read holds no entry */
	close(fd);
	text[len] = '\0';

	pos = text;
	end = text + len;
	for (;;) {
		char *tok = netrc_token(&pos, end);
		bool starts_entry = tok && (strcmp(tok, "machine") == 0 || strcmp(tok, "default") == 0);

		if (!tok || starts_entry) {
			bool fits = !user || !cur.login || strcmp(cur.login, user) == 0;

			if (fits && cur.host_match && !have_machine) {
				best_machine = cur;
				have_machine = true;
			} else if (fits && cur.is_default && !have_default) {
				best_default = cur;
				have_default = true;
			}
			memset(&cur, 0, sizeof(cur));
		}
		if (!tok)
			break;
		if (strcmp(tok, "machine") == 0) {
			char *name = netrc_token(&pos, end);

			cur.is_machine = true;
			cur.host_match = name && strcasecmp(name, host) == 0;
		} else if (strcmp(tok, "default") == 0) {
			cur.is_default = true;
		} else if (strcmp(tok, "login") == 0) {
			cur.login = netrc_token(&pos, end);
		} else if (strcmp(tok, "password") == 0) {
			cur.password = netrc_token(&pos, end);
		} else if (strcmp(tok, "account") == 0) {
			netrc_token(&pos, end);
		} else if (strcmp(tok, "macdef") == 0) {
			netrc_skip_macdef(&pos, end);
		}
		/* anything else: not ours to judge; skipped */
	}

	const struct entry *e = have_machine ? &best_machine : have_default ? &best_default : NULL;
	int r = 0;

	if (e && e->login && !(m->login = strdup(e->login)))
		r = outcome_fail(out, OUTCOME_OS, AUTH_STEP, "out of memory");
	if (r == 0 && e && e->password && !(m->password = strdup(e->password)))
		r = outcome_fail(out, OUTCOME_OS, AUTH_STEP, "out of memory");
	wipe_free(text, (size_t)st.st_size + 1);
	return r;
}

/* --- the prompt */

static volatile sig_atomic_t prompt_signal;

static void prompt_interrupted(int sig)
{
	prompt_signal = sig;
}

/* Ask on /dev/tty with echo off. Returns 1 with *secret, 0 when there is no
 * terminal (or no answer), -1 on failure. The terminal settings come back
 * whatever happens; a signal that arrives meanwhile is raised again after. */
static int prompt_password(const char *user, const char *host, char **secret,
                           struct outcome *out)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction catch, saved_actions[4];
	struct termios saved, quiet;
	char prompt[600], answer[PROMPT_MAX];
	size_t len = 0;
	bool complete = false;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (tcgetattr(fd, &saved) < 0) {
		close(fd);
		return 0;
	}
	prompt_signal = 0;
	memset(&catch, 0, sizeof(catch));
	catch.sa_handler = prompt_interrupted;    /* no SA_RESTART: read() returns */
	sigemptyset(&catch.sa_mask);
	for (size_t i = 0; i < 4; i++)
		sigaction(signals[i], &catch, &saved_actions[i]);

	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0) {
		char shown_user[256], shown_host[256];
		int n;

		log_escape(shown_user, sizeof(shown_user), user, strlen(user));
		log_escape(shown_host, sizeof(shown_host), host, strlen(host));
		n = snprintf(prompt, sizeof(prompt), "password for %s at %s: ", shown_user, shown_host);

		if (n > 0 && write(fd, prompt, strlen(prompt)) >= 0) {
			while (!prompt_signal && len < sizeof(answer)) {
				ssize_t got = read(fd, answer + len, sizeof(answer) - len);

				if (got < 0 && errno == EINTR)
					continue;
				if (got <= 0)
					break;
				len += (size_t)got;
				if (answer[len - 1] == '\n') {
					complete = true;
					break;
				}
			}
		}
		tcsetattr(fd, TCSAFLUSH, &saved);
		if (write(fd, "\n", 1) < 0) {
			/* nothing to do: the answer is what matters */
		}
	}
	close(fd);
	for (size_t i = 0; i < 4; i++)
		sigaction(signals[i], &saved_actions[i], NULL);

	int r = 0;

	if (prompt_signal) {
		explicit_bzero(answer, sizeof(answer));
		raise(prompt_signal);
		return outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP, "the password prompt was interrupted");
	}
	if (complete) {
		len--;
		if (len > 0 && answer[len - 1] == '\r')
			len--;
		if (len > 0 && !memchr(answer, '\0', len)) {
			*secret = copy_bytes(answer, len);
			r = *secret ? 1 : outcome_fail(out, OUTCOME_OS, AUTH_STEP, "out of memory");
		}
	} else if (len == sizeof(answer)) {
		r = outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP,
		                 "the password typed is longer than %d bytes", PROMPT_MAX - 1);
	}
	explicit_bzero(answer, sizeof(answer));
	return r;
}

/* --- all together */

int account_credentials(const struct account *acct, const char *host, char **user,
                        char **secret, struct outcome *out)
{
	struct netrc_match netrc = { NULL, NULL, NULL };
	const char *name = account_name(acct);
	const char *want_user = acct->user && acct->user[0] ? acct->user : NULL;
	int r = -1;

	*user = NULL;
	*secret = NULL;
	if (!host)
		host = acct->host ? acct->host : "";
	/* ~/.netrc is read when it may give the user or the password. */
	if ((!want_user || (!acct->password && !acct->passwordeval)) &&
	    netrc_lookup(host, want_user, &netrc, out) < 0)
		goto done;

	*user = strdup(want_user ? want_user : netrc.login ? netrc.login : "");
	if (!*user) {
		outcome_fail(out, OUTCOME_OS, AUTH_STEP, "out of memory");
		goto done;
	}
	if (!(*user)[0]) {
		outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP, "no user for account '%s': set user%s%s",
		             name, netrc.ignored ? "; " : "", netrc.ignored ? netrc.ignored : "");
		goto done;
	}

	if (acct->password) {
		*secret = strdup(acct->password);
		if (!*secret) {
			outcome_fail(out, OUTCOME_OS, AUTH_STEP, "out of memory");
			goto done;
		}
	} else if (acct->passwordeval) {
		if (run_passwordeval(acct, secret, out) < 0)
			goto done;
	} else if (netrc.password) {
		*secret = netrc.password;
		netrc.password = NULL;
	} else {
		int got = prompt_password(*user, host, secret, out);

		if (got < 0)
			goto done;
		if (got == 0) {
			outcome_fail(out, OUTCOME_CONFIG, AUTH_STEP,
			             "no password for account '%s': set password or passwordeval "
			             "(or add %s to ~/.netrc)%s%s", name, host,
			             netrc.ignored ? "; " : "", netrc.ignored ? netrc.ignored : "");
			goto done;
		}
	}
	r = 0;
done:
	free(netrc.login);
	account_free_secret(netrc.password);
	if (r < 0) {
		free(*user);
		*user = NULL;
		account_free_secret(*secret);
		*secret = NULL;
	}
	return r;
}

void account_fill_record(const struct account *acct, struct log_record *rec)
{
	rec->account = acct->name;
	rec->host = acct->host;
	rec->port = account_port(acct);
	rec->tls = acct->tls == TLS_SETTING_ON;
	rec->auth = acct->auth && strcmp(acct->auth, "off") != 0 ? acct->auth : NULL;
	rec->user = acct->user;
}

void account_log(const struct account *acct, const struct log_record *message)
{
	struct log_record rec = *message;
	struct outcome failure;
	bool json = acct->log_format && strcmp(acct->log_format, "json") == 0;

	account_fill_record(acct, &rec);
	if (acct->syslog && strcmp(acct->syslog, "off") != 0)
		log_syslog_record(acct->syslog, json, &rec);
	if (!acct->logfile)
		return;
	outcome_clear(&failure);
	if (log_write_record(acct->logfile, acct->logfile_time_format, json, &rec, &failure) < 0)
		log_report(stderr, &failure);
}

const struct account *account_next_fallback(const struct config *cfg, const char **list)
{
	while (**list) {   /* bounded by the list */
		char name[256];
		size_t n;
		const struct account *a;
		struct outcome unusable;

		*list += strspn(*list, " \t");
		n = strcspn(*list, " \t");
		if (n == 0)
			break;
		snprintf(name, sizeof(name), "%.*s", (int)(n < sizeof(name) ? n : sizeof(name) - 1),
		         *list);
		*list += n;
		a = config_find(cfg, name);
		outcome_clear(&unusable);
		if (a && account_check(a, &unusable) == 0)
			return a;
		log_warning("fallback account '%s' is not usable: %s", name,
		            a ? unusable.text : "no such account");
	}
	return NULL;
}

/* An account's server that cannot be reached or talked to: its fallbacks
 * may do better. Configuration and authentication problems they would
 * not fix. */
bool account_fallback_may_help(const struct outcome *o)
{
	return o->cls == OUTCOME_TEMPORARY || o->cls == OUTCOME_PROTOCOL ||
	       o->cls == OUTCOME_NO_HOST ||
	       (o->cls == OUTCOME_NOT_PERMITTED && o->step && strcmp(o->step, "tls") == 0);
}
