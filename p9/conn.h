/* The server's insides, shared by server.c (connections, buffers, fids) and the ops_*.c files
 * (what each request does to the host's files). Not a public interface. */
#ifndef GUESTINIT_P9_CONN_H
#define GUESTINIT_P9_CONN_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "names.h"
#include "node.h"
#include "p9.h"
#include "server.h"
#include "view.h"

enum fid_kind { FID_PATH, FID_XATTR_READ, FID_XATTR_WRITE };

struct p9_fid {
	uint32_t fid;
	enum fid_kind kind;
	struct p9_view *view;
	struct p9_node *node; /* what the fid names: never a path, so nothing can redirect it */
	uint32_t uid;         /* whose attach this is (n_uname): the owner of what it creates */
	int fd;               /* after Tlopen/Tlcreate, else -1 */
	/* xattr fids: the value read, or the one being written (committed at clunk) */
	char *xname;
	uint8_t *xbuf;
	size_t xlen, xsize;
	int xflags;
	struct p9_fid *next;
};

#define FID_BUCKETS 256

struct p9_conn {
	struct p9_server *srv;
	struct evloop *loop;
	int rfd, wfd;
	uint32_t msize;
	uint8_t *in;
	size_t in_len, in_cap;
	uint8_t *out;
	size_t out_off, out_len, out_cap;
	uint32_t rev, wev; /* epoll events registered for rfd / wfd */
	bool dead;
	struct p9_fid *fids[FID_BUCKETS];
	size_t nfids;
	struct p9_names names; /* the case-insensitive lookups' folder */
	void (*on_close)(void *data);
	void *data;
	struct p9_conn *next;
};

struct p9_server {
	struct p9_export *ex;
	size_t nex;
	struct p9_nodes nodes; /* shared by the connections: one descriptor per inode in use */
	size_t max_fids;       /* per connection */
	bool native;           /* the files as they are (view.h), not drvfs's view */
	struct p9_conn *conns;
};

struct p9_fid *p9_fid_get(struct p9_conn *c, uint32_t fid);
/* A new fid naming node (a reference is taken), or NULL with errno: EBADF if fid is in use,
 * EMFILE past the connection's budget, ENOMEM. */
struct p9_fid *p9_fid_new(struct p9_conn *c, uint32_t fid, struct p9_view *view, struct p9_node *node, uint32_t uid);
/* The fid names node from now on (its reference is taken over); the old one is put. */
void p9_fid_set_node(struct p9_conn *c, struct p9_fid *f, struct p9_node *node);
void p9_fid_drop(struct p9_conn *c, struct p9_fid *f);
void p9_fid_drop_all(struct p9_conn *c);

/* Handles one decoded request, building its reply in o (an Rlerror if it returns -errno). */
int p9_op(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o);

#endif
