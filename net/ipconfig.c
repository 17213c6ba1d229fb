/* Static interface configuration through rtnetlink (libnl-route). */
#include "ipconfig.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomicfile.h"
#include "log.h"
#include "parse.h"

#define WANT "(want IFACE,ADDRESS/PREFIX,GATEWAY[,DNS])"

int ipconfig_parse(const char *spec, struct ipconfig *c, struct gi_error *err)
{
	memset(c, 0, sizeof(*c));
	char buf[256];
	if (strlen(spec) >= sizeof(buf))
		return gi_error_set(err, EINVAL, "guestinit.net=%s: too long " WANT, spec);
	strcpy(buf, spec);
	char *parts[5] = { 0 };
	int n = 0;
	for (char *save = NULL, *t = strtok_r(buf, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
		parts[n++] = t;
	if (n < 3 || n > 4)
		return gi_error_set(err, EINVAL, "guestinit.net=%s: needs 3 or 4 comma-separated parts " WANT, spec);
	if (strlen(parts[0]) >= sizeof(c->iface) || !parts[0][0])
		return gi_error_set(err, EINVAL, "guestinit.net=%s: bad interface name " WANT, spec);
	strcpy(c->iface, parts[0]);
	char addr[64];
	char *slash = strchr(parts[1], '/');
	struct in_addr a;
	if (!slash || (size_t)(slash - parts[1]) >= sizeof(addr))
		return gi_error_set(err, EINVAL, "guestinit.net=%s: the address has no /PREFIX " WANT, spec);
	memcpy(addr, parts[1], (size_t)(slash - parts[1]));
	addr[slash - parts[1]] = '\0';
	uint64_t prefix;
	if (inet_pton(AF_INET, addr, &a) != 1 || parse_uint(slash + 1, 10, 32, &prefix) < 0 || prefix < 1)
		return gi_error_set(err, EINVAL, "guestinit.net=%s: the address is not IPv4 ADDRESS/PREFIX (prefix 1-32) " WANT, spec);
	snprintf(c->address, sizeof(c->address), "%s", parts[1]);
	if (inet_pton(AF_INET, parts[2], &a) != 1)
		return gi_error_set(err, EINVAL, "guestinit.net=%s: the gateway is not an IPv4 address " WANT, spec);
	snprintf(c->gateway, sizeof(c->gateway), "%s", parts[2]);
	if (n == 4) {
		if (inet_pton(AF_INET, parts[3], &a) != 1)
			return gi_error_set(err, EINVAL, "guestinit.net=%s: the DNS server is not an IPv4 address " WANT, spec);
		snprintf(c->dns, sizeof(c->dns), "%s", parts[3]);
	}
	return 0;
}

static int nl_errno(int r)
{
	switch (r >= 0 ? 0 : -r) {
	case 0: return 0;
	case NLE_PERM: return -EPERM;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_EXIST: return -EEXIST;
	case NLE_OBJ_NOTFOUND: case NLE_NODEV: return -ENODEV;
	default: return -EIO;
	}
}

int ipconfig_apply(const struct ipconfig *c)
{
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	struct rtnl_link *link = NULL, *change = NULL;
	struct rtnl_addr *addr = NULL;
	struct rtnl_route *route = NULL;
	struct nl_addr *local = NULL, *gw = NULL, *dst = NULL;
	struct rtnl_nexthop *nh = NULL;
	int r = nl_connect(sk, NETLINK_ROUTE);
	const char *step = "netlink";
	/* the NIC's driver was loaded by stage 1; its probe may still be finishing */
	for (int i = 0; r >= 0 && i < 200; i++) {
		r = rtnl_link_get_kernel(sk, 0, c->iface, &link);
		if (r >= 0 || r != -NLE_OBJ_NOTFOUND)
			break;
		usleep(10000);
	}
	if (r < 0) {
		step = "find interface";
		goto out;
	}
	int ifindex = rtnl_link_get_ifindex(link);
	step = "set link up";
	change = rtnl_link_alloc();
	if (!change) {
		r = -NLE_NOMEM;
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	r = rtnl_link_change(sk, link, change, 0);
	if (r < 0)
		goto out;
	step = "add address";
	r = nl_addr_parse(c->address, AF_INET, &local);
	if (r < 0)
		goto out;
	addr = rtnl_addr_alloc();
	if (!addr) {
		r = -NLE_NOMEM;
		goto out;
	}
	rtnl_addr_set_ifindex(addr, ifindex);
	rtnl_addr_set_local(addr, local);
	r = rtnl_addr_add(sk, addr, 0);
	if (r == -NLE_EXIST)
		r = 0;
	if (r < 0)
		goto out;
	step = "add default route";
	r = nl_addr_parse(c->gateway, AF_INET, &gw);
	if (r >= 0)
		r = nl_addr_parse("0.0.0.0/0", AF_INET, &dst);
	if (r < 0)
		goto out;
	route = rtnl_route_alloc();
	nh = rtnl_route_nh_alloc();
	if (!route || !nh) {
		r = -NLE_NOMEM;
		goto out;
	}
	rtnl_route_set_family(route, AF_INET);
	rtnl_route_set_dst(route, dst);
	rtnl_route_nh_set_ifindex(nh, ifindex);
	rtnl_route_nh_set_gateway(nh, gw);
	rtnl_route_add_nexthop(route, nh);
	nh = NULL; /* the route owns it now */
	r = rtnl_route_add(sk, route, NLM_F_CREATE | NLM_F_REPLACE);
out:
	if (r < 0)
		log_warn("net", "%s %s: %s", step, c->iface, nl_geterror(r));
	if (nh)
		rtnl_route_nh_free(nh);
	rtnl_route_put(route);
	rtnl_addr_put(addr);
	nl_addr_put(local);
	nl_addr_put(gw);
	nl_addr_put(dst);
	rtnl_link_put(change);
	rtnl_link_put(link);
	nl_socket_free(sk);
	return nl_errno(r);
}

int ipconfig_write_resolv_conf(const struct ipconfig *c, const char *path)
{
	if (!c->dns[0])
		return 0;
	/* a symlink (systemd-resolved's stub) is replaced by the file, as WSL does: the rename
	 * puts the file where the link was */
	return atomic_printf(path, 0644,
			     "# This file was automatically generated by guestinit.\n"
			     "# To stop it, add to /etc/wsl.conf:\n"
			     "# [network]\n"
			     "# generateResolvConf = false\n"
			     "nameserver %s\n",
			     c->dns);
}
