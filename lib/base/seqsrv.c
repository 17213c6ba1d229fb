/* The SEQPACKET request server (see seqsrv.h). */
#include "seqsrv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "evloop.h"
#include "peercred.h"
#include "unixsock.h"

struct seqsrv {
	struct evloop *loop;
	struct seqsrv_options o;
	char *path;
	seqsrv_fn fn;
	void *ctx;
	int listen_fd;
	char *buf;          /* max_request + 1: one request at a time, the loop is ours */
	int *waiting;       /* connections accepted, their request not read yet */
	unsigned nwaiting;
};

static void refuse(int fd, const char *reply)
{
	if (reply)
		send(fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void forget(struct seqsrv *srv, int fd)
{
	evloop_del_fd(srv->loop, fd);
	for (unsigned i = 0; i < srv->nwaiting; i++)
		if (srv->waiting[i] == fd) {
			srv->waiting[i] = srv->waiting[--srv->nwaiting];
			break;
		}
}

static void on_client(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	struct seqsrv *srv = data;
	struct seqsrv_request req = { .fd = fd };
	ssize_t n = fdpass_recv(fd, srv->buf, srv->o.max_request + 1, req.fds, &req.nfds, srv->o.max_fds);
	if (n == -EAGAIN)
		return; /* woken without a message: wait on */
	forget(srv, fd);
	if (n == -EMSGSIZE || n > (ssize_t)srv->o.max_request) {
		for (size_t i = 0; i < req.nfds; i++)
			close(req.fds[i]);
		refuse(fd, srv->o.too_long_reply);
		return;
	}
	if (n <= 0) {
		close(fd); /* the peer went away, or its socket failed */
		return;
	}
	srv->buf[n] = '\0';
	req.data = srv->buf;
	req.len = (size_t)n;
	req.privileged = peercred_privileged(fd, &req.pid, &req.uid);
	srv->fn(srv->ctx, &req);
}

static void on_listen(struct evloop *loop, int lfd, uint32_t events, void *data)
{
	(void)events;
	struct seqsrv *srv = data;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (srv->nwaiting >= srv->o.max_clients) {
			refuse(fd, srv->o.busy_reply);
			continue;
		}
		if (evloop_add_fd(loop, fd, EPOLLIN, on_client, srv) < 0) {
			close(fd); /* the client sees the connection end and says so */
			continue;
		}
		srv->waiting[srv->nwaiting++] = fd;
	}
}

static void seqsrv_free(struct seqsrv *srv)
{
	free(srv->path);
	free(srv->buf);
	free(srv->waiting);
	free(srv);
}

int seqsrv_listen(struct evloop *loop, const struct seqsrv_options *o, seqsrv_fn fn, void *ctx,
		  struct seqsrv **out)
{
	if (o->max_fds > FDPASS_MAX || o->max_clients == 0 || o->max_request == 0)
		return -EINVAL;
	struct seqsrv *srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	*srv = (struct seqsrv){ .loop = loop, .o = *o, .fn = fn, .ctx = ctx, .listen_fd = -1,
				.path = strdup(o->path), .buf = malloc(o->max_request + 1),
				.waiting = calloc(o->max_clients, sizeof(int)) };
	if (!srv->path || !srv->buf || !srv->waiting) {
		seqsrv_free(srv);
		return -ENOMEM;
	}
	srv->o.path = srv->path;
	_cleanup_close_ int fd = unixsock_listen(o->path, SOCK_SEQPACKET, o->mode);
	int r = fd < 0 ? fd : evloop_add_fd(loop, fd, EPOLLIN, on_listen, srv);
	if (r < 0) {
		seqsrv_free(srv);
		return r;
	}
	srv->listen_fd = take_fd(&fd);
	*out = srv;
	return 0;
}

void seqsrv_close(struct seqsrv *srv)
{
	if (!srv)
		return;
	while (srv->nwaiting > 0) {
		int fd = srv->waiting[0];
		forget(srv, fd);
		close(fd);
	}
	evloop_del_fd(srv->loop, srv->listen_fd);
	close(srv->listen_fd);
	unlink(srv->path);
	seqsrv_free(srv);
}
