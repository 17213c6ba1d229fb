/* The byte pump: both directions, bytes a handshake read ahead, a half-close passed on as a
 * half-close, a reset passed on as a reset (and which end failed), release and drain. The
 * pumped ends are TCP sockets on loopback, as in port forwarding. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "pump.h"
#include "unit.h"

/* A connected TCP pair on 127.0.0.1: out[0] the client, out[1] the accepted end. */
static void tcp_pair(int out[2])
{
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(in);
	ck_assert_int_eq(bind(l, (struct sockaddr *)&in, sizeof(in)), 0);
	ck_assert_int_eq(listen(l, 1), 0);
	ck_assert_int_eq(getsockname(l, (struct sockaddr *)&in, &len), 0);
	out[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(out[0], (struct sockaddr *)&in, sizeof(in)), 0);
	out[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(out[1], 0);
	close(l);
}

struct outcome {
	bool done;
	int err, failed;
	struct pump *p;
};

static void on_done(struct pump *p, int err, void *ctx)
{
	struct outcome *o = ctx;
	o->done = true;
	o->err = err;
	o->failed = pump_failed(p);
}

/* Runs the loop until cond or 5 s. */
#define RUN_UNTIL(loop, cond)                                                         \
	for (int i_ = 0; i_ < 500 && !(cond); i_++)                                   \
		evloop_run_once(loop, 10)

/* client ↔ [x pump y] ↔ server: x and y are the pump's ends */
struct rig {
	struct evloop *loop;
	int client, server;
	struct outcome o;
};

static void rig_up(struct rig *r, const char *pre_to_server, const char *pre_to_client)
{
	memset(r, 0, sizeof(*r));
	ck_assert_int_eq(evloop_new(&r->loop), 0);
	int a[2], b[2];
	tcp_pair(a);
	tcp_pair(b);
	r->client = a[0];
	r->server = b[1];
	ck_assert_int_eq(pump_new(r->loop, a[1], b[0], pre_to_server, pre_to_server ? strlen(pre_to_server) : 0,
				  pre_to_client, pre_to_client ? strlen(pre_to_client) : 0, on_done, &r->o, &r->o.p),
			 0);
}

static void rig_down(struct rig *r)
{
	if (r->o.p)
		pump_free(r->o.p);
	if (r->client >= 0)
		close(r->client);
	if (r->server >= 0)
		close(r->server);
	evloop_free(r->loop);
}

static ssize_t read_some(struct rig *r, int fd, char *buf, size_t n)
{
	fcntl(fd, F_SETFL, O_NONBLOCK);
	ssize_t got = -1;
	for (int i = 0; i < 500; i++) {
		evloop_run_once(r->loop, 10);
		got = read(fd, buf, n);
		if (got >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK))
			return got < 0 ? -errno : got;
	}
	return -ETIMEDOUT;
}

START_TEST(bytes_go_both_ways_after_what_was_read_ahead)
{
	struct rig r;
	rig_up(&r, "AHEAD-", "BACK-");
	char buf[64] = "";
	ck_assert_int_eq(write(r.client, "hello", 5), 5);
	ssize_t n = 0;
	while (n < 11) {
		ssize_t k = read_some(&r, r.server, buf + n, sizeof(buf) - 1 - (size_t)n);
		ck_assert_int_gt(k, 0);
		n += k;
	}
	ck_assert_str_eq(buf, "AHEAD-hello");
	memset(buf, 0, sizeof(buf));
	ck_assert_int_eq(write(r.server, "world", 5), 5);
	n = 0;
	while (n < 10) {
		ssize_t k = read_some(&r, r.client, buf + n, sizeof(buf) - 1 - (size_t)n);
		ck_assert_int_gt(k, 0);
		n += k;
	}
	ck_assert_str_eq(buf, "BACK-world");
	ck_assert_uint_eq(pump_bytes(r.o.p, 0), 11);
	ck_assert_uint_eq(pump_bytes(r.o.p, 1), 10);
	rig_down(&r);
}
END_TEST

START_TEST(a_half_close_is_passed_on_and_the_other_way_goes_on)
{
	struct rig r;
	rig_up(&r, NULL, NULL);
	ck_assert_int_eq(write(r.client, "req", 3), 3);
	ck_assert_int_eq(shutdown(r.client, SHUT_WR), 0);
	char buf[16] = "";
	ck_assert_int_eq(read_some(&r, r.server, buf, 3), 3);
	ck_assert_int_eq(read_some(&r, r.server, buf, sizeof(buf)), 0); /* the FIN came through */
	ck_assert(!r.o.done);
	ck_assert_int_eq(write(r.server, "answer", 6), 6);
	ck_assert_int_eq(read_some(&r, r.client, buf, sizeof(buf)), 6);
	ck_assert_int_eq(shutdown(r.server, SHUT_WR), 0);
	ck_assert_int_eq(read_some(&r, r.client, buf, sizeof(buf)), 0);
	RUN_UNTIL(r.loop, r.o.done);
	ck_assert(r.o.done);
	ck_assert_int_eq(r.o.err, 0);
	rig_down(&r);
}
END_TEST

START_TEST(a_reset_is_passed_on_as_a_reset_naming_the_end_that_failed)
{
	struct rig r;
	rig_up(&r, NULL, NULL);
	ck_assert_int_eq(write(r.client, "x", 1), 1);
	char buf[16];
	ck_assert_int_eq(read_some(&r, r.server, buf, 1), 1);
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(r.server, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(r.server);
	r.server = -1;
	RUN_UNTIL(r.loop, r.o.done);
	ck_assert(r.o.done);
	ck_assert_int_eq(r.o.err, -ECONNRESET);
	ck_assert_int_eq(r.o.failed, 1); /* b, the server's side */
	pump_free(r.o.p);
	r.o.p = NULL;
	ck_assert_int_eq(read_some(&r, r.client, buf, sizeof(buf)), -ECONNRESET);
	rig_down(&r);
}
END_TEST

START_TEST(a_released_end_stays_open_and_drain_closes_it_after_its_peer)
{
	struct rig r;
	rig_up(&r, NULL, NULL);
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	setsockopt(r.client, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(r.client);
	r.client = -1;
	RUN_UNTIL(r.loop, r.o.done);
	ck_assert_int_eq(r.o.failed, 0);
	int b = pump_release(r.o.p, 1);
	pump_free(r.o.p);
	r.o.p = NULL;
	/* the server sees no end while b is held */
	char buf[16];
	fcntl(r.server, F_SETFL, O_NONBLOCK);
	for (int i = 0; i < 20; i++)
		evloop_run_once(r.loop, 10);
	ck_assert_int_eq(read(r.server, buf, sizeof(buf)), -1);
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(pump_drain(r.loop, b, 5000), 0);
	close(r.server); /* its peer hangs up: the drain ends and closes b */
	r.server = -1;
	for (int i = 0; i < 50; i++)
		evloop_run_once(r.loop, 10);
	ck_assert_int_eq(fcntl(b, F_GETFD), -1);
	rig_down(&r);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("pump");
	TCase *tc = tcase_create("pump");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, bytes_go_both_ways_after_what_was_read_ahead);
	tcase_add_test(tc, a_half_close_is_passed_on_and_the_other_way_goes_on);
	tcase_add_test(tc, a_reset_is_passed_on_as_a_reset_naming_the_end_that_failed);
	tcase_add_test(tc, a_released_end_stays_open_and_drain_closes_it_after_its_peer);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
