/* The state folder: made with its parents at mode 0700 whatever its name holds (a quote, a
 * space), records written whole, pid files read back only for live processes. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state.h"
#include "unit.h"

static char top[] = "/tmp/gh-state.XXXXXX";

START_TEST(folder_with_a_quote_and_a_space)
{
	ck_assert_ptr_nonnull(mkdtemp(top));
	struct gh g = { .error_status = 1 };
	struct gi_error err = GI_ERROR_INIT;
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/one two/it's, here", top);
	ck_assert_int_eq(state_init(&g, dir, &err), 0);
	ck_assert_str_eq(g.state, dir);
	ck_assert_int_eq(state_create(&g, &err), 0);
	struct stat st;
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 0777, 0700);
	ck_assert_int_eq(state_create(&g, &err), 0); /* again: it is there */

	char line[64], path[PATH_MAX];
	ck_assert_int_eq(state_write(&g, "port", "4242\n", 0644, &err), 0);
	ck_assert(state_read_line(&g, "port", line, sizeof(line)));
	ck_assert_str_eq(line, "4242");
	ck_assert(!state_read_line(&g, "nothing", line, sizeof(line)));
	ck_assert_int_eq(state_write_pid(&g, "self.pid", getpid(), &err), 0);
	ck_assert_int_eq(state_read_pid(&g, "self.pid"), getpid());
	ck_assert_int_eq(state_write(&g, "bad.pid", " 12\n", 0644, &err), 0);
	ck_assert_int_eq(state_read_pid(&g, "bad.pid"), 0); /* no blank, no sign: not a pid */
	ck_assert_int_eq(state_write(&g, "gone.pid", "2147483647\n", 0644, &err), 0);
	ck_assert_int_eq(state_read_pid(&g, "gone.pid"), 0);
	int lock = state_lock(&g, &err);
	ck_assert_int_ge(lock, 0);
	close(lock);
	ck_assert_str_eq(state_file(&g, "token", path) + strlen(dir), "/token");

	/* a regular file where a folder should be */
	snprintf(dir, sizeof(dir), "%s/file", top);
	ck_assert_int_eq(state_write(&g, "port", "1", 0644, &err), 0);
	FILE *f = fopen(dir, "w");
	fclose(f);
	snprintf(dir, sizeof(dir), "%s/file/below", top);
	ck_assert_int_eq(mkdir_p(dir, 0700), -ENOTDIR);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(too_long)
{
	struct gh g;
	struct gi_error err = GI_ERROR_INIT;
	char dir[PATH_MAX];
	memset(dir, 'a', sizeof(dir) - 1);
	dir[0] = '/';
	dir[sizeof(dir) - 1] = '\0';
	ck_assert_int_eq(state_init(&g, dir, &err), -ENAMETOOLONG);
	ck_assert(strstr(err.msg, "too long") != NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("state");
	TCase *tc = tcase_create("state");
	tcase_add_test(tc, folder_with_a_quote_and_a_space);
	tcase_add_test(tc, too_long);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
