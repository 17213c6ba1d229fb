/* The hand-off's helper and guard (see helper.h). */
#include "helper.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "atomicfile.h"
#include "bootcmd.h"
#include "cleanup.h"
#include "clock.h"
#include "daemon.h"
#include "daemons.h"
#include "hostd.h"
#include "hub.h"
#include "log.h"
#include "parse.h"
#include "readfile.h"
#include "records.h"
#include "sdinit.h"
#include "spawn.h"
#include "wslconf.h"

extern char **environ;

#define WAIT_STEP_MS 250 /* WSL's: systemctl is-system-running every 250 ms */

static struct {
	struct evloop *loop;
	struct wsl_conf conf;
	uint64_t t0_ms;
	char self_exe[PATH_MAX];
	pid_t guard, waiter;
	int guard_fd;
	bool stopping;
	int log_pipe[2];
	char *envp[DAEMONS_ENV_MAX];
	char host_uri[256], host_token[256];
	char *host_envp[DAEMONS_ENV_MAX + 2];
} hp = { .guard_fd = -1, .log_pipe = { -1, -1 } };

static int pidfd_open_pid(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* PID 1 is systemd, not systemd-shutdown (which it execs for the final kill): only then is a
 * dead helper or guard started again. */
static bool systemd_is_running(void)
{
	char comm[32] = "";
	int fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, comm, sizeof(comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	return !strcmp(comm, "systemd\n");
}

/* The other half of the pair, started with our environment (the boot token is in it). */
static pid_t start_partner(const char *applet, const char *flag, pid_t watched)
{
	char pid[16];
	snprintf(pid, sizeof(pid), "%d", (int)watched);
	char *argv[] = { (char *)applet, flag ? (char *)flag : pid, flag ? pid : NULL, NULL };
	pid_t p = spawn_process(&(struct spawn_opts){ .path = hp.self_exe[0] ? hp.self_exe : "/init", .argv = argv,
						     .envp = environ, .fds = { -1, 2, 2 }, .flags = SPAWN_SETSID });
	if (p < 0)
		log_err("helper", "cannot start %s: %s", applet, strerror((int)-p));
	return p;
}

/* Our binary, for the partner we start: "" (then /init) if /proc cannot say. */
static void read_self_exe(void)
{
	ssize_t n = readlink("/proc/self/exe", hp.self_exe, sizeof(hp.self_exe) - 1);
	hp.self_exe[n > 0 ? n : 0] = '\0';
}

/* ---- the guard ----------------------------------------------------------------------- */

int guard_main(int argc, char **argv)
{
	log_init("guestinit-guard");
	prctl(PR_SET_NAME, "guestinit-guard");
	uint64_t v;
	if (argc != 2 || parse_uint(argv[1], 10, INT32_MAX, &v) < 0 || v < 2) {
		fprintf(stderr, "usage: guestinit-guard HELPER-PID (the systemd hand-off's helper starts it)\n");
		return 2;
	}
	read_self_exe();
	signal(SIGPIPE, SIG_IGN);
	pid_t helper = (pid_t)v;
	uint64_t started = 0; /* when we started the one watched; 0: not ours */
	for (;;) {
		int fd = pidfd_open_pid(helper);
		if (fd >= 0) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			while (poll(&p, 1, -1) < 0 && errno == EINTR)
				;
			close(fd);
		}
		while (waitpid(helper, NULL, WNOHANG) < 0 && errno == EINTR)
			; /* ours once we restarted it; else systemd reaps it */
		if (!systemd_is_running())
			return 0; /* the final kill of a shutdown: nothing to keep alive */
		if (started && mono_ms() - started < 1000) {
			log_warn("helper", "the helper (pid %d) ended within a second of its start; again in 1 s",
				 (int)helper);
			sleep(1);
		} else
			log_warn("helper", "the helper (pid %d) ended; starting another", (int)helper);
		pid_t p;
		while ((p = start_partner("guestinit-helper", "--guard", getpid())) < 0)
			sleep(1);
		helper = p;
		started = mono_ms();
	}
}

/* ---- the helper ---------------------------------------------------------------------- */

static void on_guard_end(struct evloop *loop, int fd, uint32_t events, void *data);

static void watch_guard(pid_t pid)
{
	hp.guard = pid;
	hp.guard_fd = pidfd_open_pid(pid);
	if (hp.guard_fd < 0 || evloop_add_fd(hp.loop, hp.guard_fd, EPOLLIN, on_guard_end, NULL) < 0)
		log_warn("helper", "cannot watch the guard (pid %d): %s; a killed helper stays dead", (int)pid,
			 strerror(errno));
}

static void on_guard_end(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	evloop_del_fd(loop, fd);
	close(fd);
	hp.guard_fd = -1;
	if (hp.stopping || !systemd_is_running())
		return;
	log_warn("helper", "the guard (pid %d) ended; starting another", (int)hp.guard);
	pid_t p = start_partner("guestinit-guard", NULL, getpid());
	if (p > 0)
		watch_guard(p);
}

/* Into a cgroup of our own: systemd moves and kills what is in its units' cgroups, and
 * leaves one it did not make alone. What we start inherits it. */
static void join_cgroup(void)
{
	if (mkdir(HELPER_CGROUP, 0755) < 0 && errno != EEXIST) {
		log_warn("helper", "mkdir %s: %s; the helper stays in its parent's cgroup", HELPER_CGROUP, strerror(errno));
		return;
	}
	int fd = open(HELPER_CGROUP "/cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, "0\n", 2) != 2)
		log_warn("helper", "%s/cgroup.procs: %s; the helper stays in its parent's cgroup", HELPER_CGROUP,
			 strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* systemctl's answer, its first line without the newline; "" if it said nothing. */
static void systemctl_say(char *const *argv, char *out, size_t cap)
{
	int st = spawn_capture(sdinit_systemctl(), argv, hp.envp, out, cap);
	if (st < 0)
		snprintf(out, cap, "(systemctl: %s)", strerror(-st));
}

/* The units systemd is starting (its running jobs; the waiting ones if none runs),
 * space-separated: "gi-slow.service". */
static void pending_units(char *out, size_t cap)
{
	char list[4096];
	char *argv[] = { "systemctl", "list-jobs", "--no-legend", "--plain", "--no-pager", NULL };
	systemctl_say(argv, list, sizeof(list));
	out[0] = '\0';
	for (int pass = 0; pass < 2 && !out[0]; pass++) {
		size_t len = 0;
		for (char *line = list; *line;) {
			char *end = strchr(line, '\n');
			char unit[128], state[32];
			if (sscanf(line, "%*u %127s %*s %31s", unit, state) == 2 && (pass == 1 || !strcmp(state, "running"))) {
				int n = snprintf(out + len, cap - len, "%s%s", len ? " " : "", unit);
				if (n < 0 || (size_t)n >= cap - len) {
					out[len] = '\0';
					break;
				}
				len += (size_t)n;
			}
			if (!end)
				break;
			line = end + 1;
		}
	}
	if (!out[0])
		snprintf(out, cap, "(no jobs listed)");
}

static void run_boot_command(void)
{
	if (!hp.conf.boot.command[0])
		return;
	pid_t pid = boot_command_start(hp.conf.boot.command, hp.envp, hp.log_pipe[1]);
	int st;
	if (pid < 0)
		return;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	boot_command_ended(st);
}

/* The waiter, a child of the helper: systemd's boot seen to its end (or to initTimeout),
 * then the ready record for the host and [boot] command. Blocking is its whole job. */
static void wait_for_systemd(int report_fd)
{
	prctl(PR_SET_NAME, "guestinit-wait");
	int timeout = hp.conf.boot.init_timeout_ms;
	uint64_t start = mono_ms();
	char state[64] = "";
	bool up = false;
	char *argv[] = { "systemctl", "is-system-running", NULL };
	for (;;) {
		systemctl_say(argv, state, sizeof(state));
		state[strcspn(state, "\n")] = '\0';
		up = !strcmp(state, "running") || !strcmp(state, "degraded");
		if (up || timeout <= 0 || mono_ms() - start >= (uint64_t)timeout)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = WAIT_STEP_MS * 1000000L }, NULL);
	}
	uint64_t now = mono_ms();
	struct ready_record r = { .ready_ms = now - hp.t0_ms };
	if (up) {
		snprintf(r.line, sizeof(r.line), "guestinit: ready in %llu ms (systemd %s)", (unsigned long long)r.ready_ms,
			 state);
		log_info("boot", "systemd is %s, %llu ms after PID 1's start", state, (unsigned long long)r.ready_ms);
	} else if (timeout <= 0) {
		snprintf(r.line, sizeof(r.line), "guestinit: ready in %llu ms (systemd %s; initTimeout=0: not waited for)",
			 (unsigned long long)r.ready_ms, state);
	} else {
		char units[200];
		pending_units(units, sizeof(units));
		snprintf(r.line, sizeof(r.line), "guestinit: ready in %llu ms, but systemd is %s after %d ms "
			 "([boot] initTimeout); still starting: %s", (unsigned long long)r.ready_ms, state[0] ? state : "silent",
			 timeout, units);
		log_warn("boot", "systemd is %s after %d ms ([boot] initTimeout); still starting: %s; sessions work meanwhile",
			 state[0] ? state : "silent", timeout, units);
	}
	r.uptime_ms = boot_ms();
	/* the helper reports it: the hub takes a report from the helper, whose pid it knows
	 * and which is still there when the report is read (this child may not be) */
	if (write(report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
		/* the helper died meanwhile: its successor waits again and runs the command */
		log_warn("boot", "the ready record to the helper: %s; the next helper reports it", strerror(errno));
		_exit(1);
	}
	close(report_fd);
	run_boot_command();
	_exit(0);
}

static void on_ready_record(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	struct ready_record r;
	ssize_t n = read(fd, &r, sizeof(r)); /* one write of less than PIPE_BUF: all or nothing */
	evloop_del_fd(loop, fd);
	close(fd);
	if (n != (ssize_t)sizeof(r)) {
		log_err("boot", "the waiter ended without a ready record: the host is not told");
		return;
	}
	r.line[sizeof(r.line) - 1] = '\0';
	int rc = hub_report_ready(&r);
	if (rc < 0 && rc != -ENOENT && rc != -ECONNREFUSED)
		log_warn("boot", "ready report: %s", strerror(-rc));
}

static void start_waiter(void)
{
	int p[2];
	pid_t pid = pipe2(p, O_CLOEXEC) < 0 ? -1 : fork();
	if (pid < 0) {
		log_err("helper", "the waiter: %s; the host is not told when systemd is up", strerror(errno));
		return;
	}
	if (pid == 0) {
		spawn_reset_signals();
		signal(SIGPIPE, SIG_IGN); /* a dead helper is an EPIPE, said above */
		evloop_free(hp.loop); /* the helper's, not ours */
		close(p[0]);
		wait_for_systemd(p[1]);
	}
	close(p[1]);
	if (evloop_add_fd(hp.loop, p[0], EPOLLIN, on_ready_record, NULL) < 0) {
		log_err("helper", "watching the waiter: %s; the host is not told when systemd is up", strerror(errno));
		close(p[0]);
	}
	hp.waiter = pid;
}

static void stopped(void *ctx)
{
	(void)ctx;
	log_set_pipe_fd(-1);
	exit(0);
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	(void)loop;
	(void)data;
	if (si->ssi_signo == SIGCHLD) {
		for (;;) {
			int st;
			pid_t pid = waitpid(-1, &st, WNOHANG);
			if (pid <= 0)
				break;
			if (pid == hp.waiter)
				hp.waiter = 0;
			else
				daemons_reaped(pid, st); /* the guard's end comes through its pidfd */
		}
	} else if (si->ssi_signo == SIGUSR1)
		daemons_signal_all(SIGUSR1);
	else if (!hp.stopping) { /* SIGTERM, SIGINT: systemd-shutdown's final kill, or root's */
		hp.stopping = true;
		log_info("helper", "stopping (signal %d)", (int)si->ssi_signo);
		daemons_stop_all(hp.conf.guestinit.daemon_stop_timeout_ms, stopped, NULL);
	}
}

int helper_main(int argc, char **argv)
{
	pid_t guard = 0;
	for (int i = 1; i + 1 < argc; i += 2) {
		uint64_t v;
		if (parse_uint(argv[i + 1], 10, UINT64_MAX, &v) < 0)
			v = 0;
		if (!strcmp(argv[i], "--t0"))
			hp.t0_ms = v;
		else if (!strcmp(argv[i], "--guard") && v > 1 && v <= INT32_MAX)
			guard = (pid_t)v;
	}
	static const int sigs[] = { SIGCHLD, SIGTERM, SIGINT, SIGUSR1, 0 };
	if (daemon_setup("guestinit-helper", "guestinit-help", sigs, on_signal, NULL, &hp.loop) < 0)
		return 1;
	join_cgroup();
	read_self_exe();
	wslconf_defaults(&hp.conf);
	wslconf_load_file(&hp.conf, WSLCONF_PATH, NULL, NULL); /* PID 1 said what is wrong in it */
	log_set_level(hp.conf.guestinit.log_level);
	umask(hp.conf.filesystem.umask); /* PID 1 set it for itself; what the helper starts has it from here */
	char pid[16];
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	int r = atomic_write(HELPER_PID_PATH, pid, strlen(pid), 0644, false);
	if (r < 0)
		log_warn("helper", "%s: %s", HELPER_PID_PATH, strerror(-r));

	/* a restart (the guard started us) keeps that guard; the first start makes one */
	bool restarted = guard > 0;
	if (!(guard > 0 && kill(guard, 0) == 0))
		guard = start_partner("guestinit-guard", NULL, getpid());
	if (guard > 0)
		watch_guard(guard);

	daemons_base_env(hp.envp);
	daemons_log_pipe(hp.log_pipe);
	bool have_host = hostd_find_host(hp.host_uri, sizeof(hp.host_uri), hp.host_token, sizeof(hp.host_token), true) == 0;
	if (have_host)
		daemons_host_env(hp.envp, hp.host_token, hp.host_envp);
	struct daemon_env denv = {
		.self_exe = hp.self_exe, .envp = hp.envp, .log_read_fd = hp.log_pipe[0], .console_fd = 2,
		.log_file = hp.conf.guestinit.log_file, .log_file_max_kb = hp.conf.guestinit.log_file_max_kb,
		.log_file_keep = hp.conf.guestinit.log_file_keep, .host_uri = have_host ? hp.host_uri : NULL,
		.host_envp = hp.host_envp, .machine = true, .under_systemd = true,
	};
	daemons_init(hp.loop, &denv);
	daemons_start_all();
	log_info("helper", "%s, pid %d, guard pid %d", restarted ? "restarted" : "started", (int)getpid(), (int)guard);
	/* a helper killed before systemd was up left no ready record: this one waits instead */
	if (!restarted || access(READY_PATH, F_OK) < 0)
		start_waiter();
	for (;;) {
		r = evloop_run(hp.loop);
		log_err("helper", "event loop stopped: %s; resuming", strerror(r < 0 ? -r : 0));
		sleep(1);
	}
}
