/* Host addresses: every scheme parses, and each mistake is named. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <linux/vm_sockets.h>

#include "transport.h"
#include "unit.h"

static int parse(const char *uri, struct transport_addr *a, char *err)
{
	return transport_parse(uri, a, err, 256);
}

START_TEST(each_scheme_parses)
{
	struct transport_addr a;
	char err[256];
	ck_assert_int_eq(parse("vsock://2:50515", &a, err), 0);
	ck_assert_int_eq(a.kind, TRANSPORT_VSOCK);
	ck_assert_uint_eq(((struct sockaddr_vm *)&a.sa)->svm_cid, 2);
	ck_assert_uint_eq(((struct sockaddr_vm *)&a.sa)->svm_port, 50515);
	ck_assert_int_eq(parse("vsock://any:5", &a, err), 0);
	ck_assert_uint_eq(((struct sockaddr_vm *)&a.sa)->svm_cid, VMADDR_CID_ANY);
	ck_assert_int_eq(parse("tcp://10.0.2.2:4000", &a, err), 0);
	ck_assert_int_eq(a.kind, TRANSPORT_TCP);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&a.sa)->sin_port), 4000);
	ck_assert_int_eq(parse("tcp://[::1]:22", &a, err), 0);
	ck_assert_int_eq(a.sa.ss_family, AF_INET6);
	ck_assert_int_eq(parse("unix:///run/x.sock", &a, err), 0);
	ck_assert_int_eq(a.kind, TRANSPORT_UNIX);
	ck_assert_str_eq(((struct sockaddr_un *)&a.sa)->sun_path, "/run/x.sock");
}
END_TEST

START_TEST(mistakes_are_named)
{
	struct transport_addr a;
	char err[256];
	ck_assert_int_eq(parse("http://x:1", &a, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown scheme"));
	ck_assert_int_eq(parse("tcp://10.0.2.2", &a, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "no :PORT"));
	ck_assert_int_eq(parse("tcp://10.0.2.2:0", &a, err), -EINVAL);
	ck_assert_int_eq(parse("tcp://10.0.2.2:65536", &a, err), -EINVAL);
	ck_assert_int_eq(parse("tcp://10.0.2.2:-1", &a, err), -EINVAL);
	ck_assert_int_eq(parse("tcp://host.example:80", &a, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "numeric"));
	ck_assert_int_eq(parse("vsock://two:5", &a, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "CID"));
	ck_assert_int_eq(parse("unix://relative.sock", &a, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "absolute path"));
	char longp[200] = "unix:///";
	memset(longp + 8, 'a', 112); /* fits our 128-byte address, not sun_path's 108 */
	longp[120] = '\0';
	ck_assert_int_eq(parse(longp, &a, err), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "107"));
	ck_assert_ptr_nonnull(strstr(err, "unix:///aaa")); /* names the address */
}
END_TEST

int main(void)
{
	Suite *s = suite_create("transport");
	TCase *tc = tcase_create("uri");
	tcase_add_test(tc, each_scheme_parses);
	tcase_add_test(tc, mistakes_are_named);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
