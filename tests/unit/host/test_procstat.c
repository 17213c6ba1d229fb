/* Processes as guesthost sees them: QEMU's memory from smaps text, a zombie is not alive, and
 * a pidfd wait ends when the process does (not before). */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procstat.h"
#include "unit.h"

/* Two mappings of QEMU: code (r-xp) and the guest's RAM (the largest rw-p), then a smaller
 * rw-p one; the names and flags a real smaps has between them. */
static const char smaps[] =
	"55d0c8a00000-55d0c8e00000 r-xp 00000000 08:01 1234   /usr/bin/qemu-system-x86_64\n"
	"Size:               4096 kB\n"
	"Rss:                2048 kB\n"
	"Anonymous:             0 kB\n"
	"VmFlags: rd ex mr mw me dw\n"
	"7f0000000000-7f0080000000 rw-p 00000000 00:00 0\n"
	"Size:            2097152 kB\n"
	"Rss:              300000 kB\n"
	"FilePmdMapped:         0 kB\n"
	"7f1000000000-7f1000100000 rw-p 00000000 00:00 0\n"
	"Size:               1024 kB\n"
	"Rss:                1000 kB\n";

START_TEST(memory_from_smaps)
{
	FILE *f = fmemopen((void *)smaps, sizeof(smaps) - 1, "r");
	struct proc_memory m;
	ck_assert_int_eq(proc_memory_parse(f, &m), 0);
	fclose(f);
	ck_assert_uint_eq(m.rss_kib, 2048 + 300000 + 1000);
	ck_assert_uint_eq(m.guest_ram_kib, 2097152);
	ck_assert_uint_eq(m.guest_ram_rss_kib, 300000);
	/* our own process has a real smaps */
	ck_assert_int_eq(proc_memory_of(getpid(), &m), 0);
	ck_assert_uint_gt(m.rss_kib, 0);
}
END_TEST

START_TEST(alive_zombie_and_pidfd)
{
	ck_assert(proc_alive(getpid()));
	ck_assert(!proc_alive(0));
	int go[2];
	ck_assert_int_eq(pipe(go), 0);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		close(go[1]);
		_exit(read(go[0], &c, 1) == 1 ? 0 : 1);
	}
	close(go[0]);
	int pidfd = proc_pidfd(pid);
	ck_assert_int_ge(pidfd, 0);
	ck_assert(proc_alive(pid));
	ck_assert_int_eq(proc_wait_pidfd(pidfd, 0), 0); /* still running */
	ck_assert_int_eq(write(go[1], "x", 1), 1);
	ck_assert_int_eq(proc_wait_pidfd(pidfd, 10000), 1);
	ck_assert(!proc_alive(pid)); /* a zombie until we reap it */
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	close(pidfd);
	close(go[1]);
}
END_TEST

START_TEST(signal_through_pidfd)
{
	int ready[2];
	char c;
	ck_assert_int_eq(pipe(ready), 0);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGTERM, SIG_DFL); /* Check's own handler would end the whole test */
		(void)!write(ready[1], "r", 1);
		pause();
		_exit(0);
	}
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	close(ready[0]);
	close(ready[1]);
	int pidfd = proc_pidfd(pid);
	ck_assert_int_ge(pidfd, 0);
	ck_assert_int_eq(proc_signal_pidfd(pidfd, SIGTERM), 0);
	ck_assert_int_eq(proc_wait_pidfd(pidfd, 10000), 1);
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
	close(pidfd);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("procstat");
	TCase *tc = tcase_create("procstat");
	tcase_add_test(tc, memory_from_smaps);
	tcase_add_test(tc, alive_zombie_and_pidfd);
	tcase_add_test(tc, signal_through_pidfd);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
