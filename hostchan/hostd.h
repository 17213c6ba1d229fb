/* The guest's end of the host channel (see docs/protocol.md). */
#ifndef GUESTINIT_HOSTCHAN_HOSTD_H
#define GUESTINIT_HOSTCHAN_HOSTD_H

#include <stdbool.h>
#include <stddef.h>

/* PID 1 leaves its ready line and timings here; hostd reports them to the host. */
#define HOSTD_READY_PATH "/run/guestinit/ready"
/* The configuration the host sent in WELCOME, as key=value lines. */
#define HOSTD_CONF_PATH "/run/guestinit/host.conf"
/* Made once the boot's drive and fstab mounts were done, so that a reconnect does not redo them. */
#define HOSTD_MOUNTED_PATH "/run/guestinit/mounted"

/* Where the host is: GUESTINIT_HOST/GUESTINIT_TOKEN in the environment (a harness), else
 * guestinit.host=/guestinit.token= on the kernel command line, else — only on a machine of
 * our own (machine true), never in a namespace — vsock://2:PORT. -ENOENT when there is none. */
int hostd_find_host(char *uri, size_t ucap, char *token, size_t tcap, bool machine);

int hostd_main(int argc, char **argv);

#endif
