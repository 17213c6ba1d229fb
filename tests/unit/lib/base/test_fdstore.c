/* The fd store: entries survive the process that put them (the pair is what holds them),
 * come back with their names and working files, and bad arguments are refused. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fdstore.h"
#include "unit.h"

struct seen {
	char names[4][32];
	int fds[4][2];
	size_t nfds[4];
	int n;
};

static void remember(void *ctx, const char *name, int *fds, size_t nfds)
{
	struct seen *s = ctx;
	ck_assert_int_lt(s->n, 4);
	snprintf(s->names[s->n], sizeof(s->names[0]), "%s", name);
	s->nfds[s->n] = nfds;
	for (size_t i = 0; i < nfds && i < 2; i++)
		s->fds[s->n][i] = fds[i];
	s->n++;
}

START_TEST(a_pipe_outlives_the_process_that_put_it)
{
	struct fdstore st;
	ck_assert_int_eq(fdstore_create(&st), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		/* the "daemon": puts a pipe, writes into it, and dies holding nothing else */
		int p[2];
		if (pipe(p) < 0 || fdstore_put(&st, "nginx", p, 2) < 0)
			_exit(1);
		close(p[0]);
		_exit(write(p[1], "kept\n", 5) == 5 ? 0 : 2); /* no reader of ours left: the store's */
	}
	int wst;
	ck_assert_int_eq(waitpid(pid, &wst, 0), pid);
	ck_assert(WIFEXITED(wst));
	ck_assert_int_eq(WEXITSTATUS(wst), 0);
	struct seen s = { 0 };
	ck_assert_int_eq(fdstore_take_all(&st, remember, &s), 1);
	ck_assert_str_eq(s.names[0], "nginx");
	ck_assert_uint_eq(s.nfds[0], 2);
	char buf[16] = "";
	ck_assert_int_eq(read(s.fds[0][0], buf, sizeof(buf)), 5);
	ck_assert_str_eq(buf, "kept\n");
	ck_assert_int_eq(fdstore_take_all(&st, remember, &s), 0); /* taken means gone */
	close(s.fds[0][0]);
	close(s.fds[0][1]);
	close(st.put_fd);
	close(st.take_fd);
}
END_TEST

START_TEST(entries_come_back_in_order)
{
	struct fdstore st;
	ck_assert_int_eq(fdstore_create(&st), 0);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fdstore_put(&st, "a", p, 2), 0);
	ck_assert_int_eq(fdstore_put(&st, "b", p, 1), 0);
	close(p[0]);
	close(p[1]);
	struct seen s = { 0 };
	ck_assert_int_eq(fdstore_take_all(&st, remember, &s), 2);
	ck_assert_str_eq(s.names[0], "a");
	ck_assert_str_eq(s.names[1], "b");
	ck_assert_uint_eq(s.nfds[1], 1);
	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < s.nfds[i]; k++)
			close(s.fds[i][k]);
	close(st.put_fd);
	close(st.take_fd);
}
END_TEST

START_TEST(bad_arguments_are_refused)
{
	struct fdstore st;
	ck_assert_int_eq(fdstore_parse("3", &st), -EINVAL);
	ck_assert_int_eq(fdstore_parse("3:3", &st), -EINVAL);
	ck_assert_int_eq(fdstore_parse("x:4", &st), -EINVAL);
	ck_assert_int_eq(fdstore_parse("1:4", &st), -EINVAL);
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	char arg[32];
	snprintf(arg, sizeof(arg), "%d:%d", p[0] < 3 ? 3 : p[0], p[1] < 3 ? 4 : p[1]);
	ck_assert_int_lt(fdstore_parse(arg, &st), 0); /* pipes are no store */
	struct fdstore real;
	ck_assert_int_eq(fdstore_create(&real), 0);
	snprintf(arg, sizeof(arg), "%d:%d", real.put_fd, real.take_fd);
	ck_assert_int_eq(fdstore_parse(arg, &st), 0);
	ck_assert_int_eq(st.put_fd, real.put_fd);
	ck_assert_int_eq(fdstore_put(&st, "", p, 1), -EINVAL);
	ck_assert_int_eq(fdstore_put(&st, "x", p, 0), -EINVAL);
	struct fdstore none = FDSTORE_NONE;
	ck_assert_int_eq(fdstore_put(&none, "x", p, 1), -ENOTCONN);
	close(p[0]);
	close(p[1]);
	close(real.put_fd);
	close(real.take_fd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("fdstore");
	TCase *tc = tcase_create("store");
	tcase_add_test(tc, a_pipe_outlives_the_process_that_put_it);
	tcase_add_test(tc, entries_come_back_in_order);
	tcase_add_test(tc, bad_arguments_are_refused);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
