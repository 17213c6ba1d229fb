/* What the supervisor does once at boot: the runtime directories of tmpfiles.d, then every
 * enabled service in dependency order, in parallel where the order allows. */
#ifndef GUESTINIT_SERVICES_BOOT_H
#define GUESTINIT_SERVICES_BOOT_H

#include <stdbool.h>
#include <sys/types.h>

struct evloop;

/* Runs at most once per boot (a restarted supervisor finds /run/guestinit/services.booted). */
void boot_services(struct evloop *loop);
/* The supervisor's reaping asks first: true when pid was boot's own child (systemd-tmpfiles),
 * whose end lets the enabled services start. */
bool boot_reaped(pid_t pid, int wstatus);
/* tmpfiles.d: d, D and L lines (systemd-tmpfiles --create when it is installed); root is the
 * file system root ("" normally). Returns the number of lines it could not apply. */
unsigned tmpfiles_create(const char *root);

#endif
