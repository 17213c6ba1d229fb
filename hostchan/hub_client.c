/* The broker's client side (see hub.h): what guest programs call to reach the host. */
#include "hub.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "atomicfile.h"
#include "cleanup.h"
#include "fdpass.h"
#include "hub_msg.h"
#include "unixsock.h"

/* A non-blocking connection to the broker, for the calls that must not wait. */
static int connect_nowait(void)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", HUB_SOCKET_PATH);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

/* Sends one frame to the hub without waiting for anything. */
static int post(const struct proto_buf *b)
{
	if (b->error)
		return b->error;
	_cleanup_close_ int fd = connect_nowait();
	if (fd < 0)
		return fd;
	return send(fd, b->data, b->len, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* One request and its HUB_REPLY (with an fd, if want_fd). */
static int request(const char *path, const struct proto_buf *b, int timeout_ms, struct hub_reply *reply, int *fd_out,
		   struct gi_error *err)
{
	if (b->error)
		return gi_error_errno(err, b->error, "the request to the hub");
	_cleanup_close_ int fd = unixsock_connect(path, SOCK_SEQPACKET);
	if (fd < 0)
		return gi_error_errno(err, fd, "cannot reach the hub at %s (is guestinit-hostd running?)", path);
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (send(fd, b->data, b->len, MSG_NOSIGNAL) < 0)
		return gi_error_errno(err, errno, "the hub");
	_cleanup_free_ uint8_t *buf = malloc(HUB_MAX_PACKET);
	if (!buf)
		return gi_error_set(err, ENOMEM, "out of memory");
	int fds[1] = { -1 };
	size_t nfds = 0;
	ssize_t n = fdpass_recv(fd, buf, HUB_MAX_PACKET, fds, &nfds, 1);
	if (n <= 0)
		return gi_error_errno(err, n == 0 ? EPIPE : (int)-n,
				      n == -EAGAIN ? "the hub did not answer within %d ms" : "the hub's answer", timeout_ms);
	struct proto_hdr h;
	const char *why = "";
	int r = (size_t)n < PROTO_HDR_SIZE || proto_hdr_decode(buf, &h) < 0 || h.len != (size_t)n - PROTO_HDR_SIZE ||
			h.type != MSG_HUB_REPLY
		? -EBADMSG
		: hub_decode_reply(buf + PROTO_HDR_SIZE, h.len, reply, &why);
	if (r < 0) {
		if (nfds)
			close(fds[0]);
		return gi_error_set(err, EPROTO, "the hub's answer is malformed%s%s", why[0] ? ": " : "", why);
	}
	if (fd_out)
		*fd_out = nfds ? fds[0] : -1;
	else if (nfds)
		close(fds[0]);
	return 0;
}

int hub_dial(const void *frame, size_t len, int timeout_ms, struct gi_error *err)
{
	return hub_dial_at(HUB_SOCKET_PATH, frame, len, timeout_ms, err);
}

int hub_dial_at(const char *path, const void *frame, size_t len, int timeout_ms, struct gi_error *err)
{
	struct proto_buf b;
	proto_buf_init(&b);
	hub_encode_dial(&b, frame, len);
	struct hub_reply reply;
	int fd = -1;
	int r = request(path, &b, timeout_ms, &reply, &fd, err);
	proto_buf_free(&b);
	if (r < 0)
		return r;
	if (!reply.ok || fd < 0) {
		r = gi_error_set(err, reply.denied ? EACCES : EHOSTUNREACH, "%s",
				 reply.reason ? reply.reason : "the hub gave no connection");
		if (fd >= 0)
			close(fd);
		hub_reply_free(&reply);
		return r;
	}
	hub_reply_free(&reply);
	/* the hub's end was non-blocking; the caller's end is a plain blocking socket */
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0)
		fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	return fd;
}

int hub_report_ready(const struct ready_record *r)
{
	int rc = ready_record_write(READY_PATH, r);
	if (rc < 0)
		return rc;
	struct proto_buf b;
	proto_buf_init(&b);
	struct proto_ready m = { .line = (char *)r->line, .ready_ms = r->ready_ms, .uptime_ms = r->uptime_ms };
	hub_encode_ready(&b, &m);
	rc = post(&b);
	proto_buf_free(&b);
	return rc;
}

int hub_stats(const char *name, const char *text)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", STATS_DIR, name);
	mkdir(STATS_DIR, 0755);
	int rc = atomic_write(path, text, strlen(text), 0644, false);
	if (rc < 0)
		return rc;
	struct proto_buf b;
	proto_buf_init(&b);
	hub_encode_stats(&b, name, text);
	rc = post(&b);
	proto_buf_free(&b);
	return rc;
}

int hub_status(char *out, size_t cap, int timeout_ms, struct gi_error *err)
{
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_HUB_STATUS, 0);
	proto_end(&b);
	struct hub_reply reply;
	int r = request(HUB_SOCKET_PATH, &b, timeout_ms, &reply, NULL, err);
	proto_buf_free(&b);
	if (r < 0)
		return r;
	snprintf(out, cap, "%s", reply.text ? reply.text : "");
	hub_reply_free(&reply);
	return (int)strlen(out);
}
