/* test_queue.c - the durable spool: the envelope file format, then the
 * queue's life cycle, locking between processes, crashes and a full disk. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"
#include "tap.h"

static char base[64];   /* the mkdtemp directory every test works under */

/* ------------------------------------------------------------ helpers */

static void envelope_init(struct queue_envelope *env, const char *from, const char *rcpt)
{
	memset(env, 0, sizeof(*env));
	env->from = strdup(from);
	env->account = strdup("work");
	address_list_add(&env->rcpts, rcpt);
	env->created = 1700000000;
}

/* A file of `size` pseudo-random bytes (seeded), opened for reading; its
 * bytes in *copy when copy is not NULL. */
static int data_file(size_t size, unsigned seed, char **copy)
{
	char path[128];
	char *bytes = malloc(size ? size : 1);
	unsigned x = seed * 2654435761u + 1;
	int fd;

	for (size_t i = 0; i < size; i++) {
		x = x * 1103515245u + 12345u;
		bytes[i] = (char)(x >> 16);
	}
	snprintf(path, sizeof(path), "%s/data-XXXXXX", base);
	fd = mkstemp(path);
	if (fd < 0 || write(fd, bytes, size) != (ssize_t)size) {
		perror("data file");
		exit(2);
	}
	unlink(path);
	if (copy)
		*copy = bytes;
	else
		free(bytes);
	return fd;
}

static bool same_bytes(int fd, const char *want, size_t size)
{
	char *got = malloc(size ? size : 1);
	size_t done = 0;
	bool same;

	while (done < size) {
		ssize_t n = pread(fd, got + done, size - done, (off_t)done);
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	same = done == size && memcmp(got, want, size) == 0;
	free(got);
	return same;
}

/* Entries of dir/sub that do not start with '.'. */
static int count_files(const char *dir, const char *sub)
{
	char path[512];
	DIR *d;
	struct dirent *de;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static bool exists(const char *dir, const char *sub, const char *id, const char *suffix)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s%s", dir, sub, id, suffix);
	return access(path, F_OK) == 0;
}

static void make_dir_name(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", base, name);
}

/* Enqueue a small message; its id in id[]. */
static int enqueue_small(struct queue *q, const char *rcpt, char id[QUEUE_ID_MAX])
{
	struct queue_envelope env;
	struct outcome out;
	int fd = data_file(100, 7, NULL);
	int rc;

	outcome_clear(&out);
	envelope_init(&env, "me@example.org", rcpt);
	rc = queue_enqueue(q, &env, fd, 100, &out);
	if (rc < 0)
		printf("# enqueue: %s\n", out.text);
	memcpy(id, env.id, QUEUE_ID_MAX);
	queue_envelope_free(&env);
	close(fd);
	return rc;
}

/* ------------------------------------------------------------ the format */

static void test_round_trip(void)
{
	struct queue_envelope env, back;
	struct outcome out;
	char *text;
	size_t len;

	memset(&env, 0, sizeof(env));
	env.account = strdup("acc");
	env.from = strdup("s%nd\xc3\xa9r@example.org");
	address_list_add(&env.rcpts, "a@x");
	address_list_add(&env.rcpts, "\"b c\"@y");
	env.dsn_notify = strdup("FAILURE,DELAY");
	env.dsn_return = strdup("HDRS");
	env.dsn_envid = strdup("env+2Did");
	env.body_type = strdup("8BITMIME");
	env.smtputf8 = true;
	env.body_8bit = true;
	env.message_id = strdup("<1@x>");
	env.created = 1700000001;
	env.next_attempt = 1700000600;
	env.attempts = 3;
	env.last_reply = strdup("451 4.3.0 try\r\nlater\t%41\x01\x7f end ");

	ok(queue_envelope_format(&env, &text, &len) == 0, "format");
	ok(len == strlen(text), "the text has no NUL");
	ok(strchr(text, '\r') == NULL, "no CR in the text");
	ok(strstr(text, "later") && !strstr(text, "\nlater"), "an LF in a value does not break the line");
	ok(strstr(text, "from s%25nd\xc3\xa9r@example.org\n") != NULL, "%% escaped, UTF-8 kept");
	outcome_clear(&out);
	ok(queue_envelope_parse("t.env", text, len, &back, &out) == 0, "parse: %s", out.text);
	is_str(back.account, "acc", "account");
	is_str(back.from, env.from, "from");
	is_int(back.rcpts.n, 2, "two rcpts");
	is_str(back.rcpts.items[1], "\"b c\"@y", "second rcpt");
	is_str(back.dsn_notify, "FAILURE,DELAY", "dsn_notify");
	is_str(back.dsn_return, "HDRS", "dsn_return");
	is_str(back.dsn_envid, "env+2Did", "dsn_envid");
	is_str(back.body_type, "8BITMIME", "body_type");
	ok(back.smtputf8 && back.body_8bit, "booleans");
	is_str(back.message_id, "<1@x>", "message_id");
	is_int(back.created, 1700000001, "created");
	is_int(back.next_attempt, 1700000600, "next_attempt");
	is_int(back.attempts, 3, "attempts");
	is_str(back.last_reply, env.last_reply, "last_reply with CR, LF, TAB, %%, controls");
	queue_envelope_free(&back);
	free(text);

	/* the null sender, unset optionals, many recipients */
	free(env.from);
	env.from = strdup("");
	free(env.last_reply);
	env.last_reply = NULL;
	free(env.message_id);
	env.message_id = NULL;
	env.smtputf8 = false;
	for (int i = 0; i < 998; i++) {
		char rcpt[32];
		snprintf(rcpt, sizeof(rcpt), "user%d@example.org", i);
		address_list_add(&env.rcpts, rcpt);
	}
	ok(queue_envelope_format(&env, &text, &len) == 0, "format the null sender");
	ok(strstr(text, "\nfrom \n") != NULL, "the null sender is \"from \"");
	ok(queue_envelope_parse("t.env", text, len, &back, &out) == 0, "parse it: %s", out.text);
	is_str(back.from, "", "the null sender round-trips");
	is_int(back.rcpts.n, 1000, "1000 rcpts");
	is_str(back.rcpts.items[999], "user997@example.org", "the last rcpt");
	ok(back.last_reply == NULL && back.message_id == NULL, "unset stays unset");
	ok(!back.smtputf8 && back.body_8bit, "booleans again");
	queue_envelope_free(&back);
	free(text);

	/* formatting refuses an envelope without a sender or recipients */
	free(env.from);
	env.from = NULL;
	ok(queue_envelope_format(&env, &text, &len) < 0 && errno == EINVAL, "no sender refused");
	queue_envelope_free(&env);
}

struct parse_case {
	const char *name;
	const char *text;
	const char *error;   /* part of the error text, or NULL when it parses */
};

static const struct parse_case parse_cases[] = {
	{ "minimal", "version 1\nfrom a@x\nrcpt b@y\ncreated 5\n", NULL },
	{ "unknown keys ignored", "version 1\ncolour blue\nfrom a@x\nrcpt b@y\ncreated 5\nx_y z\n", NULL },
	{ "blank-free from line", "version 1\nfrom\nrcpt b@y\ncreated 5\n", NULL },
	{ "no version", "from a@x\nrcpt b@y\ncreated 5\n", "no \"version\" line" },
	{ "no from", "version 1\nrcpt b@y\ncreated 5\n", "no \"from\" line" },
	{ "no rcpt", "version 1\nfrom a@x\ncreated 5\n", "no \"rcpt\" line" },
	{ "no created", "version 1\nfrom a@x\nrcpt b@y\n", "no \"created\" line" },
	{ "empty", "", "no \"version\" line" },
	{ "newer version", "version 2\nfrom a@x\nrcpt b@y\ncreated 5\n", "line 1: unsupported version" },
	{ "cut short", "version 1\nfrom a@x\nrcpt b@y\ncreated 5", "line 4: the last line is cut short" },
	{ "CR in a line", "version 1\r\nfrom a@x\nrcpt b@y\ncreated 5\n", "line 1: control character" },
	{ "bad escape", "version 1\nfrom a%4@x\nrcpt b@y\ncreated 5\n", "line 2: bad %-escape" },
	{ "escape at the end", "version 1\nfrom a%\nrcpt b@y\ncreated 5\n", "line 2: bad %-escape" },
	{ "escaped NUL", "version 1\nfrom a%00\nrcpt b@y\ncreated 5\n", "line 2: NUL byte" },
	{ "repeated from", "version 1\nfrom a@x\nfrom c@x\nrcpt b@y\ncreated 5\n", "line 3: key repeated" },
	{ "bad number", "version 1\nfrom a@x\nrcpt b@y\ncreated 5x\n", "line 4: not a time" },
	{ "negative number", "version 1\nfrom a@x\nrcpt b@y\ncreated -5\n", "line 4: not a time" },
	{ "attempts too big", "version 1\nfrom a@x\nrcpt b@y\ncreated 5\nattempts 99999999999\n", "line 5: not a count" },
	{ "bad boolean", "version 1\nfrom a@x\nrcpt b@y\ncreated 5\nsmtputf8 true\n", "line 5: not yes or no" },
	{ "bad key", "version 1\nFrom a@x\nrcpt b@y\ncreated 5\n", "line 2: not a \"key value\" line" },
	{ "empty line", "version 1\n\nfrom a@x\nrcpt b@y\ncreated 5\n", "line 2: not a \"key value\" line" },
};

static void test_parse_cases(void)
{
	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct queue_envelope env;
		struct outcome out;
		int rc;

		outcome_clear(&out);
		rc = queue_envelope_parse("q/new/X.env", c->text, strlen(c->text), &env, &out);
		if (!c->error) {
			ok(rc == 0, "parse %s: %s", c->name, out.text);
		} else {
			ok(rc < 0 && out.cls == OUTCOME_IO && strstr(out.text, c->error) &&
			   strstr(out.text, "q/new/X.env"), "parse %s refused: %s", c->name, out.text);
			ok(env.from == NULL && env.rcpts.n == 0, "parse %s leaves nothing", c->name);
		}
		queue_envelope_free(&env);
	}
	{
		struct queue_envelope env;
		struct outcome out;
		static const char nul[] = "version 1\nfrom a\0b\nrcpt b@y\ncreated 5\n";
		ok(queue_envelope_parse("x", nul, sizeof(nul) - 1, &env, &out) < 0,
		   "a raw NUL is refused: %s", out.text);
	}
}

/* ------------------------------------------------------------ the life cycle */

static void test_enqueue_list_lock(void)
{
	char dir[128], id[QUEUE_ID_MAX], *bytes;
	struct queue *q;
	struct queue_envelope env, *list;
	struct queue_lock *lock;
	struct outcome out;
	size_t n, size = 5 * 1024 * 1024 + 17;
	int fd, data_fd;
	struct stat st;

	make_dir_name(dir, sizeof(dir), "life/deeper/queue");
	outcome_clear(&out);
	ok(queue_open(dir, &q, &out) == 0, "open creates the queue and its parents: %s", out.text);
	ok(stat(dir, &st) == 0 && (st.st_mode & 0777) == 0700, "the queue directory is 0700");
	is_str(queue_dir(q), dir, "queue_dir");

	fd = data_file(size, 1, &bytes);
	lseek(fd, 1234, SEEK_SET);
	envelope_init(&env, "", "a@x");
	address_list_add(&env.rcpts, "b@y");
	env.message_id = strdup("<big@x>");
	ok(queue_enqueue(q, &env, fd, (off_t)size, &out) == 0, "enqueue 5 MB: %s", out.text);
	ok(lseek(fd, 0, SEEK_CUR) == 1234, "the caller's offset is untouched");
	ok(strlen(env.id) == 28 && env.id[8] == 'T' && env.id[15] == '-', "id %s", env.id);
	ok(strspn(env.id + 16, "0123456789abcdefghijklmnopqrstuv") == 12, "12 base32hex characters");
	ok(exists(dir, "new", env.id, ".msg") && exists(dir, "new", env.id, ".env"),
	   "both files in new/");
	is_int(count_files(dir, "tmp"), 0, "tmp/ is empty");

	ok(queue_list(q, &list, &n, &out) == 0 && n == 1, "one message listed");
	if (n == 1) {
		is_str(list[0].id, env.id, "listed id");
		is_str(list[0].from, "", "listed null sender");
		is_int(list[0].rcpts.n, 2, "listed rcpts");
		is_int(list[0].size, (long long)size, "listed size");
		is_str(list[0].message_id, "<big@x>", "listed message id");
		ok(!list[0].held, "not held");
	}
	queue_list_free(list, n);

	memcpy(id, env.id, sizeof(id));
	queue_envelope_free(&env);
	if (queue_lock(q, id, &lock, &env, &data_fd, &out) != 1) {
		ok(0, "lock it: %s", out.text);
		return;
	}
	is_str(env.id, id, "lock: the id");
	is_int(env.size, (long long)size, "lock: the size");
	is_str(env.message_id, "<big@x>", "lock: the envelope");
	ok(same_bytes(data_fd, bytes, size), "the queued bytes are the message's");
	ok(queue_done(lock, &out) == 0, "done");
	queue_envelope_free(&env);
	ok(!exists(dir, "new", id, ".msg") && !exists(dir, "new", id, ".env"),
	   "done removes both files");
	ok(queue_lock(q, id, &lock, &env, &data_fd, &out) == 0, "a delivered message is gone");
	free(bytes);
	close(fd);

	/* an empty message is a message too */
	fd = data_file(0, 1, NULL);
	envelope_init(&env, "a@x", "b@y");
	ok(queue_enqueue(q, &env, fd, 0, &out) == 0, "enqueue an empty message");
	memcpy(id, env.id, sizeof(id));
	queue_envelope_free(&env);
	ok(queue_lock(q, id, &lock, &env, &data_fd, &out) == 1 && env.size == 0, "size 0");
	queue_unlock(lock);
	queue_envelope_free(&env);
	close(fd);

	/* a message shorter than announced is an I/O error, and leaves nothing */
	fd = data_file(10, 1, NULL);
	envelope_init(&env, "a@x", "b@y");
	outcome_clear(&out);
	ok(queue_enqueue(q, &env, fd, 20, &out) < 0 && out.cls == OUTCOME_IO,
	   "short data: %s", out.text);
	is_int(count_files(dir, "new"), 2, "only the empty message in new/");
	is_int(count_files(dir, "tmp"), 0, "nothing in tmp/");
	queue_envelope_free(&env);
	close(fd);
	queue_close(q);
}

static void test_reschedule_give_up(void)
{
	char dir[128], id[QUEUE_ID_MAX];
	struct queue *q;
	struct queue_envelope env, *list;
	struct queue_lock *lock;
	struct outcome out;
	size_t n;
	int data_fd;

	make_dir_name(dir, sizeof(dir), "retry");
	ok(queue_open(dir, &q, &out) == 0, "open");
	ok(enqueue_small(q, "r@x", id) == 0, "enqueue");

	ok(queue_lock(q, id, &lock, &env, &data_fd, &out) == 1, "lock");
	env.attempts = 2;
	env.next_attempt = 1700009999;
	env.last_reply = strdup("451 4.7.1 greylisted\r\n");
	ok(queue_reschedule(lock, &env, &out) == 0, "reschedule: %s", out.text);
	queue_envelope_free(&env);
	ok(queue_lock(q, id, &lock, &env, &data_fd, &out) == 1, "lock again");
	is_int(env.attempts, 2, "attempts kept");
	is_int(env.next_attempt, 1700009999, "next attempt kept");
	is_str(env.last_reply, "451 4.7.1 greylisted\r\n", "last reply kept");
	is_int(env.size, 100, "the data is still there");

	free(env.last_reply);
	env.last_reply = strdup("550 5.1.1 no such user");
	ok(queue_give_up(lock, &env, &out) == 0, "give up: %s", out.text);
	queue_envelope_free(&env);
	ok(exists(dir, "failed", id, ".msg") && exists(dir, "failed", id, ".env"),
	   "both files in failed/");
	ok(!exists(dir, "new", id, ".msg") && !exists(dir, "new", id, ".env"), "none in new/");
	ok(queue_list(q, &list, &n, &out) == 0 && n == 0, "a failed message is not listed");
	queue_list_free(list, n);
	is_int(count_files(dir, "tmp"), 0, "nothing in tmp/");

	ok(queue_delete(q, id, &out) == 0, "delete from failed/");
	is_int(count_files(dir, "failed"), 0, "failed/ is empty");
	queue_close(q);
}

static void test_hold_release_delete(void)
{
	char dir[128], a[QUEUE_ID_MAX], b[QUEUE_ID_MAX];
	struct queue *q;
	struct queue_envelope env, *list;
	struct queue_lock *lock;
	struct outcome out;
	size_t n;
	int data_fd;

	make_dir_name(dir, sizeof(dir), "hold");
	ok(queue_open(dir, &q, &out) == 0, "open");
	ok(enqueue_small(q, "a@x", a) == 0 && enqueue_small(q, "b@x", b) == 0, "enqueue two");
	ok(queue_lock(q, a, &lock, &env, &data_fd, &out) == 1, "lock a");
	env.next_attempt = 1900000000;
	ok(queue_reschedule(lock, &env, &out) == 0, "a is due later");
	queue_envelope_free(&env);

	ok(queue_hold(q, a, &out) == 0, "hold a: %s", out.text);
	ok(exists(dir, "held", a, ".msg") && exists(dir, "held", a, ".env"), "a in held/");
	ok(queue_hold(q, a, &out) == 0, "holding it again is fine");
	ok(queue_lock(q, a, &lock, &env, &data_fd, &out) == 0, "a held message cannot be locked");
	ok(queue_list(q, &list, &n, &out) == 0 && n == 2, "both listed");
	for (size_t i = 0; i < n; i++)
		ok(list[i].held == (strcmp(list[i].id, a) == 0), "held flag of %s", list[i].id);
	queue_list_free(list, n);

	ok(queue_release(q, a, &out) == 0, "release a: %s", out.text);
	ok(exists(dir, "new", a, ".msg") && exists(dir, "new", a, ".env"), "a back in new/");
	is_int(count_files(dir, "held"), 0, "held/ is empty");
	ok(queue_lock(q, a, &lock, &env, &data_fd, &out) == 1, "lock a");
	is_int(env.next_attempt, 0, "release makes it due at once");
	outcome_clear(&out);
	ok(queue_delete(q, a, &out) < 0 && out.cls == OUTCOME_TEMPORARY,
	   "delete of a locked message: %s", out.text);
	ok(queue_hold(q, a, &out) < 0 && out.cls == OUTCOME_TEMPORARY, "hold of a locked message");
	queue_unlock(lock);
	queue_envelope_free(&env);
	ok(queue_release(q, a, &out) == 0, "releasing a queued message is fine");

	ok(queue_delete(q, a, &out) == 0, "delete a from new/");
	ok(queue_hold(q, b, &out) == 0 && queue_delete(q, b, &out) == 0, "delete b from held/");
	is_int(count_files(dir, "new") + count_files(dir, "held"), 0, "nothing left");
	outcome_clear(&out);
	ok(queue_delete(q, a, &out) < 0 && out.cls == OUTCOME_NO_INPUT, "unknown id: %s", out.text);
	ok(queue_hold(q, a, &out) < 0 && out.cls == OUTCOME_NO_INPUT, "hold unknown");
	ok(queue_release(q, a, &out) < 0 && out.cls == OUTCOME_NO_INPUT, "release unknown");
	queue_close(q);
}

static void test_bad_ids(void)
{
	static const char *const bad[] = {
		"", "../x", "a/b", ".hidden", "x.msg", "-rf", "a b", "a\nb",
		"0123456789012345678901234567890123456789012345678901234567890123456789",
	};
	char dir[128];
	struct queue *q;
	struct queue_envelope env;
	struct queue_lock *lock;
	struct outcome out;
	int fd;

	make_dir_name(dir, sizeof(dir), "ids");
	ok(queue_open(dir, &q, &out) == 0, "open");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bool refused = true;
		outcome_clear(&out);
		refused &= queue_delete(q, bad[i], &out) < 0 && out.cls == OUTCOME_USAGE;
		refused &= queue_hold(q, bad[i], &out) < 0 && out.cls == OUTCOME_USAGE;
		refused &= queue_release(q, bad[i], &out) < 0 && out.cls == OUTCOME_USAGE;
		refused &= queue_lock(q, bad[i], &lock, &env, &fd, &out) < 0 && out.cls == OUTCOME_USAGE;
		ok(refused, "id %zu (\"%.8s\") refused everywhere", i,
		   strchr(bad[i], '\n') ? "a^Jb" : bad[i]);
	}
	queue_close(q);
}

/* ------------------------------------------------------------ processes */

static void test_lock_race(void)
{
	char dir[128], id[QUEUE_ID_MAX];
	struct queue *q;
	struct outcome out;
	int go[2], winners = 0, losers = 0;
	pid_t pids[2];

	make_dir_name(dir, sizeof(dir), "race");
	ok(queue_open(dir, &q, &out) == 0 && enqueue_small(q, "a@x", id) == 0, "one message");
	queue_close(q);
	if (pipe(go) != 0)
		return;
	for (int i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct queue_envelope env;
			struct queue_lock *lock;
			char c;
			int fd, rc;

			close(go[1]);
			if (queue_open(dir, &q, &out) < 0 || read(go[0], &c, 1) != 0)
				_exit(9);
			rc = queue_lock(q, id, &lock, &env, &fd, &out);
			usleep(300000);   /* hold it while the other one tries */
			if (rc == 1) {
				queue_unlock(lock);
				queue_envelope_free(&env);
			}
			queue_close(q);
			_exit(rc == 1 ? 1 : rc == 0 ? 0 : 9);
		}
	}
	close(go[0]);
	close(go[1]);   /* both children's read() returns now */
	for (int i = 0; i < 2; i++) {
		int status = 0;
		waitpid(pids[i], &status, 0);
		if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
			winners++;
		else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
			losers++;
	}
	ok(winners == 1 && losers == 1, "two racing processes: exactly one gets the lock");
}

static void test_lock_blocks(void)
{
	char dir[128], id[QUEUE_ID_MAX], c = 0;
	struct queue *q;
	struct queue_envelope env;
	struct queue_lock *lock;
	struct outcome out;
	int locked[2], release[2], fd, status;
	pid_t pid;

	make_dir_name(dir, sizeof(dir), "blocks");
	ok(queue_open(dir, &q, &out) == 0 && enqueue_small(q, "a@x", id) == 0, "one message");
	if (pipe(locked) != 0 || pipe(release) != 0)
		return;
	pid = fork();
	if (pid == 0) {
		int rc;

		close(locked[0]);
		close(release[1]);   /* so that the parent's close is our EOF */
		rc = queue_lock(q, id, &lock, &env, &fd, &out);
		if (write(locked[1], rc == 1 ? "1" : "0", 1) != 1 || read(release[0], &c, 1) < 0)
			_exit(9);
		if (rc == 1)
			queue_unlock(lock);
		_exit(0);
	}
	close(locked[1]);
	close(release[0]);
	ok(read(locked[0], &c, 1) == 1 && c == '1', "the child holds the lock");
	ok(queue_lock(q, id, &lock, &env, &fd, &out) == 0, "the parent gets 0 meanwhile");
	outcome_clear(&out);
	ok(queue_delete(q, id, &out) < 0 && out.cls == OUTCOME_TEMPORARY,
	   "delete says being delivered: %s", out.text);
	close(release[1]);
	waitpid(pid, &status, 0);
	ok(queue_lock(q, id, &lock, &env, &fd, &out) == 1, "after the child let go, the parent gets it");
	queue_done(lock, &out);
	queue_envelope_free(&env);
	close(locked[0]);
	queue_close(q);
}

/* Every file in dir/sub a day old. */
static void age_files(const char *dir, const char *sub)
{
	char path[512];
	struct timespec old[2] = { { time(NULL) - 86400, 0 }, { time(NULL) - 86400, 0 } };
	DIR *d;
	struct dirent *de;

	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			utimensat(dirfd(d), de->d_name, old, AT_SYMLINK_NOFOLLOW);
	closedir(d);
}

/* Every file in new/ is half of a pair that parses and holds the message. */
static bool new_is_consistent(struct queue *q, const char *dir, const char *bytes, size_t size,
                              int *messages)
{
	char path[512];
	DIR *d;
	struct dirent *de;
	bool good = true;

	*messages = 0;
	snprintf(path, sizeof(path), "%s/new", dir);
	d = opendir(path);
	while (d && (de = readdir(d)) != NULL) {
		char id[QUEUE_ID_MAX];
		size_t len = strlen(de->d_name);
		struct queue_envelope env;
		struct queue_lock *lock;
		struct outcome out;
		int fd;

		if (de->d_name[0] == '.' || len < 5 || len - 4 >= QUEUE_ID_MAX)
			continue;
		memcpy(id, de->d_name, len - 4);
		id[len - 4] = '\0';
		if (!exists(dir, "new", id, ".msg") || !exists(dir, "new", id, ".env")) {
			printf("# half a message: %s\n", de->d_name);
			good = false;
			continue;
		}
		if (strcmp(de->d_name + len - 4, ".env") != 0)
			continue;
		if (queue_lock(q, id, &lock, &env, &fd, &out) != 1 || env.size != (off_t)size ||
		    !same_bytes(fd, bytes, size)) {
			printf("# bad message %s\n", id);
			good = false;
		} else {
			(*messages)++;
		}
		if (lock)
			queue_unlock(lock);
		queue_envelope_free(&env);
	}
	if (d)
		closedir(d);
	return good && d;
}

static void test_crash_safety(void)
{
	char dir[128], *bytes;
	size_t size = 300 * 1024;
	struct queue *q;
	struct queue_envelope *list;
	struct outcome out;
	int fd = data_file(size, 3, &bytes), messages = 0;
	size_t n;

	make_dir_name(dir, sizeof(dir), "crash");
	ok(queue_open(dir, &q, &out) == 0, "open");
	queue_close(q);
	srand((unsigned)getpid());
	for (int round = 0; round < 50; round++) {
		pid_t pid = fork();
		if (pid == 0) {
			struct queue *cq;
			struct outcome co;
			if (queue_open(dir, &cq, &co) < 0)
				_exit(9);
			for (int i = 0; i < 10000; i++) {
				struct queue_envelope env;
				envelope_init(&env, "a@x", "b@y");
				queue_enqueue(cq, &env, fd, (off_t)size, &co);
				queue_envelope_free(&env);
			}
			_exit(0);
		}
		usleep((useconds_t)(2000 + rand() % 20000));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	printf("# after 50 kills: %d files in tmp/, %d in new/\n", count_files(dir, "tmp"),
	       count_files(dir, "new"));
	age_files(dir, "tmp");
	age_files(dir, "new");
	ok(queue_open(dir, &q, &out) == 0, "reopen after the crashes: %s", out.text);
	is_int(count_files(dir, "tmp"), 0, "no leftovers in tmp/");
	ok(new_is_consistent(q, dir, bytes, size, &messages), "every message in new/ is complete");
	ok(queue_list(q, &list, &n, &out) == 0 && n == (size_t)messages,
	   "all %d complete messages are listed", messages);
	ok(messages > 0, "some messages made it (%d)", messages);
	queue_list_free(list, n);
	queue_close(q);
	free(bytes);
	close(fd);
}

/* The leftovers queue_open removes, and the half-done moves it finishes. */
static void test_leftovers(void)
{
	char dir[128], id[QUEUE_ID_MAX], path[512], from[512];
	struct queue *q;
	struct outcome out;
	int fd;

	make_dir_name(dir, sizeof(dir), "leftovers");
	ok(queue_open(dir, &q, &out) == 0 && enqueue_small(q, "a@x", id) == 0, "one message");
	queue_close(q);
	/* a fresh tmp file stays, an old one goes; an old lone new/ID.msg goes */
	snprintf(path, sizeof(path), "%s/new/20200101T000000-lonely.msg", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	age_files(dir, "new");
	snprintf(path, sizeof(path), "%s/tmp/20200101T000000-old.env", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	age_files(dir, "tmp");
	snprintf(path, sizeof(path), "%s/tmp/20200101T000000-fresh.msg", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	/* a hold stopped half way: new/ID.env beside held/ID.msg */
	snprintf(from, sizeof(from), "%s/new/%s.msg", dir, id);
	snprintf(path, sizeof(path), "%s/held/%s.msg", dir, id);
	rename(from, path);
	fd = -1;
	ok(queue_open(dir, &q, &out) == 0, "reopen");
	ok(exists(dir, "tmp", "20200101T000000-fresh", ".msg"), "a fresh tmp file stays");
	ok(!exists(dir, "tmp", "20200101T000000-old", ".env"), "an old tmp file goes");
	ok(!exists(dir, "new", "20200101T000000-lonely", ".msg"), "an old lone ID.msg goes");
	ok(exists(dir, "held", id, ".msg") && exists(dir, "held", id, ".env") &&
	   !exists(dir, "new", id, ".env"), "a half-done hold is finished");
	ok(queue_release(q, id, &out) == 0, "and the message can be released: %s", out.text);
	(void)fd;
	queue_close(q);
}

/* ------------------------------------------------------------ refusals */

/* Enqueue `size` bytes into `dir` and check it fails as temporary with
 * nothing left in new/ or tmp/. */
static bool enqueue_fails_temporary(const char *dir, int fd, size_t size, char *why,
                                    size_t whylen)
{
	struct queue *q;
	struct queue_envelope env;
	struct outcome out;
	bool good;

	outcome_clear(&out);
	if (queue_open(dir, &q, &out) < 0) {
		snprintf(why, whylen, "%s", out.text);
		return false;
	}
	envelope_init(&env, "a@x", "b@y");
	good = queue_enqueue(q, &env, fd, (off_t)size, &out) < 0 && out.cls == OUTCOME_TEMPORARY;
	snprintf(why, whylen, "%s", out.text);
	good = good && count_files(dir, "new") == 0 && count_files(dir, "tmp") == 0;
	queue_envelope_free(&env);
	queue_close(q);
	return good;
}

static void test_disk_full(void)
{
	char mnt[128], dir[160], why[OUTCOME_TEXT_MAX];
	size_t size = 2 * 1024 * 1024;
	int status = 0, fd = data_file(size, 5, NULL);
	pid_t pid;

	make_dir_name(mnt, sizeof(mnt), "full");
	snprintf(dir, sizeof(dir), "%s/q", mnt);
	mkdir(mnt, 0700);
	if (geteuid() == 0 && mount("tmpfs", mnt, "tmpfs", 0, "size=1m,mode=0700") == 0) {
		printf("# disk full: a 1 MiB tmpfs\n");
		ok(enqueue_fails_temporary(dir, fd, size, why, sizeof(why)),
		   "a full disk is temporary and leaves nothing: %s", why);
		ok(strstr(why, "No space left") != NULL, "the reason is named");
		umount(mnt);
	} else {
		printf("# disk full: no tmpfs (not root, or mount refused)\n");
	}
	/* RLIMIT_FSIZE gives EFBIG, which must count as a full disk too */
	printf("# file size limit: RLIMIT_FSIZE in a child\n");
	snprintf(dir, sizeof(dir), "%s/fsize", mnt);
	pid = fork();
	if (pid == 0) {
		struct rlimit lim = { 1024 * 1024, 1024 * 1024 };
		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &lim) != 0)
			_exit(9);
		_exit(enqueue_fails_temporary(dir, fd, size, why, sizeof(why)) ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "EFBIG is temporary and leaves nothing");
	close(fd);
}

static void test_refused_dirs(void)
{
	char dir[128], link_name[128];
	struct queue *q;
	struct outcome out;

	make_dir_name(dir, sizeof(dir), "open-to-all");
	mkdir(dir, 0755);
	chmod(dir, 0755);
	outcome_clear(&out);
	ok(queue_open(dir, &q, &out) < 0 && out.cls == OUTCOME_CANT_CREATE &&
	   strstr(out.text, "0755"), "a 0755 queue directory is refused: %s", out.text);
	chmod(dir, 0700);
	ok(queue_open(dir, &q, &out) == 0, "at 0700 it is fine");
	queue_close(q);
	{
		char sub[160];
		snprintf(sub, sizeof(sub), "%s/new", dir);
		chmod(sub, 0750);
		outcome_clear(&out);
		ok(queue_open(dir, &q, &out) < 0 && strstr(out.text, "/new"),
		   "a group-readable subdirectory is refused: %s", out.text);
		chmod(sub, 0700);
	}
	make_dir_name(link_name, sizeof(link_name), "symlinked");
	if (symlink(dir, link_name) != 0)
		return;
	outcome_clear(&out);
	ok(queue_open(link_name, &q, &out) < 0 && out.cls == OUTCOME_CANT_CREATE,
	   "a symlinked queue directory is refused: %s", out.text);
	snprintf(link_name + strlen(link_name), sizeof(link_name) - strlen(link_name), "/");
	ok(queue_open(link_name, &q, &out) < 0, "also with a trailing slash");
}

static void test_default_dir(void)
{
	char buf[256];
	struct outcome out;

	if (geteuid() == 0) {
		ok(queue_default_dir(buf, sizeof(buf), &out) == 0, "default dir");
		is_str(buf, "/var/spool/postie", "root's queue");
		return;
	}
	setenv("XDG_STATE_HOME", "/st", 1);
	ok(queue_default_dir(buf, sizeof(buf), &out) == 0, "default dir");
	is_str(buf, "/st/postie/queue", "under XDG_STATE_HOME");
}

static void remove_tree(const char *path)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", path);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);   /* TAP lines survive a crash */
	snprintf(base, sizeof(base), "/tmp/test_queue-XXXXXX");
	if (!mkdtemp(base)) {
		perror("mkdtemp");
		return 2;
	}
	test_round_trip();
	test_parse_cases();
	test_enqueue_list_lock();
	test_reschedule_give_up();
	test_hold_release_delete();
	test_bad_ids();
	test_lock_race();
	test_lock_blocks();
	test_crash_safety();
	test_leftovers();
	test_disk_full();
	test_refused_dirs();
	test_default_dir();
	remove_tree(base);
	return tap_done();
}
