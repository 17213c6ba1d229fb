/* `wsl`: WSL's command line on a Linux host (man 1 wsl), another name of guesthost. Each
 * distribution is a VM of its own (distro.h); this file reads WSL's flags and runs the
 * command or the verb, with WSL's words where WSL has them (its resw strings: research §7). */
#include "wsl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cleanup.h"
#include "child.h"
#include "distro.h"
#include "guestmount.h"
#include "firstuser.h"
#include "readfile.h"
#include "session_msg.h"
#include "state.h"

#define MSG_OK "The operation completed successfully."

void wsl_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int failed(const struct gi_error *err)
{
	wsl_error("%s", err->msg);
	return 1;
}

int wsl_missing(const char *flag)
{
	printf("Argument %s is missing a required parameter.\n", flag); /* WSL prints it on stdout */
	return 1;
}

int wsl_invalid(const char *arg)
{
	wsl_error("Invalid command line argument: %s\nPlease use 'wsl --help' to get a list of supported arguments.", arg);
	return 1;
}

/* ---- --list ------------------------------------------------------------------------------ */

static int cmd_list(const struct gh *root, int argc, char **argv)
{
	bool verbose = false, running = false, quiet = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--verbose") || !strcmp(a, "-v"))
			verbose = true;
		else if (!strcmp(a, "--running"))
			running = true;
		else if (!strcmp(a, "--quiet") || !strcmp(a, "-q"))
			quiet = true;
		else if (!strcmp(a, "--all"))
			; /* every distribution is listed anyway */
		else if (!strcmp(a, "--online") || !strcmp(a, "-o"))
			return wsl_refuse("--list --online", "the online index of distributions is on the internet, which this "
							     "host does not reach; wsl --import installs one from a tarball");
		else
			return wsl_invalid(a);
	}
	if (quiet && verbose)
		return wsl_invalid("--quiet"); /* WSL's usage error for -q with -v */
	_cleanup_free_ struct distro *ds = calloc(DISTRO_MAX, sizeof(*ds));
	size_t n = 0;
	struct gi_error err = GI_ERROR_INIT;
	if (!ds)
		return wsl_error("out of memory"), 1;
	if (distro_list(root, ds, &n, &err) < 0)
		return failed(&err);
	bool on[DISTRO_MAX];
	size_t shown = 0, width = 4;
	for (size_t i = 0; i < n; i++) {
		on[i] = distro_running(&ds[i]);
		if (running && !on[i])
			continue;
		shown++;
		if (strlen(ds[i].name) > width)
			width = strlen(ds[i].name);
	}
	if (shown == 0) {
		puts(running ? "There are no running distributions." : "Windows Subsystem for Linux has no installed distributions.");
		return running ? 0 : 1;
	}
	if (verbose)
		printf("%s %-*s%-16s%s\n", " ", (int)width + 4, "NAME", "STATE", "VERSION");
	else if (!quiet)
		puts("Windows Subsystem for Linux Distributions:");
	for (size_t i = 0; i < n; i++) {
		if (running && !on[i])
			continue;
		if (verbose)
			printf("%s %-*s%-16s%u\n", i == 0 ? "*" : " ", (int)width + 4, ds[i].name,
			       ds[i].installing ? "Installing" : on[i] ? "Running" : "Stopped", ds[i].version);
		else if (quiet)
			puts(ds[i].name);
		else
			printf("%s%s\n", ds[i].name, i == 0 ? " (Default)" : "");
	}
	return 0;
}

/* ---- --status, --version ------------------------------------------------------------------ */

static void kernel_of(const struct gh *root, char *out, size_t cap)
{
	/* the kernel the last boot ran, as boot.info recorded its ready line's uname */
	char info[512];
	snprintf(out, cap, "(no distribution has booted yet)");
	if (!state_read_line(root, "boot.info", info, sizeof(info)))
		return;
	const char *k = strstr(info, "kernel ");
	if (k) {
		k += 7;
		snprintf(out, cap, "%.*s", (int)strcspn(k, " ;"), k);
	}
}

static int cmd_status_wsl(const struct gh *root)
{
	char def[DISTRO_NAME_MAX + 1], kernel[128];
	distro_default(root, def, sizeof(def));
	kernel_of(root, kernel, sizeof(kernel));
	printf("Default Distribution: %s\nDefault Version: 2\nKernel version: %s\n", def, kernel);
	return 0;
}

static int cmd_version(const struct gh *root)
{
	char kernel[128];
	kernel_of(root, kernel, sizeof(kernel));
	printf("WSL version: %s (guestinit)\nKernel version: %s\n", PACKAGE_VERSION, kernel);
	return 0;
}

/* ---- --shutdown, --terminate, --set-default, --unregister --------------------------------- */

int wsl_stop(struct distro *d, struct gi_error *err)
{
	if (!distro_running(d))
		return 0;
	char *argv[] = { "shutdown", NULL };
	d->g.quiet = true;
	int r = cmd_shutdown(&d->g, 1, argv, err);
	return r < 0 ? gi_error_wrap(err, "stopping %s", d->name) : 0;
}

static int cmd_shutdown_all(const struct gh *root, int argc, char **argv)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], "--force"))
			return wsl_invalid(argv[i]);
	_cleanup_free_ struct distro *ds = calloc(DISTRO_MAX, sizeof(*ds));
	size_t n = 0;
	struct gi_error err = GI_ERROR_INIT;
	if (!ds || distro_list(root, ds, &n, &err) < 0)
		return failed(&err);
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		struct gi_error e = GI_ERROR_INIT;
		if (argc > 0 && distro_running(&ds[i])) { /* --force: QEMU killed */
			char *kill_argv[] = { "shutdown", "--force", NULL };
			ds[i].g.quiet = true;
			if (cmd_shutdown(&ds[i].g, 2, kill_argv, &e) < 0)
				rc = failed(&e);
		} else if (wsl_stop(&ds[i], &e) < 0) {
			rc = failed(&e);
		}
	}
	return rc; /* WSL prints nothing */
}

static int one_name(const char *flag, int argc, char **argv)
{
	if (argc < 1)
		return wsl_missing(flag);
	if (argc > 1)
		return wsl_invalid(argv[1]);
	return 0;
}

static int cmd_terminate(const struct gh *root, int argc, char **argv)
{
	if (one_name("--terminate", argc, argv))
		return 1;
	struct distro d;
	struct gi_error err = GI_ERROR_INIT;
	if (distro_find(root, argv[0], &d, &err) < 0 || wsl_stop(&d, &err) < 0)
		return failed(&err);
	puts(MSG_OK);
	return 0;
}

static int cmd_set_default(const struct gh *root, int argc, char **argv)
{
	if (one_name("--set-default", argc, argv))
		return 1;
	struct gi_error err = GI_ERROR_INIT;
	if (distro_set_default(root, argv[0], &err) < 0)
		return failed(&err);
	puts(MSG_OK);
	return 0;
}

static int refused(const char *flag, int argc, char **argv);

/* wsl --manage NAME --set-default-user USER: a user the distribution has (started to ask it). */
static int cmd_manage(const struct gh *root, int argc, char **argv)
{
	if (argc < 1)
		return wsl_missing("--manage");
	if (argc < 2 || strcmp(argv[1], "--set-default-user"))
		return refused("--manage", argc, argv);
	if (argc < 3)
		return wsl_missing("--set-default-user");
	if (argc > 3)
		return wsl_invalid(argv[3]);
	const char *user = argv[2];
	struct gi_error err = GI_ERROR_INIT;
	struct distro d;
	if (user_name_check(user, &err) < 0 && strcmp(user, "root"))
		return wsl_error("wsl --manage --set-default-user: %s", err.msg), 1;
	if (distro_find(root, argv[0], &d, &err) < 0 || wsl_ensure_running(&d, &err) < 0)
		return failed(&err);
	char *id_argv[] = { "id", "-u", (char *)user, NULL };
	char *env[PROTO_MAX_ENV + 2] = { NULL };
	struct proto_exec spec = { .argv = id_argv, .argc = 3, .env = env, .user = "root" };
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	int st = null < 0 ? -errno : gh_exec_with(&d.g, &spec, null, null, &err);
	if (st < 0)
		return failed(&err);
	if (st != 0) {
		wsl_error("wsl --manage: %s has no user %s", d.name, user);
		return 1;
	}
	if (firstuser_set(&d.g, user, &err) < 0)
		return failed(&err);
	puts(MSG_OK);
	return 0;
}

/* ---- sessions ------------------------------------------------------------------------------ */

/* The saved start options of d (or, for a distribution never started, the root's): where the
 * host's drives are, to carry the working folder. */
static bool drive_path(const char *spec, const char *cwd, char *out, size_t cap)
{
	char real[PATH_MAX];
	if (strlen(spec) < 3 || spec[1] != '=' || !realpath(spec + 2, real))
		return false;
	size_t n = strlen(real);
	if (strncmp(cwd, real, n) || (cwd[n] != '/' && cwd[n] != '\0'))
		return false;
	char letter = (char)(spec[0] | 0x20);
	return (size_t)snprintf(out, cap, "/mnt/%c%s", letter, n == 1 ? cwd : cwd + n) < cap;
}

/* The host's working folder as the guest sees it, when it is on one of the distribution's
 * drives (/mnt/LETTER/...): false when it is not, and the session starts in the home. */
static bool guest_cwd(const struct distro *d, const struct gh *root, char *out, size_t cap)
{
	char cwd[PATH_MAX], path[PATH_MAX];
	if (!getcwd(cwd, sizeof(cwd)))
		return false;
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_file(state_file(&d->g, "start.args", path), 65536, &text, &len) < 0 &&
	    read_file(state_file(root, "start.args", path), 65536, &text, &len) < 0)
		return false;
	bool have_c = false, found = false;
	char *wine = NULL;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if ((!strcmp(line, "--drive") || !strcmp(line, "--drive-virtio")) && next && *next) {
			char *val = next;
			next = strchr(next, '\n');
			if (next)
				*next++ = '\0';
			have_c |= (val[0] | 0x20) == 'c';
			if (!found)
				found = drive_path(val, cwd, out, cap);
		} else if (!strcmp(line, "--wine") && next) {
			wine = next;
			next = strchr(next, '\n');
			if (next)
				*next++ = '\0';
		}
	}
	if (!found && wine && !have_c) { /* the Wine prefix's drive_c is drive C: */
		char spec[PATH_MAX + 16];
		snprintf(spec, sizeof(spec), "c=%s/drive_c", wine);
		found = drive_path(spec, cwd, out, cap);
	}
	return found;
}

/* The distribution's VM, started if it is not running (quietly, as WSL starts one). */
int wsl_ensure_running(struct distro *d, struct gi_error *err)
{
	if (distro_running(d))
		return 0;
	char *argv[] = { "start", NULL };
	d->g.quiet = true;
	int r = cmd_start(&d->g, 1, argv, err);
	return r < 0 ? gi_error_wrap(err, "starting %s", d->name) : 0;
}

struct session_args {
	const char *distro, *user, *cd, *shell_type;
	bool home; /* ~ */
	bool exec; /* -e: the rest is the command itself */
	char **cmd;
	int ncmd;
};

/* `wsl ~`: the shell on this host has made ~ the host's $HOME before we see it; a folder
 * cannot be run, so that word is the ~ it was typed as. */
static bool is_home(const char *a)
{
	const char *home = getenv("HOME");
	char real[PATH_MAX], given[PATH_MAX];
	if (!strcmp(a, "~"))
		return true;
	return home && *home && realpath(home, real) && realpath(a, given) && !strcmp(real, given);
}

static int parse_session(int argc, char **argv, struct session_args *s)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (i == 1 && is_home(a)) {
			s->home = true;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--distribution")) {
			if (!v)
				return wsl_missing(a);
			if (s->distro) {
				wsl_error("The distribution name has already been set.");
				return 1;
			}
			s->distro = v;
			i++;
		} else if (!strcmp(a, "-u") || !strcmp(a, "--user")) {
			if (!v)
				return wsl_missing(a);
			s->user = v;
			i++;
		} else if (!strcmp(a, "--cd")) {
			if (!v)
				return wsl_missing(a);
			s->cd = v;
			i++;
		} else if (!strcmp(a, "--shell-type")) {
			if (!v)
				return wsl_missing(a);
			if (strcmp(v, "standard") && strcmp(v, "login") && strcmp(v, "none"))
				return wsl_invalid(v);
			s->shell_type = v;
			i++;
		} else if (!strcmp(a, "-e") || !strcmp(a, "--exec")) {
			if (!v)
				return wsl_missing(a);
			s->exec = true;
			s->cmd = argv + i + 1;
			s->ncmd = argc - i - 1;
			return 0;
		} else if (!strcmp(a, "--")) {
			s->cmd = argv + i + 1;
			s->ncmd = argc - i - 1;
			return 0;
		} else if (a[0] == '-') {
			return wsl_invalid(a);
		} else {
			s->cmd = argv + i;
			s->ncmd = argc - i;
			return 0;
		}
	}
	return 0;
}

static int run_session(const struct gh *root, int argc, char **argv)
{
	struct session_args s = { 0 };
	if (parse_session(argc, argv, &s))
		return 1;
	struct gi_error err = GI_ERROR_INIT;
	struct distro d;
	char def[DISTRO_NAME_MAX + 1];
	if (!s.distro) {
		distro_default(root, def, sizeof(def));
		s.distro = def;
	}
	if (distro_find(root, s.distro, &d, &err) < 0 || wsl_ensure_running(&d, &err) < 0)
		return failed(&err);
	char cwd[PATH_MAX];
	struct proto_exec spec = { .user = (char *)s.user };
	if (s.cd) {
		if ((s.cd[0] == '~' && (s.cd[1] == '\0' || s.cd[1] == '/')) || s.cd[0] == '/') {
			spec.cwd = (char *)s.cd; /* ~...: the session's runner knows the user's home */
			spec.cwd = (char *)s.cd;
		} else {
			wsl_error("--cd %s: not a guest path (/... or ~...); this host has no Windows paths", s.cd);
			return 1;
		}
	} else if (!s.home && guest_cwd(&d, root, cwd, sizeof(cwd))) {
		spec.cwd = cwd;
	}
	/* the user's shell runs the command line (WSL's $SHELL -c), unless -e or --shell-type none */
	_cleanup_free_ char *line = NULL;
	char *shell_argv[6];
	if (s.ncmd > 0 && !s.exec && !(s.shell_type && !strcmp(s.shell_type, "none"))) {
		size_t len = 1;
		for (int i = 0; i < s.ncmd; i++)
			len += strlen(s.cmd[i]) + 1;
		line = malloc(len);
		if (!line)
			return wsl_error("out of memory"), 1;
		line[0] = '\0';
		for (int i = 0; i < s.ncmd; i++)
			strcat(strcat(line, i ? " " : ""), s.cmd[i]);
		bool login = s.shell_type && !strcmp(s.shell_type, "login");
		shell_argv[0] = "/bin/sh";
		shell_argv[1] = "-c";
		shell_argv[2] = login ? "exec \"${SHELL:-/bin/sh}\" -l -c \"$0\"" : "exec \"${SHELL:-/bin/sh}\" -c \"$0\"";
		shell_argv[3] = line;
		shell_argv[4] = NULL;
		spec.argv = shell_argv;
		spec.argc = 4;
	} else if (s.ncmd > 0) {
		spec.argv = s.cmd;
		spec.argc = (size_t)s.ncmd;
	}
	char *env[PROTO_MAX_ENV + 2] = { NULL };
	spec.env = env;
	char def_user[64];
	if (firstuser_get(&d.g, def_user, sizeof(def_user)))
		spec.default_user = def_user; /* below -u and the guest's [user] default */
	char hint[DISTRO_NAME_MAX + 16];
	snprintf(hint, sizeof(hint), "wsl -d %s", d.name);
	d.g.start_hint = hint;
	int r = gh_exec(&d.g, &spec, &err);
	if (r >= 0)
		return r;
	wsl_error("wsl: %s", err.msg);
	return d.g.error_status;
}

/* ---- \\wsl$ -------------------------------------------------------------------------------- */

static int cmd_mount_guest_wsl(const struct gh *root, int argc, char **argv)
{
	struct guestmount_opts o = { 0 };
	const char *words[2] = { NULL, NULL };
	int nwords = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--user") || !strcmp(a, "-u")) {
			if (i + 1 >= argc)
				return wsl_missing(a);
			o.user = argv[++i];
		} else if (!strcmp(a, "--foreground")) {
			o.foreground = true;
		} else if (a[0] != '-' && nwords < 2) {
			words[nwords++] = a;
		} else {
			return wsl_invalid(a);
		}
	}
	struct gi_error err = GI_ERROR_INIT;
	struct distro d;
	char def[DISTRO_NAME_MAX + 1];
	if (!words[0]) {
		distro_default(root, def, sizeof(def));
		words[0] = def;
	}
	if (distro_find(root, words[0], &d, &err) < 0 || wsl_ensure_running(&d, &err) < 0)
		return failed(&err);
	o.name = d.name;
	o.dir = words[1];
	if (guestmount(&d.g, &o, &err) < 0)
		return failed(&err);
	return 0;
}

static int cmd_unmount_guest(const struct gh *root, int argc, char **argv)
{
	if (argc > 1)
		return wsl_invalid(argv[1]);
	struct gi_error err = GI_ERROR_INIT;
	char dir[PATH_MAX], def[DISTRO_NAME_MAX + 1];
	const char *what = argc ? argv[0] : NULL;
	if (!what) {
		distro_default(root, def, sizeof(def));
		what = def;
	}
	struct distro d;
	if (strchr(what, '/')) {
		snprintf(dir, sizeof(dir), "%s", what);
	} else if (distro_find(root, what, &d, &err) < 0) {
		return failed(&err);
	} else {
		guestmount_default_dir(&d.g, dir);
	}
	if (!guestmount_is_mounted(dir)) {
		wsl_error("%s: no guest's files are mounted there", dir);
		return 1;
	}
	char *fm[] = { "fusermount3", "-u", dir, NULL };
	int st = child_run(&(struct child_spec){ .argv = fm, .fds = { -1, 1, 2 } }, &err);
	if (st != 0) {
		wsl_error("fusermount3 -u %s failed%s%s", dir, err.msg[0] ? ": " : "", err.msg);
		return 1;
	}
	return 0;
}

/* ---- the command table ---------------------------------------------------------------------- */

static void usage(FILE *out)
{
	fputs("Usage: wsl [Argument] [Options...] [CommandLine]\n"
	      "\n"
	      "Arguments for running Linux binaries (each distribution is a VM of its own):\n"
	      "    CommandLine                 run it through the user's shell in the distribution;\n"
	      "                                none: the user's login shell\n"
	      "    --exec, -e CommandLine      run it without a shell\n"
	      "    --                          the rest of the line as it is\n"
	      "    --cd DIR                    start in DIR (/... or ~...); without it, the host's\n"
	      "                                working folder when it is on a shared drive, else the home\n"
	      "    ~                           start in the user's home\n"
	      "    --distribution, -d NAME     run in distribution NAME (started if it is stopped)\n"
	      "    --user, -u USER             run as USER\n"
	      "    --shell-type standard|login|none\n"
	      "\n"
	      "Arguments for managing distributions:\n"
	      "    --list, -l [--all] [--running] [--quiet, -q] [--verbose, -v]\n"
	      "    --status                    the default distribution and the kernel\n"
	      "    --version, -v               our version and the kernel's\n"
	      "    --shutdown [--force]        stop every running distribution\n"
	      "    --terminate, -t NAME        stop one\n"
	      "    --set-default, -s NAME      the one `wsl` runs in without -d\n"
	      "    --import NAME DIR TAR [--version 2]   a distribution from a root filesystem tarball\n"
	      "                                (tar, tar.gz, tar.xz; - for stdin); its disk is DIR/ext4.img\n"
	      "    --export NAME TAR [--format tar|tar.gz|tar.xz]   its files as a tarball (- for stdout)\n"
	      "    --unregister NAME           remove it and its disk\n"
      "    --manage NAME --set-default-user USER   the user wsl runs as in NAME\n"
	      "    --help                      this text\n"
	      "\n"
	      "Refused here, each with its reason: --install, --update, --set-version NAME 1,\n"
	      "--set-default-version 1, --mount, --unmount, --manage's other options, --import-in-place,\n"
      "--debug-shell.\n"
	      "The state folder (the distributions' registry) is $GUESTHOST_STATE, as for guesthost.\n"
	      "See man 1 wsl.\n",
	      out);
}

int wsl_refuse(const char *flag, const char *why)
{
	wsl_error("wsl: %s is not supported here: %s.", flag, why);
	return 1;
}

static int refused(const char *flag, int argc, char **argv)
{
	if (!strcmp(flag, "--install"))
		return wsl_refuse(flag, "distributions are installed from the online index, which this host cannot reach; "
					"use wsl --import NAME DIR TARBALL");
	if (!strcmp(flag, "--update"))
		return wsl_refuse(flag, "the kernel and our init follow the source tree: rebuild it (./demo -- true)");
	if (!strcmp(flag, "--set-version")) {
		if (argc >= 2 && !strcmp(argv[1], "2"))
			return printf("The distribution is already the requested version.\n"), 1;
		return wsl_refuse("--set-version NAME 1", "every distribution here is a VM (version 2); version 1 needs "
							 "the Windows kernel's Linux subsystem");
	}
	if (!strcmp(flag, "--set-default-version")) {
		if (argc >= 1 && !strcmp(argv[0], "2"))
			return puts(MSG_OK), 0;
		return wsl_refuse("--set-default-version 1", "every distribution here is a VM (version 2)");
	}
	if (!strcmp(flag, "--mount") || !strcmp(flag, "--unmount"))
		return wsl_refuse(flag, "attaching the host's physical disks to a VM is not done by this host; share a "
					"folder instead (guesthost start --drive LETTER=DIR)");
	if (!strcmp(flag, "--manage"))
		return wsl_refuse("--manage", "of its options only --set-default-user is done here; moving or resizing a "
					      "distribution's disk is not");
	if (!strcmp(flag, "--import-in-place"))
		return wsl_refuse(flag, "a VHDX cannot be attached here; use wsl --import NAME DIR TARBALL");
	return wsl_refuse(flag, "there is no Windows debug console on this host");
}

int wsl_main(struct gh *root, int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return run_session(root, argc, argv);
	const char *a = argv[1];
	int rest = argc - 2;
	char **rv = argv + 2;
	if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "/?"))
		return usage(stdout), 0;
	if (!strcmp(a, "--list") || !strcmp(a, "-l"))
		return cmd_list(root, rest, rv);
	if (!strcmp(a, "--status"))
		return rest ? wsl_invalid(rv[0]) : cmd_status_wsl(root);
	if (!strcmp(a, "--version") || !strcmp(a, "-v"))
		return rest ? wsl_invalid(rv[0]) : cmd_version(root);
	if (!strcmp(a, "--shutdown"))
		return cmd_shutdown_all(root, rest, rv);
	if (!strcmp(a, "--terminate") || !strcmp(a, "-t"))
		return cmd_terminate(root, rest, rv);
	if (!strcmp(a, "--set-default") || !strcmp(a, "-s"))
		return cmd_set_default(root, rest, rv);
	if (!strcmp(a, "--import"))
		return wsl_import(root, rest, rv);
	if (!strcmp(a, "--export"))
		return wsl_export(root, rest, rv);
	if (!strcmp(a, "--unregister"))
		return wsl_unregister(root, rest, rv);
	if (!strcmp(a, "--manage"))
		return cmd_manage(root, rest, rv);
	if (!strcmp(a, "--mount-guest"))
		return cmd_mount_guest_wsl(root, rest, rv);
	if (!strcmp(a, "--unmount-guest"))
		return cmd_unmount_guest(root, rest, rv);
	static const char *const refused_flags[] = { "--install", "--update", "--set-version", "--set-default-version",
						     "--mount", "--unmount", "--import-in-place",
						     "--debug-shell" };
	for (size_t i = 0; i < ARRAY_SIZE(refused_flags); i++)
		if (!strcmp(a, refused_flags[i]))
			return refused(a, rest, rv);
	return run_session(root, argc, argv);
}
