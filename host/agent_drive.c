/* The agent's drives (see agent_drive.h). */
#include "agent_drive.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evloop.h"
#include "server.h"
#include "spawn.h"
#include "unixsock.h"
#include "writeall.h"
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

/* Each port's server, 0 for none. A server lives as long as its port's mount and then idles
 * (its connection to QEMU never ends on its own: a guest that closes the port is not told
 * to the socket), until the port's next mount replaces it or QEMU ends. */
static pid_t port_server[DRIVE_PORTS_MAX];

void agent_drive_child_gone(pid_t pid)
{
	for (size_t i = 0; i < DRIVE_PORTS_MAX; i++)
		if (port_server[i] == pid)
			port_server[i] = 0;
}

/* Ends the port's last server and waits for it, so that QEMU, which serves one connection per
 * socket, sees it close before the next connects (the order drives the guest's sync). */
static void end_port_server(unsigned i)
{
	pid_t pid = port_server[i];
	if (pid <= 0)
		return;
	kill(pid, SIGKILL); /* still our unreaped child: the SIGCHLD reaper clears the entry first */
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	port_server[i] = 0;
}

int agent_drive_serve_port(const struct agent_opts *o, const char *port_name, char sync[DRIVE_SYNC_LEN + 1],
			   struct gi_error *err)
{
	int i = drive_port_index(port_name);
	if (o->drive_ports == 0)
		return gi_error_set(err, EINVAL, "'%s': this VM has no drive ports (guesthost start --drive-ports N)", port_name);
	if (i < 0 || (unsigned)i >= o->drive_ports)
		return gi_error_set(err, EINVAL, "'%s' is not a drive port of this VM (it has %u: %s0 to %s%u)", port_name,
				    o->drive_ports, DRIVE_PORT_PREFIX, DRIVE_PORT_PREFIX, o->drive_ports - 1);
	unsigned char rnd[DRIVE_SYNC_LEN / 2];
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return gi_error_errno(err, errno, "getrandom");
	for (size_t k = 0; k < sizeof(rnd); k++)
		snprintf(sync + 2 * k, 3, "%02x", rnd[k]);
	end_port_server((unsigned)i);
	char path[PATH_MAX];
	int fd = unixsock_connect(agent_drive_port_socket(o->state, (unsigned)i, path), SOCK_STREAM);
	if (fd < 0)
		return gi_error_errno(err, -fd, "drive port %d: cannot connect to QEMU's socket %s", i, path);
	/* a few bytes into an empty socket: they fit at once */
	int w = write_all(fd, sync, DRIVE_SYNC_LEN);
	if (w < 0) {
		close(fd);
		return gi_error_errno(err, -w, "drive port %d: cannot write to QEMU's socket %s", i, path);
	}
	pid_t pid = agent_drive_serve(o, fd);
	close(fd);
	if (pid < 0)
		return gi_error_errno(err, (int)-pid, "fork");
	port_server[i] = pid;
	return 0;
}
