/* atomic_write: the whole new contents or the old, the mode from the start, no leftovers. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomicfile.h"
#include "unit.h"

static char dir[] = "/tmp/atomicfile.XXXXXX";

static int entries(void)
{
	DIR *d = opendir(dir);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

START_TEST(replaces_whole)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char p[64], buf[64] = "";
	snprintf(p, sizeof(p), "%s/rec", dir);
	umask(0077);
	ck_assert_int_eq(atomic_write(p, "one\n", 4, 0644, false), 0);
	ck_assert_int_eq(atomic_printf(p, 0644, "%s=%d\n", "two", 2), 0);
	int fd = open(p, O_RDONLY);
	ck_assert_int_eq(read(fd, buf, sizeof(buf)), 6);
	close(fd);
	ck_assert_str_eq(buf, "two=2\n");
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0644); /* the mode asked for, whatever the umask */
	ck_assert_int_eq(atomic_write(p, "secret", 6, 0600, true), 0);
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(entries(), 1); /* no temporary left */
	/* a folder that is not there: an error, nothing made */
	snprintf(p, sizeof(p), "%s/no/rec", dir);
	ck_assert_int_eq(atomic_write(p, "x", 1, 0644, false), -ENOENT);
	ck_assert_int_eq(entries(), 1);
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	ck_assert_int_eq(system(p), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("atomicfile");
	TCase *tc = tcase_create("atomicfile");
	tcase_add_test(tc, replaces_whole);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
