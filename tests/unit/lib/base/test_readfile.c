/* read_file: a file to its end whatever its stated size (/proc says 0), the limit enforced
 * whether the size is stated or found while reading, and what is not a regular file refused
 * before a read could block. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "readfile.h"
#include "unit.h"

START_TEST(reads_whole_files)
{
	char dir[] = "/tmp/readfile.XXXXXX", p[64];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/f", dir);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	for (int i = 0; i < 3000; i++)
		fprintf(f, "line %d\n", i); /* past the first 4096-byte buffer */
	fclose(f);
	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file(p, 1 << 20, &text, &len), 0);
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	ck_assert_uint_eq(len, (size_t)st.st_size);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert(!strncmp(text + len - 10, "line 2999\n", 10));
	free(text);
	/* the limit: a stated size over it, and exactly at it */
	ck_assert_int_eq(read_file(p, len - 1, &text, NULL), -EFBIG);
	ck_assert_int_eq(read_file(p, len, &text, NULL), 0);
	free(text);
	/* an empty file is "" */
	snprintf(p, sizeof(p), "%s/empty", dir);
	fclose(fopen(p, "w"));
	ck_assert_int_eq(read_file(p, 10, &text, &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_str_eq(text, "");
	free(text);
	/* a FIFO would block, a directory cannot be read: both refused */
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	ck_assert_int_eq(read_file(p, 10, &text, NULL), -EINVAL);
	ck_assert_int_eq(read_file(dir, 10, &text, NULL), -EINVAL);
	snprintf(p, sizeof(p), "rm -rf %s", dir);
	ck_assert_int_eq(system(p), 0);
	ck_assert_int_eq(read_file("/nonexistent/x", 10, &text, NULL), -ENOENT);
}
END_TEST

START_TEST(proc_files_state_size_zero)
{
	char *text = NULL;
	size_t len = 0;
	ck_assert_int_eq(read_file("/proc/self/mountinfo", 64u << 20, &text, &len), 0);
	ck_assert_uint_gt(len, 0);
	ck_assert_ptr_nonnull(strstr(text, " / "));
	free(text);
	/* a limit found while reading, not from the stated size */
	ck_assert_int_eq(read_file("/proc/self/mountinfo", 8, &text, NULL), -EFBIG);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("readfile");
	TCase *tc = tcase_create("readfile");
	tcase_add_test(tc, reads_whole_files);
	tcase_add_test(tc, proc_files_state_size_zero);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
