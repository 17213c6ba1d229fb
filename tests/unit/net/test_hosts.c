/* /etc/hosts as generated: the header, localhost for both families, the hostname on
 * 127.0.1.1 in WSL's form, the host's line only when the host's address is known. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hosts.h"
#include "readfile.h"
#include "unit.h"

static char *written(const char *name, const char *host)
{
	char path[] = "/tmp/gi-hosts.XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(hosts_write(path, name, host), 0);
	FILE *f = fopen(path, "r");
	static char text[4096];
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	unlink(path);
	return text;
}

START_TEST(the_file_has_what_programs_look_up)
{
	const char *t = written("devbox", "10.0.2.2");
	ck_assert_ptr_nonnull(strstr(t, "# [network]\n# generateHosts = false\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n127.0.0.1\tlocalhost\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n127.0.1.1\tdevbox.\tdevbox\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n10.0.2.2\t" HOSTS_HOST_NAME "\n"));
	ck_assert_ptr_nonnull(strstr(t, "\n::1\tlocalhost ip6-localhost ip6-loopback\n"));
}
END_TEST

START_TEST(no_host_no_name_no_lines_for_them)
{
	const char *t = written("", NULL);
	ck_assert_ptr_null(strstr(t, "127.0.1.1"));
	ck_assert_ptr_null(strstr(t, HOSTS_HOST_NAME));
	ck_assert_ptr_nonnull(strstr(t, "\n127.0.0.1\tlocalhost\n"));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hosts");
	TCase *tc = tcase_create("hosts");
	tcase_add_test(tc, the_file_has_what_programs_look_up);
	tcase_add_test(tc, no_host_no_name_no_lines_for_them);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
