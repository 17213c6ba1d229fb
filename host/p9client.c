/* The 9P2000.L client (see p9client.h). */
#include "p9client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "writeall.h"

static int broken(struct p9c *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int broken(struct p9c *c, const char *fmt, ...)
{
	if (!c->dead) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(c->why, sizeof(c->why), fmt, ap);
		va_end(ap);
		c->dead = true;
	}
	return -EIO;
}

uint32_t p9c_fid_new(struct p9c *c)
{
	if (c->nfree)
		return c->free_fids[--c->nfree];
	return c->next_fid++;
}

void p9c_fid_free(struct p9c *c, uint32_t fid)
{
	if (c->nfree == c->free_cap) {
		size_t cap = c->free_cap ? 2 * c->free_cap : 64;
		uint32_t *n = realloc(c->free_fids, cap * sizeof(*n));
		if (!n)
			return; /* the number is lost, not reused: harmless */
		c->free_fids = n;
		c->free_cap = cap;
	}
	c->free_fids[c->nfree++] = fid;
}

void p9c_begin(struct p9c *c, struct p9_out *o, uint8_t type)
{
	/* a full queue goes out first, so a batch of any size keeps to the bound */
	if (c->qlen > P9C_QUEUE_MAX)
		p9c_flush(c);
	o->buf = c->queue + c->qlen;
	o->cap = c->msize;
	p9_begin(o, type, c->next_tag);
	c->next_tag = c->next_tag + 1 == P9_NOTAG ? 0 : c->next_tag + 1;
}

void p9c_end(struct p9c *c, struct p9_out *o)
{
	int n = p9_finish(o);
	if (n < 0) { /* only our own paths go in, each under 64 KiB: cannot happen with msize */
		broken(c, "a request did not fit in msize");
		return;
	}
	c->qlen += (size_t)n;
	c->pending++;
}

int p9c_queue_walk(struct p9c *c, uint32_t fid, uint32_t newfid, const char *path)
{
	const char *names[P9_MAXWELEM];
	size_t lens[P9_MAXWELEM];
	const char *p = path;
	bool first = true;
	for (;;) {
		unsigned n = 0;
		while (n < P9_MAXWELEM) {
			while (*p == '/')
				p++;
			if (!*p)
				break;
			size_t k = strcspn(p, "/");
			if (k > 255)
				return -ENAMETOOLONG;
			names[n] = p;
			lens[n++] = k;
			p += k;
		}
		struct p9_out o;
		c->walk_names[c->next_tag] = (uint8_t)n;
		p9c_begin(c, &o, P9_TWALK);
		p9_put32(&o, first ? fid : newfid);
		p9_put32(&o, newfid);
		p9_put16(&o, (uint16_t)n);
		for (unsigned i = 0; i < n; i++)
			p9_put_str(&o, names[i], lens[i]);
		p9c_end(c, &o);
		first = false;
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
	}
}

void p9c_queue_fid(struct p9c *c, uint8_t type, uint32_t fid)
{
	struct p9_out o;
	p9c_begin(c, &o, type);
	p9_put32(&o, fid);
	p9c_end(c, &o);
}

void p9c_queue_getattr(struct p9c *c, uint32_t fid)
{
	struct p9_out o;
	p9c_begin(c, &o, P9_TGETATTR);
	p9_put32(&o, fid);
	p9_put64(&o, 0x7ffULL); /* P9_GETATTR_BASIC */
	p9c_end(c, &o);
}

int p9c_flush(struct p9c *c)
{
	if (c->dead) {
		c->qlen = 0;
		return -EIO;
	}
	if (!c->qlen)
		return 0;
	int r = write_all(c->fd, c->queue, c->qlen);
	c->qlen = 0;
	if (r < 0)
		return broken(c, "the guest's file server is gone (%s)", strerror(-r));
	return 0;
}

static int reply_one(struct p9c *c, uint8_t want, struct p9_rmsg *r);

int p9c_reply(struct p9c *c, uint8_t want, struct p9_rmsg *r)
{
	for (;;) {
		uint16_t tag = c->want_tag;
		bool skip = c->unwanted[tag];
		int e = reply_one(c, skip ? 0 : want, r);
		if (!skip || c->dead)
			return e;
		c->unwanted[tag] = false;
	}
}

void p9c_clunk_nowait(struct p9c *c, uint32_t fid)
{
	c->unwanted[c->next_tag] = true;
	p9c_queue_fid(c, P9_TCLUNK, fid);
	p9c_flush(c);
	p9c_fid_free(c, fid);
}

static int reply_one(struct p9c *c, uint8_t want, struct p9_rmsg *r)
{
	if (c->qlen && p9c_flush(c) < 0)
		return -EIO;
	if (c->dead)
		return -EIO;
	if (!c->pending)
		return broken(c, "a reply was read for no request");
	c->pending--;
	uint16_t tag = c->want_tag;
	int e = read_exact(c->fd, c->in, 4);
	if (e < 0)
		return broken(c, "the guest's file server is gone (%s)", e == -EPIPE ? "it hung up" : strerror(-e));
	uint32_t size = p9_msg_size(c->in);
	if (size < P9_HDR_SIZE || size > c->msize)
		return broken(c, "the guest's file server sent a reply of %u bytes (msize %u)", size, c->msize);
	if ((e = read_exact(c->fd, c->in + 4, size - 4)) < 0)
		return broken(c, "the guest's file server is gone in the middle of a reply");
	const char *why = "";
	if (p9_decode_rmsg(c->in, size, r, &why) < 0)
		return broken(c, "the guest's file server sent a bad reply: %s", why);
	if (r->tag != tag)
		return broken(c, "the guest's file server answered tag %u, waited for %u", r->tag, tag);
	c->want_tag = tag + 1 == P9_NOTAG ? 0 : tag + 1;
	if (r->type == P9_RLERROR) {
		uint32_t ec = r->lerror.ecode;
		return ec >= 1 && ec <= 4095 ? -(int)ec : -EIO;
	}
	if (r->type != want && want)
		return broken(c, "the guest's file server answered with message type %u, not %u", r->type, want);
	if (r->type == P9_RWALK && r->walk.nwqid != c->walk_names[r->tag])
		return r->walk.nwqid < c->walk_names[r->tag] ? -ENOENT : broken(c, "Rwalk holds more qids than names asked");
	return 0;
}

void p9c_drain(struct p9c *c)
{
	struct p9_rmsg r;
	while (c->pending && !c->dead) {
		c->unwanted[c->want_tag] = false;
		reply_one(c, 0, &r);
	}
}

int p9c_rpc(struct p9c *c, uint8_t want, struct p9_rmsg *r)
{
	if (p9c_flush(c) < 0)
		return -EIO;
	return p9c_reply(c, want, r);
}

int p9c_open(struct p9c *c, int fd, const char *aname, uint32_t n_uname, struct gi_error *err)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->msize = P9C_MSIZE;
	c->next_fid = P9C_ROOT_FID + 1;
	c->queue = malloc(P9C_QUEUE_MAX + P9C_MSIZE);
	c->in = malloc(P9C_MSIZE);
	if (!c->queue || !c->in) {
		p9c_close(c);
		return gi_error_set(err, ENOMEM, "out of memory");
	}
	struct p9_out o;
	struct p9_rmsg r;
	/* Tversion's tag is NOTAG; the replies after it count from 0 */
	o.buf = c->queue;
	o.cap = c->msize;
	p9_begin(&o, P9_TVERSION, P9_NOTAG);
	p9_put32(&o, c->msize);
	p9_put_str(&o, "9P2000.L", 8);
	c->qlen = (size_t)p9_finish(&o);
	c->pending = 1;
	c->want_tag = P9_NOTAG;
	int e = p9c_rpc(c, P9_RVERSION, &r);
	if (e < 0) {
		gi_error_set(err, EIO, "9P version: %s", c->dead ? c->why : strerror(-e));
		p9c_close(c);
		return -EIO;
	}
	if (r.version.version.len != 8 || memcmp(r.version.version.s, "9P2000.L", 8) || r.version.msize < 4096 ||
	    r.version.msize > c->msize) {
		gi_error_set(err, EPROTO, "the guest's file server does not speak 9P2000.L (version '%.*s', msize %u)",
			     (int)r.version.version.len, r.version.version.s, r.version.msize);
		p9c_close(c);
		return -EPROTO;
	}
	c->msize = r.version.msize;
	c->want_tag = 0;
	p9c_begin(c, &o, P9_TATTACH);
	p9_put32(&o, P9C_ROOT_FID);
	p9_put32(&o, P9_NOFID);
	p9_put_str(&o, "", 0);
	p9_put_str(&o, aname, strlen(aname));
	p9_put32(&o, n_uname);
	p9c_end(c, &o);
	if ((e = p9c_rpc(c, P9_RATTACH, &r)) < 0) {
		gi_error_set(err, EIO, "9P attach: %s", c->dead ? c->why : strerror(-e));
		p9c_close(c);
		return -EIO;
	}
	return 0;
}

void p9c_close(struct p9c *c)
{
	free(c->queue);
	free(c->in);
	free(c->free_fids);
	c->queue = c->in = NULL;
	c->free_fids = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
