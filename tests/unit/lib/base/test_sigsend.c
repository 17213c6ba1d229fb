/* signal_stopped_too: a stopped process still sees a handled signal, and nothing is sent after
 * the signal, so a process that a tracer is stopping on its way out is not left hanging (the
 * ASan build shows it: LeakSanitizer stops every process at exit). */
#include <check.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sigsend.h"
#include "unit.h"

static void exit_42(int sig)
{
	(void)sig;
	_exit(42);
}

START_TEST(a_stopped_process_sees_a_handled_signal)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGTERM, exit_42);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert(WIFSTOPPED(st));
	ck_assert_int_eq(signal_stopped_too(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 42, "status %#x", st);
}
END_TEST

START_TEST(a_process_group_and_sigkill)
{
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		setpgid(0, 0);
		raise(SIGSTOP);
		for (;;)
			pause();
	}
	setpgid(pid, pid);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, WUNTRACED), pid);
	ck_assert_int_eq(signal_stopped_too(-pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
	ck_assert_int_eq(signal_stopped_too(pid, SIGTERM), -1); /* gone */
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A daemon's end, as PID 1 and the supervisor cause it: the process waits for SIGTERM on a
 * signalfd and exits. Under ASan, LeakSanitizer then stops it from a tracer; a SIGCONT sent
 * after the SIGTERM could discard that stop and leave it hanging for good. Both on one CPU, the
 * woken process runs at once, which makes that window common: SIGTERM then SIGCONT left 8
 * of 1000 hanging. Without LeakSanitizer the rounds only check that each one ends. */
START_TEST(a_daemon_ends_even_while_a_tracer_stops_it_at_exit)
{
	cpu_set_t one, all;
	ck_assert_int_eq(sched_getaffinity(0, sizeof(all), &all), 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	ck_assert_int_eq(sched_setaffinity(0, sizeof(one), &one), 0);
	int hung = 0;
	for (int round = 0; round < 1000; round++) {
		int p[2];
		ck_assert_int_eq(pipe(p), 0);
		pid_t pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			sigset_t set;
			sigemptyset(&set);
			sigaddset(&set, SIGTERM);
			sigprocmask(SIG_BLOCK, &set, NULL);
			int fd = signalfd(-1, &set, 0);
			if (write(p[1], "r", 1) != 1 || fd < 0)
				_exit(1);
			struct signalfd_siginfo si;
			if (read(fd, &si, sizeof(si)) != sizeof(si))
				_exit(1);
			exit(0); /* exit(), not _exit(): the leak check runs at exit */
		}
		close(p[1]);
		char c;
		ck_assert_int_eq(read(p[0], &c, 1), 1);
		close(p[0]);
		signal_stopped_too(pid, SIGTERM);
		int st = 0;
		pid_t w = 0;
		for (long long end = now_ms() + 3000; (w = waitpid(pid, &st, WNOHANG)) == 0 && now_ms() < end;)
			usleep(2000);
		if (w != pid) {
			hung++;
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
		} else {
			ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "round %d: status %#x", round, st);
		}
	}
	sched_setaffinity(0, sizeof(all), &all);
	ck_assert_msg(hung == 0, "%d of 1000 processes never ended after SIGTERM", hung);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("sigsend");
	TCase *tc = tcase_create("sigsend");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, a_stopped_process_sees_a_handled_signal);
	tcase_add_test(tc, a_process_group_and_sigkill);
	tcase_add_test(tc, a_daemon_ends_even_while_a_tracer_stops_it_at_exit);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
