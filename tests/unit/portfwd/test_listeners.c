/* The listener scan: a listener of this test on each address kind is found, with its port,
 * family, loopback and v6only as they are; one on another address is not; a closed one is
 * gone; duplicates (SO_REUSEPORT) are one. */
#include <check.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listeners.h"
#include "unit.h"

/* A listener on addr (numeric) at a port the kernel picks; its port in *port, or -1 when
 * the address family is missing here. */
static int listen_at(const char *addr, bool v6only, bool reuseport, uint16_t want, uint16_t *port)
{
	bool v6 = strchr(addr, ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1, v = v6only;
	if (reuseport)
		setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;
	if (v6) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v));
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(want);
		inet_pton(AF_INET6, addr, &in6->sin6_addr);
		sl = sizeof(*in6);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		in->sin_family = AF_INET;
		in->sin_port = htons(want);
		inet_pton(AF_INET, addr, &in->sin_addr);
		sl = sizeof(*in);
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 1) < 0) {
		close(fd);
		return -1;
	}
	getsockname(fd, (struct sockaddr *)&ss, &sl);
	*port = ntohs(v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static struct fwd_listener found[FWD_LISTENERS_MAX];

/* how many entries of the scan are on port */
static int count(struct nl_sock *sk, uint16_t port, struct fwd_listener *first)
{
	int n = listeners_scan(sk, found, FWD_LISTENERS_MAX);
	ck_assert_int_ge(n, 0);
	int c = 0;
	for (int i = 0; i < n; i++)
		if (found[i].port == port) {
			if (!c && first)
				*first = found[i];
			c++;
		}
	return c;
}

START_TEST(each_address_kind_is_found_as_it_is)
{
	struct nl_sock *sk = listeners_open();
	ck_assert_ptr_nonnull(sk);
	static const struct { const char *addr; bool v6only; uint8_t family; bool loopback; } kinds[] = {
		{ "0.0.0.0", false, 4, false }, { "127.0.0.1", false, 4, true },
		{ "::", false, 6, false },      { "::", true, 6, false }, { "::1", true, 6, true },
	};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		uint16_t port;
		int fd = listen_at(kinds[i].addr, kinds[i].v6only, false, 0, &port);
		if (fd < 0 && strchr(kinds[i].addr, ':'))
			continue; /* no IPv6 here */
		ck_assert_int_ge(fd, 0);
		struct fwd_listener l;
		ck_assert_int_eq(count(sk, port, &l), 1);
		ck_assert_uint_eq(l.family, kinds[i].family);
		ck_assert_int_eq(l.loopback, kinds[i].loopback);
		if (kinds[i].family == 6)
			ck_assert_int_eq(l.v6only, kinds[i].v6only);
		ck_assert_str_eq(listener_addr(&l), kinds[i].addr);
		close(fd);
		ck_assert_int_eq(count(sk, port, NULL), 0);
	}
	listeners_close(sk);
}
END_TEST

START_TEST(other_addresses_are_left_out)
{
	struct nl_sock *sk = listeners_open();
	uint16_t port;
	int fd = listen_at("127.0.0.2", false, false, 0, &port); /* loopback's net, not 127.0.0.1 */
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(count(sk, port, NULL), 0);
	close(fd);
	listeners_close(sk);
}
END_TEST

START_TEST(a_reuseport_group_is_one)
{
	struct nl_sock *sk = listeners_open();
	uint16_t port, again;
	int a = listen_at("127.0.0.1", false, true, 0, &port);
	int b = listen_at("127.0.0.1", false, true, port, &again);
	ck_assert_int_ge(a, 0);
	ck_assert_int_ge(b, 0);
	ck_assert_uint_eq(again, port);
	ck_assert_int_eq(count(sk, port, NULL), 1);
	close(a);
	close(b);
	listeners_close(sk);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("listeners");
	TCase *tc = tcase_create("scan");
	tcase_add_test(tc, each_address_kind_is_found_as_it_is);
	tcase_add_test(tc, other_addresses_are_left_out);
	tcase_add_test(tc, a_reuseport_group_is_one);
	suite_add_tcase(s, tc);
	return unit_run(s);
}
