/* What drvfs registers with the hub (init/capabilities.c lists it). */
#ifndef GUESTINIT_DRVFS_CAPABILITY_H
#define GUESTINIT_DRVFS_CAPABILITY_H

#include "hub.h"

extern const struct hub_capability drvfs_capability;

#endif
