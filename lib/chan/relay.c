/* The session relay (see relay.h for the flow-control rule). */
#include "relay.h"

#include <errno.h>
#include <endian.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "evloop.h"

/* One read (or splice) of a source becomes one DATA frame of at most this much: the protocol's
 * cap, so that bulk data costs few syscalls. Keystrokes do not wait for it: a read returns
 * what is there. */
#define CHUNK (1024u << 10)
/* A receiver CREDITs once this much is written out, or whenever its sink runs empty. */
#define CREDIT_BATCH (PROTO_WINDOW / 4)

struct src {
	int fd;
	bool present, done, pollable, registered;
	bool is_pipe;      /* its bytes can be spliced to the connection without a copy to us */
	bool close_wanted; /* the peer's CLOSE came while a splice from it was under way */
	int saved_flags;
	uint64_t credit;
};

struct sink {
	int fd;
	bool present, pollable, registered, keep_open;
	bool is_pipe;   /* the peer's DATA can be spliced from the connection into it */
	bool peer_eof;  /* the sender ended the stream */
	bool broken;    /* our reader went away (EPIPE): drop what comes, tell the sender */
	uint64_t written; /* bytes written to fd so far */
	int saved_flags;
	uint8_t *buf;
	size_t len, off, cap;
	uint64_t unacked;   /* received but not yet credited back */
	uint64_t to_credit; /* written out, to be credited */
};

struct relay {
	struct evloop *loop;
	int conn;
	const struct relay_ops *ops;
	void *ctx;
	struct src src[STREAM_COUNT];
	struct sink sink[STREAM_COUNT];
	uint8_t *out; /* frames waiting for the connection */
	size_t out_len, out_off, out_cap;
	/* A DATA payload being spliced from a pipe source straight into the connection: it
	 * belongs at offset splice_at of out (after its header, before anything queued later). */
	int splice_src;  /* stream, or -1 */
	size_t splice_left, splice_at;
	uint8_t *in;  /* bytes read from the connection, not yet a whole frame */
	size_t in_len;
	/* A DATA payload being spliced from the connection straight into a pipe sink: the
	 * stream, or -1, and how much of it is still in the connection. */
	int in_splice;
	size_t in_splice_left;
	bool conn_out_registered;
	uint8_t *rbuf; /* header + CHUNK: a DATA frame read in place */
	int error;
	char error_text[160];
	/* A write found the peer gone (EPIPE): what it said before it went is still to be read
	 * (a refusal, an EXIT), so only reading goes on; its EOF is then the error. */
	bool write_lost;
	char lost_text[120];
};

static void fail(struct relay *r, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(struct relay *r, int err, const char *fmt, ...)
{
	if (r->error)
		return;
	r->error = err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->error_text, sizeof(r->error_text), fmt, ap);
	va_end(ap);
}

/* The peer no longer reads: drop what waits for it and send nothing more. Other errors of a
 * write end the relay at once. */
static void write_failed(struct relay *r, int err, const char *what)
{
	if (err != EPIPE && err != ECONNRESET) {
		fail(r, -err, "%s to the peer: %s", what, strerror(err));
		return;
	}
	if (r->write_lost)
		return;
	r->write_lost = true;
	snprintf(r->lost_text, sizeof(r->lost_text), "%s to the peer: %s", what, strerror(err));
	r->out_off = r->out_len = 0;
	r->splice_src = -1;
	r->splice_left = 0;
}

static void update_events(struct relay *r);
static void conn_write(struct relay *r);
static void source_end(struct relay *r, enum proto_stream s, bool tell_peer);

static bool out_pending(const struct relay *r)
{
	return r->out_off != r->out_len || r->splice_src >= 0;
}

static int queue_out(struct relay *r, const uint8_t *p, size_t n)
{
	if (r->out_off == r->out_len && r->splice_src < 0)
		r->out_off = r->out_len = 0;
	if (r->out_len + n > r->out_cap) {
		if (r->out_off) { /* compact before growing */
			memmove(r->out, r->out + r->out_off, r->out_len - r->out_off);
			r->out_len -= r->out_off;
			if (r->splice_src >= 0)
				r->splice_at -= r->out_off;
			r->out_off = 0;
		}
		size_t cap = r->out_cap ? r->out_cap : 4096;
		while (cap < r->out_len + n)
			cap *= 2;
		uint8_t *o = realloc(r->out, cap);
		if (!o) {
			fail(r, -ENOMEM, "out of memory");
			return -ENOMEM;
		}
		r->out = o;
		r->out_cap = cap;
	}
	memcpy(r->out + r->out_len, p, n);
	r->out_len += n;
	return 0;
}

/* Writes what it can now; the rest waits in the queue for EPOLLOUT. */
static void send_bytes(struct relay *r, const uint8_t *p, size_t n)
{
	if (r->error || r->write_lost)
		return;
	if (!out_pending(r)) {
		ssize_t w = write(r->conn, p, n);
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			write_failed(r, errno, "write");
			return;
		}
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		}
	}
	if (n)
		queue_out(r, p, n);
}

static void send_small(struct relay *r, uint16_t type, uint16_t flags, const void *payload, uint32_t n)
{
	uint8_t f[PROTO_HDR_SIZE + 16];
	proto_hdr_encode(f, type, flags, n);
	if (n)
		memcpy(f + PROTO_HDR_SIZE, payload, n);
	send_bytes(r, f, PROTO_HDR_SIZE + n);
}

static void send_credit(struct relay *r, enum proto_stream s, uint32_t n)
{
	uint32_t le = htole32(n);
	send_small(r, MSG_CREDIT, (uint16_t)s, &le, 4);
}

int relay_send(struct relay *r, const struct proto_buf *b)
{
	if (b->error)
		return b->error;
	send_bytes(r, b->data, b->len);
	update_events(r);
	return r->error;
}

/* ---- sources ------------------------------------------------------------------------------ */

static void source_end(struct relay *r, enum proto_stream s, bool tell_peer)
{
	struct src *c = &r->src[s];
	if (c->done)
		return;
	c->done = true;
	if (c->registered) {
		evloop_del_fd(r->loop, c->fd);
		c->registered = false;
	}
	if (c->saved_flags >= 0)
		fcntl(c->fd, F_SETFL, c->saved_flags);
	close(c->fd);
	c->fd = -1;
	if (tell_peer)
		send_small(r, MSG_EOF, (uint16_t)s, NULL, 0);
}

/* One read into the frame buffer, sent as one DATA frame. Returns false when it would block. */
static bool source_read(struct relay *r, enum proto_stream s)
{
	struct src *c = &r->src[s];
	size_t want = c->credit < CHUNK ? (size_t)c->credit : CHUNK;
	if (c->done || !want || out_pending(r) || r->error || r->write_lost)
		return false;
	int avail = 0;
	if (c->is_pipe && ioctl(c->fd, FIONREAD, &avail) == 0 && avail > 0) {
		/* the header now, the payload by splice: the pipe's pages go to the socket
		 * without a trip through our memory (an empty pipe still takes read(), which
		 * tells EOF from "nothing yet") */
		size_t n = (size_t)avail < want ? (size_t)avail : want;
		uint8_t h[PROTO_HDR_SIZE];
		proto_hdr_encode(h, MSG_DATA, (uint16_t)s, (uint32_t)n);
		send_bytes(r, h, sizeof(h));
		c->credit -= n;
		r->splice_src = (int)s;
		r->splice_left = n;
		r->splice_at = r->out_len;
		conn_write(r);
		return true;
	}
	ssize_t n = read(c->fd, r->rbuf + PROTO_HDR_SIZE, want);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return false;
		/* EIO: the pty's other side is closed for good; anything else ends the stream too */
		source_end(r, s, true);
		return false;
	}
	if (n == 0) {
		source_end(r, s, true);
		return false;
	}
	c->credit -= (uint64_t)n;
	proto_hdr_encode(r->rbuf, MSG_DATA, (uint16_t)s, (uint32_t)n);
	send_bytes(r, r->rbuf, PROTO_HDR_SIZE + (size_t)n);
	return true;
}

void relay_drain_source(struct relay *r, enum proto_stream s)
{
	struct src *c = &r->src[s];
	if (!c->present || c->done)
		return;
	int fl = fcntl(c->fd, F_GETFL);
	fcntl(c->fd, F_SETFL, fl | O_NONBLOCK);
	/* at most one window: what is in a pty's buffer is far less */
	while (!c->done && !r->error && c->credit && !out_pending(r) && source_read(r, s))
		;
	if (!c->done && out_pending(r))
		relay_flush(r);
	while (!c->done && !r->error && c->credit && source_read(r, s))
		relay_flush(r);
	source_end(r, s, true);
}

/* ---- sinks -------------------------------------------------------------------------------- */

static void sink_close(struct relay *r, enum proto_stream s)
{
	struct sink *k = &r->sink[s];
	if (k->fd < 0)
		return;
	if (k->registered) {
		evloop_del_fd(r->loop, k->fd);
		k->registered = false;
	}
	if (k->saved_flags >= 0)
		fcntl(k->fd, F_SETFL, k->saved_flags);
	close(k->fd);
	k->fd = -1;
}

static void sink_credit(struct relay *r, enum proto_stream s, bool force)
{
	struct sink *k = &r->sink[s];
	if (k->to_credit && (force || k->to_credit >= CREDIT_BATCH)) {
		send_credit(r, s, (uint32_t)k->to_credit);
		k->unacked -= k->to_credit;
		k->to_credit = 0;
	}
}

static void sink_broken(struct relay *r, enum proto_stream s)
{
	struct sink *k = &r->sink[s];
	k->broken = true;
	k->to_credit += k->len - k->off;
	k->len = k->off = 0;
	sink_close(r, s);
	send_small(r, MSG_CLOSE, (uint16_t)s, NULL, 0);
	sink_credit(r, s, true);
}

/* Writes from p; returns how much was taken (all of it if the sink is broken). */
static size_t sink_write(struct relay *r, enum proto_stream s, const uint8_t *p, size_t n)
{
	struct sink *k = &r->sink[s];
	size_t done = 0;
	while (done < n && !k->broken) {
		ssize_t w = write(k->fd, p + done, n - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			sink_broken(r, s); /* EPIPE, EIO, ENOSPC...: the data has nowhere to go */
			return n;
		}
		done += (size_t)w;
		k->to_credit += (uint64_t)w;
		k->written += (uint64_t)w;
	}
	return done;
}

static void sink_flush(struct relay *r, enum proto_stream s)
{
	struct sink *k = &r->sink[s];
	if (k->len > k->off && !k->broken)
		k->off += sink_write(r, s, k->buf + k->off, k->len - k->off);
	if (k->off == k->len)
		k->off = k->len = 0;
	sink_credit(r, s, k->len == 0);
	if (k->len == 0 && k->peer_eof && !k->keep_open)
		sink_close(r, s);
}

/* A DATA frame of n bytes for stream s, its header just read: whether the peer may send it. */
static bool sink_accept(struct relay *r, enum proto_stream s, size_t n)
{
	struct sink *k = &r->sink[s];
	if (!k->present) {
		fail(r, -EBADMSG, "protocol error: data for stream %d, which has no receiver here", (int)s);
		return false;
	}
	if (k->peer_eof) {
		fail(r, -EBADMSG, "protocol error: data for stream %d after its end", (int)s);
		return false;
	}
	k->unacked += n;
	if (k->unacked > PROTO_WINDOW) {
		fail(r, -EBADMSG, "protocol error: the peer sent more than its credit on stream %d", (int)s);
		return false;
	}
	return true;
}

/* n bytes of an accepted frame: written, or kept for when the sink can take them. */
static void sink_take(struct relay *r, enum proto_stream s, const uint8_t *p, size_t n)
{
	struct sink *k = &r->sink[s];
	if (k->broken) {
		k->to_credit += n;
		sink_credit(r, s, true);
		return;
	}
	size_t done = k->len == k->off ? sink_write(r, s, p, n) : 0;
	if (done < n && !k->broken) {
		size_t rest = n - done;
		if (k->len + rest > k->cap) {
			if (k->off) {
				memmove(k->buf, k->buf + k->off, k->len - k->off);
				k->len -= k->off;
				k->off = 0;
			}
			size_t cap = k->cap ? k->cap : 65536;
			while (cap < k->len + rest)
				cap *= 2;
			uint8_t *b = realloc(k->buf, cap);
			if (!b) {
				fail(r, -ENOMEM, "out of memory");
				return;
			}
			k->buf = b;
			k->cap = cap;
		}
		memcpy(k->buf + k->len, p + done, rest);
		k->len += rest;
	}
	sink_credit(r, s, k->len == k->off);
}

static void sink_data(struct relay *r, enum proto_stream s, const uint8_t *p, size_t n)
{
	if (sink_accept(r, s, n))
		sink_take(r, s, p, n);
}

/* A read of the connection that gave its end (n 0) or an error (n < 0, errno set), in the
 * middle of a frame or between two. */
static void conn_read_failed(struct relay *r, ssize_t n, bool mid_frame)
{
	if (n < 0)
		fail(r, errno == ECONNRESET ? -EPIPE : -errno, "read from the peer: %s", strerror(errno));
	else if (mid_frame)
		fail(r, -EPIPE, "the peer closed the connection in the middle of a frame");
	else if (r->write_lost)
		fail(r, -EPIPE, "the peer closed the connection (%s)", r->lost_text);
	else
		fail(r, -EPIPE, "the peer closed the connection");
}

/* Below this a frame is read and written: a splice's two system calls save nothing. */
#define SPLICE_IN_MIN (64u << 10)

/* The rest of a spliced DATA payload, from the connection into its pipe sink: the bytes never
 * come up to us (docs/protocol.md counts the copies). The connection is never left unread
 * for the pipe's sake: the peer's CREDIT for what our source sends comes on it too, and our
 * reader may be waiting on that source (cat: its output must go before it takes more
 * input). So once the pipe is full, or has bytes waiting before it, or its reader is gone,
 * the rest of the frame is read and kept (or dropped) as any frame's is. */
static void conn_splice_in(struct relay *r)
{
	enum proto_stream s = (enum proto_stream)r->in_splice;
	struct sink *k = &r->sink[s];
	while (r->in_splice_left && !r->error) {
		if (!k->broken && k->fd >= 0 && k->len == k->off) {
			ssize_t n = splice(r->conn, NULL, k->fd, NULL, r->in_splice_left, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n > 0) {
				r->in_splice_left -= (size_t)n;
				k->to_credit += (uint64_t)n;
				k->written += (uint64_t)n;
				sink_credit(r, s, false);
				continue;
			}
			if (n == 0) {
				conn_read_failed(r, 0, true);
				return;
			}
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				sink_broken(r, s);
				continue;
			}
			if (errno != EAGAIN) {
				fail(r, -errno, "splice from the peer: %s", strerror(errno));
				return;
			}
			/* EAGAIN is either end: an empty connection (its EPOLLIN brings us back), or
			 * a full pipe, and then this frame's rest is read */
			struct pollfd p = { .fd = k->fd, .events = POLLOUT };
			if (poll(&p, 1, 0) != 0)
				return;
		}
		size_t want = r->in_splice_left < PROTO_MAX_PAYLOAD ? r->in_splice_left : PROTO_MAX_PAYLOAD;
		ssize_t n = read(r->conn, r->in, want); /* r->in is empty while a frame is spliced */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			conn_read_failed(r, n, true);
			return;
		}
		r->in_splice_left -= (size_t)n;
		sink_take(r, s, r->in, (size_t)n);
	}
	if (!r->error) {
		r->in_splice = -1;
		sink_credit(r, s, k->len == k->off);
	}
}

/* A DATA header whose payload is still mostly in the connection, for a pipe: its bytes are
 * spliced. have: what of it was read with the header. */
static bool splice_in_start(struct relay *r, const struct proto_hdr *h, const uint8_t *payload, size_t have)
{
	if (h->type != MSG_DATA || h->flags >= STREAM_COUNT || h->len < SPLICE_IN_MIN)
		return false;
	enum proto_stream s = (enum proto_stream)h->flags;
	struct sink *k = &r->sink[s];
	if (!k->present || !k->is_pipe || k->fd < 0 || k->broken)
		return false;
	if (!sink_accept(r, s, h->len))
		return true; /* failed: nothing more is read */
	sink_take(r, s, payload, have);
	r->in_splice = (int)s;
	r->in_splice_left = h->len - have;
	conn_splice_in(r);
	return true;
}

/* ---- the connection ----------------------------------------------------------------------- */

static void handle_frame(struct relay *r, const struct proto_hdr *h, const uint8_t *payload)
{
	enum proto_stream s = (enum proto_stream)h->flags;
	bool stream_frame = h->type == MSG_DATA || h->type == MSG_EOF || h->type == MSG_CREDIT || h->type == MSG_CLOSE;
	if (stream_frame && h->flags >= STREAM_COUNT) {
		fail(r, -EBADMSG, "protocol error: %s for stream %u", proto_type_name(h->type), h->flags);
		return;
	}
	switch (h->type) {
	case MSG_DATA:
		sink_data(r, s, payload, h->len);
		break;
	case MSG_EOF:
		if (!r->sink[s].present) {
			fail(r, -EBADMSG, "protocol error: end of stream %d, which has no receiver here", (int)s);
			break;
		}
		r->sink[s].peer_eof = true;
		sink_flush(r, s);
		break;
	case MSG_CREDIT: {
		uint32_t n;
		if (h->len != 4) {
			fail(r, -EBADMSG, "protocol error: CREDIT of %u bytes", h->len);
			break;
		}
		memcpy(&n, payload, 4);
		n = le32toh(n);
		struct src *c = &r->src[s];
		if (c->credit + n > PROTO_WINDOW) {
			fail(r, -EBADMSG, "protocol error: credit on stream %d beyond the window", (int)s);
			break;
		}
		c->credit += n;
		break;
	}
	case MSG_CLOSE:
		/* the reader on the far side is gone: close ours so the writer here learns it
		 * (SIGPIPE), as it would in a local pipeline */
		if (r->src[s].present && !r->src[s].done) {
			if (r->splice_src == (int)s)
				r->src[s].close_wanted = true; /* its header promised bytes: send them first */
			else
				source_end(r, s, false);
		}
		break;
	default: {
		int rc = r->ops->on_frame ? r->ops->on_frame(r, h, payload, r->ctx) : 0;
		if (rc < 0)
			fail(r, rc, "%s", r->error_text[0] ? r->error_text : strerror(-rc));
		break;
	}
	}
}

static void conn_read(struct relay *r)
{
	if (r->in_splice >= 0) {
		conn_splice_in(r);
		return;
	}
	size_t cap = PROTO_HDR_SIZE + PROTO_MAX_PAYLOAD;
	ssize_t n = read(r->conn, r->in + r->in_len, cap - r->in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		conn_read_failed(r, n, r->in_len > 0);
		return;
	}
	r->in_len += (size_t)n;
	size_t off = 0;
	while (!r->error && r->in_len - off >= PROTO_HDR_SIZE) {
		struct proto_hdr h;
		if (proto_hdr_decode(r->in + off, &h) < 0) {
			fail(r, -EBADMSG, "protocol error: a frame of %u bytes (the limit is %u)", h.len, PROTO_MAX_PAYLOAD);
			return;
		}
		if (r->in_len - off - PROTO_HDR_SIZE < h.len) {
			size_t have = r->in_len - off - PROTO_HDR_SIZE;
			if (splice_in_start(r, &h, r->in + off + PROTO_HDR_SIZE, have))
				off = r->in_len; /* the rest of this frame is the splice's */
			break;
		}
		handle_frame(r, &h, r->in + off + PROTO_HDR_SIZE);
		off += PROTO_HDR_SIZE + h.len;
	}
	if (off) {
		memmove(r->in, r->in + off, r->in_len - off);
		r->in_len -= off;
	}
}

static void conn_write(struct relay *r)
{
	for (;;) {
		size_t until = r->splice_src >= 0 ? r->splice_at : r->out_len;
		while (r->out_off < until) {
			ssize_t w = write(r->conn, r->out + r->out_off, until - r->out_off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				if (errno != EAGAIN)
					write_failed(r, errno, "write");
				return;
			}
			r->out_off += (size_t)w;
		}
		if (r->splice_src < 0)
			break;
		struct src *c = &r->src[r->splice_src];
		while (r->splice_left) {
			ssize_t k = splice(c->fd, NULL, r->conn, NULL, r->splice_left, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0 && errno == EAGAIN)
				return; /* the socket is full: EPOLLOUT brings us back */
			if (k < 0) {
				write_failed(r, errno, "splice");
				return;
			}
			if (k == 0) {
				fail(r, -EIO, "splice to the peer: the pipe ran dry");
				return;
			}
			r->splice_left -= (size_t)k;
		}
		enum proto_stream s = (enum proto_stream)r->splice_src;
		r->splice_src = -1;
		if (c->close_wanted)
			source_end(r, s, false);
	}
	r->out_off = r->out_len = 0;
}

/* ---- events ------------------------------------------------------------------------------- */

static void on_fd(struct evloop *loop, int fd, uint32_t events, void *data);

static void set_registered(struct relay *r, int fd, bool *registered, bool want, uint32_t ev)
{
	if (want == *registered)
		return;
	if (want) {
		if (evloop_add_fd(r->loop, fd, ev, on_fd, r) == 0)
			*registered = true;
	} else {
		evloop_del_fd(r->loop, fd);
		*registered = false;
	}
}

static void update_events(struct relay *r)
{
	bool pending = out_pending(r);
	if (!r->error && pending != r->conn_out_registered) {
		evloop_mod_fd(r->loop, r->conn, EPOLLIN | (pending ? EPOLLOUT : 0));
		r->conn_out_registered = pending;
	}
	for (int s = 0; s < STREAM_COUNT; s++) {
		struct src *c = &r->src[s];
		if (c->present && !c->done && c->pollable)
			set_registered(r, c->fd, &c->registered,
				       !pending && c->credit > 0 && !r->error && !r->write_lost, EPOLLIN);
		struct sink *k = &r->sink[s];
		if (k->present && k->fd >= 0 && k->pollable)
			set_registered(r, k->fd, &k->registered, k->len > k->off && !r->error, EPOLLOUT);
	}
}

static void on_fd(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	struct relay *r = data;
	if (fd == r->conn) {
		if (events & EPOLLOUT)
			conn_write(r);
		if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
			conn_read(r);
		return;
	}
	for (int s = 0; s < STREAM_COUNT; s++) {
		if (r->src[s].fd == fd && r->src[s].registered && !r->src[s].done)
			source_read(r, (enum proto_stream)s);
		else if (r->sink[s].fd == fd && r->sink[s].registered)
			sink_flush(r, (enum proto_stream)s);
	}
}

static bool unpolled_work(const struct relay *r)
{
	if (r->error)
		return false;
	for (int s = 0; s < STREAM_COUNT; s++) {
		const struct src *c = &r->src[s];
		if (c->present && !c->done && !c->pollable && c->credit && !out_pending(r) && !r->write_lost)
			return true;
		const struct sink *k = &r->sink[s];
		if (k->present && k->fd >= 0 && !k->pollable && k->len > k->off)
			return true;
	}
	return false;
}

int relay_run_once(struct relay *r, int timeout_ms)
{
	update_events(r);
	if (r->error)
		return r->error;
	int n = evloop_run_once(r->loop, unpolled_work(r) ? 0 : timeout_ms);
	if (n < 0)
		fail(r, n, "event loop: %s", strerror(-n));
	for (int s = 0; s < STREAM_COUNT && !r->error; s++) {
		if (r->src[s].present && !r->src[s].pollable)
			source_read(r, (enum proto_stream)s);
		if (r->sink[s].present && !r->sink[s].pollable && r->sink[s].fd >= 0)
			sink_flush(r, (enum proto_stream)s);
	}
	update_events(r);
	return r->error;
}

/* ---- setup -------------------------------------------------------------------------------- */

int relay_new(struct evloop *loop, int conn, const struct relay_ops *ops, void *ctx, struct relay **out)
{
	struct relay *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->loop = loop;
	r->conn = conn;
	r->splice_src = -1;
	r->in_splice = -1;
	r->ops = ops;
	r->ctx = ctx;
	for (int s = 0; s < STREAM_COUNT; s++) {
		r->src[s] = (struct src){ .fd = -1, .saved_flags = -1, .credit = PROTO_WINDOW };
		r->sink[s] = (struct sink){ .fd = -1, .saved_flags = -1 };
	}
	r->in = malloc(PROTO_HDR_SIZE + PROTO_MAX_PAYLOAD);
	r->rbuf = malloc(PROTO_HDR_SIZE + CHUNK);
	int rc = r->in && r->rbuf ? 0 : -ENOMEM;
	if (rc == 0) {
		fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) | O_NONBLOCK);
		/* room for a few frames in the kernel: fewer wake-ups per megabyte (capped by
		 * net.core.wmem_max unless we may force it) */
		int sz = 4 << 20;
		if (setsockopt(conn, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
			setsockopt(conn, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
		rc = evloop_add_fd(loop, conn, EPOLLIN, on_fd, r);
	}
	if (rc < 0) {
		free(r->in);
		free(r->rbuf);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* Non-blocking for our use; the old flags come back at the end, since a terminal's or a
 * pipe's file description is shared with the shell that started us. */
static int take_fd(struct relay *r, int fd, bool *pollable, int *saved, uint32_t ev)
{
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	*saved = fl;
	if (!(fl & O_NONBLOCK))
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	/* files and /dev/null cannot be polled: they are always ready, and handled each round */
	int rc = evloop_add_fd(r->loop, fd, ev, on_fd, r);
	if (rc == -EPERM) {
		*pollable = false;
		return 0;
	}
	if (rc < 0)
		return rc;
	evloop_del_fd(r->loop, fd);
	*pollable = true;
	return 0;
}

int relay_add_source(struct relay *r, enum proto_stream s, int fd)
{
	struct src *c = &r->src[s];
	int rc = take_fd(r, fd, &c->pollable, &c->saved_flags, EPOLLIN);
	if (rc < 0)
		return rc;
	c->fd = fd;
	c->present = true;
	struct stat st;
	c->is_pipe = fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
	return 0;
}

int relay_add_sink(struct relay *r, enum proto_stream s, int fd, bool keep_open)
{
	struct sink *k = &r->sink[s];
	int rc = take_fd(r, fd, &k->pollable, &k->saved_flags, EPOLLOUT);
	if (rc < 0)
		return rc;
	k->fd = fd;
	k->present = true;
	k->keep_open = keep_open;
	struct stat st;
	k->is_pipe = k->pollable && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
	return 0;
}

uint64_t relay_sink_written(const struct relay *r, enum proto_stream s)
{
	return r->sink[s].written;
}

bool relay_source_done(const struct relay *r, enum proto_stream s)
{
	return !r->src[s].present || r->src[s].done;
}

bool relay_quiet(const struct relay *r)
{
	if (out_pending(r) || r->in_splice >= 0)
		return false;
	for (int s = 0; s < STREAM_COUNT; s++)
		if (r->sink[s].len > r->sink[s].off)
			return false;
	return true;
}

int relay_flush(struct relay *r)
{
	while (!r->error && out_pending(r)) {
		conn_write(r);
		if (out_pending(r) && !r->error) {
			struct pollfd p = { .fd = r->conn, .events = POLLOUT };
			poll(&p, 1, -1);
		}
	}
	/* sinks: the end of the session; wait for slow readers rather than lose output */
	for (int s = 0; s < STREAM_COUNT; s++) {
		struct sink *k = &r->sink[s];
		while (k->fd >= 0 && k->len > k->off && !k->broken) {
			sink_flush(r, (enum proto_stream)s);
			if (k->len > k->off && k->fd >= 0) {
				struct pollfd p = { .fd = k->fd, .events = POLLOUT };
				poll(&p, 1, -1);
			}
		}
	}
	return r->error;
}

int relay_finish(struct relay *r, int timeout_ms)
{
	int rc = relay_flush(r);
	if (rc < 0)
		return rc;
	shutdown(r->conn, SHUT_WR);
	struct pollfd p = { .fd = r->conn, .events = POLLIN };
	char sink[4096];
	for (;;) {
		if (poll(&p, 1, timeout_ms) <= 0)
			return -ETIMEDOUT;
		ssize_t n = read(r->conn, sink, sizeof(sink));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
	}
}

int relay_error(const struct relay *r)
{
	return r->error;
}

const char *relay_error_text(const struct relay *r)
{
	return r->error_text;
}

void relay_free(struct relay *r)
{
	if (!r)
		return;
	for (int s = 0; s < STREAM_COUNT; s++) {
		struct src *c = &r->src[s];
		if (c->present && !c->done) {
			if (c->registered)
				evloop_del_fd(r->loop, c->fd);
			if (c->saved_flags >= 0)
				fcntl(c->fd, F_SETFL, c->saved_flags);
			close(c->fd);
		}
		sink_close(r, (enum proto_stream)s);
		free(r->sink[s].buf);
	}
	evloop_del_fd(r->loop, r->conn);
	close(r->conn);
	free(r->out);
	free(r->in);
	free(r->rbuf);
	free(r);
}
