/* The end of every path of PID 1: kill what is left, sync, unmount, power off. */
#ifndef GUESTINIT_INIT_SHUTDOWN_H
#define GUESTINIT_INIT_SHUTDOWN_H

#include <stdbool.h>

struct evloop;

enum shutdown_kind { SHUTDOWN_POWEROFF, SHUTDOWN_REBOOT, SHUTDOWN_HALT };

const char *shutdown_kind_name(enum shutdown_kind k);

/* SIGTERM (and SIGCONT) to every process but us, then SIGKILL to what is left after
 * timeout_ms; calls done once no process but us remains. reap is called to collect exits
 * while waiting (PID 1 inherits every orphan). */
void shutdown_kill_all(struct evloop *loop, int timeout_ms, void (*reap)(void), void (*done)(void));
/* A child was reaped (SIGCHLD): while shutdown_kill_all waits, the last one going ends the
 * wait at once rather than at its next poll (POLL_MS; it was most of a namespace's cycle). */
void shutdown_child_exited(void);

/* sync, unmount everything newest first (lazily as a last resort), then reboot(2) — or, in a
 * PID namespace, exit with exit_code (reboot: the kernel's SIGHUP convention). Never returns. */
__attribute__((noreturn)) void shutdown_final(enum shutdown_kind kind, bool ns_mode, int exit_code);

#endif
