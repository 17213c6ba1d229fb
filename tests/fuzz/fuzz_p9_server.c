/* libFuzzer target for the 9P server: the input is what a client sends on one connection, in
 * whatever state it leaves the shared folder (a scratch folder of this process). The server
 * must answer or hang up, never crash, leak or touch anything outside the folder. */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "server.h"

static struct p9_server *srv;
static struct evloop *loop;
static bool gone;

static void on_gone(void *data)
{
	(void)data;
	gone = true;
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

static void setup(void)
{
	/* under the run's own folder (FUZZ_SCRATCH), not left behind in /tmp */
	static char dir[512];
	const char *base = getenv("FUZZ_SCRATCH");
	snprintf(dir, sizeof(dir), "%s/p9-server.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir))
		abort();
	char p[300];
	snprintf(p, sizeof(p), "%s/sub", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/file", dir);
	int fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd >= 0) {
		(void)!write(fd, "hello", 5);
		close(fd);
	}
	struct p9_export ex = { 'c', dir };
	srv = p9_server_new(&ex, 1);
	if (!srv || evloop_new(&loop) < 0)
		abort();
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERR); /* malformed requests are the point: no warning per input */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!srv)
		setup();
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
		return 0;
	gone = false;
	if (p9_server_add_conn(srv, loop, sv[1], sv[1], on_gone, NULL) < 0) {
		close(sv[0]);
		close(sv[1]);
		return 0;
	}
	evloop_add_fd(loop, sv[0], EPOLLIN, drain, NULL);
	size_t off = 0;
	while (!gone) {
		if (off < size) {
			ssize_t n = write(sv[0], data + off, size - off);
			if (n > 0)
				off += (size_t)n;
		} else if (off == size) {
			shutdown(sv[0], SHUT_WR); /* the client is done: the server must notice and end */
			off++;
		}
		evloop_run_once(loop, 100);
	}
	evloop_del_fd(loop, sv[0]);
	close(sv[0]);
	return 0;
}
