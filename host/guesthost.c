/* guesthost: the reference host agent for Linux hosts. It builds and boots the VM under QEMU,
 * runs commands in it, and shuts it down (man 1 guesthost). This file is the command table:
 * each verb is a file of its own (cmd_*.c, p9cmd.c), and errors come back to main as values,
 * printed once. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "guesthost.h"
#include "guestmount.h"
#include "p9cmd.h"
#include "state.h"
#include "wsl.h"

void gh_say(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("guesthost: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int verb_p9(struct gh *g, int argc, char **argv, struct gi_error *err)
{
	(void)g;
	(void)err;
	return cmd_p9(argc, argv); /* a server on its own, which prints its own errors */
}

static const struct command {
	const char *name;
	gh_verb *run;
} commands[] = {
	{ "start", cmd_start },
	{ "run", cmd_run },
	{ "shell", cmd_shell },
	{ "shutdown", cmd_shutdown },
	{ "status", cmd_status },
	{ "ports", cmd_ports },
	{ "agent", cmd_agent },
	{ "p9", verb_p9 },
	{ "mount-guest", cmd_mount_guest },
};

static void usage(FILE *out)
{
	char state[PATH_MAX];
	state_default_dir(state, sizeof(state)); /* the build's SRCDIR is build/NAME/../.. */
	fprintf(out, "usage: guesthost [--state DIR] COMMAND ...\n"
		     "  start [--image default|systemd] [--config FILE] [--user NAME]\n"
		     "        [--drive LETTER=DIR]... [--drive-virtio LETTER=DIR]... [--mem MB] [--cpus N]\n"
		     "        [--drive-ports N] [--memory-reclaim disabled|gradual|dropcache] [--boot-timeout S]\n"
		     "        [--localhost-forwarding true|false] [--networking-mode nat|mirrored]\n"
		     "                                       build what is missing and boot the VM; each\n"
		     "                                       drive is served to the guest (mount.drvfs)\n"
		     "  run [--user U] [--cd DIR] [-e VAR=VAL]... -- CMD ARGS...   run CMD in the guest\n"
		     "  shell [--user U]                     the user's login shell in the guest\n"
		     "  shutdown [--force] [--reboot]        power the guest off (--force kills QEMU)\n"
		     "  status                               running or not, uptime, the boots\n"
		     "  ports                                the guest's listeners at the host's localhost\n"
		     "  agent --listen URI --token-file F    the agent itself (started by start)\n"
		     "  p9 [--listen URI] LETTER=DIR...      the drive server alone: 9P2000.L on stdin and\n"
		     "                                       stdout, or on a unix:// or tcp:// listener\n"
		     "  mount-guest [DIR] [--user U] [--foreground]\n"
		     "                                       the guest's files on DIR with FUSE (\\\\wsl$;\n"
		     "                                       default STATE/guestfs, linked from\n"
		     "                                       ~/.local/share/guestinit/wsl$/NAME)\n"
		     "Run as wsl (a link to guesthost), it takes WSL's command line: wsl --help, man 1 wsl.\n"
		     "The state folder defaults to $GUESTHOST_STATE, else %s.\n",
		state);
}

int main(int argc, char **argv)
{
	static struct gh g = { .error_status = 1 };
	struct gi_error err = GI_ERROR_INIT;
	ssize_t sl = readlink("/proc/self/exe", g.self, sizeof(g.self) - 1);
	if (sl <= 0) {
		gh_say("cannot find my own executable: %s", strerror(errno));
		return 1;
	}
	g.self[sl] = '\0';
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (!strcmp(base, "wsl")) { /* WSL's command line (man 1 wsl); the state from $GUESTHOST_STATE */
		if (state_init(&g, NULL, &err) < 0) {
			fprintf(stderr, "wsl: %s\n", err.msg);
			return 1;
		}
		return wsl_main(&g, argc, argv);
	}
	int i = 1;
	const char *state = NULL;
	if (i + 1 < argc && !strcmp(argv[i], "--state")) {
		state = argv[i + 1];
		i += 2;
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[i];
	if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t k = 0; k < ARRAY_SIZE(commands); k++) {
		if (strcmp(name, commands[k].name))
			continue;
		int r = state_init(&g, state, &err);
		if (r == 0)
			r = commands[k].run(&g, argc - i, argv + i, &err);
		if (r >= 0)
			return r;
		gh_say("%s", err.msg[0] ? err.msg : strerror(-r));
		return g.error_status;
	}
	fprintf(stderr, "guesthost: unknown command '%s'\n", name);
	usage(stderr);
	return 2;
}
