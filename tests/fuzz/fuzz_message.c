/* fuzz_message.c - message_read's header handling from a buffer: the
 * normaliser, the header stage, mbox "From " lines, -t, Bcc removal and a
 * header edit, with the input arriving in blocks of any size.
 *
 * The input is byte 0: option bits, bytes 1-4: the seed of the block
 * sizes, then the message. The blocks go through an AF_UNIX SOCK_SEQPACKET
 * pair, so each read() in message_read sees exactly one of them, as it
 * would see whatever sizes a pipe hands over. */
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "message.h"
#include "fuzz.h"

#define HEADER_BYTES 5
#define BLOCKS_MAX 64

struct edit_choice {
	bool drop_from, drop_recipients, append;
};

static int edit_headers(void *ctx, const char *hdr, size_t len,
                        const struct address_list *header_rcpts,
                        struct message_edit *edit, struct outcome *out)
{
	static const char added[] = "From: fuzz@example.org\r\nX-Fuzz: yes\r\n";
	const struct edit_choice *c = ctx;

	(void)hdr;
	(void)len;
	(void)out;
	fuzz_assert(header_rcpts->n <= ADDRESS_LIST_MAX, "too many header recipients");
	edit->drop_from = c->drop_from;
	edit->drop_recipients = c->drop_recipients;
	if (c->append) {
		edit->append = added;
		edit->append_len = sizeof(added) - 1;
	}
	return 0;
}

/* Send the message in seeded blocks; false when the socket will not take it. */
static bool send_blocks(int fd, const char *text, size_t len, uint32_t seed)
{
	struct fuzz_rng rng = { seed };
	size_t sent = 0;

	for (int blocks = 0; sent < len; blocks++) {
		size_t n = blocks == BLOCKS_MAX - 1 ? len - sent : 1 + fuzz_next(&rng) % 64;

		if (n > len - sent)
			n = len - sent;
		if (send(fd, text + sent, n, MSG_DONTWAIT) != (ssize_t)n)
			return false;
		sent += n;
	}
	return true;
}

static size_t count_crlf(const char *text, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i + 1 < len; i++)
		n += text[i] == '\r' && text[i + 1] == '\n';
	return n;
}

/* What was spooled: the header section kept, then the rest, all CRLF. */
static void check_spool(const struct message *msg, size_t input_len)
{
	size_t room = 2 * input_len + 256;
	char *spool = malloc(room);
	struct header_field f;
	size_t pos = 0;
	ssize_t got;

	fuzz_assert(spool != NULL, "out of memory");
	got = pread(msg->fd, spool, room, 0);
	fuzz_assert(got >= 0 && got == msg->size, "the spool size is not msg->size");
	fuzz_assert(msg->headers_len <= (size_t)got &&
	            memcmp(spool, msg->headers, msg->headers_len) == 0,
	            "the spool does not begin with msg->headers");
	for (ssize_t i = 0; i < got; i++) {
		if (spool[i] == '\r')
			fuzz_assert(i + 1 < got && spool[i + 1] == '\n', "a bare CR in the spool");
		if (spool[i] == '\n')
			fuzz_assert(i > 0 && spool[i - 1] == '\r', "a bare LF in the spool");
	}
	fuzz_assert(msg->lines == count_crlf(spool, (size_t)got), "msg->lines is not the line count");
	while (header_next(msg->headers, msg->headers_len, &pos, &f))
		;
	fuzz_assert(pos == msg->headers_len, "msg->headers holds more than header fields");
	free(spool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct edit_choice choice;
	struct message_options opt = { .on_headers = edit_headers, .ctx = &choice };
	struct message msg;
	struct outcome out;
	int pair[2];
	uint32_t seed;

	if (size < HEADER_BYTES || size > 60000)
		return 0;
	opt.ignore_dots = data[0] & 1;
	opt.read_recipients = data[0] & 2;
	opt.remove_bcc = data[0] & 4;
	choice.drop_from = data[0] & 8;
	choice.drop_recipients = data[0] & 16;
	choice.append = data[0] & 32;
	if (data[0] & 64)
		opt.on_headers = NULL;
	memcpy(&seed, data + 1, sizeof(seed));

	fuzz_assert(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) == 0, "socketpair");
	if (!send_blocks(pair[1], (const char *)data + HEADER_BYTES, size - HEADER_BYTES, seed)) {
		close(pair[0]);
		close(pair[1]);
		return 0;
	}
	close(pair[1]);

	outcome_clear(&out);
	if (message_read(pair[0], &opt, &msg, &out) == 0) {
		check_spool(&msg, size);
		message_free(&msg);
	} else {
		fuzz_assert(out.cls == OUTCOME_BAD_MESSAGE, "a failure that is not the message's");
	}
	close(pair[0]);
	return 0;
}
