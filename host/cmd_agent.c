/* `guesthost agent --listen URI --token-file FILE [--ready-fd N] [--qemu-pid PID
 * [--boot-timeout S]] [--memory-reclaim MODE] [--drive L=DIR]...`: the agent itself
 * (agent.c), as start runs it for its VM (it ends with that QEMU, and ends a QEMU whose guest
 * is not ready for S seconds), or by hand for a guest elsewhere. */
#include "guesthost.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "drive_msg.h"
#include "netmode.h"
#include "cleanup.h"
#include "parse.h"
#include "state.h"
#include "vmopts.h"

static int read_token(const char *path, char *out, size_t cap, struct gi_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, cap - 1) : -1;
	if (n < 0)
		return gi_error_errno(err, errno, "agent: cannot read the token from %s", path);
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	if (!out[0])
		return gi_error_set(err, EINVAL, "agent: no token in %s", path);
	return 0;
}

static int parse_agent(int argc, char **argv, struct agent_opts *o, const char **token_file, struct gi_error *err)
{
	for (int i = 1; i < argc; i += 2) {
		const char *a = argv[i], *v = argv[i + 1]; /* argv[argc] is NULL */
		uint32_t n;
		int r = 0;
		if (!v)
			return gi_error_set(err, EINVAL, "agent: %s needs a value", a);
		if (!strcmp(a, "--listen"))
			o->listen_uri = v;
		else if (!strcmp(a, "--token-file"))
			*token_file = v;
		else if (!strcmp(a, "--ready-fd") || !strcmp(a, "--qemu-pid")) {
			bool pid = a[2] == 'q';
			if (parse_u32(v, 10, &n) < 0 || n > INT_MAX || (pid && n == 0))
				return gi_error_set(err, EINVAL, "agent: %s %s: not a %s", a, v, pid ? "process id" : "number");
			if (pid)
				o->qemu_pid = (pid_t)n;
			else
				o->ready_fd = (int)n;
		} else if (!strcmp(a, "--boot-timeout"))
			r = vm_opt_seconds(a, v, &o->boot_timeout_s, err);
		else if (!strcmp(a, "--memory-reclaim"))
			r = vm_opt_reclaim(v, &o->reclaim, err);
		else if (!strcmp(a, "--drive") || !strcmp(a, "--drive-virtio"))
			r = vm_opt_drive(a, v, a[7] == '-', o->drives, &o->ndrives, err);
		else if (!strcmp(a, "--wine"))
			r = agent_interop_set_wine(&o->interop, v, err);
		else if (!strcmp(a, "--windows-path"))
			o->interop.windows_path = v;
		else if (!strcmp(a, "--alias"))
			r = agent_interop_add_alias(&o->interop, v, err);
		else if (!strcmp(a, "--monitor"))
			o->monitor = v;
		else if (!strcmp(a, "--distro"))
			o->distro = v;
		else if (!strcmp(a, "--idle-timeout")) {
			if (parse_u32(v, 10, &n) < 0)
				return gi_error_set(err, EINVAL, "agent: --idle-timeout %s: not milliseconds", v);
			o->idle_timeout_ms = n;
		}
		else if (!strcmp(a, "--drive-ports")) {
			if (parse_u32(v, 10, &n) < 0 || n > DRIVE_PORTS_MAX)
				return gi_error_set(err, EINVAL, "agent: --drive-ports %s: not a number from 0 to %d", v,
						    DRIVE_PORTS_MAX);
			o->drive_ports = n;
		} else if (!strcmp(a, "--network")) {
			bool mirrored;
			r = netmode_parse(v, &mirrored, err);
			o->network = mirrored ? "mirrored" : "nat";
		} else if (!strcmp(a, "--passt-pid")) {
			if (parse_u32(v, 10, &n) < 0 || n == 0 || n > INT_MAX)
				return gi_error_set(err, EINVAL, "agent: --passt-pid %s: not a process id", v);
			o->passt_pid = (pid_t)n;
		}
		else if (!strcmp(a, "--localhost-forwarding"))
			r = vm_opt_localhost_forwarding(v, &o->localhost_forwarding_off, err);
		else
			return gi_error_set(err, EINVAL, "agent: unknown option '%s' (--listen URI --token-file FILE "
						    "[--ready-fd N] [--qemu-pid PID [--boot-timeout S]] [--distro NAME] [--idle-timeout MS] [--memory-reclaim MODE] "
						    "[--drive L=DIR]... [--drive-ports N] [--wine PREFIX] [--windows-path LIST] [--alias NAME=CMD]... "
						    "[--localhost-forwarding true|false] [--monitor SOCK] [--network nat|mirrored] "
						    "[--passt-pid PID])", a);
		if (r < 0)
			return r;
	}
	return 0;
}

int cmd_agent(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	static struct agent_opts o = { .ready_fd = -1, .distro = "Debian", .boot_timeout_s = BOOT_TIMEOUT_S };
	static char cli[PATH_MAX + 8], token[256];
	const char *token_file = NULL;
	char sock[PATH_MAX];
	int r = parse_agent(argc, argv, &o, &token_file, err);
	if (r < 0)
		return r;
	if (!o.listen_uri || !token_file)
		return gi_error_set(err, EINVAL, "agent: --listen URI and --token-file FILE are required");
	if ((r = state_create(g, err)) < 0 || (r = read_token(token_file, token, sizeof(token), err)) < 0)
		return r;
	snprintf(cli, sizeof(cli), "unix://%s", state_file(g, "agent.sock", sock));
	o.cli_uri = cli;
	o.token = token;
	o.state = g->state;
	o.self = g->self;
	if ((r = state_write_pid(g, "agent.pid", getpid(), err)) < 0)
		return r;
	return agent_run(&o);
}
