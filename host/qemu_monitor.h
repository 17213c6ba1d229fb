/* One command to QEMU's human monitor (STATE/monitor.sock, readline mode), the way a person
 * types it: localhost forwarding adds and removes user-network forwards with it
 * (hostfwd_add, hostfwd_remove). */
#ifndef GUESTINIT_HOST_QEMU_MONITOR_H
#define GUESTINIT_HOST_QEMU_MONITOR_H

#include <stddef.h>

/* Runs cmd; what QEMU printed for it (without the echo and the prompt) into out. 0 when it
 * printed nothing (these commands' success), 1 when it printed something (out says what),
 * -errno when the monitor did not answer within timeout_ms. */
int qemu_monitor_command(const char *sock, const char *cmd, char *out, size_t cap, int timeout_ms);

#endif
