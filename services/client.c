/* Client of the service supervisor. */
#include "client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "fdpass.h"
#include "svc_paths.h"
#include "unixsock.h"
#include "proto.h"
#include "svc_msg.h"

int svc_call(const char *verb, const char *name, char *const *args, char *const *env, bool pass_stdio,
	     struct svc_reply *r)
{
	*r = (struct svc_reply){ .status = 1 };
	const char *path = getenv("GUESTINIT_SERVICES_SOCKET");
	if (!path || !*path)
		path = SVC_SOCKET_PATH;
	_cleanup_close_ int fd = unixsock_connect(path, SOCK_SEQPACKET);
	if (fd < 0)
		return fd;
	struct proto_buf b;
	proto_buf_init(&b);
	svc_encode_request(&b, verb, name, args, env);
	int rc = b.error;
	if (rc < 0) {
		proto_buf_free(&b);
		return rc;
	}
	int fds[3] = { 0, 1, 2 };
	ssize_t n = fdpass_send(fd, b.data, b.len, fds, pass_stdio ? 3 : 0);
	proto_buf_free(&b);
	if (n < 0)
		return (int)n;
	/* the reply comes when the job is done: a start waits for the service to be up */
	_cleanup_free_ uint8_t *buf = malloc(PROTO_HDR_SIZE + 65536);
	if (!buf)
		return -ENOMEM;
	do
		n = recv(fd, buf, PROTO_HDR_SIZE + 65536, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	const uint8_t *payload;
	size_t len;
	const char *why;
	if (svc_msg_payload(buf, (size_t)n, MSG_SVC_REPLY, &payload, &len, &why) < 0)
		return -ECONNRESET; /* closed without a reply: the supervisor was busy or went away */
	struct svc_reply_msg m;
	rc = svc_decode_reply(payload, len, &m, &why);
	if (rc < 0)
		return rc;
	*r = (struct svc_reply){ .status = (int)m.status, .out = m.text, .err = m.reason };
	return 0;
}

void svc_reply_free(struct svc_reply *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

void svc_reply_print(const struct svc_reply *r)
{
	if (r->out && *r->out) {
		fputs(r->out, stdout);
		if (r->out[strlen(r->out) - 1] != '\n')
			fputc('\n', stdout);
		fflush(stdout);
	}
	if (r->err && *r->err)
		fprintf(stderr, "%s%s", r->err, r->err[strlen(r->err) - 1] == '\n' ? "" : "\n");
}
