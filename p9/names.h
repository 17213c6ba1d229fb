/* Case-insensitive lookup in a host folder, for drvfs's case rule: the names of the last folder
 * searched are kept folded (ASCII) in a hash set, valid while the folder's mtime is unchanged.
 * Without it, each create in a case-insensitive folder of N files read all N names twice
 * (the lookup that misses, then Tlcreate's check): quadratic, seconds at 5,000 files.
 *
 * Staleness: a folder changed by someone else within the same timestamp tick as our last look
 * keeps its mtime, so a name the host made in that window is found only in its exact case
 * until the folder changes again. Since Linux 6.13 ext4, xfs, btrfs and tmpfs give a change
 * that follows a stat a finer timestamp (multigrain), which closes the window; every lookup
 * here stats the folder first. */
#ifndef GUESTINIT_P9_NAMES_H
#define GUESTINIT_P9_NAMES_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct p9_names {
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	char **slots; /* real names, hashed by their folded form; NULL = empty */
	size_t cap, n;
	int valid;
	int fresh; /* checked against the folder during the current request */
};

/* The real spelling of name in folder dirfd (O_PATH is enough) if one differs from it only in
 * case: 0 with out filled, or -ENOENT. */
int p9_names_find(struct p9_names *c, int dirfd, const char *name, char *out, size_t cap);
/* We made name in dirfd, after a p9_names_find in this same request: keep the set current
 * (the folder's mtime moved because of us). Otherwise a no-op: the mtime will say it is old. */
void p9_names_added(struct p9_names *c, int dirfd, const char *name);
void p9_names_free(struct p9_names *c);
/* A new request begins: what was checked before is not known to be current. */
static inline void p9_names_request(struct p9_names *c)
{
	c->fresh = 0;
}

#endif
