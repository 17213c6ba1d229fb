/* Control socket server. SOCK_SEQPACKET keeps message boundaries, so a request is one recv
 * and needs no framing. The socket is world-connectable; authority comes from SO_PEERCRED
 * (uid 0) or the peer's effective CAP_SYS_ADMIN, so a refusal can say why. */
#include "control.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "ctlsock.h"
#include "evloop.h"
#include "log.h"
#include "peercred.h"
#include "unixsock.h"

#define CONTROL_MAX_CLIENTS 16

static control_handler_fn handler;
static void *handler_ctx;
static int nclients;
static int listen_fd = -1;

static void client_drop(struct evloop *loop, int fd)
{
	evloop_del_fd(loop, fd);
	close(fd);
	nclients--;
}

static void on_client(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)data;
	char req[CTLSOCK_MAX + 1], reply[CTLSOCK_MAX];
	if (!(events & EPOLLIN)) {
		client_drop(loop, fd);
		return;
	}
	ssize_t n = recv(fd, req, CTLSOCK_MAX, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n <= 0) {
		client_drop(loop, fd);
		return;
	}
	req[n] = '\0';
	pid_t peer = 0;
	bool priv = peercred_privileged(fd, &peer, NULL);
	reply[0] = '\0';
	handler(handler_ctx, req, priv, peer, reply, sizeof(reply));
	send(fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL);
	client_drop(loop, fd);
}

static void on_listen(struct evloop *loop, int lfd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (nclients >= CONTROL_MAX_CLIENTS) {
			static const char busy[] = "error: too many control requests at once, try again";
			send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		if (evloop_add_fd(loop, fd, EPOLLIN, on_client, NULL) < 0) {
			close(fd);
			continue;
		}
		nclients++;
	}
}

int control_listen(struct evloop *loop, const char *path, control_handler_fn fn, void *ctx)
{
	_cleanup_close_ int fd = unixsock_listen(path, SOCK_SEQPACKET, 0666);
	if (fd < 0)
		return fd;
	handler = fn;
	handler_ctx = ctx;
	int r = evloop_add_fd(loop, fd, EPOLLIN, on_listen, NULL);
	if (r < 0)
		return r;
	listen_fd = take_fd(&fd);
	return 0;
}

void control_close(struct evloop *loop)
{
	if (listen_fd < 0)
		return;
	/* a bound socket pins its file system: /run could not be unmounted */
	evloop_del_fd(loop, listen_fd);
	close(listen_fd);
	listen_fd = -1;
	unlink(CTLSOCK_PATH);
}
