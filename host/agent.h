/* The host agent (see agent.c): `guesthost agent`, started by `guesthost start`. */
#ifndef GUESTINIT_HOST_AGENT_H
#define GUESTINIT_HOST_AGENT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "agent_interop.h"

struct agent_drive {
	char letter;
	char dir[PATH_MAX]; /* the host folder (absolute, real) */
	bool virtio;     /* QEMU's own virtio-9p share (mount tag drvfs_L), not our server */
};

struct agent_opts {
	const char *listen_uri; /* where the guest connects: tcp://127.0.0.1:PORT, vsock://any:PORT, unix:// */
	const char *cli_uri;    /* unix:///STATE/agent.sock */
	const char *token;      /* the boot's token; a guest without it is refused */
	const char *distro;
	const char *state;      /* our state folder, and our own executable: \\wsl$'s mount (guestmount.h) */
	const char *self;
	struct agent_drive drives[26];
	size_t ndrives;
	int ready_fd;           /* written once listening, then closed; -1: none */
	const char *reclaim;    /* memory reclaim mode for the guest; NULL: gradual */
	pid_t qemu_pid;         /* the VM served: the agent ends with it; 0: a guest elsewhere */
	unsigned boot_timeout_s; /* a guest of that VM not ready for this long ends it; 0: never */
	struct agent_interop interop; /* the host programs the guest may run (agent_interop.h) */
	bool localhost_forwarding_off; /* --localhost-forwarding false: the guest's listeners stay in it */
	const char *monitor;    /* --monitor SOCK: QEMU's human monitor, for user-network forwards; NULL: none */
	const char *network;    /* --network: what WELCOME tells the guest (nat, mirrored); NULL: nat */
	pid_t passt_pid;        /* --passt-pid: the VM's passt (mirrored), ended with the agent */
	unsigned drive_ports;   /* --drive-ports N: QEMU's virtio-serial ports for mounts (agent_drive.h); 0: none */
	unsigned idle_timeout_ms; /* --idle-timeout: .wslconfig's vmIdleTimeout (agent_idle.h); 0: never */
};

/* Runs until SIGTERM/SIGINT or the end of its QEMU; returns the exit status. */
int agent_run(const struct agent_opts *o);

#endif
