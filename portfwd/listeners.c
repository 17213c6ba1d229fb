/* The listener scan (see listeners.h): SOCK_DIAG_BY_FAMILY dumps through libnl, the replies
 * parsed here (inet_diag_msg and its INET_DIAG_SKV6ONLY attribute). */
#include "listeners.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>

#define TCPF_LISTEN (1u << 10) /* 1 << TCP_LISTEN */

struct scan {
	struct fwd_listener *out;
	size_t cap, n;
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct scan *s = arg;
	struct nlmsghdr *nh = nlmsg_hdr(msg);
	if (nh->nlmsg_type != SOCK_DIAG_BY_FAMILY || nlmsg_datalen(nh) < (int)sizeof(struct inet_diag_msg))
		return NL_SKIP;
	const struct inet_diag_msg *m = nlmsg_data(nh);
	struct fwd_listener l = { .port = ntohs(m->id.idiag_sport), .family = m->idiag_family == AF_INET ? 4 : 6 };
	if (m->idiag_family == AF_INET) {
		uint32_t a = ntohl(m->id.idiag_src[0]);
		if (a != INADDR_ANY && a != INADDR_LOOPBACK)
			return NL_OK;
		l.loopback = a == INADDR_LOOPBACK;
	} else {
		struct in6_addr a;
		memcpy(&a, m->id.idiag_src, sizeof(a));
		if (IN6_IS_ADDR_LOOPBACK(&a))
			l.loopback = true;
		else if (!IN6_IS_ADDR_UNSPECIFIED(&a))
			return NL_OK;
		struct nlattr *v6 = nlmsg_find_attr(nh, sizeof(*m), INET_DIAG_SKV6ONLY);
		l.v6only = v6 && nla_len(v6) >= 1 && nla_get_u8(v6);
	}
	if (l.port == 0 || s->n >= s->cap)
		return NL_OK;
	s->out[s->n++] = l;
	return NL_OK;
}

struct nl_sock *listeners_open(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk) {
		errno = ENOMEM;
		return NULL;
	}
	int r = nl_connect(sk, NETLINK_SOCK_DIAG);
	if (r < 0) {
		nl_socket_free(sk);
		errno = r == -NLE_PROTO_MISMATCH ? EPROTONOSUPPORT : EIO;
		return NULL;
	}
	nl_socket_disable_auto_ack(sk);
	return sk;
}

void listeners_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

int listener_cmp(const struct fwd_listener *a, const struct fwd_listener *b)
{
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->loopback != b->loopback)
		return a->loopback ? 1 : -1;
	if (a->v6only != b->v6only)
		return a->v6only ? 1 : -1;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	return listener_cmp(a, b);
}

const char *listener_addr(const struct fwd_listener *l)
{
	return l->family == 4 ? (l->loopback ? "127.0.0.1" : "0.0.0.0") : (l->loopback ? "::1" : "::");
}

int listeners_scan(struct nl_sock *sk, struct fwd_listener *out, size_t cap)
{
	struct scan s = { .out = out, .cap = cap };
	int r = nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &s);
	if (r < 0)
		return -EIO;
	static const int families[] = { AF_INET, AF_INET6 };
	for (size_t i = 0; i < 2; i++) {
		struct inet_diag_req_v2 req = {
			.sdiag_family = (uint8_t)families[i],
			.sdiag_protocol = IPPROTO_TCP,
			.idiag_states = TCPF_LISTEN,
		};
		r = nl_send_simple(sk, SOCK_DIAG_BY_FAMILY, NLM_F_DUMP, &req, sizeof(req));
		if (r < 0)
			return -EIO;
		r = nl_recvmsgs_default(sk);
		/* a kernel without IPv6 has no dump for it */
		if (r < 0 && !(families[i] == AF_INET6 && r == -NLE_NOADDR))
			return r == -NLE_NOMEM ? -ENOMEM : -EIO;
	}
	qsort(out, s.n, sizeof(*out), cmp);
	size_t n = 0;
	for (size_t i = 0; i < s.n; i++)
		if (!n || listener_cmp(&out[n - 1], &out[i]))
			out[n++] = out[i];
	return (int)n;
}
