/* A 9P2000.L client over one stream, for the host's mount of the guest's files (\\wsl$,
 * host/guestfs_mount.c). It speaks p9/p9.c's codec from the other side.
 *
 * The peer is the guest, which the host does not trust: every reply is decoded strictly, a
 * reply bigger than msize, out of order or of the wrong type ends the connection with a
 * reason (p9c.why), and an Rlerror's errno is taken only when it is one (1..4095).
 *
 * Requests are queued and sent together, and their replies read in order: a walk, a getattr
 * and a clunk cost one round trip, and so do the attributes of a folder's entries. The
 * server answers in order (p9/server.h); a reply for any other tag is a broken peer. */
#ifndef GUESTINIT_HOST_P9CLIENT_H
#define GUESTINIT_HOST_P9CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "p9.h"

#define P9C_MSIZE (512u * 1024)
/* What one batch may queue: its replies (an Rgetattr is 4 times its Tgetattr) fit the pipes
 * and the session's relay window between us and the server, so neither side blocks. */
#define P9C_QUEUE_MAX (32u * 1024)
#define P9C_ROOT_FID 0u

struct p9c {
	int fd;
	uint32_t msize;
	uint8_t *queue;  /* requests not yet sent */
	size_t qlen;
	uint8_t *in;     /* the reply last read; decoded replies point into it */
	uint16_t next_tag, want_tag; /* tags are sent in sequence: the next to send, the next reply */
	unsigned pending;            /* requests sent or queued without a reply read */
	uint32_t next_fid;
	uint32_t *free_fids;
	size_t nfree, free_cap;
	bool dead;
	char why[256];
	uint8_t walk_names[65536]; /* by tag: how many names a queued Twalk asked for */
	bool unwanted[65536];      /* by tag: a request whose reply nobody waits for (a clunk) */
};

/* Tversion and Tattach (c is big: allocate it) of aname as n_uname: the root fid is P9C_ROOT_FID. fd is the stream
 * (blocking). 0, or -errno with err saying what the server said or did. */
int p9c_open(struct p9c *c, int fd, const char *aname, uint32_t n_uname, struct gi_error *err);
void p9c_close(struct p9c *c);

uint32_t p9c_fid_new(struct p9c *c);
void p9c_fid_free(struct p9c *c, uint32_t fid);

/* Starts a queued request (its tag is the next in sequence); the body goes into *o with
 * p9_put*. The message is closed by p9c_end. */
void p9c_begin(struct p9c *c, struct p9_out *o, uint8_t type);
void p9c_end(struct p9c *c, struct p9_out *o);
/* Queues Twalk from fid to newfid along path ("" or "/" clones; "a/b/c", split into as many
 * Twalks of 16 names as it takes). -ENAMETOOLONG for a name over 255 bytes. */
int p9c_queue_walk(struct p9c *c, uint32_t fid, uint32_t newfid, const char *path);
void p9c_queue_fid(struct p9c *c, uint8_t type, uint32_t fid); /* Tclunk, Treadlink, Tstatfs */
void p9c_queue_getattr(struct p9c *c, uint32_t fid);

/* Sends what is queued; then each p9c_reply reads the next reply. It returns 0 when the
 * reply is of type `want`, the server's -errno for an Rlerror, or -EIO once the connection
 * is broken (every later call too). A Twalk of n names that reaches fewer is -ENOENT. */
int p9c_flush(struct p9c *c);
int p9c_reply(struct p9c *c, uint8_t want, struct p9_rmsg *r);
/* Reads and drops the replies still owed (after an error part way through a batch). */
void p9c_drain(struct p9c *c);
/* Tclunk of fid, sent now, its reply read (and dropped) whenever the next reply is: a
 * release or an entry's walk costs no wait of its own. The fid is free again. */
void p9c_clunk_nowait(struct p9c *c, uint32_t fid);

/* One request and its reply: p9c_flush and p9c_reply. */
int p9c_rpc(struct p9c *c, uint8_t want, struct p9_rmsg *r);

#endif
