/* libFuzzer target for the 9P server: the input is what clients send on two connections to
 * one server, with the host changing the shared folder in between, in whatever state earlier
 * inputs left it (a scratch folder of this process). The server must answer or hang up, never
 * crash or leak, and nothing outside the shared folder may change: a folder beside it, which
 * the host's own moves point symlinks at, is checked after every input.
 *
 * The input is a stream of 9P messages, cut at their size fields. A message's tag picks who
 * acts: 0x7f00-0x7fff a host mutation (the low byte says which) instead of a message,
 * 0x4000-0x7eff connection 2, anything else connection 1 (so a plain one-connection stream,
 * such as the seed corpus, still works). A size that runs past the end sends the rest as is. */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "log.h"
#include "server.h"

static struct p9_server *srv;
static struct evloop *loop;
static char share[512], outside[512];
static uint64_t outside_digest;
static unsigned gone;
static unsigned mutations;

static void on_gone(void *data)
{
	(void)data;
	gone++;
}

static void drain(struct evloop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)events;
	(void)data;
	char buf[65536];
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const uint8_t *)p)[i]) * 1099511628211ull;
	return h;
}

/* Everything a request could change under dir: names, modes, owners, sizes, times, contents,
 * attributes. */
static uint64_t digest(const char *dir, uint64_t h)
{
	DIR *d = opendir(dir);
	if (!d)
		abort();
	for (struct dirent *e; (e = readdir(d));) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char p[1024], buf[4096];
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		struct stat st;
		if (lstat(p, &st) < 0)
			abort();
		h = mix(h, p, strlen(p));
		uint64_t fields[] = { st.st_mode, st.st_uid, st.st_gid, (uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec,
				      (uint64_t)st.st_mtim.tv_nsec, st.st_nlink };
		h = mix(h, fields, sizeof(fields));
		ssize_t n = llistxattr(p, buf, sizeof(buf));
		if (n > 0)
			h = mix(h, buf, (size_t)n);
		if (S_ISREG(st.st_mode)) {
			int fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd >= 0) {
				while ((n = read(fd, buf, sizeof(buf))) > 0)
					h = mix(h, buf, (size_t)n);
				close(fd);
			}
		}
		if (S_ISDIR(st.st_mode))
			h = digest(p, h);
	}
	closedir(d);
	return h;
}

static void put(const char *dir, const char *name, const char *text)
{
	char p[1024];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0) {
		(void)!write(fd, text, strlen(text));
		close(fd);
	}
}

static void setup(void)
{
	/* under the run's own folder (FUZZ_SCRATCH), not left behind in /tmp */
	static char dir[512];
	const char *base = getenv("FUZZ_SCRATCH");
	snprintf(dir, sizeof(dir), "%s/p9-server.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(share, sizeof(share), "%s/share", dir);
	snprintf(outside, sizeof(outside), "%s/outside", dir);
	char p[1024];
	mkdir(share, 0755);
	mkdir(outside, 0755);
	snprintf(p, sizeof(p), "%s/sub", share);
	mkdir(p, 0755);
	put(share, "file", "hello");
	put(share, "sub/file", "hello");
	snprintf(p, sizeof(p), "%s/sub", outside);
	mkdir(p, 0755);
	put(outside, "file", "OUTSIDE");
	put(outside, "sub/file", "OUTSIDE");
	snprintf(p, sizeof(p), "%s/file", outside);
	setxattr(p, "user.secret", "x", 1, 0);
	outside_digest = digest(outside, 1469598103934665603ull);
	struct p9_export ex = { 'c', share };
	srv = p9_server_new(&ex, 1);
	if (!srv || evloop_new(&loop) < 0)
		abort();
	p9_server_set_max_fids(srv, 256);
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERR); /* malformed requests are the point: no warning per input */
}

/* What the host does to the share behind the server's back: a folder or a file moved away
 * and replaced by a symlink to the outside, or put back. */
static void host_mutation(uint8_t which)
{
	char a[1024], b[1024];
	static const char *const names[] = { "sub", "file", "sub/file", "d" };
	const char *name = names[which % 4];
	snprintf(a, sizeof(a), "%s/%s", share, name);
	switch ((which >> 2) % 3) {
	case 0: /* moved away, a symlink to the outside in its place */
		snprintf(b, sizeof(b), "%s/moved-%u", share, mutations++);
		rename(a, b);
		snprintf(b, sizeof(b), "%s/%s", outside, which % 4 == 1 ? "file" : "sub");
		symlink(b, a);
		break;
	case 1: /* a symlink there, if any, becomes a real folder again */
		unlink(a);
		mkdir(a, 0755);
		break;
	default: /* a file there */
		unlink(a);
		rmdir(a);
		put(share, name, "host");
		break;
	}
}

static void settle(void)
{
	for (int i = 0; i < 4; i++)
		evloop_run_once(loop, 0);
}

static void send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0) {
			if (gone)
				return; /* a connection the server hung up on */
			settle(); /* full: let the server read */
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!srv)
		setup();
	int a[2], b[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, a) < 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, b) < 0) {
		close(a[0]);
		close(a[1]);
		return 0;
	}
	gone = 0;
	if (p9_server_add_conn(srv, loop, a[1], a[1], on_gone, NULL) < 0 ||
	    p9_server_add_conn(srv, loop, b[1], b[1], on_gone, NULL) < 0)
		abort();
	evloop_add_fd(loop, a[0], EPOLLIN, drain, NULL);
	evloop_add_fd(loop, b[0], EPOLLIN, drain, NULL);
	for (size_t off = 0; off < size;) {
		size_t n = size - off;
		uint32_t msg = 0;
		uint16_t tag = 0;
		if (n >= 7) {
			memcpy(&msg, data + off, 4);
			memcpy(&tag, data + off + 5, 2);
			if (msg >= 7 && msg <= n)
				n = msg;
		}
		if (n >= 7 && tag >= 0x7f00) {
			host_mutation((uint8_t)tag);
		} else {
			send_all(tag >= 0x4000 && tag < 0x7f00 ? b[0] : a[0], data + off, n);
			settle();
		}
		off += n;
	}
	/* the clients are done: the server must notice and end both */
	shutdown(a[0], SHUT_WR);
	shutdown(b[0], SHUT_WR);
	while (gone < 2)
		evloop_run_once(loop, 100);
	evloop_del_fd(loop, a[0]);
	evloop_del_fd(loop, b[0]);
	close(a[0]);
	close(b[0]);
	if (digest(outside, 1469598103934665603ull) != outside_digest) {
		fprintf(stderr, "fuzz_p9_server: the folder outside the share changed\n");
		abort();
	}
	return 0;
}
