/* The composition root's lists: every internal daemon PID 1 supervises, in start order, and
 * every capability the hub serves (hub.h). Adding a capability adds its lines here and in
 * init/main.c's applet table, nothing else of PID 1 or the hub (docs/architecture.md, "How to
 * add a capability"). */
#ifndef GUESTINIT_INIT_CAPABILITIES_H
#define GUESTINIT_INIT_CAPABILITIES_H

#include "daemon.h"

/* NULL-terminated, in start order (stopped in reverse). */
extern const struct daemon_def *const daemon_table[];

#endif
