/* Login records: a terminal session's USER_PROCESS replaces its line's record in utmp and is
 * appended to wtmp; its end turns it into DEAD_PROCESS; boot records stay. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "utmp_file.h"

static char dir[] = "/tmp/utmp.XXXXXX";
static char up[64], wp[64];

static int records(const char *path, struct utmp_record *out, int max)
{
	int fd = open(path, O_RDONLY);
	int n = 0;
	while (n < max && read(fd, &out[n], sizeof(out[n])) == (ssize_t)sizeof(out[n]))
		n++;
	close(fd);
	return n;
}

START_TEST(login_then_logout)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(up, sizeof(up), "%s/utmp", dir);
	snprintf(wp, sizeof(wp), "%s/wtmp", dir);
	struct utmp_record boot;
	utmp_fill(&boot, UT_BOOT_TIME, 0, "~", "~~", "reboot", NULL);
	ck_assert_int_eq(utmp_append(up, &boot, 1, 1), 0);
	ck_assert_int_eq(utmp_append(wp, &boot, 1, 1), 0);
	ck_assert_int_eq(utmp_login(up, wp, 4242, "/dev/pts/3", "alice", "guesthost"), 0);
	ck_assert_int_eq(utmp_login(up, wp, 4243, "/dev/pts/12", "a-very-long-user-name-longer-than-32-bytes", NULL), 0);
	struct utmp_record r[8];
	ck_assert_int_eq(records(up, r, 8), 3);
	ck_assert_int_eq(r[1].type, UT_USER_PROCESS);
	ck_assert_int_eq(r[1].pid, 4242);
	ck_assert_str_eq(r[1].line, "pts/3");
	ck_assert(!memcmp(r[1].id, "ts/3", 4));
	ck_assert_str_eq(r[1].user, "alice");
	ck_assert_str_eq(r[1].host, "guesthost");
	ck_assert(!memcmp(r[2].user, "a-very-long-user-name-longer-tha", 32)); /* cut to the field */
	ck_assert_int_eq(utmp_logout(up, wp, 4242, "/dev/pts/3"), 0);
	ck_assert_int_eq(records(up, r, 8), 3); /* in place: no record added */
	ck_assert_int_eq(r[1].type, UT_DEAD_PROCESS);
	ck_assert_str_eq(r[1].line, "pts/3");
	ck_assert_str_eq(r[1].user, "");
	ck_assert_int_eq(r[2].type, UT_USER_PROCESS);
	ck_assert_int_eq(r[0].type, UT_BOOT_TIME);
	/* the same terminal again: its slot is reused */
	ck_assert_int_eq(utmp_login(up, wp, 5000, "/dev/pts/3", "bob", NULL), 0);
	ck_assert_int_eq(records(up, r, 8), 3);
	ck_assert_str_eq(r[1].user, "bob");
	/* wtmp has everything, in order: boot, 2 logins, a logout, a login */
	ck_assert_int_eq(records(wp, r, 8), 5);
	ck_assert_int_eq(r[3].type, UT_DEAD_PROCESS);
	/* no utmp at all (a bare root): an error, nothing made */
	char missing[80];
	snprintf(missing, sizeof(missing), "%s/none", dir);
	ck_assert_int_lt(utmp_login(missing, NULL, 1, "/dev/pts/0", "x", NULL), 0);
	ck_assert_int_ne(access(missing, F_OK), 0);
	char cmd[80];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utmp");
	TCase *tc = tcase_create("utmp");
	tcase_add_test(tc, login_then_logout);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
