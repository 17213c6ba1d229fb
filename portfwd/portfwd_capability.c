/* Localhost forwarding's registration (see portfwd_capability.h). */
#include "portfwd_capability.h"

#include "portfwd_msg.h"

const struct daemon_def portfwd_daemon = {
	.name = "portfwd",
	.applet = "guestinit-portfwdd",
	.description = "guestinit's localhost forwarding: the guest's TCP listeners at the host's localhost",
	.flags = DAEMON_NEEDS_HOST,
};

static const struct hub_dial_rule portfwd_dials[] = {
	{ MSG_PORTFWD_OPEN, true, NULL },
	{ MSG_PORTFWD_SPARE, true, NULL },
};

const struct hub_capability portfwd_capability = {
	.name = "portfwd",
	.dials = portfwd_dials,
	.ndials = sizeof(portfwd_dials) / sizeof(portfwd_dials[0]),
};
