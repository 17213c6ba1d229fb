/* The systemd hand-off ([boot] systemd=true, docs/systemd.md): PID 1 does the early boot,
 * starts the helper that keeps guestinit's daemons (init/helper.c), and execs systemd, which
 * is then the VM's own PID 1. */
#ifndef GUESTINIT_INIT_HANDOFF_H
#define GUESTINIT_INIT_HANDOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the generator link goes: systemd runs it at its start and on every daemon-reload. */
#define HANDOFF_GENERATOR_LINK "/run/systemd/system-generators/guestinit-generator"
/* The systemd to exec under root (a folder, "" for /): /sbin/init when it resolves to
 * systemd (systemd-sysv), else /lib/systemd/systemd; the path in out (relative to root's /)
 * and true, or false and what is missing in why. */
bool handoff_find_systemd(const char *root, char *out, size_t cap, char *why, size_t whycap);

struct handoff {
	const char *systemd;      /* from handoff_find_systemd */
	const char *self_exe;     /* our binary: the helper and the generator are applets of it */
	uint64_t t0_ms;           /* PID 1's start (CLOCK_MONOTONIC), for the helper's ready figure */
	char *const *helper_envp; /* the helper's environment (the boot token in it, if any) */
};

/* Starts the helper, links the generator and execs systemd: returns
 * only if that exec failed, after ending the helper it started; -errno then (logged). */
int handoff_exec(const struct handoff *h);

#endif
