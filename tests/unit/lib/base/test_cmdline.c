/* Kernel command line parameters: whole words only, the first wins, a long value is refused. */
#include <check.h>
#include <errno.h>

#include "cmdline.h"
#include "unit.h"

START_TEST(whole_words_only)
{
	char v[64];
	const char *c = "console=ttyS0 xguestinit.net=bad guestinit.netmask=bad guestinit.net=eth0,10.0.2.15/24,10.0.2.2 quiet\n";
	ck_assert_int_eq(cmdline_param(c, "guestinit.net", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "eth0,10.0.2.15/24,10.0.2.2");
	ck_assert_int_eq(cmdline_param("guestinit.host=tcp://10.0.2.2:1", "guestinit.host", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "tcp://10.0.2.2:1");
	ck_assert_int_eq(cmdline_param(c, "guestinit.host", v, sizeof(v)), 0);
	ck_assert_int_eq(cmdline_param(c, "quiet", v, sizeof(v)), 0); /* a flag has no value */
}
END_TEST

START_TEST(a_value_that_does_not_fit_is_refused)
{
	char v[4];
	ck_assert_int_eq(cmdline_param("k=12345", "k", v, sizeof(v)), -ENAMETOOLONG);
	ck_assert_int_eq(cmdline_param("k=123", "k", v, sizeof(v)), 1);
	ck_assert_str_eq(v, "123");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("param");
	tcase_add_test(tc, whole_words_only);
	tcase_add_test(tc, a_value_that_does_not_fit_is_refused);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
