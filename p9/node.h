/* The files a 9P server has in hand: one node per host inode that some fid names, holding an
 * O_PATH descriptor of the object itself. Every node but an attach's root was found by
 * openat(parent, one name, O_PATH | O_NOFOLLOW) from a folder node, so a fid can only ever
 * name something that was inside the share when it was walked to; no operation resolves a
 * path string again. A rename or a symlink swap anywhere (another connection, another
 * process, the host) cannot redirect a fid: the descriptor follows the inode.
 *
 * Nodes are shared by every connection of one server (one per process), counted by fids and
 * by their children, and found again by (dev, ino): a descriptor pins its inode, so the pair
 * cannot be reused while the node lives. Where a node was last seen (parent and name) is
 * kept for the two requests that act on a fid's own name (Tremove, Trename); it is checked
 * against the host before use, and a stale one fails with ESTALE instead of acting on
 * whatever now has that name. */
#ifndef GUESTINIT_P9_NODE_H
#define GUESTINIT_P9_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

struct p9_node {
	dev_t dev;
	ino_t ino;
	mode_t type;             /* S_IFMT: fixed for the life of an inode */
	int fd;                  /* O_PATH | O_NOFOLLOW of the object */
	unsigned refs;           /* fids, and child nodes (through parent) */
	struct p9_node *parent;  /* where it was last seen, NULL if not known (roots) */
	char *name;
	struct p9_node *hnext;   /* the table's chain */
};

struct p9_nodes {
	struct p9_node **slots;
	size_t cap, n;
};

void p9_nodes_init(struct p9_nodes *t);
/* Frees the table and whatever nodes are still in it. */
void p9_nodes_free(struct p9_nodes *t);

/* The node for an O_PATH descriptor (which the table takes: closed if the inode already has
 * a node). 0 with *out referenced, or -errno. */
int p9_node_from_fd(struct p9_nodes *t, int fd, struct p9_node **out);
/* The node for O_PATH descriptor fd (taken), last seen at dir/name; st is fd's fstat if the
 * caller has it (else NULL). 0 or -errno. */
int p9_node_at(struct p9_nodes *t, int fd, const struct stat *st, struct p9_node *dir, const char *name,
	       struct p9_node **out);
/* dir/name, exactly as spelled, never following a symlink: the child's node, referenced, its
 * parent and name updated, and the child's fstat in *st (if st). -ENOTDIR if dir is not a
 * folder, -EINVAL for a name that is not one path element. */
int p9_node_child(struct p9_nodes *t, struct p9_node *dir, const char *name, struct stat *st, struct p9_node **out);
/* The folder that holds dir (a folder): 0 with *out referenced, or -errno. The caller stops at
 * its own root first; this only guarantees that the result is at or below `limit` (the
 * share's root: dev and ino), and answers -EXDEV if the host moved dir out of it. */
int p9_node_parent(struct p9_nodes *t, struct p9_node *dir, dev_t limit_dev, ino_t limit_ino,
		   struct p9_node **out);
struct p9_node *p9_node_ref(struct p9_node *n);
void p9_node_put(struct p9_nodes *t, struct p9_node *n);

/* dir/name was renamed to newdir/newname by us: the node of what moved (if any) learns where
 * it is. (dev, ino) is what stood at dir/name before the rename. */
void p9_node_moved(struct p9_nodes *t, dev_t dev, ino_t ino, struct p9_node *newdir, const char *newname);
/* That n's parent and name still name n on the host: 0, -ESTALE if they do not, -EBUSY for a
 * node whose place is not known (a root). */
int p9_node_check_place(const struct p9_node *n);

/* The object opened for I/O (flags as for open(2), without O_CREAT): folders through
 * openat(fd, "."), files by re-opening the descriptor itself through /proc/self/fd, never by
 * a path. Symlinks and special files are refused (-ELOOP / -EOPNOTSUPP). A new fd or -errno. */
int p9_node_open(const struct p9_node *n, int flags);
/* "/proc/self/fd/N" for a descriptor, for the calls that take only a path (the xattr family):
 * the kernel follows that magic link to the inode itself, even a symlink, and no further. */
const char *p9_fd_path(int fd, char buf[32]);

static inline bool p9_node_same(const struct p9_node *n, dev_t dev, ino_t ino)
{
	return n->dev == dev && n->ino == ino;
}

#endif
