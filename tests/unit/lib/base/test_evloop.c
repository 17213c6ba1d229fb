/* The event loop: fds, timers in order, cancellation, signals through signalfd, removal
 * from inside a callback. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "evloop.h"
#include "unit.h"

static int order[8];
static int norder;

static void timer_cb(struct evloop *loop, void *data)
{
	order[norder++] = (int)(long)data;
	if ((long)data == 3)
		evloop_quit(loop, 42);
}

START_TEST(timers_fire_in_order_and_quit_returns_code)
{
	struct evloop *loop;
	ck_assert_int_eq(evloop_new(&loop), 0);
	norder = 0;
	ck_assert_int_gt(evloop_add_timer(loop, 30, timer_cb, (void *)3L), 0);
	ck_assert_int_gt(evloop_add_timer(loop, 0, timer_cb, (void *)1L), 0);
	ck_assert_int_gt(evloop_add_timer(loop, 10, timer_cb, (void *)2L), 0);
	ck_assert_int_eq(evloop_run(loop), 42);
	ck_assert_int_eq(norder, 3);
	ck_assert_int_eq(order[0], 1);
	ck_assert_int_eq(order[1], 2);
	ck_assert_int_eq(order[2], 3);
	evloop_free(loop);
}
END_TEST

START_TEST(cancelled_timer_never_fires)
{
	struct evloop *loop;
	ck_assert_int_eq(evloop_new(&loop), 0);
	norder = 0;
	int id = evloop_add_timer(loop, 5, timer_cb, (void *)7L);
	ck_assert_int_gt(id, 0);
	evloop_cancel_timer(loop, id);
	evloop_add_timer(loop, 20, timer_cb, (void *)3L);
	ck_assert_int_eq(evloop_run(loop), 42);
	ck_assert_int_eq(norder, 1);
	ck_assert_int_eq(order[0], 3);
	evloop_free(loop);
}
END_TEST

static int reads;
static void fd_cb(struct evloop *loop, int fd, uint32_t events, void *data)
{
	char c;
	ck_assert(events & EPOLLIN);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	reads++;
	/* removing itself from inside its own callback must be safe */
	ck_assert_int_eq(evloop_del_fd(loop, fd), 0);
	evloop_quit(loop, (int)(long)data);
}

START_TEST(fd_readiness_and_self_removal)
{
	struct evloop *loop;
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(evloop_new(&loop), 0);
	ck_assert_int_eq(evloop_add_fd(loop, p[0], EPOLLIN, fd_cb, (void *)5L), 0);
	ck_assert_int_eq(write(p[1], "xy", 2), 2);
	reads = 0;
	ck_assert_int_eq(evloop_run(loop), 5);
	ck_assert_int_eq(reads, 1);
	/* gone: the second byte is not dispatched */
	ck_assert_int_eq(evloop_run_once(loop, 20), 0);
	ck_assert_int_eq(evloop_del_fd(loop, p[0]), -ENOENT);
	evloop_free(loop);
	close(p[0]);
	close(p[1]);
}
END_TEST

static int got_sig;
static void sig_cb(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	got_sig = (int)si->ssi_signo;
	evloop_quit(loop, 0);
}

START_TEST(signals_arrive_through_the_loop)
{
	struct evloop *loop;
	ck_assert_int_eq(evloop_new(&loop), 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(evloop_set_signals(loop, &set, sig_cb, NULL), 0);
	kill(getpid(), SIGUSR1);
	got_sig = 0;
	ck_assert_int_eq(evloop_run(loop), 0);
	ck_assert_int_eq(got_sig, SIGUSR1);
	evloop_free(loop);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("evloop");
	TCase *tc = tcase_create("loop");
	tcase_add_test(tc, timers_fire_in_order_and_quit_returns_code);
	tcase_add_test(tc, cancelled_timer_never_fires);
	tcase_add_test(tc, fd_readiness_and_self_removal);
	tcase_add_test(tc, signals_arrive_through_the_loop);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
