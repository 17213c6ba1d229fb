/* A 9P2000.L file server with WSL's drvfs semantics (options in aname, see view.h), driven by
 * the one event loop. It is direction-neutral: the host agent serves the drives to the guest
 * with it (one connection per mount, over the host channel's transport), and any stream does
 * (a unix or tcp listener, or stdin/stdout).
 *
 * Requests are answered in order, one at a time: file system calls block anyway, and a
 * connection is one mount. A connection stops reading while its replies cannot be written, so
 * a slow reader costs memory of at most twice msize. */
#ifndef GUESTINIT_P9_SERVER_H
#define GUESTINIT_P9_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "evloop.h"
#include "view.h"

#define P9_SERVER_MAX_MSIZE (1u << 20)
/* Fids one connection may hold: each holds a descriptor (shared where fids name the same
 * file), so a client that never clunks gets EMFILE instead of starving the server. The Linux
 * client keeps about one per cached dentry and open file. */
#define P9_SERVER_MAX_FIDS 65536u

struct p9_server;

/* The export table is copied (its strings too). NULL on out of memory. */
struct p9_server *p9_server_new(const struct p9_export *ex, size_t nex);
/* Closes the connections still open (their on_close runs) and frees the server. */
void p9_server_free(struct p9_server *s);

void p9_server_set_max_fids(struct p9_server *s, size_t max);
/* Serves the files as they are (view.h): the guest's own root to the host. Never for the
 * host's drives. */
void p9_server_set_native(struct p9_server *s);
/* Raises this process's RLIMIT_NOFILE to its hard limit (the server's fds are its fids): the
 * new soft limit, or -errno. */
int p9_server_raise_fd_limit(void);

/* Serves one connection on loop until its peer goes away; then the fds are closed and
 * on_close (if any) called. rfd and wfd may be the same socket. 0 or -errno. */
int p9_server_add_conn(struct p9_server *s, struct evloop *loop, int rfd, int wfd, void (*on_close)(void *data),
		       void *data);

#endif
