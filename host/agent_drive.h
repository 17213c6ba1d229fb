/* The agent's drives: the folders its own 9P server shares (the virtio ones are QEMU's), and
 * one server process per mount in the guest. */
#ifndef GUESTINIT_HOST_AGENT_DRIVE_H
#define GUESTINIT_HOST_AGENT_DRIVE_H

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "agent.h"
#include "error.h"
#include "control_msg.h"
#include "drive_msg.h"

/* The drive table of WELCOME: each drive's letter and who serves it ("p9": our server over
 * the host channel; "virtio:drvfs_L": QEMU's share of that mount tag). */
void agent_drive_table(const struct agent_opts *o, struct proto_welcome *w);
/* Checks a mount's attach name against the drives before any 9P, so that mount.drvfs can
 * print the reason (9P2000.L's Rlerror carries only an errno): 0, or -errno with why in err. */
int agent_drive_check(const struct agent_opts *o, const char *aname, struct gi_error *err);
/* Forks the server of one mount on fd: the child's pid, or -errno. */
pid_t agent_drive_serve(const struct agent_opts *o, int fd);

/* The socket of drive port number i: QEMU listens on it, for the virtserialport of that name
 * (qemu.c), and the agent connects to it for each mount the guest asks on that port. */
static inline const char *agent_drive_port_socket(const char *state, unsigned i, char buf[PATH_MAX])
{
	/* a state folder too long for this is refused long before: a unix socket's path is 108 */
	return snprintf(buf, PATH_MAX, "%s/drive-port-%u.sock", state, i) < PATH_MAX ? buf : "";
}
/* A mount asked on the port named port_name (DRIVE_OPEN's TAG_DRIVE_PORT), which the guest
 * holds open: the server of the port's last mount is ended, a fresh one connected to the port,
 * and sync (random hex, NUL-terminated) written on it ahead of any 9P. 0, or -errno with err
 * saying why (a name that is no port of this VM, the port's socket). */
int agent_drive_serve_port(const struct agent_opts *o, const char *port_name, char sync[DRIVE_SYNC_LEN + 1],
			   struct gi_error *err);
/* A child ended (the agent's SIGCHLD): a port whose server it was has none now. */
void agent_drive_child_gone(pid_t pid);

#endif
