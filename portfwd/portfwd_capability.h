/* Localhost forwarding as a capability (docs/network.md): guestinit-portfwdd, started when
 * there is a host, and the two first frames it has the hub dial (only root may). */
#ifndef GUESTINIT_PORTFWD_CAPABILITY_H
#define GUESTINIT_PORTFWD_CAPABILITY_H

#include "daemon.h"
#include "hub.h"

extern const struct daemon_def portfwd_daemon;
extern const struct hub_capability portfwd_capability;

#endif
