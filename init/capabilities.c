/* The one place that knows every capability (see capabilities.h). */
#include "capabilities.h"

#include <stddef.h>

#include "drvfs_capability.h"
#include "hostd.h"
#include "hub.h"
#include "interop_capability.h"
#include "logd.h"
#include "memreclaim_capability.h"
#include "portfwd_capability.h"
#include "services_capability.h"

const struct daemon_def *const daemon_table[] = {
	&logd_daemon,       /* first up, last down: it sees the whole shutdown */
	&hub_daemon,
	&memreclaim_daemon,
	&portfwd_daemon,
	&services_daemon,   /* last up, first down: services stop while the rest is still there */
	NULL,
};

const struct hub_capability *const hub_capabilities[] = {
	&drvfs_capability,
	&memreclaim_capability,
	&interop_capability,
	&portfwd_capability,
	&services_capability,
	NULL,
};
