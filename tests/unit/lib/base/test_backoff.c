/* Restart backoff: first restart immediate, doubling, capped, reset by a healthy run. */
#include <check.h>
#include <stdlib.h>

#include "backoff.h"
#include "unit.h"

START_TEST(first_restart_is_immediate_then_doubles)
{
	struct backoff b = BACKOFF_INIT;
	ck_assert_uint_eq(backoff_next_delay(&b, 5), 0);
	ck_assert_uint_eq(backoff_next_delay(&b, 5), 100);
	ck_assert_uint_eq(backoff_next_delay(&b, 5), 200);
	ck_assert_uint_eq(backoff_next_delay(&b, 5), 400);
	ck_assert_uint_eq(backoff_next_delay(&b, 5), 800);
}
END_TEST

START_TEST(delay_is_capped)
{
	struct backoff b = BACKOFF_INIT;
	uint64_t d = 0;
	for (int i = 0; i < 200; i++)
		d = backoff_next_delay(&b, 1);
	ck_assert_uint_eq(d, 30000);
}
END_TEST

START_TEST(healthy_run_resets)
{
	struct backoff b = BACKOFF_INIT;
	for (int i = 0; i < 6; i++)
		backoff_next_delay(&b, 1);
	ck_assert_uint_eq(backoff_next_delay(&b, 10000), 0);
	ck_assert_uint_eq(backoff_next_delay(&b, 9999), 100);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("backoff");
	TCase *tc = tcase_create("policy");
	tcase_add_test(tc, first_restart_is_immediate_then_doubles);
	tcase_add_test(tc, delay_is_capped);
	tcase_add_test(tc, healthy_run_resets);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
