/* The server's nodes: an O_PATH descriptor per inode in use (see node.h). */
#include "node.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"

/* ".." climbs at most this many folders looking for the share's root: deeper than any
 * path of PATH_MAX bytes can be */
#define MAX_DEPTH (PATH_MAX / 2)

void p9_nodes_init(struct p9_nodes *t)
{
	*t = (struct p9_nodes){ 0 };
}

void p9_nodes_free(struct p9_nodes *t)
{
	/* normally empty by now; what is left is a cycle the host made with bind mounts (a
	 * folder found again below itself), whose counts never reach zero */
	for (size_t i = 0; i < t->cap; i++)
		for (struct p9_node *n = t->slots[i], *next; n; n = next) {
			next = n->hnext;
			close(n->fd);
			free(n->name);
			free(n);
		}
	free(t->slots);
	*t = (struct p9_nodes){ 0 };
}

static size_t slot_of(const struct p9_nodes *t, dev_t dev, ino_t ino)
{
	uint64_t h = ((uint64_t)ino * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)dev * 0xc2b2ae3d27d4eb4full);
	return (size_t)(h >> 17) & (t->cap - 1);
}

static struct p9_node *find(const struct p9_nodes *t, dev_t dev, ino_t ino)
{
	if (!t->cap)
		return NULL;
	for (struct p9_node *n = t->slots[slot_of(t, dev, ino)]; n; n = n->hnext)
		if (p9_node_same(n, dev, ino))
			return n;
	return NULL;
}

static int grow(struct p9_nodes *t)
{
	size_t cap = t->cap ? t->cap * 2 : 256;
	struct p9_node **slots = calloc(cap, sizeof(*slots));
	if (!slots)
		return -ENOMEM;
	struct p9_nodes nt = { slots, cap, t->n };
	for (size_t i = 0; i < t->cap; i++)
		for (struct p9_node *n = t->slots[i], *next; n; n = next) {
			next = n->hnext;
			size_t s = slot_of(&nt, n->dev, n->ino);
			n->hnext = slots[s];
			slots[s] = n;
		}
	free(t->slots);
	*t = nt;
	return 0;
}

static void unlink_node(struct p9_nodes *t, struct p9_node *n)
{
	for (struct p9_node **pp = &t->slots[slot_of(t, n->dev, n->ino)]; *pp; pp = &(*pp)->hnext)
		if (*pp == n) {
			*pp = n->hnext;
			t->n--;
			return;
		}
}

struct p9_node *p9_node_ref(struct p9_node *n)
{
	n->refs++;
	return n;
}

void p9_node_put(struct p9_nodes *t, struct p9_node *n)
{
	/* a loop, not recursion: a deep folder's chain of parents is long */
	while (n && --n->refs == 0) {
		struct p9_node *parent = n->parent;
		unlink_node(t, n);
		close(n->fd);
		free(n->name);
		free(n);
		n = parent;
	}
}

/* Where n was seen last: parent/name (either may be NULL: not known). */
static int set_place(struct p9_nodes *t, struct p9_node *n, struct p9_node *parent, const char *name)
{
	if (parent == n)
		return 0; /* a folder's ".." at the top of the host's tree: no place to record */
	char *copy = NULL;
	if (name && !(copy = strdup(name)))
		return -ENOMEM;
	struct p9_node *old = n->parent;
	n->parent = parent ? p9_node_ref(parent) : NULL;
	free(n->name);
	n->name = copy;
	p9_node_put(t, old);
	return 0;
}

static int insert(struct p9_nodes *t, int fd, const struct stat *st, struct p9_node **out)
{
	struct p9_node *n = find(t, st->st_dev, st->st_ino);
	if (n) {
		close(fd);
		*out = p9_node_ref(n);
		return 0;
	}
	if ((t->n + 1) * 2 > t->cap && grow(t) < 0) {
		close(fd);
		return -ENOMEM;
	}
	if (!(n = calloc(1, sizeof(*n)))) {
		close(fd);
		return -ENOMEM;
	}
	*n = (struct p9_node){ .dev = st->st_dev, .ino = st->st_ino, .type = st->st_mode & S_IFMT, .fd = fd, .refs = 1 };
	size_t s = slot_of(t, n->dev, n->ino);
	n->hnext = t->slots[s];
	t->slots[s] = n;
	t->n++;
	*out = n;
	return 0;
}

int p9_node_from_fd(struct p9_nodes *t, int fd, struct p9_node **out)
{
	struct stat st;
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return insert(t, fd, &st, out);
}

int p9_node_child(struct p9_nodes *t, struct p9_node *dir, const char *name, struct stat *st, struct p9_node **out)
{
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	int fd = openat(dir->fd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct stat own;
	if (!st)
		st = &own;
	if (fstat(fd, st) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return p9_node_at(t, fd, st, dir, name, out);
}

int p9_node_at(struct p9_nodes *t, int fd, const struct stat *st, struct p9_node *dir, const char *name,
	       struct p9_node **out)
{
	struct p9_node *n;
	int r = st ? insert(t, fd, st, &n) : p9_node_from_fd(t, fd, &n);
	if (r < 0)
		return r;
	if ((r = set_place(t, n, dir, name)) < 0) {
		p9_node_put(t, n);
		return r;
	}
	*out = n;
	return 0;
}

/* Whether folder fd is at or below (dev, ino), by climbing; the host's own tree ends where a
 * folder is its own parent. */
static int beneath(int fd, dev_t dev, ino_t ino)
{
	_cleanup_close_ int cur = dup(fd);
	if (cur < 0)
		return -errno;
	for (int depth = 0; depth < MAX_DEPTH; depth++) {
		struct stat st, up_st;
		if (fstat(cur, &st) < 0)
			return -errno;
		if (st.st_dev == dev && st.st_ino == ino)
			return 0;
		int up = openat(cur, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (up < 0)
			return -errno;
		if (fstat(up, &up_st) < 0 || (up_st.st_dev == st.st_dev && up_st.st_ino == st.st_ino)) {
			close(up);
			return -EXDEV; /* the top of the host's tree, and the share was not on the way */
		}
		close(cur);
		cur = up;
	}
	return -EXDEV;
}

int p9_node_parent(struct p9_nodes *t, struct p9_node *dir, dev_t limit_dev, ino_t limit_ino, struct p9_node **out)
{
	if (!S_ISDIR(dir->type))
		return -ENOTDIR;
	int fd = openat(dir->fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* dir came from inside the share, so its parent is too, unless the host moved dir
	 * away since: then the parent is somewhere else of the host's, never to be handed out */
	int r = beneath(fd, limit_dev, limit_ino);
	if (r < 0) {
		close(fd);
		return r;
	}
	return p9_node_from_fd(t, fd, out);
}

void p9_node_moved(struct p9_nodes *t, dev_t dev, ino_t ino, struct p9_node *newdir, const char *newname)
{
	struct p9_node *n = find(t, dev, ino);
	if (n && set_place(t, n, newdir, newname) < 0)
		set_place(t, n, NULL, NULL); /* out of memory: better unknown than wrong */
}

int p9_node_check_place(const struct p9_node *n)
{
	if (!n->parent || !n->name)
		return -EBUSY;
	struct stat st;
	if (fstatat(n->parent->fd, n->name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? -ESTALE : -errno;
	return p9_node_same(n, st.st_dev, st.st_ino) ? 0 : -ESTALE;
}

const char *p9_fd_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
	return buf;
}

int p9_node_open(const struct p9_node *n, int flags)
{
	flags &= ~(O_CREAT | O_EXCL | O_NOFOLLOW | O_PATH);
	flags |= O_CLOEXEC;
	int fd;
	if (S_ISDIR(n->type)) {
		fd = openat(n->fd, ".", flags | O_DIRECTORY);
	} else if (S_ISREG(n->type)) {
		char p[32];
		fd = open(p9_fd_path(n->fd, p), flags);
	} else {
		return S_ISLNK(n->type) ? -ELOOP : -EOPNOTSUPP;
	}
	return fd < 0 ? -errno : fd;
}
