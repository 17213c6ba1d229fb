/* URI parsing and socket setup for the host channel's transports. */
#include "transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#include "parse.h"

static int bad(char *err, size_t errlen, const char *uri, const char *what)
{
	/* the reason first: a long address may be cut off, the reason never */
	snprintf(err, errlen, "%s, in host address '%s'", what, uri);
	return -EINVAL;
}

static int parse_port(const char *s, unsigned max, unsigned *out)
{
	uint64_t v;
	if (parse_uint(s, 10, max, &v) < 0 || v == 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

int transport_parse(const char *uri, struct transport_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	if (strlen(uri) >= sizeof(a->text))
		return bad(err, errlen, uri, "too long");
	snprintf(a->text, sizeof(a->text), "%s", uri);
	if (!strncmp(uri, "unix://", 7)) {
		const char *path = uri + 7;
		struct sockaddr_un *un = (struct sockaddr_un *)&a->sa;
		if (path[0] != '/')
			return bad(err, errlen, uri, "a unix socket needs an absolute path (unix:///run/x.sock)");
		if (strlen(path) >= sizeof(un->sun_path))
			return bad(err, errlen, uri, "the socket path is longer than 107 bytes");
		a->kind = TRANSPORT_UNIX;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, path);
		a->salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
		return 0;
	}
	bool vsock = !strncmp(uri, "vsock://", 8);
	if (!vsock && strncmp(uri, "tcp://", 6))
		return bad(err, errlen, uri, "unknown scheme (vsock://CID:PORT, tcp://HOST:PORT, unix:///PATH)");
	char host[80];
	const char *rest = uri + (vsock ? 8 : 6);
	const char *colon;
	if (*rest == '[') { /* [IPv6]:PORT */
		const char *close = strchr(rest, ']');
		if (!close || close[1] != ':')
			return bad(err, errlen, uri, "an IPv6 address is written [ADDR]:PORT");
		if ((size_t)(close - rest - 1) >= sizeof(host))
			return bad(err, errlen, uri, "the address is too long");
		memcpy(host, rest + 1, (size_t)(close - rest - 1));
		host[close - rest - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(rest, ':');
		if (!colon)
			return bad(err, errlen, uri, "no :PORT");
		if ((size_t)(colon - rest) >= sizeof(host))
			return bad(err, errlen, uri, "the address is too long");
		memcpy(host, rest, (size_t)(colon - rest));
		host[colon - rest] = '\0';
	}
	unsigned port;
	if (parse_port(colon + 1, vsock ? UINT_MAX - 1 : 65535, &port) < 0)
		return bad(err, errlen, uri, vsock ? "the port is not a number from 1 to 4294967294"
						  : "the port is not a number from 1 to 65535");
	if (vsock) {
		struct sockaddr_vm *vm = (struct sockaddr_vm *)&a->sa;
		unsigned cid;
		vm->svm_family = AF_VSOCK;
		vm->svm_port = port;
		if (!strcmp(host, "any") || !strcmp(host, "-1"))
			vm->svm_cid = VMADDR_CID_ANY;
		else if (parse_port(host, UINT_MAX - 1, &cid) == 0)
			vm->svm_cid = cid;
		else
			return bad(err, errlen, uri, "the CID is not a number (2 = the host, 1 = this machine) or 'any'");
		a->kind = TRANSPORT_VSOCK;
		a->salen = sizeof(*vm);
		return 0;
	}
	a->kind = TRANSPORT_TCP;
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->sa;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		a->salen = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		a->salen = sizeof(*in6);
	} else {
		return bad(err, errlen, uri, "the host is not a numeric IPv4 or [IPv6] address");
	}
	return 0;
}

static int new_socket(const struct transport_addr *a)
{
	int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (a->kind == TRANSPORT_TCP) {
		int one = 1;
		/* sessions carry keystrokes: no Nagle delay; bulk data goes in large frames anyway */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	return fd;
}

int transport_connect(const struct transport_addr *a, int timeout_ms)
{
	int fd = new_socket(a);
	if (fd < 0)
		return fd;
	if (timeout_ms > 0) {
		struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
		if (a->kind == TRANSPORT_VSOCK)
			setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, &tv, sizeof(tv));
		else
			setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	int r;
	do
		r = connect(fd, (const struct sockaddr *)&a->sa, a->salen);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	struct timeval none = { 0, 0 };
	if (timeout_ms > 0 && a->kind != TRANSPORT_VSOCK)
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &none, sizeof(none));
	return fd;
}

int transport_connect_start(const struct transport_addr *a, int *fd_out)
{
	int fd = new_socket(a);
	if (fd < 0)
		return fd;
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	int r;
	do
		r = connect(fd, (const struct sockaddr *)&a->sa, a->salen);
	while (r < 0 && errno == EINTR);
	if (r < 0 && errno != EINPROGRESS) {
		r = -errno;
		close(fd);
		return r;
	}
	*fd_out = fd;
	return r == 0 ? 0 : -EINPROGRESS;
}

int transport_connect_finish(int fd)
{
	int e = 0;
	socklen_t len = sizeof(e);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
		return -errno;
	return -e;
}

int transport_listen(const struct transport_addr *a)
{
	int fd = new_socket(a);
	if (fd < 0)
		return fd;
	int one = 1;
	if (a->kind == TRANSPORT_TCP)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (a->kind == TRANSPORT_UNIX) {
		const char *path = ((const struct sockaddr_un *)&a->sa)->sun_path;
		struct stat st;
		/* replace only a socket nobody answers on: never a live agent's, never a file */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode)) {
			int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (probe >= 0 && connect(probe, (const struct sockaddr *)&a->sa, a->salen) < 0 &&
			    errno == ECONNREFUSED)
				unlink(path);
			if (probe >= 0)
				close(probe);
		}
	}
	mode_t old = umask(077);
	int r = bind(fd, (const struct sockaddr *)&a->sa, a->salen);
	umask(old);
	if (r < 0 || listen(fd, 64) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}
