/* `guesthost p9 [--listen URI] LETTER=DIR...`: the 9P2000.L server that the agent runs for
 * each mount, on its own. Without --listen it serves one connection on stdin/stdout (for
 * `mount -t 9p -o trans=fd` through a pipe, or an ssh channel); with --listen unix:///PATH or
 * tcp://HOST:PORT it serves every connection that comes, until SIGTERM/SIGINT. */
#include "p9cmd.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "server.h"
#include "transport.h"

static struct p9_server *srv;

static void on_stdio_gone(void *data)
{
	evloop_quit(data, 0);
}

static void on_accept(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	int r = p9_server_add_conn(srv, loop, c, c, NULL, NULL);
	if (r < 0) {
		log_warn("p9", "cannot serve a connection: %s", strerror(-r));
		close(c);
	}
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)data;
	log_info("p9", "stopping on signal %u", si->ssi_signo);
	evloop_quit(loop, 0);
}

/* Serves until a signal (a listener) or the end of stdin: the command's status. */
static int serve(const struct p9_export *ex, size_t nex, const char *listen_uri)
{
	int lim = p9_server_raise_fd_limit();
	if (lim < 0)
		log_warn("p9", "cannot raise the open file limit: %s", strerror(-lim));
	struct evloop *loop = NULL;
	srv = p9_server_new(ex, nex);
	if (!srv || evloop_new(&loop) < 0) {
		fprintf(stderr, "guesthost p9: out of memory\n");
		p9_server_free(srv);
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	int status = 0;
	struct transport_addr addr;
	int lfd = -1, r = evloop_set_signals(loop, &set, on_signal, NULL);
	if (r < 0) {
		fprintf(stderr, "guesthost p9: signals: %s\n", strerror(-r));
		status = 1;
	} else if (listen_uri) {
		char err[256];
		if (transport_parse(listen_uri, &addr, err, sizeof(err)) < 0) {
			fprintf(stderr, "guesthost p9: %s\n", err);
			status = 2;
		} else if ((lfd = transport_listen(&addr)) < 0) {
			fprintf(stderr, "guesthost p9: cannot listen on %s: %s\n", listen_uri, strerror(-lfd));
			status = 1;
		} else {
			evloop_add_fd(loop, lfd, EPOLLIN, on_accept, NULL);
			log_info("p9", "serving %zu folder(s) on %s", nex, listen_uri);
		}
	} else if (p9_server_add_conn(srv, loop, 0, 1, on_stdio_gone, loop) < 0) {
		fprintf(stderr, "guesthost p9: cannot serve stdin/stdout\n");
		status = 1;
	}
	if (status == 0 && evloop_run(loop) < 0)
		status = 1;
	if (lfd >= 0) {
		evloop_del_fd(loop, lfd);
		close(lfd);
		if (addr.kind == TRANSPORT_UNIX)
			unlink(((struct sockaddr_un *)&addr.sa)->sun_path);
	}
	p9_server_free(srv);
	srv = NULL;
	evloop_free(loop);
	return status;
}

static void free_exports(struct p9_export *ex, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)ex[i].dir);
}

int cmd_p9(int argc, char **argv)
{
	log_init("guesthost-p9");
	signal(SIGPIPE, SIG_IGN);
	const char *listen_uri = NULL;
	struct p9_export ex[26];
	size_t nex = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--listen") && i + 1 < argc) {
			listen_uri = argv[++i];
			continue;
		}
		struct p9_export e;
		struct gi_error err = GI_ERROR_INIT;
		if (p9_export_parse(a, &e, &err) < 0) {
			fprintf(stderr, "guesthost p9: %s (usage: p9 [--listen URI] LETTER=DIR...)\n", err.msg);
			free_exports(ex, nex);
			return 2;
		}
		for (size_t k = 0; k < nex; k++)
			if (ex[k].letter == e.letter) {
				fprintf(stderr, "guesthost p9: drive %c is given twice\n", e.letter);
				free((char *)e.dir);
				free_exports(ex, nex);
				return 2;
			}
		if (nex == 26)
			return 2; /* 26 distinct letters were taken: unreachable */
		ex[nex++] = e;
	}
	if (!nex) {
		fprintf(stderr, "guesthost p9: no folder to share (usage: p9 [--listen URI] LETTER=DIR...)\n");
		return 2;
	}
	int r = serve(ex, nex, listen_uri);
	free_exports(ex, nex);
	return r;
}
