/* Exec sessions end to end over a socketpair: the client in one process, the runner in
 * another, as in either direction of the real thing. */
#include <check.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_session.h"
#include "unit.h"

static char dir[] = "/tmp/gi-exec.XXXXXX";

static char *path(const char *name)
{
	static char p[256];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	return p;
}

static void put(const char *name, const char *text)
{
	FILE *f = fopen(path(name), "w");
	fputs(text, f);
	fclose(f);
}

static char *get(const char *name)
{
	static char buf[4096];
	FILE *f = fopen(path(name), "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	return buf;
}

/* Runs argv through a session with stdin from file "in" and stdout to "out", each through a
 * pipe when piped (the client then splices the input, a frame's header first and its payload
 * after, and the output is read late); stderr to "err". */
static int run_in(char **argv, const char *user, bool piped)
{
	pid_t c = fork();
	if (c == 0) {
		int in = open(path("in"), O_RDONLY), out = open(path("out"), O_WRONLY | O_CREAT | O_TRUNC, 0600),
		    err = open(path("err"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (piped) {
			int p[2];
			if (pipe(p) < 0)
				_exit(91);
			if (fork() == 0) {
				close(p[0]);
				dup2(in, 0);
				dup2(p[1], 1);
				execlp("cat", "cat", (char *)NULL);
				_exit(92);
			}
			close(p[1]);
			close(in);
			in = p[0];
			/* and the output through a pipe read only after a second: the runner's
			 * credit for it runs out meanwhile, and comes back behind the input */
			int q[2];
			if (pipe(q) < 0)
				_exit(91);
			if (fork() == 0) {
				close(q[1]);
				dup2(q[0], 0);
				dup2(out, 1);
				execlp("sh", "sh", "-c", "sleep 1; exec cat", (char *)NULL);
				_exit(92);
			}
			close(q[0]);
			close(out);
			out = q[1];
		}
		dup2(in, 0);
		dup2(out, 1);
		dup2(err, 2);
		close(in);
		close(out); /* (the late reader's end comes with our stdout's) */
		close(err);
		int sv[2];
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
		pid_t r = fork();
		if (r == 0) {
			close(sv[0]);
			struct exec_runner_opts o = { .log_ident = "runner" };
			_exit(exec_runner_serve(sv[1], &o) < 0);
		}
		close(sv[1]);
		size_t argc = 0;
		while (argv[argc])
			argc++;
		struct proto_exec spec = { .argv = argv, .argc = argc, .user = (char *)user, .cwd = "/" };
		exec_client_prepare(&spec);
		int st = exec_client_run(sv[0], &spec, &(struct exec_client_opts){ .progname = "client" });
		waitpid(r, NULL, 0);
		if (piped) { /* the late reader has all of "out" once our end of its pipe is closed */
			close(1);
			while (wait(NULL) > 0)
				;
		}
		_exit(st);
	}
	int st;
	waitpid(c, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(char **argv, const char *user)
{
	return run_in(argv, user, false);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put("in", "hello\n");
}

static void teardown(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	strcpy(dir, "/tmp/gi-exec.XXXXXX");
}

START_TEST(exit_codes_come_back)
{
	char *a[] = { "sh", "-c", "exit 42", NULL };
	ck_assert_int_eq(run(a, NULL), 42);
	char *b[] = { "sh", "-c", "kill -TERM $$", NULL };
	ck_assert_int_eq(run(b, NULL), 128 + 15);
	char *c[] = { "true", NULL };
	ck_assert_int_eq(run(c, NULL), 0);
}
END_TEST

START_TEST(streams_are_separate_and_stdin_ends)
{
	char *a[] = { "sh", "-c", "cat; echo to-err >&2; echo done", NULL };
	ck_assert_int_eq(run(a, NULL), 0);
	ck_assert_str_eq(get("out"), "hello\ndone\n");
	ck_assert_str_eq(get("err"), "to-err\n");
}
END_TEST

START_TEST(a_command_that_closes_stdin_early_keeps_its_status)
{
	/* the runner then writes into a pipe nobody reads: EPIPE, never a SIGPIPE death */
	FILE *f = fopen(path("in"), "w");
	for (int i = 0; i < 4096; i++)
		fputs("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", f);
	fclose(f);
	char *a[] = { "sh", "-c", "exec 0<&-; exit 3", NULL };
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(run(a, NULL), 3);
}
END_TEST

START_TEST(start_failures_are_named)
{
	char *a[] = { "no-such-program-xyz", NULL };
	ck_assert_int_eq(run(a, NULL), 127);
	ck_assert_ptr_nonnull(strstr(get("err"), "no-such-program-xyz: command not found"));
	char *b[] = { "true", NULL };
	ck_assert_int_eq(run(b, "no-such-user-xyz"), 1);
	ck_assert_ptr_nonnull(strstr(get("err"), "user 'no-such-user-xyz' does not exist"));
	char *c[] = { "/etc/passwd", NULL }; /* not executable */
	ck_assert_int_eq(run(c, NULL), 126);
}
END_TEST

START_TEST(the_runner_going_away_is_status_255)
{
	/* a runner that dies mid-session: the client says so and returns 255 */
	pid_t c = fork();
	if (c == 0) {
		int err = open(path("err"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(err, 2);
		int in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		int sv[2];
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
		pid_t r = fork();
		if (r == 0) {
			close(sv[0]);
			char buf[4096];
			(void)!read(sv[1], buf, sizeof(buf)); /* the EXEC, then gone */
			_exit(0);
		}
		close(sv[1]);
		char *argv[] = { "true", NULL };
		struct proto_exec spec = { .argv = argv, .argc = 1 };
		exec_client_prepare(&spec);
		_exit(exec_client_run(sv[0], &spec, &(struct exec_client_opts){ .progname = "client" }));
	}
	int st;
	waitpid(c, &st, 0);
	ck_assert_int_eq(WEXITSTATUS(st), 255);
	ck_assert_ptr_nonnull(strstr(get("err"), "connection to the other side was lost"));
}
END_TEST

START_TEST(the_runners_last_word_is_read_after_it_stopped_reading)
{
	/* a runner that refuses and closes before the client has sent everything: the client's
	 * write fails (EPIPE), and the refusal already in the socket is still what it reports */
	pid_t c = fork();
	if (c == 0) {
		int err = open(path("err"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
		dup2(err, 2);
		int in = open("/dev/null", O_RDONLY);
		dup2(in, 0);
		int sv[2];
		socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
		struct proto_buf b;
		proto_buf_init(&b);
		proto_begin(&b, MSG_EXEC_ERROR, 0);
		proto_put_str(&b, TAG_REASON, "x.exe is on no drive this host shares");
		proto_put_u32(&b, TAG_STATUS, 1);
		proto_end(&b);
		if (proto_send(sv[1], &b) < 0)
			_exit(90);
		proto_buf_free(&b);
		close(sv[1]); /* gone before the client wrote a byte: its EXEC meets EPIPE */
		char *argv[] = { "x.exe", NULL };
		struct proto_exec spec = { .argv = argv, .argc = 1 };
		exec_client_prepare(&spec);
		_exit(exec_client_run(sv[0], &spec, &(struct exec_client_opts){ .progname = "client" }));
	}
	int st;
	waitpid(c, &st, 0);
	ck_assert_int_eq(WEXITSTATUS(st), 1);
	ck_assert_str_eq(get("err"), "x.exe is on no drive this host shares\n");
}
END_TEST

START_TEST(a_large_input_through_cat_comes_back_whole)
{
	/* 16 MiB through cat: the runner splices the input into cat's stdin, whose pipe fills
	 * while cat waits to write its output, and that output needs the client's CREDIT, which
	 * comes on the same connection: the runner must keep reading it (bench/session hung on
	 * that). A pattern, not zeros, so that bytes out of order show. */
	FILE *f = fopen(path("in"), "w");
	ck_assert_ptr_nonnull(f);
	static uint32_t block[16384];
	for (uint32_t i = 0; i < 256; i++) {
		for (uint32_t j = 0; j < 16384; j++)
			block[j] = i * 16384 + j;
		ck_assert_uint_eq(fwrite(block, sizeof(block), 1, f), 1);
	}
	fclose(f);
	char *argv[] = { "cat", NULL };
	ck_assert_int_eq(run_in(argv, NULL, true), 0);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "cmp -s %s/in %s/out", dir, dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("exec_session");
	TCase *tc = tcase_create("pair");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, exit_codes_come_back);
	tcase_add_test(tc, streams_are_separate_and_stdin_ends);
	tcase_add_test(tc, a_command_that_closes_stdin_early_keeps_its_status);
	tcase_add_test(tc, start_failures_are_named);
	tcase_add_test(tc, the_runner_going_away_is_status_255);
	tcase_add_test(tc, the_runners_last_word_is_read_after_it_stopped_reading);
	tcase_add_test(tc, a_large_input_through_cat_comes_back_whole);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
