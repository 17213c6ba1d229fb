/* The agent's drives: the folders its own 9P server shares (the virtio ones are QEMU's), and
 * one server process per mount in the guest. */
#ifndef GUESTINIT_HOST_AGENT_DRIVE_H
#define GUESTINIT_HOST_AGENT_DRIVE_H

#include <stddef.h>
#include <sys/types.h>

#include "agent.h"
#include "error.h"
#include "control_msg.h"

/* The drive table of WELCOME: each drive's letter and who serves it ("p9": our server over
 * the host channel; "virtio:drvfs_L": QEMU's share of that mount tag). */
void agent_drive_table(const struct agent_opts *o, struct proto_welcome *w);
/* Checks a mount's attach name against the drives before any 9P, so that mount.drvfs can
 * print the reason (9P2000.L's Rlerror carries only an errno): 0, or -errno with why in err. */
int agent_drive_check(const struct agent_opts *o, const char *aname, struct gi_error *err);
/* Forks the server of one mount on fd: the child's pid, or -errno. */
pid_t agent_drive_serve(const struct agent_opts *o, int fd);

#endif
