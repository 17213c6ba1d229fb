/* Listening sockets for socket activation (see svc_socket.h). */
#include "svc_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "parse.h"

static int failed(int fd, char *err, size_t cap, const char *spec, const char *what)
{
	snprintf(err, cap, "ListenStream=%s: %s: %s", spec, what, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The folders of a socket's path, as systemd makes them (DirectoryMode=) */
static int make_parents(const char *path, unsigned mode)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", path);
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return 0;
}

static int listen_unix(const struct unit *u, const char *spec, char *err, size_t cap)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(spec);
	if (n >= sizeof(sa.sun_path)) {
		snprintf(err, cap, "ListenStream=%s: a socket path is at most %zu bytes", spec, sizeof(sa.sun_path) - 1);
		return -1;
	}
	memcpy(sa.sun_path, spec, n);
	bool abstract = spec[0] == '@';
	if (abstract)
		sa.sun_path[0] = '\0';
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return failed(fd, err, cap, spec, "socket");
	if (!abstract) {
		if (make_parents(spec, u->socket_dir_mode) < 0)
			return failed(fd, err, cap, spec, "its folder");
		/* the socket a last run left (the service's own): anything else there is kept */
		struct stat st;
		if (lstat(spec, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(spec);
	}
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (abstract ? 0 : 1));
	if (bind(fd, (struct sockaddr *)&sa, len) < 0)
		return failed(fd, err, cap, spec, "bind");
	if (abstract)
		return fd;
	if (chmod(spec, u->socket_mode) < 0)
		return failed(fd, err, cap, spec, "chmod");
	uid_t uid = (uid_t)-1;
	gid_t gid = (gid_t)-1;
	if (u->socket_user) {
		struct passwd *pw = getpwnam(u->socket_user);
		if (!pw) {
			snprintf(err, cap, "SocketUser=%s: no such user", u->socket_user);
			close(fd);
			return -1;
		}
		uid = pw->pw_uid;
	}
	if (u->socket_group) {
		struct group *gr = getgrnam(u->socket_group);
		if (!gr) {
			snprintf(err, cap, "SocketGroup=%s: no such group", u->socket_group);
			close(fd);
			return -1;
		}
		gid = gr->gr_gid;
	}
	if ((uid != (uid_t)-1 || gid != (gid_t)-1) && chown(spec, uid, gid) < 0)
		return failed(fd, err, cap, spec, "chown");
	return fd;
}

static int listen_inet(const char *spec, char *err, size_t cap)
{
	char host[INET6_ADDRSTRLEN + 2] = "";
	const char *port = spec;
	const char *colon = strrchr(spec, ':');
	if (colon) {
		const char *h = spec;
		size_t hl = (size_t)(colon - spec);
		if (h[0] == '[' && hl >= 2 && h[hl - 1] == ']')
			h++, hl -= 2;
		if (hl >= sizeof(host))
			goto bad;
		memcpy(host, h, hl);
		host[hl] = '\0';
		port = colon + 1;
	}
	uint64_t pn;
	if (parse_uint(port, 10, 65535, &pn) < 0 || pn == 0)
		goto bad;
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
	if (!*host) { /* every address, both families, as systemd's PORT alone */
		v6->sin6_family = AF_INET6, v6->sin6_port = htons((uint16_t)pn), v6->sin6_addr = in6addr_any;
		len = sizeof(*v6);
	} else if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET, v4->sin_port = htons((uint16_t)pn);
		len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6, v6->sin6_port = htons((uint16_t)pn);
		len = sizeof(*v6);
	} else
		goto bad;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return failed(fd, err, cap, spec, "socket");
	int one = 1, zero = 0;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!*host)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		return failed(fd, err, cap, spec, "bind");
	return fd;
bad:
	snprintf(err, cap, "ListenStream=%s: expected a path, @name, PORT, ADDRESS:PORT or [ADDRESS6]:PORT", spec);
	return -1;
}

int svc_socket_listen(const struct unit *u, const char *spec, char *err, size_t errcap)
{
	int fd = spec[0] == '/' || spec[0] == '@' ? listen_unix(u, spec, err, errcap) : listen_inet(spec, err, errcap);
	if (fd >= 0 && listen(fd, (int)u->socket_backlog) < 0)
		return failed(fd, err, errcap, spec, "spec");
	return fd;
}
