/* /etc/hosts as WSL generates it ([network] generateHosts, default true): localhost for IPv4
 * and IPv6, the hostname on 127.0.1.1 (Debian's convention, which `hostname -f` and sudo
 * rely on), the host under HOSTS_HOST_NAME, and a header saying how to stop it. */
#ifndef GUESTINIT_NET_HOSTS_H
#define GUESTINIT_NET_HOSTS_H

/* The host as the guest reaches it (QEMU's user network: its gateway, 10.0.2.2, which is
 * the host's own loopback). */
#define HOSTS_HOST_NAME "host.internal"

/* Written whole (atomic rename, mode 0644); host_addr NULL or "": no line for the host.
 * 0 or -errno. */
int hosts_write(const char *path, const char *hostname, const char *host_addr);

#endif
