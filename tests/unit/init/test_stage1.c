/* Stage 1's comparison of the initramfs's /init with the root disk's: a copy is made only when
 * they differ, and every way two files can differ (a byte, a length either way) is seen. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stage1.h"
#include "unit.h"

/* an unlinked file holding n bytes of a pattern, the byte at flip (if < n) changed */
static int file_of(size_t n, size_t flip)
{
	char path[] = "/tmp/gi-stage1-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	char *b = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		b[i] = (char)(i * 7 + i / 251);
	if (flip < n)
		b[flip] ^= 1;
	ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
	free(b);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

static int same(size_t na, size_t fa, size_t nb, size_t fb)
{
	int a = file_of(na, fa), b = file_of(nb, fb);
	int r = stage1_same_file(a, b);
	close(a);
	close(b);
	return r;
}

START_TEST(equal_files_are_the_same)
{
	ck_assert_int_eq(same(0, 0, 0, 0), 1);
	ck_assert_int_eq(same(5, 9, 5, 9), 1);
	/* over several of its 64 KiB blocks */
	ck_assert_int_eq(same(2269008, SIZE_MAX, 2269008, SIZE_MAX), 1);
}
END_TEST

START_TEST(one_byte_or_one_length_differs)
{
	ck_assert_int_eq(same(300000, SIZE_MAX, 300000, 299999), 0); /* the last byte */
	ck_assert_int_eq(same(300000, 70000, 300000, SIZE_MAX), 0);  /* in the second block */
	ck_assert_int_eq(same(300000, SIZE_MAX, 300001, SIZE_MAX), 0); /* b longer by one */
	ck_assert_int_eq(same(65536, SIZE_MAX, 65535, SIZE_MAX), 0); /* b shorter by one */
	ck_assert_int_eq(same(0, 0, 1, SIZE_MAX), 0);
	ck_assert_int_eq(same(1, SIZE_MAX, 0, 0), 0);
}
END_TEST

START_TEST(an_unreadable_file_is_an_error)
{
	int a = file_of(10, SIZE_MAX);
	int w = open("/dev/null", O_WRONLY);
	ck_assert_int_lt(stage1_same_file(a, w), 0);
	ck_assert_int_lt(stage1_same_file(w, a), 0);
	close(a);
	close(w);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("stage1");
	TCase *tc = tcase_create("stage1");
	tcase_add_test(tc, equal_files_are_the_same);
	tcase_add_test(tc, one_byte_or_one_length_differs);
	tcase_add_test(tc, an_unreadable_file_is_an_error);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
