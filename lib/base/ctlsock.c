/* Client side of PID 1's control socket. */
#include "ctlsock.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "unixsock.h"

int ctlsock_request(const char *path, const char *req, char *reply, size_t cap, int timeout_ms)
{
	_cleanup_close_ int fd = unixsock_connect(path, SOCK_SEQPACKET);
	if (fd < 0)
		return fd;
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) < 0)
		return -errno;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	int r = poll(&pfd, 1, timeout_ms);
	if (r < 0)
		return -errno;
	if (r == 0)
		return -ETIMEDOUT;
	ssize_t n = recv(fd, reply, cap - 1, 0);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ECONNRESET;
	reply[n] = '\0';
	return (int)n;
}
