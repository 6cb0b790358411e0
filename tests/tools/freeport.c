/* freeport.c - print a TCP port on 127.0.0.1 that nothing listens on.
 *
 * Binds to port 0, lets the kernel choose, prints the number and exits, so
 * the port is free again (and, in practice, not reused at once). Tests use it
 * for "connection refused" and to give fixtures ports of their own. */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0) {
		fprintf(stderr, "freeport: socket: %s\n", strerror(errno));
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = 0;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		fprintf(stderr, "freeport: bind 127.0.0.1:0: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	if (getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		fprintf(stderr, "freeport: getsockname: %s\n", strerror(errno));
		close(fd);
		return 1;
	}
	close(fd);
	if (printf("%u\n", (unsigned)ntohs(sin.sin_port)) < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "freeport: cannot write to standard output\n");
		return 1;
	}
	return 0;
}
