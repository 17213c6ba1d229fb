/* The one error value: set, wrapped with context, cut to its buffer, never NULL-unsafe. */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "error.h"
#include "unit.h"

START_TEST(set_and_wrap)
{
	struct gi_error e = GI_ERROR_INIT;
	ck_assert(!gi_error_is_set(&e));
	ck_assert_int_eq(gi_error_set(&e, ENOENT, "no drive %c:", 'Q'), -ENOENT);
	ck_assert_int_eq(gi_error_wrap(&e, "mount %s", "/mnt/q"), -ENOENT);
	ck_assert_int_eq(gi_error_wrap(&e, "drvfs"), -ENOENT);
	ck_assert_str_eq(e.msg, "drvfs: mount /mnt/q: no drive Q:");
	ck_assert_int_eq(e.code, ENOENT);
	ck_assert_int_eq(gi_error_errno(&e, -ECONNREFUSED, "9p"), -ECONNREFUSED);
	ck_assert_str_eq(e.msg, "9p: Connection refused");
	gi_error_clear(&e);
	ck_assert(!gi_error_is_set(&e));
	ck_assert_str_eq(e.msg, "");
}
END_TEST

START_TEST(null_and_zero_and_long)
{
	ck_assert_int_eq(gi_error_set(NULL, EPERM, "x"), -EPERM);
	struct gi_error e = GI_ERROR_INIT;
	ck_assert_int_lt(gi_error_set(&e, 0, "a failure without a code"), 0); /* still a failure */
	char big[2000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	gi_error_set(&e, EINVAL, "%s", big);
	gi_error_wrap(&e, "outer");
	ck_assert_uint_eq(strlen(e.msg), GI_ERROR_MAX - 1);
	ck_assert(!strncmp(e.msg, "outer: xxx", 10)); /* the context stays, the tail is cut */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("error");
	tcase_add_test(tc, set_and_wrap);
	tcase_add_test(tc, null_and_zero_and_long);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
