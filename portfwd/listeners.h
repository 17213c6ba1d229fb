/* The guest's TCP listeners that localhost forwarding carries to the host: those on a wildcard
 * or a loopback address (0.0.0.0, ::, 127.0.0.1, ::1) of this network namespace, from one
 * sock_diag dump per family (the kernel walks only its listening hash for it). */
#ifndef GUESTINIT_PORTFWD_LISTENERS_H
#define GUESTINIT_PORTFWD_LISTENERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nl_sock;

struct fwd_listener {
	uint16_t port;
	uint8_t family;  /* 4 or 6 */
	bool loopback;   /* 127.0.0.1 or ::1, else the wildcard */
	bool v6only;     /* an IPv6 listener that takes no IPv4 */
};

#define FWD_LISTENERS_MAX 1024

/* The sock_diag socket (libnl), or NULL with errno set. */
struct nl_sock *listeners_open(void);
void listeners_close(struct nl_sock *sk);
/* Fills out, sorted (listener_cmp) and without duplicates (SO_REUSEPORT groups are one): how
 * many, or -errno. Listeners past cap are left out. */
int listeners_scan(struct nl_sock *sk, struct fwd_listener *out, size_t cap);
int listener_cmp(const struct fwd_listener *a, const struct fwd_listener *b);
/* "0.0.0.0", "::", "127.0.0.1", "::1" */
const char *listener_addr(const struct fwd_listener *l);

#endif
