/* drvfs as a capability of the hub: after the first WELCOME the hub runs the boot's mounts
 * (guestinit-automount), and only root may have it dial a drive connection (DRIVE_OPEN). */
#include "drvfs_capability.h"

#include "drive_msg.h"

static const struct hub_dial_rule drvfs_dials[] = {
	{ MSG_DRIVE_OPEN, true, NULL },
};

const struct hub_capability drvfs_capability = {
	.name = "drvfs",
	.on_welcome = "guestinit-automount",
	.dials = drvfs_dials,
	.ndials = sizeof(drvfs_dials) / sizeof(drvfs_dials[0]),
};
