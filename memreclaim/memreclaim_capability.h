/* What memreclaim registers: its daemon (with PID 1) and its figures (with the hub). */
#ifndef GUESTINIT_MEMRECLAIM_CAPABILITY_H
#define GUESTINIT_MEMRECLAIM_CAPABILITY_H

#include "daemon.h"
#include "hub.h"

extern const struct daemon_def memreclaim_daemon;
extern const struct hub_capability memreclaim_capability;

#endif
