/* The guest's network as the host describes it on the kernel command line:
 *   guestinit.net=IFACE,ADDRESS/PREFIX,GATEWAY[,DNS]
 * (QEMU's user network: eth0,10.0.2.15/24,10.0.2.2,10.0.2.3). */
#ifndef GUESTINIT_NET_IPCONFIG_H
#define GUESTINIT_NET_IPCONFIG_H

#include <stddef.h>

#include "error.h"

struct ipconfig {
	char iface[16];
	char address[64]; /* ADDRESS/PREFIX */
	char gateway[64];
	char dns[64];     /* may be empty */
};

/* 0, or -EINVAL with err saying which part is wrong. */
int ipconfig_parse(const char *spec, struct ipconfig *c, struct gi_error *err);
/* Sets the link up with the address and a default route through the gateway. 0 or -errno;
 * the link may take a moment to appear (a module's probe), so it is waited for briefly. */
int ipconfig_apply(const struct ipconfig *c);
/* /etc/resolv.conf naming the DNS server, with WSL's header. */
int ipconfig_write_resolv_conf(const struct ipconfig *c, const char *path);

#endif
