/* The guest's file server for \\wsl$ (see guestfs.h). */
#include "guestfs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evloop.h"
#include "log.h"
#include "server.h"

static void on_gone(void *data)
{
	evloop_quit(data, 0);
}

int guestfs_main(int argc, char **argv)
{
	log_init(GUESTFS_APPLET);
	if (argc > 2 || (argc == 2 && argv[1][0] != '/')) {
		fprintf(stderr, "%s: usage: %s [/FOLDER] (serves it on stdin/stdout)\n", GUESTFS_APPLET, GUESTFS_APPLET);
		return 2;
	}
	struct stat st;
	const char *dir = argc == 2 ? argv[1] : "/";
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s is not a folder\n", GUESTFS_APPLET, dir);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	/* the host's kernel has applied the host user's umask to each mode already */
	umask(0);
	int lim = p9_server_raise_fd_limit();
	if (lim < 0)
		log_warn("guestfs", "cannot raise the open file limit: %s", strerror(-lim));
	struct p9_export ex = { 'r', dir };
	struct p9_server *srv = p9_server_new(&ex, 1);
	struct evloop *loop = NULL;
	if (!srv || evloop_new(&loop) < 0) {
		fprintf(stderr, "%s: out of memory\n", GUESTFS_APPLET);
		p9_server_free(srv);
		return 1;
	}
	p9_server_set_native(srv);
	int status = 0, r = p9_server_add_conn(srv, loop, 0, 1, on_gone, loop);
	if (r < 0) {
		fprintf(stderr, "%s: cannot serve stdin/stdout: %s\n", GUESTFS_APPLET, strerror(-r));
		status = 1;
	} else if (evloop_run(loop) < 0) {
		status = 1;
	}
	p9_server_free(srv);
	evloop_free(loop);
	return status;
}
