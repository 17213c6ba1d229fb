/* The VM an agent serves: it holds a pidfd of QEMU in its event loop and ends when QEMU does,
 * so that no agent outlives its VM; and a watchdog that ends QEMU when the guest has not been
 * ready for the boot timeout (a reboot that never comes back, a panic before the pvpanic
 * driver is loaded: without it QEMU would reset in a loop). */
#ifndef GUESTINIT_HOST_AGENT_VM_H
#define GUESTINIT_HOST_AGENT_VM_H

#include <stdbool.h>
#include <sys/types.h>

struct evloop;

/* Watches QEMU's pid; its end makes evloop_run return 0. 0, or -errno (-ESRCH: it has
 * ended already). */
int agent_vm_watch(struct evloop *loop, pid_t qemu, unsigned boot_timeout_s);
/* The guest is ready (true) or has gone (false): the watchdog stops or starts. */
void agent_vm_guest_ready(bool ready);
/* The QEMU watched, or 0. */
pid_t agent_vm_pid(void);
void agent_vm_stop(void);

#endif
