/* Connections of the 9P server: reading requests, answering in order, backpressure, fids
 * (see server.h). */
#include "conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "log.h"

/* Until Tversion settles msize, a request may be this big (Tversion itself is tiny). */
#define PRE_VERSION_MSIZE 8192u

struct p9_server *p9_server_new(const struct p9_export *ex, size_t nex)
{
	struct p9_server *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->ex = calloc(nex ? nex : 1, sizeof(*s->ex));
	if (!s->ex) {
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < nex; i++) {
		s->ex[i].letter = ex[i].letter;
		s->ex[i].dir = strdup(ex[i].dir);
		if (!s->ex[i].dir) {
			s->nex = i;
			p9_server_free(s);
			return NULL;
		}
	}
	s->nex = nex;
	p9_nodes_init(&s->nodes);
	s->max_fids = P9_SERVER_MAX_FIDS;
	return s;
}

static void conn_close(struct p9_conn *c);

void p9_server_free(struct p9_server *s)
{
	if (!s)
		return;
	while (s->conns) /* still connected: hung up on, as at the end of the process */
		conn_close(s->conns);
	p9_nodes_free(&s->nodes);
	for (size_t i = 0; i < s->nex; i++)
		free((char *)s->ex[i].dir);
	free(s->ex);
	free(s);
}

/* ---- fids ------------------------------------------------------------------------------ */

struct p9_fid *p9_fid_get(struct p9_conn *c, uint32_t fid)
{
	for (struct p9_fid *f = c->fids[fid % FID_BUCKETS]; f; f = f->next)
		if (f->fid == fid)
			return f;
	return NULL;
}

struct p9_fid *p9_fid_new(struct p9_conn *c, uint32_t fid, struct p9_view *view, struct p9_node *node, uint32_t uid)
{
	if (fid == P9_NOFID || p9_fid_get(c, fid)) {
		errno = EBADF;
		return NULL;
	}
	if (c->nfids >= c->srv->max_fids) {
		/* a client that never clunks would otherwise hold every descriptor we have */
		errno = EMFILE;
		return NULL;
	}
	struct p9_fid *f = calloc(1, sizeof(*f));
	if (!f) {
		errno = ENOMEM;
		return NULL;
	}
	f->fid = fid;
	f->view = view;
	view->refs++;
	f->node = p9_node_ref(node);
	f->uid = uid;
	f->fd = -1;
	f->next = c->fids[fid % FID_BUCKETS];
	c->fids[fid % FID_BUCKETS] = f;
	c->nfids++;
	return f;
}

void p9_fid_set_node(struct p9_conn *c, struct p9_fid *f, struct p9_node *node)
{
	struct p9_node *old = f->node;
	f->node = node;
	p9_node_put(&c->srv->nodes, old);
}

void p9_fid_drop(struct p9_conn *c, struct p9_fid *f)
{
	for (struct p9_fid **pp = &c->fids[f->fid % FID_BUCKETS]; *pp; pp = &(*pp)->next)
		if (*pp == f) {
			*pp = f->next;
			c->nfids--;
			break;
		}
	if (f->fd >= 0)
		close(f->fd);
	p9_node_put(&c->srv->nodes, f->node);
	p9_view_put(f->view);
	free(f->xname);
	free(f->xbuf);
	free(f);
}

void p9_fid_drop_all(struct p9_conn *c)
{
	for (size_t i = 0; i < FID_BUCKETS; i++)
		while (c->fids[i])
			p9_fid_drop(c, c->fids[i]);
}

/* ---- the connection --------------------------------------------------------------------- */

static void conn_io(struct evloop *loop, int fd, uint32_t events, void *data);

static void conn_close(struct p9_conn *c)
{
	p9_fid_drop_all(c);
	p9_names_free(&c->names);
	if (c->rev)
		evloop_del_fd(c->loop, c->rfd);
	if (c->wfd != c->rfd && c->wev)
		evloop_del_fd(c->loop, c->wfd);
	close(c->rfd);
	if (c->wfd != c->rfd)
		close(c->wfd);
	struct p9_server *s = c->srv;
	for (struct p9_conn **pp = &s->conns; *pp; pp = &(*pp)->next)
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	void (*cb)(void *) = c->on_close;
	void *data = c->data;
	free(c->in);
	free(c->out);
	free(c);
	if (cb)
		cb(data);
}

static int grow(uint8_t **buf, size_t *cap, size_t want)
{
	if (*cap >= want)
		return 0;
	uint8_t *n = realloc(*buf, want);
	if (!n)
		return -ENOMEM;
	*buf = n;
	*cap = want;
	return 0;
}

/* Sets a fd's epoll interest to ev (0 = none), adding or removing it as needed. */
static int want(struct p9_conn *c, int fd, uint32_t *cur, uint32_t ev)
{
	if (*cur == ev)
		return 0;
	int r;
	if (!*cur)
		r = evloop_add_fd(c->loop, fd, ev, conn_io, c);
	else if (!ev)
		r = evloop_del_fd(c->loop, fd);
	else
		r = evloop_mod_fd(c->loop, fd, ev);
	if (r == 0)
		*cur = ev;
	return r;
}

static size_t out_room(const struct p9_conn *c)
{
	return c->out_cap - c->out_len;
}

/* One whole request at the start of in: answer it into out. */
static void handle_one(struct p9_conn *c, const uint8_t *msg, uint32_t size)
{
	struct p9_tmsg t;
	const char *why = "";
	struct p9_out o = { .buf = c->out + c->out_len, .cap = c->msize };
	int r = p9_decode_tmsg(msg, size, &t, &why);
	if (r < 0) {
		/* Rlerror if the tag is known, so that the client's waiter wakes up */
		log_warn("p9", "malformed request (type %u, tag %u): %s", msg[4], t.tag, why);
	} else {
		r = p9_op(c, &t, &o);
	}
	if (r >= 0 && p9_finish(&o) < 0)
		r = -EMSGSIZE; /* the reply could not fit in msize: say so instead */
	if (r < 0) {
		p9_begin(&o, P9_RLERROR, t.tag);
		p9_put32(&o, (uint32_t)-r);
		p9_finish(&o);
	}
	c->out_len += o.len;
}

static void flush_out(struct p9_conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = write(c->wfd, c->out + c->out_off, c->out_len - c->out_off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				c->dead = true; /* closed by the caller: the peer is gone */
			break;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	else if (c->out_off && out_room(c) < c->msize) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
}

/* Answers what is whole in in while replies fit; then writes; then says what to wait for. */
static void pump(struct p9_conn *c)
{
	size_t off = 0;
	for (;;) {
		if (c->in_len - off < 4)
			break;
		uint32_t size = p9_msg_size(c->in + off);
		if (size < P9_HDR_SIZE || size > c->msize) {
			log_warn("p9", "a request announces %u bytes (msize %u): the stream cannot be trusted; closing it",
				 size, c->msize);
			c->dead = true;
			break;
		}
		if (c->in_len - off < size)
			break;
		if (out_room(c) < c->msize) {
			flush_out(c);
			if (c->dead || out_room(c) < c->msize)
				break;
		}
		uint32_t before = c->msize;
		handle_one(c, c->in + off, size);
		off += size;
		if (c->msize != before) { /* Tversion: buffers follow the new msize */
			if (grow(&c->in, &c->in_cap, c->msize) < 0 || grow(&c->out, &c->out_cap, 2 * (size_t)c->msize) < 0)
				c->dead = true;
		}
	}
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	if (!c->dead)
		flush_out(c);
	if (c->dead) {
		conn_close(c);
		return;
	}
	/* read while a reply can be made; wait for writability while replies are queued */
	bool can_read = out_room(c) >= c->msize;
	bool must_write = c->out_len > c->out_off;
	int r;
	if (c->rfd == c->wfd) {
		r = want(c, c->rfd, &c->rev, (can_read ? EPOLLIN : 0) | (must_write ? EPOLLOUT : 0));
	} else {
		r = want(c, c->rfd, &c->rev, can_read ? EPOLLIN : 0);
		if (r == 0)
			r = want(c, c->wfd, &c->wev, must_write ? EPOLLOUT : 0);
	}
	if (r < 0) {
		log_warn("p9", "event loop: %s; closing the connection", strerror(-r));
		conn_close(c);
	}
}

static void conn_io(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	struct p9_conn *c = data;
	if (fd == c->rfd && (events & (EPOLLIN | EPOLLHUP | EPOLLERR))) {
		for (;;) {
			if (c->in_len == c->in_cap)
				break; /* a whole msize is waiting: pump() first */
			ssize_t n = read(c->rfd, c->in + c->in_len, c->in_cap - c->in_len);
			if (n > 0) {
				c->in_len += (size_t)n;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				break;
			/* end of stream or an error: the mount is gone. Answer nothing more. */
			if (n < 0)
				log_debug("p9", "read: %s", strerror(errno));
			conn_close(c);
			return;
		}
	}
	pump(c);
}

void p9_server_set_max_fids(struct p9_server *s, size_t max)
{
	s->max_fids = max;
}

void p9_server_set_native(struct p9_server *s)
{
	s->native = true;
}

int p9_server_raise_fd_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return -errno;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			return -errno;
	}
	return rl.rlim_cur > (rlim_t)INT_MAX ? INT_MAX : (int)rl.rlim_cur;
}

int p9_server_add_conn(struct p9_server *s, struct evloop *loop, int rfd, int wfd, void (*on_close)(void *data),
		       void *data)
{
	struct p9_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->srv = s;
	c->loop = loop;
	c->rfd = rfd;
	c->wfd = wfd;
	c->msize = PRE_VERSION_MSIZE;
	c->on_close = on_close;
	c->data = data;
	if (grow(&c->in, &c->in_cap, c->msize) < 0 || grow(&c->out, &c->out_cap, 2 * (size_t)c->msize) < 0) {
		free(c->in);
		free(c);
		return -ENOMEM;
	}
	fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
	fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
	int r = want(c, rfd, &c->rev, EPOLLIN);
	if (r < 0) {
		free(c->in);
		free(c->out);
		free(c);
		return r;
	}
	c->next = s->conns;
	s->conns = c;
	return 0;
}
