/* test_credentials.c - where the AUTH user and password come from:
 * password, passwordeval, ~/.netrc, the prompt on /dev/tty. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "account.h"
#include "tap.h"

#define HOST "mail.example.org"

static char home[64];

/* Every secret any test hands out; none may show in an outcome text. */
static const char *const secrets[] = {
	"pw-config", "pw-eval", "pw-crlf", "pw-nonl", "pw-leak", "pw-x", "pw-hang", "pw-yes",
	"pw-big", "pw-netrc", "pw-other", "pw-a", "pw-c", "pw-default", "pw-evil", "pw-real",
	"pw-acc", "pw-nologin", "pw-open", "pw-mixed", "quote",
};

static void no_secret_in(const struct outcome *out, const char *what)
{
	const char *found = NULL;

	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		if (strstr(out->text, secrets[i]) || strstr(out->reply, secrets[i]))
			found = secrets[i];
	ok(!found, "  %s: no secret in the outcome text", what);
	if (found)
		printf("#   found %s in: %s\n", found, out->text);
}

static struct account make_account(void)
{
	struct account a;

	memset(&a, 0, sizeof(a));
	a.name = "work";
	a.host = HOST;
	a.timeout = 10;
	return a;
}

static void write_netrc(const char *text, mode_t mode)
{
	char path[128];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/.netrc", home);
	unlink(path);
	if (!text)
		return;
	fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
	chmod(path, mode);
}

/* Expect success with this user and secret. */
static void expect(const struct account *a, const char *want_user, const char *want_secret,
                   const char *what)
{
	struct outcome out;
	char *user = NULL, *secret = NULL;
	int r;

	outcome_clear(&out);
	r = account_credentials(a, HOST, &user, &secret, &out);
	is_int(r, 0, "%s", what);
	if (r < 0)
		printf("#   %s\n", out.text);
	is_str(user, want_user, "  user");
	is_str(secret, want_secret, "  secret");
	free(user);
	account_free_secret(secret);
}

/* Expect failure with this class and text (a prefix when `prefix`). */
static void expect_fail(const struct account *a, enum outcome_class cls, const char *text,
                        bool prefix, const char *what)
{
	struct outcome out;
	char *user = (char *)"untouched", *secret = (char *)"untouched";
	int r;

	outcome_clear(&out);
	r = account_credentials(a, HOST, &user, &secret, &out);
	is_int(r, -1, "%s", what);
	ok(user == NULL && secret == NULL, "  nothing handed out");
	is_int(out.cls, cls, "  class");
	is_str(out.step, "auth", "  step auth");
	if (prefix) {
		ok(strncmp(out.text, text, strlen(text)) == 0, "  text starts '%s'", text);
		if (strncmp(out.text, text, strlen(text)) != 0)
			printf("#   got: %s\n", out.text);
	} else {
		is_str(out.text, text, "  text");
	}
	no_secret_in(&out, what);
}

static void test_password(void)
{
	struct account a = make_account();

	write_netrc("machine " HOST " login alice password pw-netrc\n", 0600);
	a.user = "alice";
	a.password = "pw-config";
	a.passwordeval = "echo pw-eval";
	expect(&a, "alice", "pw-config", "password wins over passwordeval and netrc");
	a.user = NULL;
	expect(&a, "alice", "pw-config", "without user, the netrc login is the user");
	write_netrc(NULL, 0);
	expect_fail(&a, OUTCOME_CONFIG, "no user for account 'work': set user", false,
	            "no user anywhere");
}

static void test_passwordeval(void)
{
	struct account a = make_account();

	write_netrc("machine " HOST " login alice password pw-netrc\n", 0600);
	a.user = "alice";

	a.passwordeval = "echo pw-eval; echo second line";
	expect(&a, "alice", "pw-eval", "passwordeval: the first line");
	a.passwordeval = "printf 'pw-crlf\\r\\nmore\\r\\n'";
	expect(&a, "alice", "pw-crlf", "passwordeval: CRLF");
	a.passwordeval = "printf pw-nonl";
	expect(&a, "alice", "pw-nonl", "passwordeval: no newline at all");
	a.passwordeval = "echo 'warning: noise' >&2; echo pw-eval";
	expect(&a, "alice", "pw-eval", "passwordeval: stderr does not matter on success");
	a.passwordeval = "read x; echo \"pw-eval$x\"";
	expect(&a, "alice", "pw-eval", "passwordeval: stdin is /dev/null");
	a.passwordeval = "yes pw-big | head -c 200000";
	expect(&a, "alice", "pw-big", "passwordeval: 200,000 bytes of output, first line kept");

	a.passwordeval = "echo 'gpg: decryption failed: No secret key' >&2; exit 3";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' failed (exit status 3): "
	            "gpg: decryption failed: No secret key", false, "passwordeval: exit 3");
	a.passwordeval = "printf 'bad\\033[2J thing\\r\\nline two\\n' >&2; exit 2";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' failed (exit status 2): "
	            "bad\\x1b[2J thing", false, "passwordeval: stderr escaped");
	a.passwordeval = "echo pw-x; exit 1";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' failed (exit status 1)",
	            false, "passwordeval: exit 1, no stderr");
	a.passwordeval = "echo pw-leak; echo \"cannot use pw-leak\" >&2; exit 1";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' failed (exit status 1): "
	            "(its error output repeats its output; not shown)", false,
	            "passwordeval: stderr repeating stdout");
	a.passwordeval = "no-such-command-for-postie";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' failed (exit status 127): ",
	            true, "passwordeval: command not found");
	a.passwordeval = "kill -TERM $$";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' failed (killed by signal 15)",
	            false, "passwordeval: killed by a signal");
	a.passwordeval = "echo; echo pw-x";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' printed an empty first "
	            "line (no password)", false, "passwordeval: empty first line");
	a.passwordeval = "true";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' printed an empty first "
	            "line (no password)", false, "passwordeval: no output");
	a.passwordeval = "head -c 100000 /dev/zero | tr '\\0' a";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work': the first line of its "
	            "output is longer than 64 KiB", false, "passwordeval: a first line over 64 KiB");
	a.passwordeval = "printf 'pw\\0x\\n'";
	expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work': the first line of its "
	            "output holds a NUL byte", false, "passwordeval: NUL byte");

	/* hanging commands are killed after the timeout */
	static const char *const hangs[] = {
		"sleep 30", "echo pw-hang; exec sleep 30", "yes pw-yes", "exec 1>&-; sleep 30",
	};
	a.timeout = 1;
	for (size_t i = 0; i < sizeof(hangs) / sizeof(hangs[0]); i++) {
		struct timespec t0, t1;
		double took;

		a.passwordeval = (char *)hangs[i];
		clock_gettime(CLOCK_MONOTONIC, &t0);
		expect_fail(&a, OUTCOME_CONFIG, "passwordeval for account 'work' did not finish "
		            "within 1 second: postie killed it (pid ", true, hangs[i]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		ok(took >= 0.9 && took < 3.0, "  took %.2f s", took);
	}
	/* a background job holding the pipe open does not make us wait */
	{
		struct timespec t0, t1;
		double took;

		a.passwordeval = "sleep 5 & echo pw-eval";
		a.timeout = 10;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		expect(&a, "alice", "pw-eval", "passwordeval: a background job keeps the pipe");
		clock_gettime(CLOCK_MONOTONIC, &t1);
		took = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		ok(took < 2.0, "  but we did not wait for it (%.2f s)", took);
	}
}

static void test_netrc(void)
{
	struct account a = make_account();

	write_netrc("machine other.example.org login bob password pw-other\n"
	            "machine " HOST " login alice password pw-netrc\n", 0600);
	expect(&a, "alice", "pw-netrc", "netrc: machine match gives user and password");

	write_netrc("machine MAIL.Example.ORG login alice password pw-netrc\n", 0400);
	expect(&a, "alice", "pw-netrc", "netrc: host names match in any case");

	write_netrc("machine " HOST " login alice password pw-a\n"
	            "machine " HOST " login carol password pw-c\n", 0600);
	a.user = "carol";
	expect(&a, "carol", "pw-c", "netrc: the entry whose login matches the user");
	a.user = NULL;
	expect(&a, "alice", "pw-a", "netrc: without user, the first entry for the host");

	write_netrc("machine other.example.org login bob password pw-other\n"
	            "default login dflt password pw-default\n", 0600);
	expect(&a, "dflt", "pw-default", "netrc: default when no machine matches");
	write_netrc("default login dflt password pw-default\n"
	            "machine " HOST " login alice password pw-netrc\n", 0600);
	expect(&a, "alice", "pw-netrc", "netrc: a machine entry wins over default");
	a.user = "carol";
	write_netrc("machine " HOST " login alice password pw-a\n"
	            "default password pw-default\n", 0600);
	expect(&a, "carol", "pw-default", "netrc: another login's entry is passed over");
	write_netrc("machine " HOST " password pw-nologin\n", 0600);
	expect(&a, "carol", "pw-nologin", "netrc: an entry without login fits any user");
	a.user = NULL;

	write_netrc("machine " HOST " login \"al ice\" password \"pw with \\\"quote\\\" and space\"\n",
	            0600);
	expect(&a, "al ice", "pw with \"quote\" and space", "netrc: quoted values");

	write_netrc("machine " HOST "\n\tlogin alice\n\taccount acct1\n\tpassword pw-acc", 0600);
	expect(&a, "alice", "pw-acc", "netrc: one token a line, account skipped, no final newline");

	write_netrc("macdef init\n"
	            "machine " HOST " login evil password pw-evil\n"
	            "echo hello\n"
	            "\n"
	            "machine " HOST " login alice password pw-real\n", 0600);
	expect(&a, "alice", "pw-real", "netrc: a macdef body is skipped");
	write_netrc("machine x login y password z macdef init\r\n"
	            "machine " HOST " login evil password pw-evil\r\n"
	            "\r\n"
	            "machine " HOST " login alice password pw-real\r\n", 0600);
	expect(&a, "alice", "pw-real", "netrc: a macdef body with CRLF lines is skipped");

	a.user = "alice";
	write_netrc("machine other.example.org login alice password pw-other\n", 0600);
	expect_fail(&a, OUTCOME_CONFIG, "no password for account 'work': set password or "
	            "passwordeval (or add " HOST " to ~/.netrc)", false, "netrc: no match");
	a.user = NULL;
	expect_fail(&a, OUTCOME_CONFIG, "no user for account 'work': set user", false,
	            "netrc: no match and no user");

	a.user = "alice";
	write_netrc("machine " HOST " login alice password pw-open\n", 0644);
	expect_fail(&a, OUTCOME_CONFIG, "no password for account 'work': set password or "
	            "passwordeval (or add " HOST " to ~/.netrc); ~/.netrc is ignored: it must be "
	            "yours and readable by you alone (chmod 600 ~/.netrc)", false,
	            "netrc: readable by others is ignored");
	write_netrc("machine " HOST " login alice password pw-open\n", 0660);
	expect_fail(&a, OUTCOME_CONFIG, "no password for account 'work': set password or ", true,
	            "netrc: group access is ignored too");

	/* a user from the config and a password from netrc */
	write_netrc("machine " HOST " login alice password pw-mixed\n", 0600);
	expect(&a, "alice", "pw-mixed", "netrc: password for the configured user");
	write_netrc(NULL, 0);
	expect_fail(&a, OUTCOME_CONFIG, "no password for account 'work': set password or "
	            "passwordeval (or add " HOST " to ~/.netrc)", false, "no source at all");

	account_free_secret(NULL);
	ok(1, "account_free_secret(NULL) is fine");
}

/* The prompt, on a pseudo-terminal made the controlling terminal of a
 * child in its own session. */
static void test_prompt(void)
{
	struct account a = make_account();
	int master = posix_openpt(O_RDWR | O_NOCTTY), report[2];
	char seen[512] = "", result[1100] = "";
	size_t seen_len = 0;
	pid_t pid;
	int status;

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0 || pipe(report) < 0) {
		ok(0, "prompt: no pseudo-terminal");
		return;
	}
	write_netrc(NULL, 0);
	a.user = "alice";
	pid = fork();
	if (pid == 0) {
		struct outcome out;
		struct termios t;
		char *user = NULL, *secret = NULL, line[1100];
		int slave, r;

		setsid();
		slave = open(ptsname(master), O_RDWR);   /* becomes the controlling terminal */
		close(master);
		r = account_credentials(&a, HOST, &user, &secret, &out);
		tcgetattr(slave, &t);
		snprintf(line, sizeof(line), "%d|%s|%s|%s", r, r == 0 ? secret : out.text,
		         (t.c_lflag & ECHO) ? "echo" : "noecho", user ? user : "");
		if (write(report[1], line, strlen(line)) < 0)
			_exit(2);
		_exit(0);
	}
	close(report[1]);
	/* Wait for the prompt, answer it, collect what the terminal shows. */
	for (int rounds = 0; rounds < 100; rounds++) {
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = read(master, seen + seen_len, sizeof(seen) - 1 - seen_len);
		if (n <= 0)
			break;
		seen_len += (size_t)n;
		seen[seen_len] = '\0';
		if (strstr(seen, ": "))
			break;
	}
	is_str(seen, "password for alice at " HOST ": ", "prompt: the question on the terminal");
	if (write(master, "s3cret typed\n", 13) != 13)
		ok(0, "prompt: cannot type");
	{
		ssize_t n = read(report[0], result, sizeof(result) - 1);

		result[n > 0 ? n : 0] = '\0';
	}
	waitpid(pid, &status, 0);
	is_str(result, "0|s3cret typed|echo|alice", "prompt: the answer, echo restored");
	{
		struct pollfd pfd = { .fd = master, .events = POLLIN };
		char rest[256] = "";
		ssize_t n = 0;

		if (poll(&pfd, 1, 200) > 0)
			n = read(master, rest, sizeof(rest) - 1);
		rest[n > 0 ? n : 0] = '\0';
		ok(strstr(rest, "s3cret") == NULL, "prompt: the answer was not echoed");
	}
	close(master);
	close(report[0]);
}

static int run_all(void)
{
	char path[64];

	snprintf(home, sizeof(home), "/tmp/postie-cred-XXXXXX");
	if (!mkdtemp(home)) {
		perror("mkdtemp");
		return 1;
	}
	setenv("HOME", home, 1);
	test_password();
	test_passwordeval();
	test_netrc();
	test_prompt();
	write_netrc(NULL, 0);
	snprintf(path, sizeof(path), "%s", home);
	rmdir(path);
	return tap_done();
}

int main(void)
{
	pid_t pid;
	int status;

	/* Run in a session of our own, without a controlling terminal, so no
	 * test can stop at a password prompt when run from a terminal. */
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		int r;

		if (setsid() < 0)
			_exit(1);
		r = run_all();
		exit(r);        /* not _exit: flush stdout, and let ASan look for leaks */
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
