/* The folded-name cache of one folder (see names.h). */
#include "names.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t fold_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a over the lower-cased bytes */
	for (; *s; s++)
		h = (h ^ (uint8_t)tolower((unsigned char)*s)) * 1099511628211ull;
	return h;
}

static void clear(struct p9_names *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slots[i]);
	free(c->slots);
	c->slots = NULL;
	c->cap = c->n = 0;
	c->valid = 0;
}

void p9_names_free(struct p9_names *c)
{
	clear(c);
}

static int insert(struct p9_names *c, const char *name);

static int grow(struct p9_names *c)
{
	size_t old_cap = c->cap;
	char **old = c->slots;
	c->cap = old_cap ? old_cap * 2 : 256;
	c->slots = calloc(c->cap, sizeof(*c->slots));
	c->n = 0;
	if (!c->slots) {
		c->slots = old;
		c->cap = old_cap;
		return -ENOMEM;
	}
	for (size_t i = 0; i < old_cap; i++)
		if (old[i]) {
			insert(c, old[i]);
			free(old[i]);
		}
	free(old);
	return 0;
}

static int insert(struct p9_names *c, const char *name)
{
	if ((c->n + 1) * 2 > c->cap && grow(c) < 0)
		return -ENOMEM;
	char *copy = strdup(name);
	if (!copy)
		return -ENOMEM;
	for (size_t i = fold_hash(name) & (c->cap - 1);; i = (i + 1) & (c->cap - 1))
		if (!c->slots[i]) {
			c->slots[i] = copy;
			c->n++;
			return 0;
		}
}

static int same_folder(const struct p9_names *c, const struct stat *st)
{
	return c->valid && c->dev == st->st_dev && c->ino == st->st_ino && c->mtime.tv_sec == st->st_mtim.tv_sec &&
	       c->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static int load(struct p9_names *c, int dirfd, const struct stat *st)
{
	clear(c);
	int dfd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return -ENOMEM;
	}
	int r = 0;
	for (struct dirent *e; r == 0 && (e = readdir(d));)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			r = insert(c, e->d_name);
	closedir(d);
	if (r < 0) {
		clear(c);
		return r;
	}
	c->dev = st->st_dev;
	c->ino = st->st_ino;
	c->mtime = st->st_mtim;
	c->valid = 1;
	return 0;
}

int p9_names_find(struct p9_names *c, int dirfd, const char *name, char *out, size_t cap)
{
	struct stat st;
	if (fstat(dirfd, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	if (!same_folder(c, &st) && load(c, dirfd, &st) < 0)
		return -ENOENT;
	c->fresh = 1;
	if (!c->cap)
		return -ENOENT; /* an empty folder */
	for (size_t i = fold_hash(name) & (c->cap - 1); c->slots[i]; i = (i + 1) & (c->cap - 1))
		if (!strcasecmp(c->slots[i], name)) {
			size_t n = strlen(c->slots[i]);
			if (n >= cap)
				return -ENAMETOOLONG;
			memcpy(out, c->slots[i], n + 1);
			return 0;
		}
	return -ENOENT;
}

void p9_names_added(struct p9_names *c, int dirfd, const char *name)
{
	struct stat st;
	if (!c->valid || !c->fresh || fstat(dirfd, &st) < 0 ||
	    c->dev != st.st_dev || c->ino != st.st_ino)
		return;
	/* the set was current when this request looked the name up; a change by someone else
	 * between that and the create is seen at the folder's next mtime change */
	if (insert(c, name) < 0) {
		clear(c);
		return;
	}
	c->mtime = st.st_mtim;
}
