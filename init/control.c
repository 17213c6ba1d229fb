/* Control socket server. SOCK_SEQPACKET keeps message boundaries, so a request is one recv
 * and needs no framing (lib/base/seqsrv.c serves it). The socket is world-connectable;
 * authority comes from SO_PEERCRED (uid 0) or the peer's effective CAP_SYS_ADMIN, so a
 * refusal can say why. */
#include "control.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctlsock.h"
#include "evloop.h"
#include "seqsrv.h"

#define CONTROL_MAX_CLIENTS 16
#define STR_(x) #x
#define STR(x) STR_(x)

static control_handler_fn handler;
static void *handler_ctx;
static struct seqsrv *server;

static void on_request(void *ctx, struct seqsrv_request *req)
{
	(void)ctx;
	char reply[CTLSOCK_MAX];
	for (size_t i = 0; i < req->nfds; i++)
		close(req->fds[i]); /* nothing here takes files */
	reply[0] = '\0';
	handler(handler_ctx, req->data, req->privileged, req->pid, reply, sizeof(reply));
	send(req->fd, reply, strlen(reply), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(req->fd);
}

int control_listen(struct evloop *loop, const char *path, control_handler_fn fn, void *ctx)
{
	static const struct seqsrv_options opts = {
		.mode = 0666, .max_request = CTLSOCK_MAX, .max_clients = CONTROL_MAX_CLIENTS,
		.busy_reply = "error: too many control requests at once, try again",
		.too_long_reply = "error: a control request is at most " STR(CTLSOCK_MAX) " bytes",
	};
	struct seqsrv_options o = opts;
	o.path = path;
	handler = fn;
	handler_ctx = ctx;
	return seqsrv_listen(loop, &o, on_request, NULL, &server);
}

void control_close(struct evloop *loop)
{
	(void)loop;
	seqsrv_close(server);
	server = NULL;
}
