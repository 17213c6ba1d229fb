/* The service supervisor as a daemon of PID 1: it gets PID 1's fd store (its services' log
 * pipes outlive a restart of it) and at least 100 s to stop every service at shutdown. */
#include "services_capability.h"

const struct daemon_def services_daemon = {
	.name = "services",
	.applet = "guestinit-servicesd",
	.description = "guestinit's service supervisor (service, systemctl)",
	.flags = DAEMON_FD_STORE | DAEMON_NOT_UNDER_SYSTEMD, /* systemd runs the services then */
	.min_stop_ms = 100000,
};

/* The supervisor's figures (services.running), which the host's vmIdleTimeout reads. */
const struct hub_capability services_capability = {
	.name = "services",
	.stats = true,
};
