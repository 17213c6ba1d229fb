/* Client commands. They only talk to PID 1; all decisions (who may, what happens) are PID 1's,
 * so the reply text is printed as it comes. */
#include "commands.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <time.h>
#include <unistd.h>

#include "ctlsock.h"
#include "parse.h"
#include "service_cmd.h"

static const char *prog_name(const char *argv0)
{
	const char *s = strrchr(argv0, '/');
	return s ? s + 1 : argv0;
}

/* Sends req to PID 1 and prints the reply; returns the command's exit status. */
static int ask_pid1(const char *prog, const char *req)
{
	char reply[CTLSOCK_MAX];
	int r = ctlsock_request(CTLSOCK_PATH, req, reply, sizeof(reply), 10000);
	if (r < 0) {
		fprintf(stderr, "%s: cannot reach guestinit (PID 1) at %s: %s\n", prog, CTLSOCK_PATH, strerror(-r));
		return 1;
	}
	if (strncmp(reply, "ok", 2) == 0 && (reply[2] == '\0' || reply[2] == '\n')) {
		if (reply[2] == '\n' && reply[3])
			fputs(reply + 3, stdout);
		return 0;
	}
	if (strncmp(reply, "error: ", 7) == 0) {
		fprintf(stderr, "%s: %s\n", prog, reply + 7);
		return strstr(reply, "permission denied") ? 4 : 1;
	}
	fputs(reply, stdout);
	return 0;
}

static int force_now(const char *prog, const char *verb)
{
	sync();
	int cmd = !strcmp(verb, "reboot") ? RB_AUTOBOOT : !strcmp(verb, "halt") ? RB_HALT_SYSTEM : RB_POWER_OFF;
	reboot(cmd);
	fprintf(stderr, "%s: --force: reboot(2): %s\n", prog, strerror(errno));
	return 1;
}

int power_cmd_main(int argc, char **argv)
{
	const char *prog = prog_name(argv[0]);
	const char *verb = !strcmp(prog, "halt") ? "halt" : !strcmp(prog, "poweroff") ? "poweroff" : "reboot";
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },     { "force", no_argument, NULL, 'f' },
		{ "poweroff", no_argument, NULL, 'p' }, { "reboot", no_argument, NULL, 'r' },
		{ "halt", no_argument, NULL, 'H' },     { "wtmp-only", no_argument, NULL, 'w' },
		{ "no-wtmp", no_argument, NULL, 'd' },  { "no-sync", no_argument, NULL, 'n' },
		{ "no-wall", no_argument, NULL, 'W' },  { NULL, 0, NULL, 0 },
	};
	int force = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hfprHwdni", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			printf("Usage: %s [OPTIONS]\n\n"
			       "Asks guestinit (PID 1) to %s this guest, stopping services and\n"
			       "unmounting filesystems first.\n\n"
			       "  -f, --force     %s at once, without the orderly shutdown\n"
			       "  -p, --poweroff  power off      -r, --reboot  reboot      --halt  halt\n"
			       "  -w, -d, -n, -i, --no-wall  accepted for compatibility; no effect\n",
			       prog, verb, verb);
			return 0;
		case 'f': force++; break;
		case 'p': verb = "poweroff"; break;
		case 'r': verb = "reboot"; break;
		case 'H': verb = "halt"; break;
		case 'w': return 0; /* "only write wtmp": nothing to do */
		case 'd': case 'n': case 'i': case 'W': break;
		default:
			fprintf(stderr, "%s: unknown option '%s'; see %s --help\n", prog, argv[optind - 1], prog);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
		return 1;
	}
	return force ? force_now(prog, verb) : ask_pid1(prog, verb);
}

/* TIME: now, +MINUTES or HH:MM; returns seconds from now, or -1. */
static long parse_when(const char *s)
{
	if (!strcmp(s, "now"))
		return 0;
	if (s[0] == '+') {
		uint64_t m;
		return parse_uint(s + 1, 10, 100000000, &m) < 0 ? -1 : (long)m * 60;
	}
	int hh, mm;
	char extra;
	if (sscanf(s, "%d:%d%c", &hh, &mm, &extra) == 2 && hh >= 0 && hh < 24 && mm >= 0 && mm < 60) {
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		long delta = (hh * 3600L + mm * 60L) - (tm.tm_hour * 3600L + tm.tm_min * 60L + tm.tm_sec);
		return delta < 0 ? delta + 86400 : delta;
	}
	return -1;
}

int shutdown_cmd_main(int argc, char **argv)
{
	const char *verb = "poweroff";
	int c;
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'x' }, { "reboot", no_argument, NULL, 'r' },
		{ "halt", no_argument, NULL, 'H' }, { "poweroff", no_argument, NULL, 'P' },
		{ "no-wall", no_argument, NULL, 'W' }, { NULL, 0, NULL, 0 },
	};
	opterr = 0;
	while ((c = getopt_long(argc, argv, "rhHPcfFk", opts, NULL)) != -1) {
		switch (c) {
		case 'x':
			printf("Usage: shutdown [-r|-h|-P|-H] [TIME] [MESSAGE]   or   shutdown -c\n\n"
			       "TIME is now, +MINUTES or HH:MM (default +1, as systemd's shutdown).\n"
			       "  -r reboot   -h, -P power off   -H halt   -c cancel a pending shutdown\n");
			return 0;
		case 'r': verb = "reboot"; break;
		case 'h': case 'P': verb = "poweroff"; break;
		case 'H': verb = "halt"; break;
		case 'c': return ask_pid1("shutdown", "cancel");
		case 'f': case 'F': case 'W': break; /* fsck hints and wall: nothing to do here */
		case 'k':
			fprintf(stderr, "shutdown: -k (warn only) is not supported: guestinit sends no wall messages\n");
			return 1;
		default:
			fprintf(stderr, "shutdown: unknown option '%s'; see shutdown --help\n", argv[optind - 1]);
			return 1;
		}
	}
	long delay = 60;
	if (optind < argc) {
		delay = parse_when(argv[optind]);
		if (delay < 0) {
			fprintf(stderr, "shutdown: cannot read time '%s' (want now, +MINUTES or HH:MM)\n", argv[optind]);
			return 1;
		}
	}
	char req[64];
	snprintf(req, sizeof(req), "%s %ld", verb, delay);
	return ask_pid1("shutdown", req);
}

int telinit_main(int argc, char **argv)
{
	const char *prog = prog_name(argv[0]);
	if (argc != 2 || !strcmp(argv[1], "--help")) {
		fprintf(stderr, "Usage: %s 0|6|2|3|4|5|q   (0 powers off, 6 reboots)\n", prog);
		return argc == 2 ? 0 : 1;
	}
	const char *a = argv[1];
	if (!strcmp(a, "0"))
		return ask_pid1(prog, "poweroff");
	if (!strcmp(a, "6"))
		return ask_pid1(prog, "reboot");
	if (strlen(a) == 1 && strchr("2345qQuU", a[0]))
		return 0; /* multi-user is the only runlevel there is; reload/re-exec have nothing to do */
	fprintf(stderr, "%s: runlevel '%s' is not supported by guestinit (only 0, 2-5 and 6)\n", prog, a);
	return 1;
}

int guestinit_cmd_main(int argc, char **argv)
{
	if (argc == 2 && (!strcmp(argv[1], "poweroff") || !strcmp(argv[1], "reboot") || !strcmp(argv[1], "halt") ||
			  !strcmp(argv[1], "status")))
		return ask_pid1("guestinit", argv[1]);
	FILE *out = argc == 2 && !strcmp(argv[1], "--help") ? stdout : stderr;
	fprintf(out, "Usage: guestinit poweroff|reboot|halt|status\n");
	return out == stdout ? 0 : 1;
}

int systemctl_main(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "poweroff") || !strcmp(argv[1], "reboot") || !strcmp(argv[1], "halt")))
		return ask_pid1("systemctl", argv[1]);
	return systemctl_services_main(argc, argv);
}
