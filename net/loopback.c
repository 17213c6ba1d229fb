/* Loopback up through rtnetlink (libnl-route). */
#include "loopback.h"

#include <errno.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <net/if.h>

#include "log.h"

/* libnl has its own error space; our callers speak -errno. */
static int nl_to_errno(int r)
{
	switch (r >= 0 ? 0 : -r) {
	case 0: return 0;
	case NLE_PERM: return -EPERM;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
	case NLE_AGAIN: return -EAGAIN;
	default: return -EIO;
	}
}

int net_loopback_up(void)
{
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	int r = nl_connect(sk, NETLINK_ROUTE);
	struct rtnl_link *lo = NULL, *change = NULL;
	if (r < 0)
		goto out;
	r = rtnl_link_get_kernel(sk, 0, "lo", &lo);
	if (r < 0)
		goto out;
	if (rtnl_link_get_flags(lo) & IFF_UP)
		goto out;
	change = rtnl_link_alloc();
	if (!change) {
		r = -NLE_NOMEM;
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, lo, change, 0);
out:
	if (r < 0)
		log_debug("net", "loopback: %s", nl_geterror(r));
	rtnl_link_put(change);
	rtnl_link_put(lo);
	nl_socket_free(sk);
	return nl_to_errno(r);
}
