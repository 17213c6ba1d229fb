/* utmp records: the layout glibc's runlevel(8) reads, and our own reader. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>

#include "utmp_records.h"
#include "unit.h"

START_TEST(runlevel_record_reads_back_and_matches_glibc)
{
	char path[] = "/tmp/gi-utmp-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(utmp_write_boot(path, NULL, '2'), 0);
	char prev = 0, cur = 0;
	ck_assert_int_eq(utmp_read_runlevel(path, &prev, &cur), 0);
	ck_assert_int_eq(prev, 'N');
	ck_assert_int_eq(cur, '2');

	/* glibc's own reader sees a RUN_LVL and a BOOT_TIME record */
	ck_assert_int_eq(utmpname(path), 0);
	setutent();
	struct utmp *u;
	int runlvl = 0, boot = 0;
	while ((u = getutent())) {
		if (u->ut_type == RUN_LVL) {
			runlvl++;
			ck_assert_int_eq(u->ut_pid % 256, '2');
		}
		boot += u->ut_type == BOOT_TIME;
	}
	endutent();
	ck_assert_int_eq(runlvl, 1);
	ck_assert_int_eq(boot, 1);
	struct stat st;
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 2 * (long)sizeof(struct utmp));
	unlink(path);
}
END_TEST

START_TEST(missing_file_is_enoent)
{
	char prev, cur;
	ck_assert_int_eq(utmp_read_runlevel("/nonexistent/utmp", &prev, &cur), -ENOENT);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("utmp");
	TCase *tc = tcase_create("records");
	tcase_add_test(tc, runlevel_record_reads_back_and_matches_glibc);
	tcase_add_test(tc, missing_file_is_enoent);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
