/* seqsrv: a request arrives whole with its fds and its sender; the handler replies when it
 * likes; too many waiting connections and too long a request get the configured replies;
 * closing removes the socket file. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "evloop.h"
#include "fdpass.h"
#include "seqsrv.h"
#include "unit.h"
#include "unixsock.h"

static char got[256];
static size_t got_len, got_fds;
static pid_t got_pid;
static int kept_fd = -1;

static void handler(void *ctx, struct seqsrv_request *req)
{
	(void)ctx;
	snprintf(got, sizeof(got), "%s", req->data);
	got_len = req->len;
	got_fds = req->nfds;
	got_pid = req->pid;
	for (size_t i = 0; i < req->nfds; i++)
		close(req->fds[i]);
	if (!strcmp(req->data, "later")) {
		kept_fd = req->fd; /* replied to after the call */
		return;
	}
	send(req->fd, "ok", 2, MSG_NOSIGNAL);
	close(req->fd);
}

static void spin(struct evloop *loop)
{
	for (int i = 0; i < 5; i++)
		evloop_run_once(loop, 20);
}

static int reply_of(int fd, char *buf, size_t cap)
{
	ssize_t n = recv(fd, buf, cap - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return (int)n;
}

START_TEST(serves_requests)
{
	char dir[] = "/tmp/seqsrv.XXXXXX", path[64], buf[128];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	struct evloop *loop;
	ck_assert_int_eq(evloop_new(&loop), 0);
	struct seqsrv_options o = { .path = path, .mode = 0600, .max_request = 16, .max_fds = 1, .max_clients = 2,
				    .busy_reply = "busy", .too_long_reply = "long" };
	struct seqsrv *srv;
	ck_assert_int_eq(seqsrv_listen(loop, &o, handler, NULL, &srv), 0);

	/* one request with two fds: one is taken, the other closed */
	int c = unixsock_connect(path, SOCK_SEQPACKET);
	ck_assert_int_ge(c, 0);
	int fds[2] = { 0, 1 };
	ck_assert_int_eq(fdpass_send(c, "hello", 5, fds, 2), 5);
	spin(loop);
	ck_assert_str_eq(got, "hello");
	ck_assert_uint_eq(got_len, 5);
	ck_assert_uint_eq(got_fds, 1);
	ck_assert_int_eq(got_pid, getpid());
	ck_assert_int_eq(reply_of(c, buf, sizeof(buf)), 2);
	ck_assert_str_eq(buf, "ok");
	close(c);

	/* the handler keeps a connection and answers it later */
	c = unixsock_connect(path, SOCK_SEQPACKET);
	ck_assert_int_eq(send(c, "later", 5, 0), 5);
	spin(loop);
	ck_assert_int_ge(kept_fd, 0);
	ck_assert_int_eq(send(kept_fd, "done", 4, MSG_NOSIGNAL), 4);
	close(kept_fd);
	ck_assert_int_eq(reply_of(c, buf, sizeof(buf)), 4);
	close(c);

	/* too long: refused with its reply, the handler never sees it */
	got[0] = '\0';
	c = unixsock_connect(path, SOCK_SEQPACKET);
	ck_assert_int_eq(send(c, "0123456789abcdefXYZ", 19, 0), 19);
	spin(loop);
	ck_assert_str_eq(got, "");
	ck_assert_int_eq(reply_of(c, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "long");
	close(c);

	/* two connections waiting fill it: a third is told it is busy */
	int w1 = unixsock_connect(path, SOCK_SEQPACKET), w2 = unixsock_connect(path, SOCK_SEQPACKET);
	spin(loop);
	int w3 = unixsock_connect(path, SOCK_SEQPACKET);
	spin(loop);
	ck_assert_int_eq(reply_of(w3, buf, sizeof(buf)), 4);
	ck_assert_str_eq(buf, "busy");
	close(w3);
	/* a waiting one that leaves frees its place */
	close(w1);
	spin(loop);
	w3 = unixsock_connect(path, SOCK_SEQPACKET);
	ck_assert_int_eq(send(w3, "again", 5, 0), 5);
	spin(loop);
	ck_assert_str_eq(got, "again");
	close(w3);

	seqsrv_close(srv);
	ck_assert_int_eq(access(path, F_OK), -1);
	/* the one still waiting was closed */
	ck_assert_int_eq(recv(w2, buf, sizeof(buf), MSG_DONTWAIT), 0);
	close(w2);
	evloop_free(loop);
	rmdir(dir);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("seqsrv");
	TCase *tc = tcase_create("seqsrv");
	tcase_add_test(tc, serves_requests);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
