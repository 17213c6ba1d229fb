/* What the service supervisor registers with PID 1. */
#ifndef GUESTINIT_SERVICES_CAPABILITY_H
#define GUESTINIT_SERVICES_CAPABILITY_H

#include "daemon.h"

extern const struct daemon_def services_daemon;

#endif
