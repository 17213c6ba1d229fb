/* rotfile: appends, rotates at its cap keeping KEEP old files (the oldest falls off), empties
 * the file with KEEP 0, and says when a write finds it closed. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rotfile.h"
#include "unit.h"

static char dir[] = "/tmp/rotfile.XXXXXX";

static long size_of(const char *base, const char *suffix)
{
	char p[128];
	snprintf(p, sizeof(p), "%s%s", base, suffix);
	struct stat st;
	return stat(p, &st) == 0 ? (long)st.st_size : -1;
}

static void slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

START_TEST(rotates_and_keeps)
{
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char p[64], buf[64];
	snprintf(p, sizeof(p), "%s/log", dir);
	struct rotfile f;
	rotfile_init(&f, p, 10, 2);
	ck_assert_int_eq(rotfile_write(&f, "x", 1), -EBADF);
	ck_assert_int_eq(rotfile_open(&f), 0);
	ck_assert_int_eq(rotfile_write(&f, "aaaa\n", 5), 0);
	ck_assert_int_eq(size_of(p, ".1"), -1);
	ck_assert_int_eq(rotfile_write(&f, "bbbbbb\n", 7), 0); /* 12 >= 10: rotated */
	ck_assert_int_eq(size_of(p, ""), 0);
	ck_assert_int_eq(size_of(p, ".1"), 12);
	ck_assert_int_eq(rotfile_write(&f, "cccccccccc", 10), 0);
	ck_assert_int_eq(rotfile_write(&f, "dddddddddd", 10), 0);
	/* three rotations with KEEP 2: the first file fell off */
	slurp(p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "");
	char q[80];
	snprintf(q, sizeof(q), "%s.1", p);
	slurp(q, buf, sizeof(buf));
	ck_assert_str_eq(buf, "dddddddddd");
	snprintf(q, sizeof(q), "%s.2", p);
	slurp(q, buf, sizeof(buf));
	ck_assert_str_eq(buf, "cccccccccc");
	ck_assert_int_eq(size_of(p, ".3"), -1);
	rotfile_close(&f);
	ck_assert(!rotfile_is_open(&f));
	/* appending to what is there */
	ck_assert_int_eq(rotfile_open(&f), 0);
	ck_assert_int_eq(rotfile_write(&f, "e\n", 2), 0);
	ck_assert_int_eq(rotfile_write(&f, "f\n", 2), 0);
	slurp(p, buf, sizeof(buf));
	ck_assert_str_eq(buf, "e\nf\n");
	rotfile_close(&f);
	snprintf(q, sizeof(q), "rm -rf %s", dir);
	ck_assert_int_eq(system(q), 0);
}
END_TEST

START_TEST(keep_zero_empties)
{
	char d[] = "/tmp/rotfile0.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(d));
	char p[64], q[80];
	snprintf(p, sizeof(p), "%s/log", d);
	struct rotfile f;
	rotfile_init(&f, p, 4, 0);
	ck_assert_int_eq(rotfile_open(&f), 0);
	ck_assert_int_eq(rotfile_write(&f, "12345", 5), 0);
	ck_assert_int_eq(size_of(p, ""), 0);
	ck_assert_int_eq(size_of(p, ".1"), -1);
	ck_assert_int_eq(rotfile_write(&f, "ab", 2), 0);
	ck_assert_int_eq(size_of(p, ""), 2);
	rotfile_close(&f);
	/* a folder that is not there */
	snprintf(q, sizeof(q), "%s/no/log", d);
	rotfile_init(&f, q, 4, 1);
	ck_assert_int_eq(rotfile_open(&f), -ENOENT);
	ck_assert(!rotfile_is_open(&f));
	snprintf(q, sizeof(q), "rm -rf %s", d);
	ck_assert_int_eq(system(q), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("rotfile");
	TCase *tc = tcase_create("rotfile");
	tcase_add_test(tc, rotates_and_keeps);
	tcase_add_test(tc, keep_zero_empties);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
