/* The fd store: see fdstore.h. */
#include "fdstore.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdpass.h"
#include "parse.h"

/* Each entry is charged to the pair's send buffer until taken: a few hundred bytes of
 * bookkeeping each, so 8 MiB holds tens of thousands. Setting it needs CAP_NET_ADMIN (PID 1
 * has it); without it the default (about 200 KiB) still holds a few hundred. */
#define STORE_BUF_BYTES (8 * 1024 * 1024)

int fdstore_create(struct fdstore *st)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	int size = STORE_BUF_BYTES;
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (setsockopt(sv[1], SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* taking stops at an empty queue: the take end never blocks (PID 1 never reads it) */
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	st->put_fd = sv[0];
	st->take_fd = sv[1];
	return 0;
}

static int is_dgram_socket(int fd)
{
	int type;
	socklen_t len = sizeof(type);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
		return -errno;
	return type == SOCK_DGRAM ? 0 : -EPROTOTYPE;
}

int fdstore_parse(const char *arg, struct fdstore *st)
{
	const char *end;
	uint64_t put, take;
	if (parse_uint_prefix(arg, 10, 1024, &put, &end) < 0 || *end != ':' || put < 3)
		return -EINVAL;
	if (parse_uint(end + 1, 10, 1024, &take) < 0 || take < 3 || take == put)
		return -EINVAL;
	int r = is_dgram_socket((int)put);
	if (r == 0)
		r = is_dgram_socket((int)take);
	if (r < 0)
		return r;
	fcntl((int)take, F_SETFL, fcntl((int)take, F_GETFL) | O_NONBLOCK);
	st->put_fd = (int)put;
	st->take_fd = (int)take;
	return 0;
}

int fdstore_put(const struct fdstore *st, const char *name, const int *fds, size_t nfds)
{
	if (st->put_fd < 0)
		return -ENOTCONN;
	size_t len = strlen(name);
	if (len == 0 || len > FDSTORE_NAME_MAX || nfds == 0 || nfds > FDPASS_MAX)
		return -EINVAL;
	ssize_t n;
	do
		n = fdpass_send(st->put_fd, name, len, fds, nfds);
	while (n == -EINTR);
	return n < 0 ? (int)n : 0;
}

int fdstore_take_all(const struct fdstore *st, void (*each)(void *ctx, const char *name, int *fds, size_t nfds),
		     void *ctx)
{
	if (st->take_fd < 0)
		return -ENOTCONN;
	int count = 0;
	for (;;) {
		char name[FDSTORE_NAME_MAX + 1];
		int fds[FDPASS_MAX];
		size_t nfds = 0;
		ssize_t n = fdpass_recv(st->take_fd, name, sizeof(name) - 1, fds, &nfds, FDPASS_MAX);
		if (n < 0)
			return n == -EAGAIN ? count : (int)n;
		name[n] = '\0';
		if (n == 0 || nfds == 0 || strlen(name) != (size_t)n) {
			for (size_t i = 0; i < nfds; i++)
				close(fds[i]); /* not an entry of ours: nothing to give back */
			continue;
		}
		each(ctx, name, fds, nfds);
		count++;
	}
}
