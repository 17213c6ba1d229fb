/* The VM's network, as `.wslconfig`'s [wsl2] networkingMode names it (docs/network.md):
 *   nat       QEMU's user network (10.0.2.15 behind 10.0.2.2), our default;
 *   mirrored  passt, which gives the guest the host's own address, gateway and DNS (LAB.md);
 *             the host is then the gateway's address, which passt maps to the host's
 *             loopback. Localhost forwarding is ours in both.
 * A mirrored mode that cannot be had here (no passt, no default route) is said in one line
 * and the VM runs nat. */
#ifndef GUESTINIT_HOST_NETMODE_H
#define GUESTINIT_HOST_NETMODE_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

struct gh;

struct vm_net {
	bool mirrored;
	char iface_addr[64]; /* the guest's ADDRESS/PREFIX */
	char gateway[64];    /* its gateway, which is also where it finds the host */
	char dns[64];
	int qemu_fd;         /* mirrored: QEMU's end of the socket pair whose other end is passt's */
	pid_t passt_pid;
};

/* mode "nat" or "mirrored" (else -EINVAL naming it). */
int netmode_parse(const char *mode, bool *mirrored, struct gi_error *err);
/* Fills n for the mode; mirrored starts passt (in the background, its pid in n and in
 * STATE/passt.pid). Never fails for mirrored: it falls back to nat, saying why. */
void netmode_prepare(const struct gh *g, bool mirrored, struct vm_net *n);
/* Ends the passt of pid if it is still that passt. */
void netmode_stop_passt(pid_t pid);

#endif
