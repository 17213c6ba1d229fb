/* The VM's network mode (see netmode.h). */
#include "netmode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "guesthost.h"
#include "state.h"

int netmode_parse(const char *mode, bool *mirrored, struct gi_error *err)
{
	if (strcmp(mode, "nat") && strcmp(mode, "mirrored"))
		return gi_error_set(err, EINVAL, "--networking-mode %s: expected nat or mirrored", mode);
	*mirrored = !strcmp(mode, "mirrored");
	return 0;
}

static void set_nat(struct vm_net *n)
{
	n->mirrored = false;
	snprintf(n->iface_addr, sizeof(n->iface_addr), "10.0.2.15/24");
	snprintf(n->gateway, sizeof(n->gateway), "10.0.2.2");
	snprintf(n->dns, sizeof(n->dns), "10.0.2.3");
	n->qemu_fd = -1;
	n->passt_pid = 0;
}

/* The host's IPv4 default route: its interface and gateway (/proc/net/route). */
static int default_route(char *iface, size_t cap, struct in_addr *gw)
{
	FILE *f = fopen("/proc/net/route", "re");
	if (!f)
		return -errno;
	char line[256], name[IF_NAMESIZE + 1];
	unsigned dest, gate, flags;
	int r = -ENETUNREACH;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%16s %x %x %x", name, &dest, &gate, &flags) == 4 && dest == 0 && (flags & 2 /* RTF_GATEWAY */)) {
			snprintf(iface, cap, "%s", name);
			gw->s_addr = gate;
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

static int iface_address(const char *iface, char *out, size_t cap)
{
	struct ifaddrs *all;
	if (getifaddrs(&all) < 0)
		return -errno;
	int r = -EADDRNOTAVAIL;
	for (struct ifaddrs *a = all; a; a = a->ifa_next) {
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET || strcmp(a->ifa_name, iface) || !a->ifa_netmask)
			continue;
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &((struct sockaddr_in *)a->ifa_addr)->sin_addr, text, sizeof(text));
		uint32_t mask = ntohl(((struct sockaddr_in *)a->ifa_netmask)->sin_addr.s_addr);
		snprintf(out, cap, "%s/%d", text, __builtin_popcount(mask));
		r = 0;
		break;
	}
	freeifaddrs(all);
	return r;
}

/* The host's first nameserver that the guest can reach through passt (not a loopback one,
 * such as systemd-resolved's 127.0.0.53: that is the host's own). */
static bool host_dns(char *out, size_t cap)
{
	FILE *f = fopen("/etc/resolv.conf", "re");
	if (!f)
		return false;
	char line[256], addr[64];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		struct in_addr a;
		if (sscanf(line, "nameserver %63s", addr) == 1 && inet_pton(AF_INET, addr, &a) == 1 &&
		    (ntohl(a.s_addr) >> 24) != 127) {
			snprintf(out, cap, "%s", addr);
			found = true;
		}
	}
	fclose(f);
	return found;
}

void netmode_prepare(const struct gh *g, bool mirrored, struct vm_net *n)
{
	set_nat(n);
	if (!mirrored)
		return;
	char iface[IF_NAMESIZE + 1], passt[PATH_MAX], logp[PATH_MAX];
	struct in_addr gw;
	const char *why = NULL;
	if (child_which("passt", passt, sizeof(passt)) < 0)
		why = "passt is not installed (apt-get install passt)";
	else if (default_route(iface, sizeof(iface), &gw) < 0)
		why = "the host has no IPv4 default route to mirror";
	else if (iface_address(iface, n->iface_addr, sizeof(n->iface_addr)) < 0)
		why = "the default route's interface has no IPv4 address";
	if (why) {
		gh_say("networkingMode=mirrored: %s; the VM runs with nat", why);
		set_nat(n);
		return;
	}
	inet_ntop(AF_INET, &gw, n->gateway, sizeof(n->gateway));
	bool forward_dns = !host_dns(n->dns, sizeof(n->dns));
	if (forward_dns) /* the host's resolver is on its loopback: passt relays the gateway's port 53 */
		snprintf(n->dns, sizeof(n->dns), "%s", n->gateway);
	state_file(g, "passt.log", logp);
	char *slash = strchr(n->iface_addr, '/');
	char addr_only[64];
	snprintf(addr_only, sizeof(addr_only), "%.*s", slash ? (int)(slash - n->iface_addr) : (int)strlen(n->iface_addr),
		 n->iface_addr);
	/* A connected socket pair, one end for passt (-F), one for QEMU: passt (as root it runs
	 * as nobody) shuts itself in namespaces of its own, where a socket it bound by name would
	 * not be the host's. In the foreground, our child, in a session of its own. */
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		gh_say("networkingMode=mirrored: socketpair: %s; the VM runs with nat", strerror(errno));
		set_nat(n);
		return;
	}
	char *argv[] = { passt, "-f", "-q", "-F", "3", "-a", addr_only, "-g", n->gateway,
			 forward_dns ? "--dns-forward" : NULL, n->gateway, NULL };
	int log = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	struct child_spec c = { .argv = argv, .fds = { -1, log, log }, .extra_fds = &sv[0], .nextra = 1, .setsid = true };
	struct gi_error err = GI_ERROR_INIT;
	pid_t pid = child_start(&c, &err);
	if (log >= 0)
		close(log);
	close(sv[0]);
	if (pid <= 0) {
		gh_say("networkingMode=mirrored: passt did not start (%s); the VM runs with nat", err.msg);
		close(sv[1]);
		set_nat(n);
		return;
	}
	n->mirrored = true;
	n->qemu_fd = sv[1];
	n->passt_pid = pid;
	char text[32];
	snprintf(text, sizeof(text), "%d\n", (int)pid);
	state_write(g, "passt.pid", text, 0644, &err);
	gh_say("networkingMode=mirrored: the guest gets the host's %s on %s, gateway %s (passt, pid %d)", n->iface_addr,
	       iface, n->gateway, (int)n->passt_pid);
}

void netmode_stop_passt(pid_t pid)
{
	if (pid <= 0)
		return;
	char path[64], comm[32] = "";
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (!fgets(comm, sizeof(comm), f))
		comm[0] = '\0';
	fclose(f);
	if (!strncmp(comm, "passt", 5))
		kill(pid, SIGTERM);
}
