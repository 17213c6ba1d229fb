/* memreclaim's registration: guestinit-memreclaimd on a machine of our own (a namespace's
 * memory is not ours to give back), publishing its figures to the host as "memreclaim.*". */
#include "memreclaim_capability.h"

const struct daemon_def memreclaim_daemon = {
	.name = "memreclaim",
	.applet = "guestinit-memreclaimd",
	.description = "guestinit's memory reclaim: gives idle memory back to the host",
	.flags = DAEMON_MACHINE_ONLY,
};

const struct hub_capability memreclaim_capability = {
	.name = "memreclaim",
	.stats = true,
};
