/* What the service supervisor registers with PID 1. */
#ifndef GUESTINIT_SERVICES_CAPABILITY_H
#define GUESTINIT_SERVICES_CAPABILITY_H

#include "daemon.h"
#include "hub.h"

extern const struct daemon_def services_daemon;
extern const struct hub_capability services_capability;

/* Made once every enabled service of the boot has been started (or failed to): PID 1 runs
 * [boot] command after it, as a distribution's rc.local runs after its services. */
#define SERVICES_UP_MARK "/run/guestinit/services.up"

#endif
