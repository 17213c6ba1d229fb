/* guesthost's commands as clients of their agent (see agent_client.h). */
#include "agent_client.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "writeall.h"
#include "cleanup.h"
#include "fdpass.h"
#include "procstat.h"
#include "state.h"
#include "unixsock.h"

static int agent_connect(const struct gh *g, struct gi_error *err)
{
	char path[PATH_MAX];
	int fd = unixsock_connect(state_file(g, "agent.sock", path), SOCK_STREAM);
	if (fd == -ENAMETOOLONG)
		return gi_error_set(err, ENAMETOOLONG, "the state folder's path is too long for a unix socket: %s", path);
	if (fd < 0)
		return gi_error_errno(err, -fd, "no agent at %s", path);
	return fd;
}

/* One frame of type want, and the fd that came with its first bytes (-1: none). */
static int recv_frame(int fd, uint16_t want, uint8_t **payload, uint32_t *len, int *passed)
{
	uint8_t hdr[PROTO_HDR_SIZE];
	size_t got = 0;
	int r = 0;
	*passed = -1;
	*payload = NULL;
	while (r == 0 && got < sizeof(hdr)) {
		int fds[1];
		size_t nfds = 0;
		ssize_t n = fdpass_recv(fd, hdr + got, sizeof(hdr) - got, fds, &nfds, 1);
		if (nfds && *passed < 0)
			*passed = fds[0];
		else if (nfds)
			close(fds[0]);
		if (n <= 0)
			r = n < 0 ? (int)n : -EPIPE;
		else
			got += (size_t)n;
	}
	struct proto_hdr h;
	if (r == 0 && (proto_hdr_decode(hdr, &h) < 0 || h.type != want))
		r = -EPROTO;
	if (r == 0 && !(*payload = malloc((size_t)h.len + 1)))
		r = -ENOMEM;
	if (r == 0)
		r = read_exact(fd, *payload, h.len);
	if (r < 0) {
		free(*payload);
		*payload = NULL;
		if (*passed >= 0)
			close(*passed);
		*passed = -1;
		return r;
	}
	*len = h.len;
	return 0;
}

static int request(const struct gh *g, const struct proto_buf *req, int *fd_out, char **text_out, struct gi_error *err)
{
	_cleanup_close_ int fd = agent_connect(g, err);
	if (fd < 0)
		return fd;
	int r = proto_send(fd, req);
	if (r < 0)
		return gi_error_errno(err, -r, "sending to the agent");
	_cleanup_free_ uint8_t *p = NULL;
	uint32_t n;
	_cleanup_close_ int passed = -1;
	r = recv_frame(fd, MSG_AGENT_REPLY, &p, &n, &passed);
	if (r < 0)
		return gi_error_errno(err, -r, "the agent's reply");
	struct agent_reply rep;
	const char *why = "";
	if (agent_decode_reply(p, n, &rep, &why) < 0)
		return gi_error_set(err, EPROTO, "the agent's reply: %s", why);
	int ok = rep.ok ? 1 : 0;
	if (!ok)
		gi_error_set(err, EPERM, "%s", rep.reason ? rep.reason : "the agent refused");
	if (ok && text_out) {
		*text_out = rep.text ? rep.text : strdup("");
		rep.text = NULL;
	}
	agent_reply_free(&rep);
	if (ok && fd_out)
		*fd_out = take_fd(&passed);
	return ok;
}

int agent_request(const struct gh *g, const struct proto_buf *req, int *fd_out, struct gi_error *err)
{
	return request(g, req, fd_out, NULL, err);
}

int agent_request_text(const struct gh *g, const struct proto_buf *req, char **text, struct gi_error *err)
{
	return request(g, req, NULL, text, err);
}

/* Until fd is readable: 0, or -ECHILD when QEMU's pidfd is first, -ETIMEDOUT at the deadline. */
static int wait_readable(int fd, int qemu_pidfd, int timeout_ms)
{
	uint64_t until = timeout_ms < 0 ? 0 : mono_ms() + (uint64_t)timeout_ms;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = qemu_pidfd, .events = POLLIN } };
		int left = -1;
		if (timeout_ms >= 0) {
			uint64_t now = mono_ms();
			left = now >= until ? 0 : (int)(until - now);
		}
		int r = poll(p, qemu_pidfd >= 0 ? 2 : 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (p[0].revents)
			return 0;
		if (r > 0)
			return -ECHILD;
		return -ETIMEDOUT;
	}
}

int agent_get_status(const struct gh *g, uint32_t wait_boot, int qemu_pidfd, int timeout_ms, struct agent_status *st,
		     struct gi_error *err)
{
	_cleanup_close_ int fd = agent_connect(g, err);
	if (fd < 0)
		return fd;
	struct proto_buf b;
	proto_buf_init(&b);
	agent_encode_status_request(&b, wait_boot);
	int r = proto_send(fd, &b);
	proto_buf_free(&b);
	if (r < 0)
		return gi_error_errno(err, -r, "sending to the agent");
	r = wait_readable(fd, qemu_pidfd, timeout_ms);
	if (r == -ECHILD)
		return gi_error_set(err, ECHILD, "QEMU has ended");
	if (r == -ETIMEDOUT)
		return gi_error_set(err, ETIMEDOUT, "no ready line within %d s", timeout_ms / 1000);
	if (r < 0)
		return gi_error_errno(err, -r, "waiting for the agent");
	_cleanup_free_ uint8_t *p = NULL;
	uint32_t n;
	_cleanup_close_ int passed = -1;
	r = recv_frame(fd, MSG_AGENT_STATUS_REPLY, &p, &n, &passed);
	if (r < 0)
		return gi_error_errno(err, -r, "the agent's status");
	const char *why = "";
	if (agent_decode_status(p, n, st, &why) < 0)
		return gi_error_set(err, EPROTO, "the agent's status: %s", why);
	return 0;
}

void agent_stop(const struct gh *g)
{
	pid_t agent = state_read_pid(g, "agent.pid");
	_cleanup_close_ int pidfd = agent ? proc_pidfd(agent) : -1;
	if (pidfd < 0)
		return;
	if (proc_signal_pidfd(pidfd, SIGTERM) == 0 && proc_wait_pidfd(pidfd, AGENT_STOP_TIMEOUT_S * 1000) == 0)
		gh_say("the agent (pid %d) did not end within %d s of SIGTERM", (int)agent, AGENT_STOP_TIMEOUT_S);
}
