/* The one event loop: epoll over fds, a signalfd for signals and a timerfd per timer. */
#ifndef GUESTINIT_EVLOOP_H
#define GUESTINIT_EVLOOP_H

#include <signal.h>
#include <stdint.h>
#include <sys/signalfd.h>

struct evloop;

typedef void (*ev_fd_cb)(struct evloop *loop, int fd, uint32_t events, void *data);
typedef void (*ev_signal_cb)(struct evloop *loop, const struct signalfd_siginfo *si, void *data);
typedef void (*ev_timer_cb)(struct evloop *loop, void *data);

int evloop_new(struct evloop **out);
/* Closes the loop's own fds (epoll, signalfd, timerfds); fds added with evloop_add_fd stay
 * the caller's. */
void evloop_free(struct evloop *loop);

int evloop_add_fd(struct evloop *loop, int fd, uint32_t events, ev_fd_cb cb, void *data);
int evloop_mod_fd(struct evloop *loop, int fd, uint32_t events);
int evloop_del_fd(struct evloop *loop, int fd);

/* Blocks the signals in set and delivers them through cb. One handler per loop; a second call
 * replaces the set. */
int evloop_set_signals(struct evloop *loop, const sigset_t *set, ev_signal_cb cb, void *data);

/* One-shot timer; returns its id (> 0) or -errno. Cancelling a fired or unknown id is a no-op. */
int evloop_add_timer(struct evloop *loop, uint64_t ms, ev_timer_cb cb, void *data);
void evloop_cancel_timer(struct evloop *loop, int id);

/* Runs until evloop_quit; returns the code given to it, or -errno if epoll fails. */
int evloop_run(struct evloop *loop);
/* Waits at most timeout_ms (-1: forever) and dispatches what is ready; returns the number of
 * events dispatched or -errno. */
int evloop_run_once(struct evloop *loop, int timeout_ms);
void evloop_quit(struct evloop *loop, int code);

#endif
