/* Where the host is, for PID 1 (which starts the hub only when there is one) and the hub. */
#ifndef GUESTINIT_HOSTCHAN_HOSTD_H
#define GUESTINIT_HOSTCHAN_HOSTD_H

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

/* Where the host is: GUESTINIT_HOST/GUESTINIT_TOKEN in the environment (a harness), else
 * guestinit.host=/guestinit.token= on the kernel command line, else — only on a machine of
 * our own (machine true), never in a namespace — vsock://2:PORT. -ENOENT when there is none. */
int hostd_find_host(char *uri, size_t ucap, char *token, size_t tcap, bool machine);

/* The hub's daemon definition. */
extern const struct daemon_def hub_daemon;

#endif
