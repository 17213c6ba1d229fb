/* The guest's own extended attributes: xattrwalk (read one, or the list) and xattrcreate
 * (write one, stored at clunk). They go through the fid's descriptor (/proc/self/fd/N).
 *
 * The agent may run as root, and then every namespace is open to it. The guest may set only
 * user.* (a trusted.* or security.* attribute set from the guest would be the host's:
 * security.capability on a host program is a privilege), and reads user.*, security.* and
 * system.* (what an unprivileged host user could read too); trusted.* and our own metadata
 * (meta.h) are hidden. */
#include "ops.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "meta.h"

#define XATTR_MAX (64u << 10)
#ifndef XATTR_NAME_MAX
#define XATTR_NAME_MAX 255 /* linux/limits.h; musl does not export it */
#endif

static bool guest_may_read(const char *name)
{
	if (p9_meta_is_internal(name))
		return false;
	return !strncmp(name, "user.", 5) || !strncmp(name, "security.", 9) || !strncmp(name, "system.", 7);
}

static bool guest_may_write(const char *name)
{
	return !p9_meta_is_internal(name) && !strncmp(name, "user.", 5) && name[5];
}

/* The list without what the guest may not see; its new length. */
static size_t filter_list(char *buf, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		size_t l = strnlen(buf + i, n - i) + 1;
		if (i + l > n)
			break; /* not NUL-terminated: the kernel never does that */
		if (guest_may_read(buf + i)) {
			memmove(buf + w, buf + i, l);
			w += l;
		}
		i += l;
	}
	return w;
}

int p9_op_xattrwalk(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->xattrwalk.fid);
	if (!f)
		return -EBADF;
	char name[XATTR_NAME_MAX + 1], path[32];
	if (t->xattrwalk.name.len > XATTR_NAME_MAX || memchr(t->xattrwalk.name.s, '\0', t->xattrwalk.name.len))
		return -ERANGE;
	memcpy(name, t->xattrwalk.name.s, t->xattrwalk.name.len);
	name[t->xattrwalk.name.len] = '\0';
	p9_fd_path(f->node->fd, path);
	uint8_t *buf = malloc(XATTR_MAX);
	if (!buf)
		return -ENOMEM;
	ssize_t n;
	if (!name[0]) { /* the list */
		n = listxattr(path, (char *)buf, XATTR_MAX);
		if (n > 0)
			n = (ssize_t)filter_list((char *)buf, (size_t)n);
	} else if (!guest_may_read(name)) {
		n = -1;
		errno = ENODATA;
	} else {
		n = getxattr(path, name, buf, XATTR_MAX);
	}
	if (n < 0) {
		int r = -errno;
		free(buf);
		return r;
	}
	struct p9_fid *nf = p9_fid_new(c, t->xattrwalk.newfid, f->view, f->node, f->uid);
	if (!nf) {
		int r = -errno;
		free(buf);
		return r;
	}
	nf->kind = FID_XATTR_READ;
	nf->xbuf = buf;
	nf->xlen = (size_t)n;
	p9_begin(o, P9_RXATTRWALK, t->tag);
	p9_put64(o, (uint64_t)n);
	return 0;
}

int p9_op_xattrcreate(struct p9_conn *c, const struct p9_tmsg *t, struct p9_out *o)
{
	struct p9_fid *f = p9_path_fid(c, t->xattrcreate.fid);
	if (!f || f->fd >= 0)
		return -EBADF;
	if (t->xattrcreate.size > XATTR_MAX)
		return -E2BIG;
	if (!t->xattrcreate.name.len || t->xattrcreate.name.len > XATTR_NAME_MAX ||
	    memchr(t->xattrcreate.name.s, '\0', t->xattrcreate.name.len))
		return -ERANGE;
	char *name = strndup(t->xattrcreate.name.s, t->xattrcreate.name.len);
	if (!name)
		return -ENOMEM;
	if (!guest_may_write(name)) {
		/* ours change through chmod/chown only; other namespaces are the host's */
		int r = p9_meta_is_internal(name) ? -EPERM : -EOPNOTSUPP;
		free(name);
		return r;
	}
	uint8_t *buf = malloc(t->xattrcreate.size ? t->xattrcreate.size : 1);
	if (!buf) {
		free(name);
		return -ENOMEM;
	}
	f->kind = FID_XATTR_WRITE;
	f->xname = name;
	f->xbuf = buf;
	f->xsize = t->xattrcreate.size;
	f->xlen = 0;
	f->xflags = (int)(t->xattrcreate.flags & (XATTR_CREATE | XATTR_REPLACE));
	p9_begin(o, P9_RXATTRCREATE, t->tag);
	return 0;
}

int p9_xattr_commit(struct p9_fid *f)
{
	if (f->xlen != f->xsize)
		return -EINVAL;
	char path[32];
	p9_fd_path(f->node->fd, path);
	if (f->xsize == 0 && !f->xflags) /* how the client removes one */
		return removexattr(path, f->xname) < 0 ? -errno : 0;
	return setxattr(path, f->xname, f->xbuf, f->xlen, f->xflags) < 0 ? -errno : 0;
}
