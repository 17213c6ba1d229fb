/* A raw 9P2000.L client for the server's tests: one struct per connection, so that a test can
 * hold two connections to one server and send exactly the messages a hostile guest would.
 * Every call returns the reply's type, or -errno for Rlerror. Header-only (static). */
#ifndef GUESTINIT_TESTS_P9_CLIENT_H
#define GUESTINIT_TESTS_P9_CLIENT_H

#include <check.h>
#include <endian.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "p9.h"

struct p9c {
	int fd;
	uint8_t out[1 << 16], in[1 << 16];
	struct p9_out o;
	size_t pos, len;
};

static inline void p9c_init(struct p9c *c, int fd)
{
	c->fd = fd;
	c->o = (struct p9_out){ .buf = c->out, .cap = sizeof(c->out) };
	c->pos = c->len = 0;
}

static inline void p9c_read_full(struct p9c *c, void *p, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(c->fd, (uint8_t *)p + got, n - got);
		ck_assert_int_gt(r, 0);
		got += (size_t)r;
	}
}

static inline int p9c_rpc(struct p9c *c)
{
	int n = p9_finish(&c->o);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(write(c->fd, c->out, (size_t)n), n);
	p9c_read_full(c, c->in, 4);
	uint32_t size = p9_msg_size(c->in);
	ck_assert_uint_ge(size, 7);
	ck_assert_uint_le(size, sizeof(c->in));
	p9c_read_full(c, c->in + 4, size - 4);
	c->len = size;
	c->pos = 7;
	if (c->in[4] == P9_RLERROR) {
		uint32_t e;
		memcpy(&e, c->in + 7, 4);
		return -(int)le32toh(e);
	}
	return c->in[4];
}

/* The next n bytes of the reply as an integer (n <= 8), or skipped (n > 8). */
static inline uint64_t p9c_get(struct p9c *c, size_t n)
{
	ck_assert_uint_le(c->pos + n, c->len);
	uint64_t v = 0;
	if (n <= 8)
		memcpy(&v, c->in + c->pos, n);
	c->pos += n;
	return le64toh(v);
}

static inline void p9c_str(struct p9c *c, const char *s)
{
	p9_put_str(&c->o, s, strlen(s));
}

static inline int p9c_hello(struct p9c *c, uint32_t fid, const char *aname, uint32_t uid)
{
	p9_begin(&c->o, P9_TVERSION, P9_NOTAG);
	p9_put32(&c->o, 65536);
	p9c_str(c, "9P2000.L");
	ck_assert_int_eq(p9c_rpc(c), P9_RVERSION);
	p9_begin(&c->o, P9_TATTACH, 1);
	p9_put32(&c->o, fid);
	p9_put32(&c->o, P9_NOFID);
	p9c_str(c, "");
	p9c_str(c, aname);
	p9_put32(&c->o, uid);
	return p9c_rpc(c);
}

/* fid → newfid through the names (NULL-terminated list, at most P9_MAXWELEM): the number of
 * qids, or -errno. */
static inline int p9c_walk(struct p9c *c, uint32_t fid, uint32_t newfid, const char *const *names)
{
	uint16_t n = 0;
	while (names && names[n])
		n++;
	p9_begin(&c->o, P9_TWALK, 1);
	p9_put32(&c->o, fid);
	p9_put32(&c->o, newfid);
	p9_put16(&c->o, n);
	for (uint16_t i = 0; i < n; i++)
		p9c_str(c, names[i]);
	int r = p9c_rpc(c);
	return r < 0 ? r : (int)p9c_get(c, 2);
}

static inline int p9c_lopen(struct p9c *c, uint32_t fid, uint32_t flags)
{
	p9_begin(&c->o, P9_TLOPEN, 1);
	p9_put32(&c->o, fid);
	p9_put32(&c->o, flags);
	return p9c_rpc(c);
}

static inline int p9c_lcreate(struct p9c *c, uint32_t fid, const char *name, uint32_t flags, uint32_t mode)
{
	p9_begin(&c->o, P9_TLCREATE, 1);
	p9_put32(&c->o, fid);
	p9c_str(c, name);
	p9_put32(&c->o, flags);
	p9_put32(&c->o, mode);
	p9_put32(&c->o, 0);
	return p9c_rpc(c);
}

/* Reads up to n bytes at off into buf: the count, or -errno. */
static inline int p9c_read(struct p9c *c, uint32_t fid, uint64_t off, void *buf, uint32_t n)
{
	p9_begin(&c->o, P9_TREAD, 1);
	p9_put32(&c->o, fid);
	p9_put64(&c->o, off);
	p9_put32(&c->o, n);
	int r = p9c_rpc(c);
	if (r < 0)
		return r;
	uint32_t got = (uint32_t)p9c_get(c, 4);
	ck_assert_uint_le(got, n);
	memcpy(buf, c->in + c->pos, got);
	return (int)got;
}

static inline int p9c_write(struct p9c *c, uint32_t fid, uint64_t off, const void *buf, uint32_t n)
{
	p9_begin(&c->o, P9_TWRITE, 1);
	p9_put32(&c->o, fid);
	p9_put64(&c->o, off);
	p9_put32(&c->o, n);
	p9_put_bytes(&c->o, buf, n);
	return p9c_rpc(c);
}

struct p9c_setattr {
	uint32_t valid, mode, uid, gid;
	uint64_t size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

static inline int p9c_setattr(struct p9c *c, uint32_t fid, const struct p9c_setattr *a)
{
	p9_begin(&c->o, P9_TSETATTR, 1);
	p9_put32(&c->o, fid);
	p9_put32(&c->o, a->valid);
	p9_put32(&c->o, a->mode);
	p9_put32(&c->o, a->uid);
	p9_put32(&c->o, a->gid);
	p9_put64(&c->o, a->size);
	p9_put64(&c->o, a->atime_sec);
	p9_put64(&c->o, a->atime_nsec);
	p9_put64(&c->o, a->mtime_sec);
	p9_put64(&c->o, a->mtime_nsec);
	return p9c_rpc(c);
}

struct p9c_attr {
	uint32_t mode, uid, gid;
	uint64_t ino, nlink, rdev, size, atime_sec, atime_nsec, mtime_sec, mtime_nsec;
};

static inline int p9c_getattr(struct p9c *c, uint32_t fid, struct p9c_attr *a)
{
	p9_begin(&c->o, P9_TGETATTR, 1);
	p9_put32(&c->o, fid);
	p9_put64(&c->o, 0x7ff);
	int r = p9c_rpc(c);
	if (r < 0)
		return r;
	p9c_get(c, 8);  /* valid */
	p9c_get(c, 5);  /* qid type, version */
	a->ino = p9c_get(c, 8);
	a->mode = (uint32_t)p9c_get(c, 4);
	a->uid = (uint32_t)p9c_get(c, 4);
	a->gid = (uint32_t)p9c_get(c, 4);
	a->nlink = p9c_get(c, 8);
	a->rdev = p9c_get(c, 8);
	a->size = p9c_get(c, 8);
	p9c_get(c, 16); /* blksize, blocks */
	a->atime_sec = p9c_get(c, 8);
	a->atime_nsec = p9c_get(c, 8);
	a->mtime_sec = p9c_get(c, 8);
	a->mtime_nsec = p9c_get(c, 8);
	return 0;
}

static inline int p9c_clunk(struct p9c *c, uint32_t fid)
{
	p9_begin(&c->o, P9_TCLUNK, 1);
	p9_put32(&c->o, fid);
	return p9c_rpc(c);
}

static inline int p9c_mkdir(struct p9c *c, uint32_t dfid, const char *name, uint32_t mode)
{
	p9_begin(&c->o, P9_TMKDIR, 1);
	p9_put32(&c->o, dfid);
	p9c_str(c, name);
	p9_put32(&c->o, mode);
	p9_put32(&c->o, 0);
	return p9c_rpc(c);
}

static inline int p9c_symlink(struct p9c *c, uint32_t dfid, const char *name, const char *target)
{
	p9_begin(&c->o, P9_TSYMLINK, 1);
	p9_put32(&c->o, dfid);
	p9c_str(c, name);
	p9c_str(c, target);
	p9_put32(&c->o, 0);
	return p9c_rpc(c);
}

static inline int p9c_mknod(struct p9c *c, uint32_t dfid, const char *name, uint32_t mode, uint32_t major,
			    uint32_t minor)
{
	p9_begin(&c->o, P9_TMKNOD, 1);
	p9_put32(&c->o, dfid);
	p9c_str(c, name);
	p9_put32(&c->o, mode);
	p9_put32(&c->o, major);
	p9_put32(&c->o, minor);
	p9_put32(&c->o, 0);
	return p9c_rpc(c);
}

static inline int p9c_link(struct p9c *c, uint32_t dfid, uint32_t fid, const char *name)
{
	p9_begin(&c->o, P9_TLINK, 1);
	p9_put32(&c->o, dfid);
	p9_put32(&c->o, fid);
	p9c_str(c, name);
	return p9c_rpc(c);
}

static inline int p9c_renameat(struct p9c *c, uint32_t odfid, const char *oname, uint32_t ndfid, const char *nname)
{
	p9_begin(&c->o, P9_TRENAMEAT, 1);
	p9_put32(&c->o, odfid);
	p9c_str(c, oname);
	p9_put32(&c->o, ndfid);
	p9c_str(c, nname);
	return p9c_rpc(c);
}

static inline int p9c_rename(struct p9c *c, uint32_t fid, uint32_t dfid, const char *name)
{
	p9_begin(&c->o, P9_TRENAME, 1);
	p9_put32(&c->o, fid);
	p9_put32(&c->o, dfid);
	p9c_str(c, name);
	return p9c_rpc(c);
}

static inline int p9c_unlinkat(struct p9c *c, uint32_t dfid, const char *name, uint32_t flags)
{
	p9_begin(&c->o, P9_TUNLINKAT, 1);
	p9_put32(&c->o, dfid);
	p9c_str(c, name);
	p9_put32(&c->o, flags);
	return p9c_rpc(c);
}

static inline int p9c_remove(struct p9c *c, uint32_t fid)
{
	p9_begin(&c->o, P9_TREMOVE, 1);
	p9_put32(&c->o, fid);
	return p9c_rpc(c);
}

/* xattrwalk of name ("" for the list): the value's size, or -errno (the new fid is clunked). */
static inline int p9c_xattr_get(struct p9c *c, uint32_t fid, uint32_t xfid, const char *name, void *buf,
				uint32_t cap)
{
	p9_begin(&c->o, P9_TXATTRWALK, 1);
	p9_put32(&c->o, fid);
	p9_put32(&c->o, xfid);
	p9c_str(c, name);
	int r = p9c_rpc(c);
	if (r < 0)
		return r;
	uint64_t size = p9c_get(c, 8);
	int n = size ? p9c_read(c, xfid, 0, buf, cap) : 0;
	p9c_clunk(c, xfid);
	return n < 0 ? n : (int)size;
}

/* xattrcreate + write + clunk: 0 or -errno of the step that failed. fid is spent. */
static inline int p9c_xattr_set(struct p9c *c, uint32_t fid, const char *name, const void *val, uint32_t n)
{
	p9_begin(&c->o, P9_TXATTRCREATE, 1);
	p9_put32(&c->o, fid);
	p9c_str(c, name);
	p9_put64(&c->o, n);
	p9_put32(&c->o, 0);
	int r = p9c_rpc(c);
	if (r < 0)
		return r;
	if (n && (r = p9c_write(c, fid, 0, val, n)) < 0)
		return r;
	r = p9c_clunk(c, fid);
	return r < 0 ? r : 0;
}

/* Treaddir from offset 0 to the end: the names, NUL-separated, into out; their count. */
static inline int p9c_readdir_all(struct p9c *c, uint32_t fid, char *out, size_t cap)
{
	uint64_t off = 0;
	size_t w = 0;
	int count = 0;
	for (;;) {
		p9_begin(&c->o, P9_TREADDIR, 1);
		p9_put32(&c->o, fid);
		p9_put64(&c->o, off);
		p9_put32(&c->o, 8192);
		int r = p9c_rpc(c);
		if (r < 0)
			return r;
		uint32_t n = (uint32_t)p9c_get(c, 4);
		if (!n)
			return count;
		size_t end = c->pos + n;
		while (c->pos < end) {
			p9c_get(c, 13);
			off = p9c_get(c, 8);
			p9c_get(c, 1);
			size_t nl = p9c_get(c, 2);
			ck_assert_uint_lt(w + nl + 1, cap);
			memcpy(out + w, c->in + c->pos, nl);
			out[w + nl] = '\0';
			w += nl + 1;
			c->pos += nl;
			count++;
		}
	}
}

#endif
