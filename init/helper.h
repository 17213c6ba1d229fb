/* The systemd hand-off's helper and its guard (docs/systemd.md). Under systemd, PID 1 is not
 * ours: guestinit-helper supervises guestinit's daemons (logd, the hub, memreclaim,
 * forwarding; systemd runs the services), tells the host "ready" once systemd is up (or
 * [boot] initTimeout has passed, with the units still starting), and runs [boot] command.
 * It lives in a cgroup of its own (/sys/fs/cgroup/guestinit) that no unit owns, so no unit's
 * stop kills it. guestinit-guard watches it: the two watch each other's pidfd, and whichever
 * is left starts the other again at once, so a killed helper is back within a second. Only
 * systemd-shutdown's final kill (PID 1 is no longer systemd then) ends both for good. */
#ifndef GUESTINIT_INIT_HELPER_H
#define GUESTINIT_INIT_HELPER_H

#define HELPER_CGROUP "/sys/fs/cgroup/guestinit"

/* guestinit-helper [--t0 MS] [--guard PID]: --t0 is PID 1's start (CLOCK_MONOTONIC ms), for
 * the ready figure; --guard, the guard that started this one (a restart: the boot is done). */
int helper_main(int argc, char **argv);
/* guestinit-guard HELPER-PID */
int guard_main(int argc, char **argv);

#endif
