/* A byte pump between two connected stream sockets, both ways, on the event loop: what one
 * end sends the other receives, a half-close (FIN) is passed on as a half-close, and a reset
 * of one end resets the other. Port forwarding's two relays (the host's client ↔ the channel,
 * the channel ↔ the guest's listener) are each one pump. Each direction holds at most one
 * buffer (PUMP_BUF): a slow reader stops the writer by TCP's own flow control. */
#ifndef GUESTINIT_BASE_PUMP_H
#define GUESTINIT_BASE_PUMP_H

#include <stddef.h>
#include <stdint.h>

#define PUMP_BUF (128 * 1024)

struct evloop;
struct pump;

/* Called once, when both directions are done (err 0) or one end failed (err is its -errno;
 * the other end was reset). The callback may pump_free. */
typedef void (*pump_done_cb)(struct pump *p, int err, void *ctx);

/* Takes fd a and fd b (made non-blocking). pre_a (n_a bytes) goes to b before anything read
 * from a, pre_b to a before anything read from b: what a handshake read past its frame. */
int pump_new(struct evloop *loop, int a, int b, const void *pre_a, size_t n_a, const void *pre_b, size_t n_b,
	     pump_done_cb done, void *ctx, struct pump **out);
/* Closes both fds (those of a pump that failed with a reset, with SO_LINGER 0), but one
 * released. */
void pump_free(struct pump *p);
/* After done with an error: which fd failed (0: a, 1: b), else -1. */
int pump_failed(const struct pump *p);
/* Fd i (0: a, 1: b) is the caller's again: pump_free leaves it alone. */
int pump_release(struct pump *p, int i);
/* Reads and drops what fd sends until its end or timeout_ms, then closes it: a connection
 * whose peer must hang up first (port forwarding's reset, docs/network.md). -errno if it
 * cannot (fd closed). */
int pump_drain(struct evloop *loop, int fd, unsigned timeout_ms);
/* What every pumped TCP socket is set to (a no-op on others): TCP_NODELAY, since a relay must
 * not add Nagle's wait to what the programs write in their own rhythm. */
void pump_sock_no_delay(int fd);
/* fd's close will be a reset (SO_LINGER 0): its peer learns that bytes were lost rather than
 * seeing a clean end. */
void pump_sock_reset_on_close(int fd);

/* Bytes moved from a to b (dir 0) and from b to a (dir 1). */
uint64_t pump_bytes(const struct pump *p, int dir);

#endif
