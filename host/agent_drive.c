/* The agent's drives (see agent_drive.h). */
#include "agent_drive.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "evloop.h"
#include "server.h"
#include "spawn.h"
#include "view.h"

/* The drives our server shares. */
static size_t drive_exports(const struct agent_opts *o, struct p9_export ex[26])
{
	size_t n = 0;
	for (size_t i = 0; i < o->ndrives; i++)
		if (!o->drives[i].virtio)
			ex[n++] = (struct p9_export){ o->drives[i].letter, o->drives[i].dir };
	return n;
}

void agent_drive_table(const struct agent_opts *o, struct proto_welcome *w)
{
	static char sources[PROTO_MAX_DRIVES][16];
	for (size_t i = 0; i < o->ndrives && i < PROTO_MAX_DRIVES; i++) {
		const struct agent_drive *d = &o->drives[i];
		if (d->virtio)
			snprintf(sources[i], sizeof(sources[i]), "virtio:drvfs_%c", d->letter);
		else
			snprintf(sources[i], sizeof(sources[i]), "p9");
		w->drives[w->ndrives].letter = d->letter;
		w->drives[w->ndrives++].source = sources[i];
	}
}

int agent_drive_check(const struct agent_opts *o, const char *aname, struct gi_error *err)
{
	struct p9_export ex[26];
	size_t nex = drive_exports(o, ex);
	struct p9_view *v;
	int r = p9_view_open(aname, strlen(aname), ex, nex, false, &v, err);
	if (r < 0)
		return r;
	p9_view_put(v);
	return 0;
}

static void p9_conn_gone(void *data)
{
	evloop_quit(data, 0);
}

/* The child: its own event loop on the connection, nothing else of the agent's (a held copy
 * of the control connection would hide the agent's death from the guest). */
static void serve(int fd, const struct agent_opts *o)
{
	struct p9_export ex[26];
	size_t nex = drive_exports(o, ex);
	if (dup2(fd, 3) < 0)
		_exit(1);
	spawn_close_from(4);
	spawn_reset_signals();
	p9_server_raise_fd_limit(); /* each fid in use holds a descriptor */
	struct evloop *loop;
	struct p9_server *srv = p9_server_new(ex, nex);
	if (!srv || evloop_new(&loop) < 0 || p9_server_add_conn(srv, loop, 3, 3, p9_conn_gone, loop) < 0)
		_exit(1);
	_exit(evloop_run(loop) < 0 ? 1 : 0);
}

pid_t agent_drive_serve(const struct agent_opts *o, int fd)
{
	pid_t pid = fork();
	if (pid == 0)
		serve(fd, o);
	return pid < 0 ? -errno : pid;
}
