/* The host agent (see agent.c): `guesthost agent`, started by `guesthost start`. */
#ifndef GUESTINIT_HOST_AGENT_H
#define GUESTINIT_HOST_AGENT_H

#include <stdbool.h>
#include <stddef.h>

struct agent_drive {
	char letter;
	const char *dir; /* the host folder */
	bool virtio;     /* QEMU's own virtio-9p share (mount tag drvfs_L), not our server */
};

struct agent_opts {
	const char *listen_uri; /* where the guest connects: tcp://127.0.0.1:PORT, vsock://any:PORT, unix:// */
	const char *cli_uri;    /* unix:///STATE/agent.sock */
	const char *token;      /* the boot's token; a guest without it is refused */
	const char *distro;
	struct agent_drive drives[26];
	size_t ndrives;
	int ready_fd;           /* written once listening, then closed; -1: none */
	const char *reclaim;    /* memory reclaim mode for the guest; NULL: gradual */
};

/* Runs until SIGTERM/SIGINT; returns the exit status. */
int agent_run(const struct agent_opts *o);

#endif
