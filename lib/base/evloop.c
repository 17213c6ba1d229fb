/* The one event loop. Sources live in a list; removal during dispatch only marks a source
 * dead, and dead sources are freed once the current batch of events is dispatched. */
#include "evloop.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum src_kind { SRC_FD, SRC_SIGNAL, SRC_TIMER };

struct ev_source {
	enum src_kind kind;
	int fd;
	int timer_id;
	bool dead;
	union {
		ev_fd_cb fd_cb;
		ev_signal_cb sig_cb;
		ev_timer_cb timer_cb;
	};
	void *data;
	struct ev_source *next;
};

struct evloop {
	int epfd;
	struct ev_source *sources;
	struct ev_source *signal_src;
	int next_timer_id;
	bool quit;
	int quit_code;
	bool dispatching;
};

int evloop_new(struct evloop **out)
{
	struct evloop *loop = calloc(1, sizeof(*loop));
	if (!loop)
		return -ENOMEM;
	loop->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (loop->epfd < 0) {
		int r = -errno;
		free(loop);
		return r;
	}
	*out = loop;
	return 0;
}

static void source_close(struct ev_source *s)
{
	if (s->kind != SRC_FD && s->fd >= 0)
		close(s->fd);
}

void evloop_free(struct evloop *loop)
{
	if (!loop)
		return;
	for (struct ev_source *s = loop->sources, *n; s; s = n) {
		n = s->next;
		if (!s->dead)
			source_close(s);
		free(s);
	}
	close(loop->epfd);
	free(loop);
}

static int source_add(struct evloop *loop, struct ev_source *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };
	if (epoll_ctl(loop->epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		return -errno;
	s->next = loop->sources;
	loop->sources = s;
	return 0;
}

/* Detaches s from epoll; the memory goes when nothing can still point at it. */
static void source_kill(struct evloop *loop, struct ev_source *s)
{
	if (s->dead)
		return;
	epoll_ctl(loop->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	source_close(s);
	s->dead = true;
}

static void sweep(struct evloop *loop)
{
	struct ev_source **pp = &loop->sources;
	while (*pp) {
		struct ev_source *s = *pp;
		if (s->dead) {
			*pp = s->next;
			free(s);
		} else {
			pp = &s->next;
		}
	}
}

static struct ev_source *find_fd(struct evloop *loop, int fd)
{
	for (struct ev_source *s = loop->sources; s; s = s->next)
		if (!s->dead && s->kind == SRC_FD && s->fd == fd)
			return s;
	return NULL;
}

int evloop_add_fd(struct evloop *loop, int fd, uint32_t events, ev_fd_cb cb, void *data)
{
	struct ev_source *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	*s = (struct ev_source){ .kind = SRC_FD, .fd = fd, .fd_cb = cb, .data = data };
	int r = source_add(loop, s, events);
	if (r < 0)
		free(s);
	return r;
}

int evloop_mod_fd(struct evloop *loop, int fd, uint32_t events)
{
	struct ev_source *s = find_fd(loop, fd);
	if (!s)
		return -ENOENT;
	struct epoll_event ev = { .events = events, .data.ptr = s };
	return epoll_ctl(loop->epfd, EPOLL_CTL_MOD, fd, &ev) < 0 ? -errno : 0;
}

int evloop_del_fd(struct evloop *loop, int fd)
{
	struct ev_source *s = find_fd(loop, fd);
	if (!s)
		return -ENOENT;
	source_kill(loop, s);
	if (!loop->dispatching)
		sweep(loop);
	return 0;
}

int evloop_set_signals(struct evloop *loop, const sigset_t *set, ev_signal_cb cb, void *data)
{
	if (sigprocmask(SIG_BLOCK, set, NULL) < 0)
		return -errno;
	if (loop->signal_src) {
		if (signalfd(loop->signal_src->fd, set, SFD_NONBLOCK | SFD_CLOEXEC) < 0)
			return -errno;
		loop->signal_src->sig_cb = cb;
		loop->signal_src->data = data;
		return 0;
	}
	int fd = signalfd(-1, set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct ev_source *s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	*s = (struct ev_source){ .kind = SRC_SIGNAL, .fd = fd, .sig_cb = cb, .data = data };
	int r = source_add(loop, s, EPOLLIN);
	if (r < 0) {
		close(fd);
		free(s);
		return r;
	}
	loop->signal_src = s;
	return 0;
}

int evloop_add_timer(struct evloop *loop, uint64_t ms, ev_timer_cb cb, void *data)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A zero it_value disarms a timerfd, so "now" is one nanosecond. */
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(ms / 1000),
						 .tv_nsec = (long)(ms % 1000) * 1000000L } };
	if (ms == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(fd, 0, &its, NULL) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	struct ev_source *s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	if (++loop->next_timer_id <= 0)
		loop->next_timer_id = 1;
	*s = (struct ev_source){ .kind = SRC_TIMER, .fd = fd, .timer_id = loop->next_timer_id,
				 .timer_cb = cb, .data = data };
	int r = source_add(loop, s, EPOLLIN);
	if (r < 0) {
		close(fd);
		free(s);
		return r;
	}
	return s->timer_id;
}

void evloop_cancel_timer(struct evloop *loop, int id)
{
	for (struct ev_source *s = loop->sources; s; s = s->next)
		if (!s->dead && s->kind == SRC_TIMER && s->timer_id == id) {
			source_kill(loop, s);
			break;
		}
	if (!loop->dispatching)
		sweep(loop);
}

static void dispatch(struct evloop *loop, struct ev_source *s, uint32_t events)
{
	if (s->dead)
		return;
	switch (s->kind) {
	case SRC_FD:
		s->fd_cb(loop, s->fd, events, s->data);
		break;
	case SRC_SIGNAL: {
		struct signalfd_siginfo si;
		while (!s->dead && read(s->fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			s->sig_cb(loop, &si, s->data);
		break;
	}
	case SRC_TIMER: {
		uint64_t expirations;
		if (read(s->fd, &expirations, sizeof(expirations)) != (ssize_t)sizeof(expirations))
			break;
		ev_timer_cb cb = s->timer_cb;
		void *data = s->data;
		source_kill(loop, s); /* one-shot: gone before the callback may re-arm */
		cb(loop, data);
		break;
	}
	}
}

int evloop_run_once(struct evloop *loop, int timeout_ms)
{
	struct epoll_event evs[32];
	int n = epoll_wait(loop->epfd, evs, (int)(sizeof(evs) / sizeof(evs[0])), timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	loop->dispatching = true;
	for (int i = 0; i < n && !loop->quit; i++)
		dispatch(loop, evs[i].data.ptr, evs[i].events);
	loop->dispatching = false;
	sweep(loop);
	return n;
}

int evloop_run(struct evloop *loop)
{
	loop->quit = false;
	while (!loop->quit) {
		int r = evloop_run_once(loop, -1);
		if (r < 0)
			return r;
	}
	return loop->quit_code;
}

void evloop_quit(struct evloop *loop, int code)
{
	loop->quit = true;
	loop->quit_code = code;
}
