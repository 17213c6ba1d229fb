/* The stream relay of an exec session, the same on both ends and in both directions: local
 * fds (pipes, a pty, a terminal, files) on one side, one connection of frames on the other.
 *
 * Flow control: each stream has a window of PROTO_WINDOW bytes. A sender reads a source only
 * while it has credit and nothing is queued on the connection; a receiver writes what
 * arrives to its sink and CREDITs the bytes written. So neither side buffers more than one
 * window per stream plus one frame, whatever the speed of either end. */
#ifndef GUESTINIT_RELAY_H
#define GUESTINIT_RELAY_H

#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "session_msg.h"

struct evloop;
struct relay;

struct relay_ops {
	/* Every frame other than DATA, EOF, CREDIT and CLOSE. A negative return ends the relay
	 * with that error. */
	int (*on_frame)(struct relay *r, const struct proto_hdr *h, const uint8_t *payload, void *ctx);
};

/* Takes conn (a connected stream socket). */
int relay_new(struct evloop *loop, int conn, const struct relay_ops *ops, void *ctx, struct relay **out);
/* Closes the connection and every fd handed over, and gives fds their blocking mode back. */
void relay_free(struct relay *r);

/* fd feeds stream s to the peer; the relay owns it. A pty master reports its end as EIO. */
int relay_add_source(struct relay *r, enum proto_stream s, int fd);
/* Stream s from the peer is written to fd; the relay owns it. keep_open: the peer's EOF does
 * not close it (a terminal). */
int relay_add_sink(struct relay *r, enum proto_stream s, int fd, bool keep_open);

/* Queues the frames in b (built with proto_begin/proto_end) on the connection. */
int relay_send(struct relay *r, const struct proto_buf *b);

/* One round: waits at most timeout_ms (-1 forever) for events, handles them and every fd
 * that cannot be polled (files, /dev/null). Returns 0, or the relay's error. */
int relay_run_once(struct relay *r, int timeout_ms);

/* Reads what is readable on source s now, without waiting, and then ends the stream (a pty
 * whose session leader has gone). */
void relay_drain_source(struct relay *r, enum proto_stream s);

/* How many bytes of stream s have been written to its sink's fd so far. */
uint64_t relay_sink_written(const struct relay *r, enum proto_stream s);

/* The source has sent its EOF (or never existed). */
bool relay_source_done(const struct relay *r, enum proto_stream s);
/* Nothing is waiting to be written anywhere: the connection queue and every sink are empty. */
bool relay_quiet(const struct relay *r);
/* Writes everything queued, waiting as long as needed (the end of a session). */
int relay_flush(struct relay *r);

/* The sender's end of a session: flushes, ends our direction (FIN), and reads until the peer
 * closes too, discarding what it sends (CREDITs). Closing a TCP socket with unread input
 * sends a reset, and a reset can destroy output the peer has not read yet: so the side that
 * speaks last waits for the other to hang up. */
int relay_finish(struct relay *r, int timeout_ms);

/* 0 while the connection works; -EPIPE once the peer closed it; -EBADMSG for a protocol
 * violation; else -errno. relay_error_text says what happened. */
int relay_error(const struct relay *r);
const char *relay_error_text(const struct relay *r);

#endif
