/* `service`: Debian's /usr/sbin/service (init-system-helpers 1.65.2) in behaviour, output and
 * exit codes, except where man 8 service says otherwise: a service is started, stopped and
 * reloaded by the supervisor (so it outlives the caller's session and lands in its own
 * cgroup), a unit is supervised when there is one, --status-all cuts off a hanging status,
 * and `service NAME logs` is ours. Init scripts' status and the caller's own runs stay
 * exactly Debian's: the script is executed with the same scrubbed environment, from /. */
#include "service_cmd.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "client.h"
#include "dpkg_hook.h"
#include "svc_definition.h"
#include "svc_names.h"
#include "svc_paths.h"
#include "svc_log.h"
#include "clock.h"
#include "parse.h"
#include "sdinit.h"

#define DEBIAN_VERSION "1.65.2"

/* The unit of NAME links to /dev/null. */
static bool masked_unit(const char *name)
{
	struct unit u;
	char path[PATH_MAX];
	bool masked = unit_load("", name, &u, path, sizeof(path), NULL, NULL) > 0 && u.masked;
	unit_free(&u);
	return masked;
}

/* The variables Debian's service keeps (all of them set, empty when unset, as its env -i does). */
static const char *const kept_vars[] = { "LANG", "LANGUAGE", "LC_CTYPE", "LC_NUMERIC", "LC_TIME", "LC_COLLATE",
					 "LC_MONETARY", "LC_MESSAGES", "LC_PAPER", "LC_NAME", "LC_ADDRESS",
					 "LC_TELEPHONE", "LC_MEASUREMENT", "LC_IDENTIFICATION", "LC_ALL", "PATH", "TERM" };
#define NKEPT (sizeof(kept_vars) / sizeof(kept_vars[0]))

static char *scrubbed[NKEPT + 1];

static void build_env(void)
{
	for (size_t i = 0; i < NKEPT; i++) {
		const char *v = getenv(kept_vars[i]);
		if (asprintf(&scrubbed[i], "%s=%s", kept_vars[i], v ? v : "") < 0)
			scrubbed[i] = NULL;
	}
	scrubbed[NKEPT] = NULL;
}

static const char *prog = "service";

static void usage(void)
{
	fprintf(stderr, "Usage: %s < option > | --status-all | [ service_name [ command | --full-restart ] ]\n", prog);
}

/* Runs the init script as the caller, as Debian's does (exec, so its status is ours). */
static int exec_script(const char *name, const char *action, char **args)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), INITD_DIR "/%s", name);
	char *argv[300];
	size_t n = 0;
	argv[n++] = path;
	if (action)
		argv[n++] = (char *)action;
	for (char **a = args; a && *a && n < 299; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	execve(path, argv, scrubbed);
	fprintf(stderr, "%s: cannot run %s: %s\n", prog, path, strerror(errno));
	return errno == ENOENT ? 127 : 126;
}

static bool is_change_verb(const char *a)
{
	static const char *const verbs[] = { "start", "stop", "restart", "reload", "force-reload", "try-restart",
					     "condrestart", "force-stop", "--full-restart" };
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(a, verbs[i]))
			return true;
	return false;
}

/* ---- --status-all ----------------------------------------------------------------------- */

struct probe {
	char name[NAME_MAX + 1];
	pid_t pid;
	int fd;
	char *out;
	size_t len, cap;
	int status;
	bool done, hung;
};

static bool ignored(const char *n)
{
	static const char *const skip[] = { "functions", "halt", "killall", "single", "linuxconf", "kudzu",
					    "skeleton", "README", "rc", "rcS", "reboot", "bootclean.sh" };
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (!strcmp(n, skip[i]))
			return true;
	size_t l = strlen(n);
	return (l > 10 && !strcmp(n + l - 10, ".dpkg-dist")) || (l > 9 && !strcmp(n + l - 9, ".dpkg-old"));
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct probe *)a)->name, ((const struct probe *)b)->name);
}

static void probe_start(struct probe *p)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		p->done = true;
		p->status = 1;
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0); /* its own group: a hung status is killed with all it started */
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		char path[PATH_MAX];
		snprintf(path, sizeof(path), INITD_DIR "/%s", p->name);
		char *argv[] = { path, "status", NULL };
		execve(path, argv, scrubbed);
		_exit(126);
	}
	close(pipefd[1]);
	if (pid < 0) {
		close(pipefd[0]);
		p->done = true;
		p->status = 1;
		return;
	}
	p->pid = pid;
	p->fd = pipefd[0];
}

static int status_all(void)
{
	DIR *d = opendir(INITD_DIR);
	if (!d)
		return 0; /* Debian's `cd` fails and the glob matches nothing: no lines, status 0 */
	struct probe *probes = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || ignored(e->d_name))
			continue;
		char path[PATH_MAX];
		snprintf(path, sizeof(path), INITD_DIR "/%s", e->d_name);
		if (access(path, X_OK) < 0)
			continue;
		/* a directory passes Debian's [ -x ] too, and is listed as [ - ] */
		struct probe *np = realloc(probes, (n + 1) * sizeof(*np));
		if (!np)
			break;
		probes = np;
		probes[n] = (struct probe){ .fd = -1 };
		snprintf(probes[n].name, sizeof(probes[n].name), "%s", e->d_name);
		n++;
	}
	closedir(d);
	qsort(probes, n, sizeof(*probes), cmp_name);
	const char *t = getenv("SERVICE_STATUS_TIMEOUT");
	uint64_t timeout_s;
	if (!t || parse_uint(t, 10, UINT32_MAX, &timeout_s) < 0 || timeout_s == 0)
		timeout_s = 10; /* unset, not a number of seconds, or 0: Debian's default */
	/* in parallel, at most 16 at a time; the lines still come out sorted */
	size_t next = 0, active = 0, printed = 0;
	uint64_t *deadline = calloc(n ? n : 1, sizeof(*deadline));
	struct pollfd *pfds = calloc(n ? n : 1, sizeof(*pfds));
	while (printed < n) {
		while (next < n && active < 16) {
			probe_start(&probes[next]);
			deadline[next] = mono_ms() + (uint64_t)timeout_s * 1000;
			if (!probes[next].done)
				active++;
			next++;
		}
		size_t np = 0;
		size_t idx[64];
		for (size_t i = 0; i < next && np < 64; i++)
			if (!probes[i].done && probes[i].fd >= 0) {
				pfds[np] = (struct pollfd){ .fd = probes[i].fd, .events = POLLIN };
				idx[np++] = i;
			}
		if (np > 0)
			poll(pfds, np, 100);
		for (size_t k = 0; k < np; k++) {
			struct probe *p = &probes[idx[k]];
			if (pfds[k].revents) {
				char buf[4096];
				ssize_t r = read(p->fd, buf, sizeof(buf));
				if (r > 0) {
					if (p->len + (size_t)r + 1 > p->cap) {
						size_t cap = (p->len + (size_t)r + 1) * 2;
						char *no = realloc(p->out, cap);
						if (no) {
							p->out = no;
							p->cap = cap;
						}
					}
					if (p->len + (size_t)r + 1 <= p->cap) {
						memcpy(p->out + p->len, buf, (size_t)r);
						p->len += (size_t)r;
						p->out[p->len] = '\0';
					}
					continue;
				}
				/* EOF: everything that held the pipe is gone or closed it */
				close(p->fd);
				p->fd = -1;
				int st = 0;
				waitpid(p->pid, &st, 0);
				p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
				p->done = true;
				active--;
			} else if (mono_ms() >= deadline[idx[k]]) {
				kill(-p->pid, SIGKILL);
				close(p->fd);
				p->fd = -1;
				waitpid(p->pid, NULL, 0);
				p->hung = p->done = true;
				active--;
			}
		}
		while (printed < n && probes[printed].done) {
			struct probe *p = &probes[printed++];
			/* Debian's `$(...)` drops trailing newlines before its -n test */
			while (p->len > 0 && p->out[p->len - 1] == '\n')
				p->out[--p->len] = '\0';
			if (p->hung || (p->out && strcasestr(p->out, "usage:"))) {
				fflush(stdout);
				fprintf(stderr, " [ ? ]  %s\n", p->name);
			} else if (p->status == 0 && p->len > 0) {
				printf(" [ + ]  %s\n", p->name);
			} else {
				printf(" [ - ]  %s\n", p->name);
			}
			fflush(stdout);
			free(p->out);
		}
	}
	free(deadline);
	free(pfds);
	free(probes);
	return 0;
}

/* ---- logs ------------------------------------------------------------------------------- */

static int logs(const char *name, char **args)
{
	unsigned lines = 50;
	bool follow = false;
	for (char **a = args; a && *a; a++) {
		if (!strcmp(*a, "-f") || !strcmp(*a, "--follow")) {
			follow = true;
		} else if ((!strcmp(*a, "-n") || !strcmp(*a, "--lines")) && a[1]) {
			uint32_t v;
			if (parse_u32(*++a, 10, &v) < 0) {
				fprintf(stderr, "%s: %s logs: -n wants a number of lines, not '%s'\n", prog, name, *a);
				return 2;
			}
			lines = v;
		} else {
			fprintf(stderr, "%s: %s logs: unknown option '%s' (there are -f and -n N)\n", prog, name, *a);
			return 2;
		}
	}
	char path[PATH_MAX];
	snprintf(path, sizeof(path), SVC_LOG_DIR "/%s.log", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT) {
			fprintf(stderr, "%s: %s has no log yet (%s): it has not run under the supervisor\n", prog, name, path);
			return follow ? 1 : 0;
		}
		fprintf(stderr, "%s: cannot read %s: %s%s\n", prog, path, strerror(e), e == EACCES ? " (try sudo)" : "");
		return e == EACCES ? 4 : 1;
	}
	svc_log_tail(path, lines, stdout);
	fflush(stdout);
	if (!follow) {
		close(fd);
		return 0;
	}
	off_t pos = lseek(fd, 0, SEEK_END);
	struct stat st0;
	fstat(fd, &st0);
	for (;;) {
		char buf[8192];
		ssize_t r = pread(fd, buf, sizeof(buf), pos);
		if (r > 0) {
			fwrite(buf, 1, (size_t)r, stdout);
			fflush(stdout);
			pos += r;
			continue;
		}
		struct stat st;
		if (stat(path, &st) == 0 && st.st_ino != st0.st_ino) {
			/* rotated: the rest of the old file was read above; go on with the new one */
			int nfd = open(path, O_RDONLY | O_CLOEXEC);
			if (nfd >= 0) {
				close(fd);
				fd = nfd;
				pos = 0;
				st0 = st;
				continue;
			}
		}
		usleep(200 * 1000);
	}
}

/* ---- dispatch --------------------------------------------------------------------------- */

static void print_name(FILE *f, const char *name)
{
	size_t n = strlen(name);
	for (size_t i = 0; i < n && i < 64; i++)
		fputc((unsigned char)name[i] < 0x20 || name[i] == 0x7f ? '?' : name[i], f);
	if (n > 64)
		fputs("...", f);
}

/* Sends a request and prints what comes back; -1 when the supervisor cannot be reached. */
static int ask(const char *verb, const char *name, char **args, bool with_stdio)
{
	struct svc_reply r;
	int rc = svc_call(verb, name, args, scrubbed, with_stdio, &r);
	if (rc < 0)
		return -1;
	svc_reply_print(&r);
	int status = r.status;
	svc_reply_free(&r);
	return status;
}

static int unreachable(const char *name, const char *verb)
{
	fprintf(stderr, "%s: %s %s: guestinit's service supervisor is not running (" SVC_SOCKET_PATH
		" cannot be reached); see guestinit status\n", prog, name, verb);
	return 1;
}

int service_main(int argc, char **argv)
{
	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (argc < 2) {
		usage();
		return 1;
	}
	build_env();
	if (chdir("/") < 0) {
		/* Debian's `cd /` cannot fail either; go on where we are */
	}
	/* Debian's loop: --help and --version win wherever they are */
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strncmp(a, "--h", 3)) {
			usage();
			return 0;
		}
		if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
			fprintf(stderr, "%s ver. " DEBIAN_VERSION "\n", prog);
			return 0;
		}
	}
	if (argc == 2 && !strcmp(argv[1], "--status-all"))
		return status_all();
	if (argc == 3 && !strcmp(argv[1], "--dpkg-hook"))
		return geteuid() == 0 ? svc_dpkg_hook(argv[2]) : 0; /* dpkg as non-root changes no system */
	char name[SVC_NAME_MAX + 1];
	const char *why;
	if (svc_name_check(argv[1], &why) < 0) {
		fprintf(stderr, "%s: invalid service name '", prog);
		print_name(stderr, argv[1]);
		fprintf(stderr, "': %s\n", why);
		return 2;
	}
	snprintf(name, sizeof(name), "%s", argv[1]);
	const char *action = argc > 2 ? argv[2] : NULL;
	char **args = argc > 3 ? argv + 3 : NULL;
	bool full_restart = argc == 3 && !strcmp(argv[2], "--full-restart");
	if (sdinit_booted()) {
		/* systemd is PID 1 (the handoff): standard verbs go to systemctl, as Debian's do */
		static const char *const std[] = { "start", "stop", "restart", "status", "try-restart", "reload",
						   "force-reload" };
		const char *verb = full_restart ? "restart" : action;
		bool standard = false;
		for (size_t i = 0; verb && i < sizeof(std) / sizeof(std[0]); i++)
			standard |= !strcmp(verb, std[i]);
		if (!standard)
			return svc_has_initd("", name) ? exec_script(name, action, args)
						       : (fprintf(stderr, "%s: unrecognized service\n", name), 1);
		char unit[SVC_NAME_MAX + 16];
		snprintf(unit, sizeof(unit), "%s.service", name);
		char *sargv[] = { "systemctl", !strcmp(verb, "force-reload") ? "reload-or-restart" : (char *)verb, unit, NULL };
		execvp("systemctl", sargv);
		fprintf(stderr, "%s: systemd is running but systemctl cannot be run: %s\n", prog, strerror(errno));
		return 1;
	}
	bool has_script = svc_has_initd("", name);
	char unit_name[SVC_NAME_MAX + 1];
	snprintf(unit_name, sizeof(unit_name), "%s", name);
	if (!has_script)
		svc_name_strip(unit_name);
	enum svc_kind kind = svc_resolve("", has_script ? name : unit_name);
	if (getenv("GUESTINIT_INITD_HOOK")) {
		/* called by the init-functions hook from inside NAME's script: only a unit is ours;
		 * 100 tells the script to go on by itself */
		if (kind != SVC_UNIT)
			return 100;
		unsetenv("GUESTINIT_INITD_HOOK");
		/* A package's maintainer script (invoke-rc.d, under dpkg) acting on a service whose unit
		 * is masked: a package masks the unit of a script meant for sysvinit alone
		 * (cgroupfs-mount), and under systemd invoke-rc.d leaves a masked unit be and succeeds.
		 * A user's own `/etc/init.d/NAME start` still gets the refusal. */
		if (getenv("DPKG_MAINTSCRIPT_PACKAGE") && action && strcmp(action, "status") && masked_unit(unit_name)) {
			fprintf(stderr, "%s: %s.service is masked: '%s' left undone for %s's maintainer script, as under systemd\n",
				prog, unit_name, action, getenv("DPKG_MAINTSCRIPT_PACKAGE"));
			return 0;
		}
	}
	if (kind == SVC_NONE) {
		fprintf(stderr, "%s: unrecognized service\n", name);
		return 1;
	}
	bool root = geteuid() == 0;
	if (action && !strcmp(action, "logs"))
		return logs(kind == SVC_UNIT ? unit_name : name, args);
	if (action && is_change_verb(action) && !root) {
		fprintf(stderr, "%s: %s %s: only root may start, stop or reload services (try: sudo %s %s %s)\n", prog,
			name, action, prog, name, action);
		return 4;
	}
	if (kind == SVC_INITD) {
		if (!action || !strcmp(action, "status") || !root)
			return exec_script(name, action, args);
		if (full_restart) {
			int rc = ask("stop", name, NULL, true);
			if (rc < 0)
				return unreachable(name, "--full-restart");
			rc = ask("start", name, NULL, true);
			return rc < 0 ? unreachable(name, "--full-restart") : rc;
		}
		int rc = ask(action, name, args, true);
		if (rc < 0) {
			if (access("/run/guestinit", F_OK) == 0)
				fprintf(stderr, "%s: guestinit's service supervisor is not running; running %s/%s %s "
					"directly\n", prog, INITD_DIR, name, action);
			return exec_script(name, action, args);
		}
		return rc;
	}
	/* a unit */
	if (!action) {
		fprintf(stderr, "Usage: %s %s {start|stop|restart|reload|force-reload|try-restart|status|logs}\n", prog,
			name);
		return 3;
	}
	const char *verb = full_restart ? "restart" : action;
	bool unit_verb = !strcmp(verb, "status") || is_change_verb(verb);
	if (!unit_verb && has_script && !root)
		return exec_script(name, action, args); /* a verb of the script's own, run as the caller */
	int rc = ask(verb, unit_name, unit_verb ? NULL : args, !unit_verb);
	return rc < 0 ? unreachable(unit_name, verb) : rc;
}
