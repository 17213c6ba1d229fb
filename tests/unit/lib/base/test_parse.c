/* parse_uint: whole strings of digits within a bound, nothing else. */
#include <check.h>
#include <errno.h>
#include <stdint.h>

#include "parse.h"
#include "unit.h"

START_TEST(accepts_numbers_in_range)
{
	uint64_t v;
	ck_assert_int_eq(parse_uint("0", 10, 10, &v), 0);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(parse_uint("4294967295", 10, UINT32_MAX, &v), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_uint("755", 8, 0777, &v), 0);
	ck_assert_uint_eq(v, 0755);
	ck_assert_int_eq(parse_uint("ff", 16, 255, &v), 0);
	ck_assert_uint_eq(v, 255);
	uint32_t u;
	ck_assert_int_eq(parse_u32("123", 10, &u), 0);
	ck_assert_uint_eq(u, 123);
}
END_TEST

START_TEST(refuses_what_strtoul_lets_through)
{
	uint64_t v = 7;
	static const char *const bad[] = { "", " 1", "-1", "+1", "1 ", "1x", "x", "0x", "\t2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse_uint(bad[i], 10, UINT64_MAX, &v) == -EINVAL, "'%s' accepted", bad[i]);
	ck_assert_int_eq(parse_uint(NULL, 10, 1, &v), -EINVAL);
	ck_assert_int_eq(parse_uint("11", 10, 10, &v), -ERANGE);
	ck_assert_int_eq(parse_uint("99999999999999999999999", 10, UINT64_MAX, &v), -ERANGE);
	ck_assert_int_eq(parse_uint("8", 8, 0777, &v), -EINVAL);
	uint32_t u;
	ck_assert_int_eq(parse_u32("4294967296", 10, &u), -ERANGE);
	ck_assert_uint_eq(v, 7); /* untouched on failure */
}
END_TEST

START_TEST(prefix_stops_at_the_first_non_digit)
{
	uint64_t v;
	const char *end;
	ck_assert_int_eq(parse_uint_prefix("12 kB", 10, 100, &v, &end), 0);
	ck_assert_uint_eq(v, 12);
	ck_assert_str_eq(end, " kB");
	ck_assert_int_eq(parse_uint_prefix(" 12", 10, 100, &v, &end), -EINVAL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("parse");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, accepts_numbers_in_range);
	tcase_add_test(tc, refuses_what_strtoul_lets_through);
	tcase_add_test(tc, prefix_stops_at_the_first_non_digit);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
