/* The byte pump (see pump.h). Each fd is in the loop only while it is wanted for something:
 * an fd with nothing to read or write left would report its hang-up on every round. */
#include "pump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"

struct pump_dir {
	int from, to;
	uint8_t *buf;
	size_t cap, head, tail;
	bool eof;  /* from has ended its direction */
	bool shut; /* and to has been told (shutdown SHUT_WR) */
	bool write_failed; /* the error came from to, not from */
	uint64_t moved;
};

struct pump {
	struct evloop *loop;
	int fd[2];
	uint32_t want[2];  /* the events each fd is in the loop for; 0: not in the loop */
	struct pump_dir d[2]; /* d[0]: fd[0] → fd[1]; d[1]: fd[1] → fd[0] */
	pump_done_cb done;
	void *ctx;
	bool over;
	bool reset[2];     /* close this fd with a reset */
	bool released[2];  /* the caller's now */
	int failed;        /* the fd that failed, or -1 */
};

static void on_fd(struct evloop *loop, int fd, uint32_t events, void *data);

/* 0 while the direction can go on or has ended cleanly; -errno when an end failed. */
static int step(struct pump_dir *d)
{
	for (;;) {
		if (d->tail > d->head) {
			ssize_t n = write(d->to, d->buf + d->head, d->tail - d->head);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					return 0;
				d->write_failed = true;
				return -errno;
			}
			d->head += (size_t)n;
			d->moved += (uint64_t)n;
			if (d->head == d->tail)
				d->head = d->tail = 0;
			continue;
		}
		if (!d->eof) {
			ssize_t n = read(d->from, d->buf, d->cap);
			if (n < 0)
				return errno == EAGAIN || errno == EINTR ? 0 : -errno;
			if (n == 0)
				d->eof = true;
			else
				d->tail = (size_t)n;
			continue;
		}
		if (!d->shut) {
			d->shut = true;
			/* ENOTCONN: the other end is gone already; its own error tells that side */
			if (shutdown(d->to, SHUT_WR) < 0 && errno != ENOTCONN) {
				d->write_failed = true;
				return -errno;
			}
		}
		return 0;
	}
}

static uint32_t wanted(const struct pump *p, int i)
{
	const struct pump_dir *out = &p->d[i], *in = &p->d[1 - i]; /* fd[i] is out's source, in's sink */
	uint32_t ev = 0;
	if (!out->eof && out->tail == 0)
		ev |= EPOLLIN;
	if (in->tail > in->head)
		ev |= EPOLLOUT;
	return ev;
}

static int update(struct pump *p)
{
	for (int i = 0; i < 2; i++) {
		uint32_t ev = wanted(p, i);
		if (ev == p->want[i])
			continue;
		int r;
		if (!ev)
			r = evloop_del_fd(p->loop, p->fd[i]);
		else if (!p->want[i])
			r = evloop_add_fd(p->loop, p->fd[i], ev, on_fd, p);
		else
			r = evloop_mod_fd(p->loop, p->fd[i], ev);
		if (r < 0)
			return r;
		p->want[i] = ev;
	}
	return 0;
}

static void finish(struct pump *p, int err)
{
	for (int i = 0; i < 2; i++)
		if (p->want[i]) {
			evloop_del_fd(p->loop, p->fd[i]);
			p->want[i] = 0;
		}
	p->over = true;
	p->done(p, err, p->ctx);
}

static void run(struct pump *p)
{
	for (int i = 0; i < 2; i++) {
		int r = step(&p->d[i]);
		if (r < 0) {
			/* the end that failed is closed as it is; the other is reset, so that its peer
			 * learns that bytes were lost rather than seeing a clean end */
			int bad = p->d[i].write_failed ? 1 - i : i; /* the index of the fd that failed */
			p->reset[1 - bad] = true;
			p->failed = bad;
			finish(p, r);
			return;
		}
	}
	if (p->d[0].shut && p->d[1].shut) {
		finish(p, 0);
		return;
	}
	int r = update(p);
	if (r < 0)
		finish(p, r);
}

static void on_fd(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)fd;
	(void)events;
	struct pump *p = data;
	if (!p->over)
		run(p);
}

int pump_new(struct evloop *loop, int a, int b, const void *pre_a, size_t n_a, const void *pre_b, size_t n_b,
	     pump_done_cb done, void *ctx, struct pump **out)
{
	struct pump *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->loop = loop;
	p->fd[0] = a;
	p->fd[1] = b;
	p->done = done;
	p->ctx = ctx;
	p->failed = -1;
	const void *pre[2] = { pre_a, pre_b };
	size_t npre[2] = { n_a, n_b };
	for (int i = 0; i < 2; i++) {
		fcntl(p->fd[i], F_SETFL, fcntl(p->fd[i], F_GETFL) | O_NONBLOCK);
		struct pump_dir *d = &p->d[i];
		d->from = p->fd[i];
		d->to = p->fd[1 - i];
		d->cap = npre[i] > PUMP_BUF ? npre[i] : PUMP_BUF;
		d->buf = malloc(d->cap);
		if (!d->buf) {
			free(p->d[0].buf);
			free(p);
			return -ENOMEM;
		}
		if (npre[i])
			memcpy(d->buf, pre[i], npre[i]);
		d->tail = npre[i];
	}
	int r = update(p); /* the loop moves what is there already: done never comes from here */
	if (r < 0) {
		for (int i = 0; i < 2; i++) {
			if (p->want[i])
				evloop_del_fd(loop, p->fd[i]);
			free(p->d[i].buf);
		}
		free(p);
		return r;
	}
	*out = p;
	return 0;
}

void pump_free(struct pump *p)
{
	if (!p)
		return;
	for (int i = 0; i < 2; i++) {
		if (p->want[i])
			evloop_del_fd(p->loop, p->fd[i]);
		free(p->d[i].buf);
		if (p->released[i])
			continue;
		if (p->reset[i])
			pump_sock_reset_on_close(p->fd[i]);
		close(p->fd[i]);
	}
	free(p);
}

void pump_sock_no_delay(int fd)
{
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

void pump_sock_reset_on_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
}

int pump_failed(const struct pump *p)
{
	return p->failed;
}

int pump_release(struct pump *p, int i)
{
	i &= 1;
	if (p->want[i]) {
		evloop_del_fd(p->loop, p->fd[i]);
		p->want[i] = 0;
	}
	p->released[i] = true;
	return p->fd[i];
}

struct drain {
	struct evloop *loop;
	int fd, timer;
};

static void drain_end(struct drain *d)
{
	if (d->timer)
		evloop_cancel_timer(d->loop, d->timer);
	evloop_del_fd(d->loop, d->fd);
	close(d->fd);
	free(d);
}

static void on_drain(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)loop;
	(void)events;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		drain_end(data);
}

static void drain_timeout(struct evloop *loop, void *data)
{
	(void)loop;
	struct drain *d = data;
	d->timer = 0;
	drain_end(d);
}

int pump_drain(struct evloop *loop, int fd, unsigned timeout_ms)
{
	struct drain *d = calloc(1, sizeof(*d));
	if (!d) {
		close(fd);
		return -ENOMEM;
	}
	d->loop = loop;
	d->fd = fd;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	int r = evloop_add_fd(loop, fd, EPOLLIN, on_drain, d);
	if (r < 0) {
		close(fd);
		free(d);
		return r;
	}
	d->timer = evloop_add_timer(loop, timeout_ms, drain_timeout, d);
	if (d->timer < 0)
		d->timer = 0;
	return 0;
}

uint64_t pump_bytes(const struct pump *p, int dir)
{
	return p->d[dir & 1].moved;
}
