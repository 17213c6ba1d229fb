/* What every internal daemon is, written once: its definition (which PID 1 starts and
 * supervises, and which the systemd hand-off can turn into a unit) and the start of its
 * main() (logger, process name, SIGPIPE ignored, one event loop with its signals). A
 * capability defines its `struct daemon_def` next to its code; the composition root lists
 * them for PID 1 (init/capabilities.c). */
#ifndef GUESTINIT_BASE_DAEMON_H
#define GUESTINIT_BASE_DAEMON_H

#include <stdbool.h>

#include "evloop.h"

enum daemon_flags {
	DAEMON_LOG_PIPE_STDIN = 1 << 0, /* stdin is PID 1's log pipe (the log daemon) */
	DAEMON_LOG_FILE_ARGS = 1 << 1,  /* argv: the log file, its size limit (KiB), files kept */
	DAEMON_HOST_ARGS = 1 << 2,      /* argv: --host URI, and the boot token in its environment; only
					 * started when there is a host */
	DAEMON_FD_STORE = 1 << 3,       /* PID 1's fd store as fds 3 and 4 ("--fd-store 3:4"), so that what
					 * it puts there outlives it */
	DAEMON_MACHINE_ONLY = 1 << 4,   /* nothing to do in a namespace (the machine's memory is not ours) */
	DAEMON_NEEDS_HOST = 1 << 5,     /* only started when there is a host, which it reaches through the hub */
	DAEMON_NOT_UNDER_SYSTEMD = 1 << 6, /* guestinit's own init work: under systemd, systemd does it */
};

struct daemon_def {
	const char *name;        /* in logs: "memreclaim" */
	const char *applet;      /* the applet of the one binary: "guestinit-memreclaimd" */
	const char *description; /* one line, for a unit's Description= */
	unsigned flags;
	int min_stop_ms;         /* at shutdown it gets at least this long */
};

/* The start of a daemon's main(): log as ident, name the process (comm), ignore SIGPIPE, a
 * new loop in *loop with the signals of the 0-terminated list delivered to cb. 0, or -errno
 * (already logged: the daemon exits). */
int daemon_setup(const char *ident, const char *comm, const int *signals, ev_signal_cb cb, void *data,
		 struct evloop **loop);

#endif
