/* Supervision of PID 1's internal daemons. PID 1 never waits on one: starts, deaths and
 * restarts are all events in PID 1's loop. */
#include "daemons.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "backoff.h"
#include "capabilities.h"
#include "clock.h"
#include "cleanup.h"
#include "evloop.h"
#include "fdstore.h"
#include "log.h"
#include "sigsend.h"
#include "spawn.h"

/* The table: each capability's definition, in the order the composition root lists them
 * (init/capabilities.c). logd comes first so that it is stopped last and sees the whole
 * shutdown; services comes last, so that it is stopped first and every service stops while
 * the rest is still there (its own time limits, TimeoutStopSec=, bound its stop). */
static size_t ndaemons;
#define DEF(i) (daemon_table[i])
#define MAX_DAEMONS 16

struct daemon {
	pid_t pid;
	uint64_t started_ms;
	struct backoff backoff;
	int restart_timer;
	unsigned restarts;
	int last_status;
};

static struct daemon daemons[MAX_DAEMONS];
static struct fdstore store = FDSTORE_NONE; /* created once; PID 1 never reads it */
static struct evloop *loop;
static struct daemon_env env;
static bool stopping;
static int stop_index = -1;
static int stop_timer;
static int stop_timeout_ms;
static void (*stop_done)(void *);
static void *stop_done_ctx;

void daemons_base_env(char **envp)
{
	static char term[64] = "TERM=linux";
	const char *t = getenv("TERM");
	if (t && strlen(t) < sizeof(term) - 6)
		snprintf(term, sizeof(term), "TERM=%s", t);
	size_t i = 0;
	envp[i++] = "PATH=" DAEMONS_PATH;
	envp[i++] = "HOME=/root";
	envp[i++] = "USER=root";
	envp[i++] = "LOGNAME=root";
	envp[i++] = "SHELL=/bin/sh";
	envp[i++] = term;
	envp[i] = NULL;
}

void daemons_host_env(char *const *base, const char *token, char **out)
{
	static char token_env[300];
	snprintf(token_env, sizeof(token_env), "GUESTINIT_TOKEN=%s", token);
	size_t i = 0;
	for (; base[i] && i < DAEMONS_ENV_MAX; i++)
		out[i] = base[i];
	out[i++] = token_env;
	out[i] = NULL;
}

int daemons_log_pipe(int fds[2])
{
	if (pipe2(fds, O_CLOEXEC) < 0) {
		int e = errno;
		log_warn("boot", "log pipe: %s; logging to the console only", strerror(e));
		fds[0] = fds[1] = -1;
		return -e;
	}
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	log_set_pipe_fd(fds[1]);
	return 0;
}

void daemons_init(struct evloop *l, const struct daemon_env *e)
{
	loop = l;
	env = *e;
	for (ndaemons = 0; daemon_table[ndaemons] && ndaemons < MAX_DAEMONS; ndaemons++)
		;
	for (size_t i = 0; i < ndaemons; i++)
		daemons[i] = (struct daemon){ .backoff = BACKOFF_INIT };
	int r = fdstore_create(&store);
	if (r < 0)
		log_warn("daemons", "no fd store (%s): a restarted services daemon loses its services' log pipes",
			 strerror(-r));
}

static void schedule_restart(size_t i, uint64_t ran_ms);

static void daemon_start(size_t i)
{
	const struct daemon_def *d = DEF(i);
	char maxkb[16], keep[16];
	snprintf(maxkb, sizeof(maxkb), "%d", env.log_file_max_kb);
	snprintf(keep, sizeof(keep), "%d", env.log_file_keep);
	char *log_argv[] = { (char *)d->applet, (char *)env.log_file, maxkb, keep, NULL };
	char *host_argv[] = { (char *)d->applet, "--host", (char *)env.host_uri, NULL };
	bool with_store = (d->flags & DAEMON_FD_STORE) && store.put_fd >= 0;
	char *store_argv[] = { (char *)d->applet, with_store ? "--fd-store" : NULL, "3:4", NULL };
	char *bare_argv[] = { (char *)d->applet, NULL };
	int store_fds[] = { store.put_fd, store.take_fd };
	struct spawn_opts o = {
		.path = env.self_exe,
		.argv = (d->flags & DAEMON_HOST_ARGS)	  ? host_argv
			: (d->flags & DAEMON_FD_STORE)	  ? store_argv
			: (d->flags & DAEMON_LOG_FILE_ARGS) ? log_argv
							    : bare_argv,
		.envp = (d->flags & DAEMON_HOST_ARGS) ? env.host_envp : env.envp,
		.fds = { (d->flags & DAEMON_LOG_PIPE_STDIN) ? env.log_read_fd : -1, env.console_fd, env.console_fd },
		.extra_fds = with_store ? store_fds : NULL,
		.nextra = with_store ? 2 : 0,
		.flags = SPAWN_SETSID | (env.under_systemd ? SPAWN_DIE_WITH_PARENT : 0),
	};
	pid_t pid = spawn_process(&o);
	if (pid < 0) {
		log_err("daemons", "%s: cannot start: %s", d->name, strerror((int)-pid));
		schedule_restart(i, 0); /* an instant death, so the backoff applies */
		return;
	}
	daemons[i].pid = pid;
	daemons[i].started_ms = mono_ms();
	log_debug("daemons", "%s: started, pid %d", d->name, (int)pid);
}

static void restart_cb(struct evloop *l, void *data)
{
	(void)l;
	size_t i = (size_t)(uintptr_t)data;
	daemons[i].restart_timer = 0;
	if (!stopping && daemons[i].pid == 0) {
		daemons[i].restarts++;
		daemon_start(i);
	}
}

static void schedule_restart(size_t i, uint64_t ran_ms)
{
	uint64_t delay = backoff_next_delay(&daemons[i].backoff, ran_ms);
	log_info("daemons", "%s: restarting in %llu ms", DEF(i)->name, (unsigned long long)delay);
	int t = evloop_add_timer(loop, delay, restart_cb, (void *)(uintptr_t)i);
	if (t < 0)
		log_err("daemons", "%s: cannot arm restart timer: %s", DEF(i)->name, strerror(-t));
	else
		daemons[i].restart_timer = t;
}

/* A daemon without what it needs is not started at all (and not restarted). */
static bool daemon_wanted(size_t i)
{
	unsigned f = DEF(i)->flags;
	return (!(f & (DAEMON_HOST_ARGS | DAEMON_NEEDS_HOST)) || env.host_uri) && (!(f & DAEMON_MACHINE_ONLY) || env.machine) &&
	       !((f & DAEMON_NOT_UNDER_SYSTEMD) && env.under_systemd);
}

bool daemons_in_boot(const char *name)
{
	for (size_t i = 0; i < ndaemons; i++)
		if (!strcmp(DEF(i)->name, name))
			return daemon_wanted(i) && !stopping;
	return false;
}

void daemons_start_all(void)
{
	for (size_t i = 0; i < ndaemons; i++)
		if (daemons[i].pid == 0 && daemon_wanted(i))
			daemon_start(i);
}

static void describe_status(int st, char *buf, size_t cap)
{
	if (WIFSIGNALED(st))
		snprintf(buf, cap, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, cap, "exited with status %d", WEXITSTATUS(st));
}

static void stop_next(void);

bool daemons_reaped(pid_t pid, int wstatus)
{
	for (size_t i = 0; i < ndaemons; i++) {
		struct daemon *d = &daemons[i];
		if (d->pid != pid)
			continue;
		d->pid = 0;
		d->last_status = wstatus;
		char how[96];
		describe_status(wstatus, how, sizeof(how));
		if (stopping) {
			log_debug("daemons", "%s: stopped (%s)", DEF(i)->name, how);
			if ((int)i == stop_index) {
				evloop_cancel_timer(loop, stop_timer);
				stop_timer = 0;
				stop_index--;
				stop_next();
			}
			return true;
		}
		log_warn("daemons", "%s (pid %d) %s", DEF(i)->name, (int)pid, how);
		schedule_restart(i, mono_ms() - d->started_ms);
		return true;
	}
	return false;
}

void daemons_signal_all(int sig)
{
	for (size_t i = 0; i < ndaemons; i++)
		if (daemons[i].pid > 0)
			kill(daemons[i].pid, sig);
}

static void stop_timeout_cb(struct evloop *l, void *data)
{
	(void)l;
	size_t i = (size_t)(uintptr_t)data;
	stop_timer = 0;
	if (daemons[i].pid > 0) {
		log_warn("daemons", "%s: still running after SIGTERM, sending SIGKILL", DEF(i)->name);
		kill(daemons[i].pid, SIGKILL);
	}
}

static void stop_next(void)
{
	while (stop_index >= 0 && daemons[stop_index].pid == 0)
		stop_index--;
	if (stop_index < 0) {
		if (stop_done) {
			void (*done)(void *) = stop_done;
			stop_done = NULL;
			done(stop_done_ctx);
		}
		return;
	}
	struct daemon *d = &daemons[stop_index];
	signal_stopped_too(d->pid, SIGTERM);
	int ms = stop_timeout_ms > DEF(stop_index)->min_stop_ms ? stop_timeout_ms : DEF(stop_index)->min_stop_ms;
	int t = evloop_add_timer(loop, (uint64_t)ms, stop_timeout_cb, (void *)(uintptr_t)stop_index);
	stop_timer = t > 0 ? t : 0;
}

void daemons_stop_all(int timeout_ms, void (*done)(void *ctx), void *ctx)
{
	stopping = true;
	stop_timeout_ms = timeout_ms;
	stop_done = done;
	stop_done_ctx = ctx;
	for (size_t i = 0; i < ndaemons; i++)
		if (daemons[i].restart_timer) {
			evloop_cancel_timer(loop, daemons[i].restart_timer);
			daemons[i].restart_timer = 0;
		}
	stop_index = (int)ndaemons - 1;
	stop_next();
}

void daemons_status(FILE *out)
{
	for (size_t i = 0; i < ndaemons; i++) {
		const struct daemon *d = &daemons[i];
		if (!daemon_wanted(i))
			fprintf(out, "daemon %s: not started (%s)\n", DEF(i)->name,
				(DEF(i)->flags & DAEMON_MACHINE_ONLY) && !env.machine	  ? "a namespace: the machine is not ours" :
				(DEF(i)->flags & DAEMON_NOT_UNDER_SYSTEMD) && env.under_systemd ? "systemd does it" :
											  "no host address");
		else if (d->pid > 0)
			fprintf(out, "daemon %s: running, pid %d, up %llu s, restarts %u\n", DEF(i)->name,
				(int)d->pid, (unsigned long long)((mono_ms() - d->started_ms) / 1000), d->restarts);
		else
			fprintf(out, "daemon %s: %s, restarts %u\n", DEF(i)->name,
				stopping ? "stopped" : "waiting to restart", d->restarts);
	}
}
