/* test_fileio.c - whole reads and writes, unlinked temporary files, and
 * the MIME boundary maker. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "mime.h"
#include "tap.h"

static void test_write_then_read(void)
{
	char out[100000], in[sizeof(out) + 1];
	int fd = fileio_temporary_fd("postie-test");

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (char)('a' + i % 26);
	ok(fd >= 0, "a temporary file opens");
	is_int(fileio_write_all(fd, out, sizeof(out)), 0, "write_all writes all of it");
	is_int(lseek(fd, 0, SEEK_SET), 0, "and rewinds");
	is_int(fileio_read_full(fd, in, sizeof(in)), (long long)sizeof(out),
	       "read_full stops at the end");
	ok(memcmp(in, out, sizeof(out)) == 0, "and gives back the same bytes");
	is_int(fileio_read_full(fd, in, sizeof(in)), 0, "then reads nothing");
	close(fd);
}

static void test_errors(void)
{
	char c = 'x';

	is_int(fileio_write_all(-1, &c, 1), -1, "write_all on a bad descriptor fails");
	is_int(errno, EBADF, "with its errno");
	is_int(fileio_read_full(-1, &c, 1), -1, "read_full on a bad descriptor fails");
	is_int(fileio_write_all(-1, &c, 0), 0, "nothing to write is done at once");
}

static void test_temporary(void)
{
	struct outcome out;
	struct stat st;
	int fd = fileio_temporary("postie-test", "step", "a test", &out);

	ok(fd >= 0 && fstat(fd, &st) == 0, "a temporary file with an outcome opens");
	is_int(st.st_nlink, 0, "it has no name");
	is_int(st.st_mode & 07777, 0600, "it is mode 0600");
	close(fd);

	setenv("TMPDIR", "/nonexistent/postie", 1);
	outcome_clear(&out);
	is_int(fileio_temporary("postie-test", "step", "a test", &out), -1,
	       "no temporary file in a missing directory");
	is_int(out.cls, OUTCOME_CANT_CREATE, "class CANT_CREATE");
	is_str(out.step, "step", "the caller's step");
	is_str(out.text, "cannot create a temporary file in /nonexistent/postie for a test: "
	       "No such file or directory", "a text naming the directory and the purpose");
	unsetenv("TMPDIR");
	is_str(fileio_temporary_dir(), "/tmp", "without TMPDIR: /tmp");
}

static void test_boundary(void)
{
	char a[64], b[64], tiny[12];

	is_int(mime_boundary(a, sizeof(a), "=_postie_"), 0, "a boundary is made");
	is_int(strlen(a), strlen("=_postie_") + 24, "the prefix and 24 hex digits");
	ok(strncmp(a, "=_postie_", 9) == 0 && strspn(a + 9, "0123456789abcdef") == 24,
	   "prefix first, then hex: %s", a);
	mime_boundary(b, sizeof(b), "=_postie_");
	ok(strcmp(a, b) != 0, "two boundaries differ");
	mime_boundary(tiny, sizeof(tiny), "=_postie_");
	ok(strlen(tiny) < sizeof(tiny), "a small buffer gets a shorter one: %s", tiny);
}

int main(void)
{
	test_write_then_read();
	test_errors();
	test_temporary();
	test_boundary();
	return tap_done();
}
