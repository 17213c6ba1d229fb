/* The service supervisor's state machine. Units follow systemd's service life cycle (start:
 * ExecStartPre, ExecStart with readiness by Type, ExecStartPost; stop: ExecStop, KillSignal per
 * KillMode, SIGKILL after TimeoutStopSec, ExecStopPost; restart per Restart= with backoff and
 * StartLimitBurst). init.d scripts are run as Debian runs them, by us instead of the caller, so
 * that what they start lands in the service's cgroup and outlives the caller's session. */
#include "sigsend.h"
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backoff.h"
#include "svc_cgroup.h"
#include "cleanup.h"
#include "evloop.h"
#include "fdstore.h"
#include "log.h"
#include "svc_names.h"
#include "proto.h"
#include "signames.h"
#include "svc_exec.h"
#include "svc_log.h"
#include "svc_record.h"
#include "unitfile.h"

#define LOG_MAX_BYTES (1024 * 1024)
#define SCRIPT_STOP_GRACE_MS 5000 /* after an init.d script's stop: what it left gets TERM, then KILL */
#define KILL_WAIT_MS 5000         /* after SIGKILL: how long to wait for the group to empty */
#define GROUP_POLL_MS 20          /* how often a stop looks at its group while waiting */
#define WAIT_UNKNOWN (-1)         /* the end of a process that is not our child: no wait status */

enum sv_state { ST_INACTIVE, ST_STARTING, ST_RUNNING, ST_EXITED, ST_RELOADING, ST_STOPPING, ST_FAILED, ST_AUTO_RESTART };
static const char *const state_names[] = { "inactive", "activating", "active", "active", "reloading",
					   "deactivating", "failed", "activating" };
static const char *const state_subs[] = { "dead", "start", "running", "exited", "reload", "stop", "failed",
					  "auto-restart" };

enum phase { PH_NONE, PH_WAIT_DEPS, PH_START_PRE, PH_START, PH_WAIT_EXEC, PH_WAIT_READY, PH_WAIT_PIDFILE, PH_START_POST,
	     PH_RELOAD, PH_STOP, PH_SIGTERM, PH_SIGKILL, PH_STOP_POST, PH_SCRIPT };

enum job_type { JOB_START, JOB_STOP, JOB_RESTART, JOB_TRY_RESTART, JOB_RELOAD, JOB_SCRIPT };

struct job {
	struct job *next;
	enum job_type type;
	int client;               /* -1: nobody waits (boot, automatic) */
	struct sv_request *req;
	bool second_half;         /* restart: the stop is done, the start runs */
	void (*done)(void *ctx, int status); /* boot's own requests: told the outcome */
	void *done_ctx;
};

struct svc {
	struct svc *next;
	char name[SVC_NAME_MAX + 1];
	enum svc_kind kind;
	struct unit unit;
	char unit_path[PATH_MAX];
	unsigned long long stamp; /* of the definition's files when last read; 0: never read */
	enum sv_state state;
	enum phase phase;
	const struct unit_cmds *cmds;
	size_t cmd_i;
	pid_t main_pid, ctl_pid;
	int main_pidfd;        /* an adopted main process (not our child) is watched through it */
	int events_fd;         /* an adopted service's cgroup.events: its group emptying is no SIGCHLD of ours */
	int ctl_report, main_report;
	int timer, restart_timer, poll_timer, watchdog_timer;
	uint64_t timer_deadline_ms;  /* when timer fires: EXTEND_TIMEOUT_USEC= moves it only later */
	uint64_t watchdog_ms;        /* WatchdogSec=, or what WATCHDOG_USEC= made it */
	bool watchdog_end;           /* the main process ends because its watchdog ran out */
	uint64_t since_ms;
	unsigned restarts;
	struct backoff backoff;
	uint64_t main_start_ms;
	char last_exit[96];
	char result[600];
	char status_text[160];
	uint64_t starts[64];
	unsigned nstarts;
	struct job *jobs;
	bool job_running;
	bool stop_manual;      /* this stop was asked for: no restart after it */
	bool oneshot_done;     /* this stop ends a oneshot that ran to completion */
	bool script_cleanup;   /* the signals end an init.d script's stop, not a unit's */
	bool run_failed;       /* the run being stopped failed (start failure, unclean end) */
	bool clean_end, abnormal_end; /* how the main process ended, for Restart= */
	int end_status;        /* the main process's wait status, for RestartPreventExitStatus */
	int script_status;
	char **env;            /* the environment of this run's processes */
	struct svc_log log;
	unsigned start_seq;    /* order of the last start, for stopping in reverse */
	unsigned deps_pending; /* Requires=/Wants= ordered After= that this start waits for */
	char dep_failed[SVC_NAME_MAX + 32]; /* a required one that did not start */
};

static struct evloop *loop;
static struct svc *services;
static unsigned start_seq;
static void (*stop_all_done)(void);
static bool stopping_all;

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void describe_wait(int st, char *buf, size_t cap)
{
	if (WIFSIGNALED(st))
		snprintf(buf, cap, "killed by signal %d (SIG%s)", WTERMSIG(st),
			 signal_name(WTERMSIG(st)) ? signal_name(WTERMSIG(st)) : "?");
	else
		snprintf(buf, cap, "exited with status %d", WEXITSTATUS(st));
}

/* ---- replies ---------------------------------------------------------------------------- */

static void send_reply(int client, int status, const char *out, const char *err)
{
	if (client < 0)
		return;
	struct proto_buf b;
	proto_buf_init(&b);
	proto_begin(&b, MSG_SVC_REPLY, 0);
	proto_put_u32(&b, TAG_STATUS, (uint32_t)status);
	if (out && *out)
		proto_put_str(&b, TAG_TEXT, out);
	if (err && *err)
		proto_put_str(&b, TAG_REASON, err);
	if (proto_end(&b) == 0)
		send(client, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	proto_buf_free(&b);
	close(client);
}

void supervisor_free_request(struct sv_request *req)
{
	if (!req)
		return;
	free(req->verb);
	free(req->name);
	for (char **a = req->args; *a; a++)
		free(*a);
	for (char **e = req->env; *e; e++)
		free(*e);
	for (int i = 0; i < 3; i++)
		if (req->fds[i] >= 0)
			close(req->fds[i]);
	free(req);
}

/* ---- the service table ------------------------------------------------------------------ */

static struct svc *find(const char *name)
{
	for (struct svc *s = services; s; s = s->next)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

static void unit_warning(void *ctx, const char *file, unsigned line, const char *msg)
{
	struct svc *s = ctx;
	if (line)
		log_warn("services", "%s: %s:%u: %s", s->name, file, line, msg);
	else
		log_warn("services", "%s: %s: %s", s->name, file, msg);
}

/* (Re)reads the definition when its files changed (or always, for daemon-reload); only
 * while the service is not running, so that a running service keeps the definition it was
 * started with, as systemd does. Its warnings are logged once per change. */
static void load_definition(struct svc *s, bool force)
{
	unsigned long long stamp = svc_definition_stamp("", s->name);
	if (!force && s->stamp == stamp && s->stamp != 0)
		return;
	s->stamp = stamp ? stamp : 1;
	unit_free(&s->unit);
	s->kind = svc_resolve_unit("", s->name, &s->unit, s->unit_path, sizeof(s->unit_path), unit_warning, s);
}

static struct svc *get(const char *name)
{
	struct svc *s = find(name);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	unit_init(&s->unit);
	s->ctl_report = s->main_report = s->main_pidfd = s->events_fd = -1;
	s->backoff = (struct backoff)BACKOFF_INIT;
	s->log = (struct svc_log){ .pipe_r = -1, .pipe_w = -1, .file_fd = -1 };
	s->since_ms = now_ms();
	load_definition(s, false);
	s->next = services;
	services = s;
	return s;
}

static bool is_active(const struct svc *s)
{
	return s->state == ST_RUNNING || s->state == ST_EXITED || s->state == ST_RELOADING;
}

static void cancel(int *timer)
{
	if (*timer > 0)
		evloop_cancel_timer(loop, *timer);
	*timer = 0;
}

/* What a restarted supervisor reads back (svc_record.h); a service at rest has none. */
static void save_record(const struct svc *s)
{
	if (s->state == ST_INACTIVE) {
		svc_record_remove(s->name);
		return;
	}
	struct svc_record r = {
		.main_pid = s->main_pid, .main_ticks = s->main_pid > 0 ? svc_pid_ticks(s->main_pid) : 0,
		.since_ms = s->since_ms, .main_start_ms = s->main_start_ms, .restarts = s->restarts,
		.start_seq = s->start_seq,
	};
	snprintf(r.state, sizeof(r.state), "%s", state_subs[s->state]);
	snprintf(r.result, sizeof(r.result), "%s", s->result);
	snprintf(r.last_exit, sizeof(r.last_exit), "%s", s->last_exit);
	snprintf(r.status_text, sizeof(r.status_text), "%s", s->status_text);
	int e = svc_record_save(s->name, &r);
	if (e < 0)
		log_warn("services", "%s: cannot record its state in " SVC_RECORD_DIR ": %s; a supervisor restart "
			 "would lose it", s->name, strerror(-e));
}

static void set_state(struct svc *s, enum sv_state st)
{
	if (s->state != st)
		s->since_ms = now_ms();
	s->state = st;
	save_record(s);
}

static void unwatch(int *fd)
{
	if (*fd >= 0) {
		evloop_del_fd(loop, *fd);
		close(*fd);
	}
	*fd = -1;
}

/* ---- jobs ------------------------------------------------------------------------------- */

static void job_run(struct svc *s);
static struct sv_request *internal_request(const char *verb, const char *name);

static void job_done(struct svc *s, int status, const char *err)
{
	struct job *j = s->jobs;
	if (!j)
		return;
	s->jobs = j->next;
	s->job_running = false;
	send_reply(j->client, status, NULL, err);
	if (j->done)
		j->done(j->done_ctx, status);
	supervisor_free_request(j->req);
	free(j);
	if (s->jobs)
		job_run(s);
	else if (stopping_all)
		supervisor_stop_all(stop_all_done);
}

/* Queues a job; done (may be NULL) hears its outcome, also when it finishes at once. */
static void enqueue(struct svc *s, enum job_type type, int client, struct sv_request *req,
		    void (*done)(void *ctx, int status), void *ctx)
{
	struct job *j = calloc(1, sizeof(*j));
	if (!j) {
		send_reply(client, 1, NULL, "out of memory");
		supervisor_free_request(req);
		if (done)
			done(ctx, 1);
		return;
	}
	*j = (struct job){ .type = type, .client = client, .req = req, .done = done, .done_ctx = ctx };
	struct job **tail = &s->jobs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = j;
	if (!s->job_running)
		job_run(s);
}

/* ---- running commands ------------------------------------------------------------------- */

static void begin_stop(struct svc *s, bool manual, bool failed);
static void stop_dependents(struct svc *s, bool manual);
static void enter_signal(struct svc *s);
static void finish_stop(struct svc *s);
static void restart_cb(struct evloop *l, void *data);
static void phase_done(struct svc *s);
static void phase_failed(struct svc *s, const char *why);
static void on_timeout(struct evloop *l, void *data);

static int log_fd(struct svc *s)
{
	int fd = svc_log_open(&s->log, loop, s->name, LOG_MAX_BYTES);
	if (fd < 0)
		log_warn("services", "%s: log %s: %s; its output goes nowhere", s->name, s->log.path, strerror(-fd));
	return fd;
}

/* Spawns one Exec line of the unit. Returns the pid or -1 with the failure recorded. */
static pid_t spawn_cmd(struct svc *s, const struct unit_cmd *c, int *report, char *err, size_t errcap)
{
	char **argv = (c->flags & CMD_NO_ENV_EXPAND) ? NULL : svc_exec_expand(c->argv, s->env);
	char *const *use = argv ? argv : c->argv;
	int lfd = log_fd(s);
	struct svc_exec e = {
		.name = s->name, .argv = use, .argv0 = (c->flags & CMD_ARGV0) ? use[1] : NULL, .envp = s->env,
		.fds = { -1, lfd, lfd }, .unit = &s->unit, .privileged = (c->flags & CMD_PRIVILEGED) != 0,
	};
	pid_t pid = svc_exec_spawn(&e, report, err, errcap);
	svc_strv_free(argv);
	return pid;
}

static void run_next_cmd(struct svc *s)
{
	if (!s->cmds || s->cmd_i >= s->cmds->n) {
		phase_done(s);
		return;
	}
	char err[256];
	pid_t pid = spawn_cmd(s, &s->cmds->v[s->cmd_i], &s->ctl_report, err, sizeof(err));
	if (pid < 0) {
		phase_failed(s, err);
		return;
	}
	s->ctl_pid = pid;
}

static void run_cmds(struct svc *s, enum phase ph, const struct unit_cmds *cmds)
{
	s->phase = ph;
	s->cmds = cmds;
	s->cmd_i = 0;
	run_next_cmd(s);
}

/* The environment of the next commands, with one more variable; the unit's own was checked
 * at start, so the old one stays only if memory runs out. */
static void set_env2(struct svc *s, const char *extra, const char *extra2)
{
	char *v[] = { (char *)extra, (char *)extra2, NULL }, err[256];
	char **env = svc_exec_environment(&s->unit, v, err, sizeof(err));
	if (env) {
		svc_strv_free(s->env);
		s->env = env;
	}
}

static void set_env(struct svc *s, const char *extra)
{
	set_env2(s, extra, NULL);
}

/* ExecReload= and ExecStop= get $MAINPID. */
static void set_env_mainpid(struct svc *s)
{
	char mainpid[32];
	snprintf(mainpid, sizeof(mainpid), "MAINPID=%d", (int)s->main_pid);
	set_env(s, mainpid);
}

static void arm_timeout(struct svc *s, uint64_t ms)
{
	cancel(&s->timer);
	if (ms > 0) {
		int t = evloop_add_timer(loop, ms, on_timeout, s);
		s->timer = t > 0 ? t : 0;
		s->timer_deadline_ms = now_ms() + ms;
	}
}

static void on_watchdog(struct evloop *l, void *data);

static void arm_watchdog(struct svc *s)
{
	cancel(&s->watchdog_timer);
	if (s->watchdog_ms > 0 && s->main_pid > 0 && (s->state == ST_RUNNING || s->state == ST_RELOADING)) {
		int t = evloop_add_timer(loop, s->watchdog_ms, on_watchdog, s);
		s->watchdog_timer = t > 0 ? t : 0;
	}
}

/* WatchdogSec= ran out without WATCHDOG=1: the main process gets WatchdogSignal= (SIGABRT), and
 * its end counts as a failure for Restart= (on-watchdog, on-failure, on-abnormal, always). */
static void on_watchdog(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->watchdog_timer = 0;
	if (s->main_pid <= 0)
		return;
	snprintf(s->result, sizeof(s->result), "its watchdog ran out (no WATCHDOG=1 within %llu ms)",
		 (unsigned long long)s->watchdog_ms);
	log_warn("services", "%s: %s; sending SIG%s", s->name, s->result, signal_name(s->unit.watchdog_signal) ?
		 signal_name(s->unit.watchdog_signal) : "?");
	svc_log_note(&s->log, "%s", s->result);
	s->watchdog_end = true;
	kill(s->main_pid, s->unit.watchdog_signal);
}

/* ---- start ------------------------------------------------------------------------------ */

static void make_dirs(struct svc *s, const struct unit_strv *dirs, const char *base, unsigned mode)
{
	struct passwd *pw = s->unit.user ? getpwnam(s->unit.user) : NULL;
	for (size_t i = 0; i < dirs->n; i++) {
		char p[PATH_MAX];
		snprintf(p, sizeof(p), "%s/%s", base, dirs->v[i]);
		/* parents of a nested name ("postgresql/15") first */
		for (char *q = p + strlen(base) + 1; (q = strchr(q, '/')); q++) {
			*q = '\0';
			mkdir(p, 0755);
			*q = '/';
		}
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			log_warn("services", "%s: cannot create %s: %s", s->name, p, strerror(errno));
		chmod(p, mode);
		if (pw && chown(p, pw->pw_uid, pw->pw_gid) < 0)
			log_warn("services", "%s: cannot hand %s to %s: %s", s->name, p, s->unit.user, strerror(errno));
	}
}

static unsigned long long read_sysctl(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	unsigned long long v = 0;
	if (!f || fscanf(f, "%llu", &v) != 1)
		return 0;
	return v;
}

/* The group's pids.max from TasksMax= (init scripts get the default, 15%, as systemd gives
 * their generated units): a percentage is of the smaller of the kernel's pid and thread limits. */
static void create_group(struct svc *s)
{
	svc_cgroup_create(s->name);
	if (!svc_cgroup_pids_available())
		return;
	const struct unit *u = &s->unit;
	unsigned pct = s->kind == SVC_UNIT ? u->tasks_max_percent : 15;
	unsigned long long max = s->kind == SVC_UNIT ? u->tasks_max : 0;
	if (pct) {
		unsigned long long pid_max = read_sysctl("/proc/sys/kernel/pid_max");
		unsigned long long threads = read_sysctl("/proc/sys/kernel/threads-max");
		unsigned long long base = pid_max && threads ? (pid_max < threads ? pid_max : threads) : pid_max | threads;
		max = base * pct / 100;
		if (max == 0 && base)
			max = 1;
	}
	int e = svc_cgroup_set_tasks_max(s->name, max);
	if (e < 0)
		log_warn("services", "%s: cannot set its TasksMax (%llu): %s", s->name, max, strerror(-e));
}

static bool start_limit_hit(struct svc *s)
{
	uint64_t now = now_ms();
	const struct unit *u = &s->unit;
	unsigned k = 0;
	for (unsigned i = 0; i < s->nstarts; i++)
		if (u->start_limit_interval_ms == 0 || now - s->starts[i] < u->start_limit_interval_ms)
			s->starts[k++] = s->starts[i];
	s->nstarts = k;
	if (u->start_limit_burst > 0 && u->start_limit_interval_ms > 0 && s->nstarts >= u->start_limit_burst)
		return true;
	if (s->nstarts == ARRAY_SIZE(s->starts)) {
		memmove(s->starts, s->starts + 1, sizeof(s->starts) - sizeof(s->starts[0]));
		s->nstarts--;
	}
	s->starts[s->nstarts++] = now;
	return false;
}

static void start_failed_early(struct svc *s, const char *why)
{
	snprintf(s->result, sizeof(s->result), "%s", why);
	set_state(s, ST_FAILED);
	svc_log_note(&s->log, "cannot start: %s", why);
	log_warn("services", "%s: cannot start: %s", s->name, why);
	if (s->jobs && s->job_running) {
		char msg[1400];
		snprintf(msg, sizeof(msg), "%s: cannot start: %s", s->name, why);
		job_done(s, 1, msg);
	}
}

static void begin_start(struct svc *s)
{
	cancel(&s->restart_timer);
	if (s->state != ST_AUTO_RESTART)
		load_definition(s, false);
	if (s->kind != SVC_UNIT) {
		start_failed_early(s, "its unit file is gone");
		return;
	}
	if (s->unit.refused) {
		start_failed_early(s, s->unit.refused);
		return;
	}
	if (start_limit_hit(s)) {
		char why[600];
		snprintf(why, sizeof(why), "started too often (StartLimitBurst=%u in %llu ms); "
			 "systemctl reset-failed %s lets it start again", s->unit.start_limit_burst,
			 (unsigned long long)s->unit.start_limit_interval_ms, s->name);
		start_failed_early(s, why);
		return;
	}
	create_group(s);
	make_dirs(s, &s->unit.runtime_dirs, "/run", s->unit.runtime_dir_mode);
	make_dirs(s, &s->unit.state_dirs, "/var/lib", 0755);
	make_dirs(s, &s->unit.logs_dirs, "/var/log", 0755);
	svc_strv_free(s->env);
	char err[256];
	s->env = svc_exec_environment(&s->unit, NULL, err, sizeof(err));
	if (!s->env) {
		start_failed_early(s, err);
		return;
	}
	s->result[0] = s->status_text[0] = '\0';
	s->run_failed = s->clean_end = s->abnormal_end = s->stop_manual = s->oneshot_done = s->watchdog_end = false;
	s->watchdog_ms = s->unit.watchdog_ms;
	s->start_seq = ++start_seq;
	set_state(s, ST_STARTING);
	svc_log_note(&s->log, "starting %s", s->name);
	arm_timeout(s, s->unit.timeout_start_ms);
	run_cmds(s, PH_START_PRE, &s->unit.start_pre);
}

static void on_main_report(struct evloop *l, int fd, uint32_t events, void *data);

static void enter_start(struct svc *s)
{
	const struct unit *u = &s->unit;
	if (u->type == UNIT_ONESHOT || u->type == UNIT_FORKING) {
		run_cmds(s, PH_START, &u->start);
		return;
	}
	s->phase = PH_START;
	char err[256];
	/* sd_notify's socket for whoever may use it; sd_watchdog_enabled() reads WATCHDOG_USEC */
	char wd[48];
	snprintf(wd, sizeof(wd), "WATCHDOG_USEC=%llu", (unsigned long long)u->watchdog_ms * 1000);
	if (u->notify_access != NOTIFY_NONE)
		set_env2(s, "NOTIFY_SOCKET=" SVC_NOTIFY_PATH, u->watchdog_ms ? wd : NULL);
	pid_t pid = spawn_cmd(s, &u->start.v[0], &s->main_report, err, sizeof(err));
	if (pid < 0) {
		phase_failed(s, err);
		return;
	}
	s->main_pid = pid;
	s->main_start_ms = now_ms();
	if (u->type == UNIT_SIMPLE) {
		/* started at fork: an exec failure shows as the main process's end */
		phase_done(s);
		return;
	}
	/* exec: ready once the exec happened (the report pipe closes without a word);
	 * notify: once READY=1 arrives */
	s->phase = u->type == UNIT_EXEC ? PH_WAIT_EXEC : PH_WAIT_READY;
	if (evloop_add_fd(loop, s->main_report, EPOLLIN, on_main_report, s) < 0 && u->type == UNIT_EXEC)
		phase_done(s);
}

static void on_main_report(struct evloop *l, int fd, uint32_t events, void *data)
{
	(void)events;
	struct svc *s = data;
	evloop_del_fd(l, fd);
	char msg[512];
	svc_exec_failure(fd, msg, sizeof(msg));
	s->main_report = -1;
	if (msg[0]) {
		snprintf(s->result, sizeof(s->result), "%s", msg);
		return; /* the main process's end reports the failure */
	}
	if (s->phase == PH_WAIT_EXEC)
		phase_done(s);
}

static void enter_running(struct svc *s)
{
	cancel(&s->timer);
	s->phase = PH_NONE;
	if (s->unit.type == UNIT_ONESHOT && !s->unit.remain_after_exit) {
		/* a oneshot that does not remain is done once it ran: what it left is stopped */
		svc_log_note(&s->log, "%s finished", s->name);
		s->oneshot_done = true;
		begin_stop(s, true, false);
		return;
	}
	set_state(s, s->unit.type == UNIT_ONESHOT ? ST_EXITED : ST_RUNNING);
	arm_watchdog(s);
	svc_log_note(&s->log, "started %s%s", s->name, s->main_pid > 0 ? "" : " (no main process known)");
	if (s->jobs && s->job_running && (s->jobs->type == JOB_START || s->jobs->type == JOB_RESTART ||
					  s->jobs->type == JOB_TRY_RESTART))
		job_done(s, 0, NULL);
}

/* A pid some file names is this service's only if it is in the service's cgroup; without
 * cgroups, only if it started after the service did (a reused pid belongs to an older or
 * unrelated process). */
static bool pid_is_ours(const struct svc *s, pid_t pid)
{
	if (pid <= 1 || kill(pid, 0) < 0)
		return false;
	if (svc_cgroup_available()) {
		char owner[SVC_NAME_MAX + 1];
		return svc_cgroup_of_pid(pid, owner, sizeof(owner)) == 0 && !strcmp(owner, s->name);
	}
	unsigned long long start = svc_pid_ticks(pid);
	if (!start)
		return false;
	struct timespec now;
	clock_gettime(CLOCK_BOOTTIME, &now);
	uint64_t started_ms = start * 1000 / (uint64_t)sysconf(_SC_CLK_TCK);
	uint64_t age_ms = now_ms() - s->since_ms; /* since the start began (CLOCK_MONOTONIC) */
	uint64_t boot_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	return started_ms + 10 >= boot_ms - age_ms;
}

/* forking: the main process is the one the pidfile names, else the only one left. */
static bool find_forked_main(struct svc *s)
{
	if (s->unit.pid_file) {
		_cleanup_fclose_ FILE *f = fopen(s->unit.pid_file, "re");
		struct stat st;
		if (f && fstat(fileno(f), &st) == 0 && (st.st_mode & S_IWOTH)) {
			/* anyone could have written it: start-stop-daemon refuses such a file too */
			char why[PATH_MAX + 100];
			snprintf(why, sizeof(why), "its PIDFile= %s is writable by anyone, so the pid in it is not trusted",
				 s->unit.pid_file);
			phase_failed(s, why);
			return false;
		}
		long pid;
		if (f && fscanf(f, "%ld", &pid) == 1 && pid_is_ours(s, (pid_t)pid)) {
			s->main_pid = (pid_t)pid;
			s->main_start_ms = now_ms();
			return true;
		}
		return false;
	}
	pid_t pids[2];
	size_t n = svc_cgroup_pids(s->name, pids, 2);
	if (n == 1) {
		s->main_pid = pids[0];
		s->main_start_ms = now_ms();
	}
	return true; /* several or none: no main process, the group is the service */
}

static void on_pidfile_poll(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->poll_timer = 0;
	if (s->phase != PH_WAIT_PIDFILE)
		return;
	if (find_forked_main(s)) {
		run_cmds(s, PH_START_POST, &s->unit.start_post);
		return;
	}
	if (s->phase != PH_WAIT_PIDFILE)
		return; /* refused: the start is failing */
	int t = evloop_add_timer(loop, GROUP_POLL_MS, on_pidfile_poll, s);
	s->poll_timer = t > 0 ? t : 0;
}

static void phase_done(struct svc *s)
{
	switch (s->phase) {
	case PH_START_PRE:
		enter_start(s);
		break;
	case PH_START:
	case PH_WAIT_EXEC:
	case PH_WAIT_READY:
		if (s->unit.type == UNIT_FORKING) {
			/* a daemon may write its pidfile a little after its parent exits */
			s->phase = PH_WAIT_PIDFILE;
			on_pidfile_poll(loop, s);
			break;
		}
		run_cmds(s, PH_START_POST, &s->unit.start_post);
		break;
	case PH_WAIT_PIDFILE:
		break;
	case PH_START_POST:
		enter_running(s);
		break;
	case PH_RELOAD:
		s->phase = PH_NONE;
		set_state(s, ST_RUNNING);
		svc_log_note(&s->log, "reloaded %s", s->name);
		job_done(s, 0, NULL);
		break;
	case PH_STOP:
		enter_signal(s);
		break;
	case PH_STOP_POST:
		finish_stop(s);
		break;
	case PH_SIGTERM:
	case PH_SIGKILL:
	case PH_SCRIPT:
	case PH_WAIT_DEPS:
	case PH_NONE:
		break;
	}
}

static void phase_failed(struct svc *s, const char *why)
{
	log_warn("services", "%s: %s", s->name, why);
	svc_log_note(&s->log, "%s", why);
	switch (s->phase) {
	case PH_START_PRE:
	case PH_START:
	case PH_WAIT_EXEC:
	case PH_WAIT_READY:
	case PH_WAIT_PIDFILE:
	case PH_START_POST:
		snprintf(s->result, sizeof(s->result), "%s", why);
		begin_stop(s, false, true);
		break;
	case PH_RELOAD:
		s->phase = PH_NONE;
		set_state(s, ST_RUNNING);
		{
			char msg[1400];
			snprintf(msg, sizeof(msg), "%s: reload failed: %s", s->name, why);
			job_done(s, 1, msg);
		}
		break;
	case PH_STOP:
	case PH_STOP_POST:
		s->cmd_i++; /* a failing stop command does not stop the stop */
		run_next_cmd(s);
		break;
	default:
		break;
	}
}

/* ---- stop ------------------------------------------------------------------------------- */

static bool group_alive(struct svc *s)
{
	if (s->ctl_pid > 0)
		return true;
	if (s->kind == SVC_UNIT && (s->unit.kill_mode == KILL_PROCESS || s->unit.kill_mode == KILL_NONE))
		return s->main_pid > 0;
	if (s->main_pid > 0)
		return true;
	pid_t one;
	return svc_cgroup_pids(s->name, &one, 1) > 0;
}

static void after_signals(struct svc *s);

static void on_group_poll(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->poll_timer = 0;
	if (s->phase != PH_SIGTERM && s->phase != PH_SIGKILL)
		return;
	if (!group_alive(s)) {
		after_signals(s);
		return;
	}
	/* KillMode=mixed: once the main process is gone, what is left gets SIGKILL at once */
	if (s->phase == PH_SIGTERM && s->kind == SVC_UNIT && s->unit.kill_mode == KILL_MIXED && s->main_pid <= 0 &&
	    s->ctl_pid <= 0) {
		s->phase = PH_SIGKILL;
		svc_cgroup_kill(s->name, SIGKILL);
		arm_timeout(s, KILL_WAIT_MS);
	}
	int t = evloop_add_timer(loop, GROUP_POLL_MS, on_group_poll, s);
	s->poll_timer = t > 0 ? t : 0;
}

static void send_kill(struct svc *s, int sig, bool whole_group)
{
	if (s->main_pid > 0) {
		signal_stopped_too(s->main_pid, sig);
	}
	if (s->ctl_pid > 0)
		kill(s->ctl_pid, sig);
	if (whole_group)
		svc_cgroup_kill(s->name, sig);
}

static void enter_signal(struct svc *s)
{
	s->phase = PH_SIGTERM;
	enum unit_kill_mode km = s->kind == SVC_UNIT ? s->unit.kill_mode : KILL_CONTROL_GROUP;
	if (!group_alive(s) || km == KILL_NONE) {
		after_signals(s);
		return;
	}
	send_kill(s, s->kind == SVC_UNIT ? s->unit.kill_signal : SIGTERM, km == KILL_CONTROL_GROUP);
	arm_timeout(s, s->kind == SVC_UNIT ? s->unit.timeout_stop_ms : SCRIPT_STOP_GRACE_MS);
	on_group_poll(loop, s);
}

static void finish_stop(struct svc *s)
{
	cancel(&s->timer);
	cancel(&s->poll_timer);
	s->phase = PH_NONE;
	s->main_pid = 0;
	unwatch(&s->main_pidfd);
	unwatch(&s->events_fd);
	svc_cgroup_remove(s->name);
	if (s->kind == SVC_UNIT && !s->unit.runtime_dir_preserve)
		for (size_t i = 0; i < s->unit.runtime_dirs.n; i++) {
			char cmd[PATH_MAX];
			snprintf(cmd, sizeof(cmd), "/run/%s", s->unit.runtime_dirs.v[i]);
			/* only an empty directory goes: its content may still be wanted by hand */
			rmdir(cmd);
		}
	bool failed = s->run_failed;
	if (!stopping_all && !(s->jobs && s->job_running && (s->jobs->type == JOB_RESTART || s->jobs->type == JOB_TRY_RESTART)))
		stop_dependents(s, s->stop_manual);
	if (s->stop_manual || stopping_all) {
		set_state(s, failed ? ST_FAILED : ST_INACTIVE);
		svc_log_note(&s->log, "stopped %s", s->name);
		if (s->jobs && s->job_running) {
			struct job *j = s->jobs;
			if (j->type == JOB_RESTART || j->type == JOB_TRY_RESTART) {
				if (!j->second_half) {
					j->second_half = true;
					begin_start(s);
					return;
				}
			}
			if ((j->type == JOB_START || j->type == JOB_RESTART || j->type == JOB_TRY_RESTART) &&
			    !(s->oneshot_done && !failed)) {
				char msg[1400];
				snprintf(msg, sizeof(msg), "%s: failed to start: %.400s (see: service %s status)", s->name,
					 s->result[0] ? s->result : "unknown", s->name);
				job_done(s, 1, msg);
			} else {
				job_done(s, 0, NULL);
			}
		}
		return;
	}
	/* the service ended on its own, or its start failed */
	const struct unit *u = &s->unit;
	bool restart = false;
	switch (u->restart) {
	case RESTART_NO: restart = false; break;
	case RESTART_ALWAYS: restart = true; break;
	case RESTART_ON_SUCCESS: restart = s->clean_end && !failed; break;
	case RESTART_ON_FAILURE: restart = !s->clean_end || failed; break;
	case RESTART_ON_ABNORMAL: restart = s->abnormal_end; break;
	case RESTART_ON_ABORT: restart = s->abnormal_end && WIFSIGNALED(s->end_status); break;
	case RESTART_ON_WATCHDOG: restart = s->watchdog_end; break;
	}
	for (int i = 0; restart && i < u->nprevent; i++) {
		int v = u->prevent_status[i];
		if ((v < 256 && WIFEXITED(s->end_status) && WEXITSTATUS(s->end_status) == v) ||
		    (v >= 256 && WIFSIGNALED(s->end_status) && WTERMSIG(s->end_status) == v - 256))
			restart = false;
	}
	bool had_job = s->jobs && s->job_running;
	if (!restart) {
		set_state(s, s->clean_end && !failed ? ST_INACTIVE : ST_FAILED);
		svc_log_note(&s->log, "%s %s", s->name, s->state == ST_FAILED ? "failed" : "ended");
	} else {
		/* RestartSec= given: that, every time (systemd's meaning); else our backoff: the first
		 * restart at once, then 100 ms doubling to 30 s, reset by a run of 10 s */
		uint64_t ran = s->main_start_ms ? now_ms() - s->main_start_ms : 0;
		uint64_t delay = u->restart_ms_set ? u->restart_ms : backoff_next_delay(&s->backoff, ran);
		s->restarts++;
		set_state(s, ST_AUTO_RESTART);
		svc_log_note(&s->log, "restarting %s in %llu ms", s->name, (unsigned long long)delay);
		int t = evloop_add_timer(loop, delay ? delay : 1, restart_cb, s);
		s->restart_timer = t > 0 ? t : 0;
	}
	if (had_job) {
		struct job *j = s->jobs;
		if (j->type == JOB_START || j->type == JOB_RESTART || j->type == JOB_TRY_RESTART) {
			char msg[1400];
			snprintf(msg, sizeof(msg), "%s: failed to start: %.400s (see: service %s status)", s->name,
				 s->result[0] ? s->result : "unknown", s->name);
			job_done(s, 1, msg);
		}
	}
}

static void restart_cb(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->restart_timer = 0;
	if (s->state == ST_AUTO_RESTART && !s->job_running && !stopping_all)
		begin_start(s);
}

static void after_signals(struct svc *s)
{
	cancel(&s->poll_timer);
	cancel(&s->timer);
	if (s->script_cleanup) {
		s->script_cleanup = false;
		s->phase = PH_NONE;
		svc_cgroup_remove(s->name);
		job_done(s, s->script_status, NULL);
		return;
	}
	if (s->kind != SVC_UNIT) {
		finish_stop(s);
		return;
	}
	arm_timeout(s, s->unit.timeout_stop_ms);
	run_cmds(s, PH_STOP_POST, &s->unit.stop_post);
}

static void begin_stop(struct svc *s, bool manual, bool failed)
{
	cancel(&s->restart_timer);
	cancel(&s->watchdog_timer);
	cancel(&s->poll_timer);
	s->stop_manual = manual;
	s->run_failed = s->run_failed || failed;
	set_state(s, ST_STOPPING);
	if (s->ctl_pid > 0) /* a start or reload command still running is part of what stops */
		kill(s->ctl_pid, SIGTERM);
	/* ExecStop= runs only for a service that got as far as running */
	bool was_up = s->phase == PH_NONE;
	arm_timeout(s, s->unit.timeout_stop_ms);
	if (was_up && s->unit.stop.n > 0) {
		set_env_mainpid(s);
		if (s->ctl_pid <= 0) {
			run_cmds(s, PH_STOP, &s->unit.stop);
			return;
		}
	}
	enter_signal(s);
}

static void on_timeout(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->timer = 0;
	char why[200];
	switch (s->phase) {
	case PH_START_PRE:
	case PH_START:
	case PH_WAIT_EXEC:
	case PH_WAIT_READY:
	case PH_WAIT_PIDFILE:
	case PH_START_POST:
		snprintf(why, sizeof(why), "did not finish starting within TimeoutStartSec (%llu ms)%s",
			 (unsigned long long)s->unit.timeout_start_ms,
			 s->phase == PH_WAIT_READY ? ": no READY=1 came" :
			 s->phase == PH_WAIT_PIDFILE ? ": its PIDFile= never named a live process" : "");
		s->abnormal_end = true;
		phase_failed(s, why);
		break;
	case PH_STOP:
		log_warn("services", "%s: ExecStop= did not finish within TimeoutStopSec", s->name);
		if (s->ctl_pid > 0)
			kill(s->ctl_pid, SIGKILL);
		s->cmds = NULL;
		enter_signal(s);
		break;
	case PH_SIGTERM:
		if (s->kind == SVC_UNIT && !s->unit.send_sigkill) {
			log_warn("services", "%s: still running after TimeoutStopSec; SendSIGKILL=no leaves it", s->name);
			after_signals(s);
			break;
		}
		log_warn("services", "%s: still running after its stop signal, sending SIGKILL to its group", s->name);
		svc_log_note(&s->log, "still running after the stop signal: SIGKILL");
		s->phase = PH_SIGKILL;
		send_kill(s, SIGKILL, true);
		arm_timeout(s, KILL_WAIT_MS);
		on_group_poll(loop, s);
		break;
	case PH_SIGKILL:
		log_err("services", "%s: processes left after SIGKILL; giving up on them", s->name);
		after_signals(s);
		break;
	case PH_STOP_POST:
		if (s->ctl_pid > 0)
			kill(s->ctl_pid, SIGKILL);
		break;
	default:
		break;
	}
}

/* ---- deaths ----------------------------------------------------------------------------- */

static bool exit_is_clean(const struct svc *s, int st)
{
	if (st == WAIT_UNKNOWN)
		return false;
	if (WIFEXITED(st)) {
		if (WEXITSTATUS(st) == 0)
			return true;
		for (int i = 0; i < s->unit.nsuccess; i++)
			if (s->unit.success_status[i] == WEXITSTATUS(st))
				return true;
		return false;
	}
	int sig = WTERMSIG(st);
	for (int i = 0; i < s->unit.nsuccess; i++)
		if (s->unit.success_status[i] == 256 + sig)
			return true;
	return sig == SIGHUP || sig == SIGINT || sig == SIGTERM || sig == SIGPIPE;
}

static void main_died(struct svc *s, int st)
{
	s->main_pid = 0;
	unwatch(&s->main_pidfd);
	if (st == WAIT_UNKNOWN)
		snprintf(s->last_exit, sizeof(s->last_exit), "ended (status unknown: the supervisor restarted meanwhile)");
	else
		describe_wait(st, s->last_exit, sizeof(s->last_exit));
	s->end_status = st;
	if (s->main_report >= 0) {
		evloop_del_fd(loop, s->main_report);
		char msg[512];
		svc_exec_failure(s->main_report, msg, sizeof(msg));
		s->main_report = -1;
		if (msg[0])
			snprintf(s->result, sizeof(s->result), "%s", msg);
	}
	switch (s->state) {
	case ST_STARTING: {
		if (s->unit.type == UNIT_FORKING && s->phase == PH_WAIT_PIDFILE)
			return; /* a pidfile naming a process that died at once: keep waiting, time out */
		char why[900];
		snprintf(why, sizeof(why), "its main process %s during start%s%.300s", s->last_exit,
			 s->result[0] ? ": " : "", s->result[0] ? s->result : "");
		s->clean_end = false;
		s->abnormal_end = st != WAIT_UNKNOWN && WIFSIGNALED(st);
		phase_failed(s, why);
		return;
	}
	case ST_RUNNING:
	case ST_RELOADING:
		s->clean_end = exit_is_clean(s, st) && !s->watchdog_end;
		s->abnormal_end = (st != WAIT_UNKNOWN && WIFSIGNALED(st) && !s->clean_end) || s->watchdog_end;
		if (!s->clean_end && !s->watchdog_end)
			snprintf(s->result, sizeof(s->result), "its main process %s", s->last_exit);
		svc_log_note(&s->log, "main process %s", s->last_exit);
		if (s->state == ST_RELOADING && s->ctl_pid > 0)
			kill(s->ctl_pid, SIGTERM);
		s->phase = PH_NONE;
		begin_stop(s, false, !s->clean_end);
		return;
	case ST_STOPPING:
		if (s->phase == PH_SIGTERM || s->phase == PH_SIGKILL)
			on_group_poll(loop, s);
		return;
	default:
		return;
	}
}

static void ctl_died(struct svc *s, int st)
{
	s->ctl_pid = 0;
	char msg[512] = "";
	if (s->ctl_report >= 0) {
		svc_exec_failure(s->ctl_report, msg, sizeof(msg));
		s->ctl_report = -1;
	}
	if (s->phase == PH_SCRIPT) {
		s->script_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		struct job *j = s->jobs;
		const char *verb = j && j->req ? j->req->verb : "";
		bool ok = s->script_status == 0;
		if (!strcmp(verb, "stop") || !strcmp(verb, "force-stop")) {
			/* what the script's stop left behind in the group goes too */
			set_state(s, ST_INACTIVE);
			s->script_cleanup = true;
			s->phase = PH_SIGTERM;
			pid_t one;
			if (svc_cgroup_pids(s->name, &one, 1) > 0) {
				svc_cgroup_kill(s->name, SIGTERM);
				arm_timeout(s, SCRIPT_STOP_GRACE_MS);
			}
			on_group_poll(loop, s);
			return;
		}
		/* remembered so that shutdown runs the script's stop, newest first */
		if (ok && (!strcmp(verb, "start") || !strcmp(verb, "restart") || !strcmp(verb, "force-reload"))) {
			set_state(s, ST_RUNNING);
			s->start_seq = ++start_seq;
		}
		s->phase = PH_NONE;
		job_done(s, s->script_status, NULL);
		return;
	}
	if (s->phase == PH_SIGTERM || s->phase == PH_SIGKILL) {
		on_group_poll(loop, s);
		return;
	}
	const struct unit_cmd *c = s->cmds && s->cmd_i < s->cmds->n ? &s->cmds->v[s->cmd_i] : NULL;
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok && c && (c->flags & CMD_IGNORE_FAILURE))
		ok = true;
	if (!ok && s->unit.type == UNIT_ONESHOT && s->phase == PH_START && exit_is_clean(s, st))
		ok = true;
	if (ok) {
		s->cmd_i++;
		run_next_cmd(s);
		return;
	}
	static const char *const phase_keys[] = {
		[PH_START_PRE] = "ExecStartPre", [PH_START] = "ExecStart", [PH_START_POST] = "ExecStartPost",
		[PH_RELOAD] = "ExecReload", [PH_STOP] = "ExecStop", [PH_STOP_POST] = "ExecStopPost",
	};
	char how[96], why[700];
	describe_wait(st, how, sizeof(how));
	const char *key = (size_t)s->phase < ARRAY_SIZE(phase_keys) && phase_keys[s->phase] ? phase_keys[s->phase] :
											       "a command";
	snprintf(why, sizeof(why), "%s=%s %s%s%s", key, c ? c->argv[0] : "?", how, msg[0] ? ": " : "", msg);
	if (s->phase == PH_START && s->unit.type == UNIT_FORKING) {
		s->end_status = st;
		snprintf(s->last_exit, sizeof(s->last_exit), "%s", how);
	}
	phase_failed(s, why);
}

bool supervisor_reaped(pid_t pid, int wstatus)
{
	for (struct svc *s = services; s; s = s->next) {
		if (pid == s->main_pid) {
			main_died(s, wstatus);
			return true;
		}
		if (pid == s->ctl_pid) {
			ctl_died(s, wstatus);
			return true;
		}
	}
	return false;
}

void supervisor_check_groups(void)
{
	for (struct svc *s = services; s; s = s->next) {
		if ((s->phase == PH_SIGTERM || s->phase == PH_SIGKILL) && !group_alive(s))
			after_signals(s);
		/* a forking service without a main pid is running while its group has processes */
		else if (s->state == ST_RUNNING && s->kind == SVC_UNIT && s->main_pid == 0 && s->ctl_pid == 0 &&
			 !group_alive(s)) {
			s->clean_end = true;
			snprintf(s->last_exit, sizeof(s->last_exit), "all its processes ended");
			begin_stop(s, false, false);
		}
	}
}

/* ---- notify ----------------------------------------------------------------------------- */

void supervisor_notify(pid_t sender, const char *msg, size_t len)
{
	struct svc *s = NULL;
	for (struct svc *t = services; t && !s; t = t->next)
		if (t->main_pid == sender)
			s = t;
	char name[SVC_NAME_MAX + 1];
	if (!s && svc_cgroup_of_pid(sender, name, sizeof(name)) == 0)
		s = find(name);
	if (!s) {
		log_debug("services", "notify from pid %d, which belongs to no service: ignored", (int)sender);
		return;
	}
	/* NotifyAccess=: main (Type=notify's default) hears only the main process, as systemd */
	enum unit_notify_access access = s->kind == SVC_UNIT ? s->unit.notify_access : NOTIFY_NONE;
	bool allowed = access == NOTIFY_ALL || (access != NOTIFY_NONE && sender == s->main_pid) ||
		       (access == NOTIFY_EXEC && sender == s->ctl_pid);
	if (!allowed) {
		static const char *const names[] = { "none", "none", "main", "exec", "all" };
		log_warn("services", "%s: a notify message from pid %d ignored: NotifyAccess=%s%s", s->name, (int)sender,
			 names[access], access == NOTIFY_MAIN ? " and it is not the main process" : "");
		return;
	}
	char buf[4097];
	len = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "STATUS=", 7)) {
			snprintf(s->status_text, sizeof(s->status_text), "%s", line + 7);
		} else if (!strncmp(line, "MAINPID=", 8)) {
			long p = strtol(line + 8, NULL, 10);
			char owner[SVC_NAME_MAX + 1];
			/* only a process of the service itself may be named its main process */
			if (p > 1 && p != s->main_pid &&
			    (svc_cgroup_of_pid((pid_t)p, owner, sizeof(owner)) == 0 ? !strcmp(owner, s->name) :
			     !svc_cgroup_available())) {
				unwatch(&s->main_pidfd);
				s->main_pid = (pid_t)p;
				save_record(s);
			}
		} else if (!strcmp(line, "READY=1")) {
			if (s->state == ST_STARTING && s->phase == PH_WAIT_READY) {
				if (s->main_report >= 0) {
					evloop_del_fd(loop, s->main_report);
					close(s->main_report);
					s->main_report = -1;
				}
				phase_done(s);
			}
		} else if (!strcmp(line, "WATCHDOG=1")) {
			arm_watchdog(s);
		} else if (!strcmp(line, "WATCHDOG=trigger")) {
			if (s->watchdog_ms && s->main_pid > 0) {
				cancel(&s->watchdog_timer);
				on_watchdog(loop, s);
			}
		} else if (!strncmp(line, "WATCHDOG_USEC=", 14)) {
			unsigned long long us = strtoull(line + 14, NULL, 10);
			if (us >= 1000) {
				s->watchdog_ms = us / 1000;
				arm_watchdog(s);
			}
		} else if (!strncmp(line, "EXTEND_TIMEOUT_USEC=", 20)) {
			/* a start or stop that needs longer says so; the timeout only ever moves later */
			uint64_t ms = strtoull(line + 20, NULL, 10) / 1000;
			bool timed = s->timer > 0 && (s->state == ST_STARTING || s->state == ST_STOPPING);
			if (timed && now_ms() + ms > s->timer_deadline_ms)
				arm_timeout(s, ms);
		} else if (!strcmp(line, "STOPPING=1")) {
			svc_log_note(&s->log, "%s says it is stopping", s->name);
		}
	}
}

/* ---- status ----------------------------------------------------------------------------- */

static void format_age(uint64_t ms, char *buf, size_t cap)
{
	uint64_t s = ms / 1000;
	if (s < 60)
		snprintf(buf, cap, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(buf, cap, "%llumin %llus", (unsigned long long)(s / 60), (unsigned long long)(s % 60));
	else
		snprintf(buf, cap, "%lluh %llumin", (unsigned long long)(s / 3600), (unsigned long long)(s % 3600 / 60));
}

/* LSB status codes: 0 running, 1 dead but its pidfile exists, 3 not running. */
static int status_code(struct svc *s)
{
	if (is_active(s) || s->state == ST_STARTING)
		return 0;
	if (s->state == ST_FAILED && s->unit.pid_file && access(s->unit.pid_file, F_OK) == 0)
		return 1;
	return 3;
}

static void status_text(struct svc *s, FILE *f)
{
	const char *desc = s->unit.description ? s->unit.description : s->name;
	fprintf(f, "%s %s.service - %s\n", is_active(s) ? "*" : s->state == ST_FAILED ? "x" : "o", s->name, desc);
	fprintf(f, "     Loaded: loaded (%s)\n", s->unit_path);
	char age[64];
	format_age(now_ms() - s->since_ms, age, sizeof(age));
	fprintf(f, "     Active: %s (%s) for %s%s%s\n", state_names[s->state], state_subs[s->state], age,
		s->state == ST_FAILED && s->result[0] ? "; " : "", s->state == ST_FAILED ? s->result : "");
	if (s->main_pid > 0) {
		char comm[64] = "?", p[64];
		snprintf(p, sizeof(p), "/proc/%d/comm", (int)s->main_pid);
		FILE *c = fopen(p, "re");
		if (c) {
			if (fgets(comm, sizeof(comm), c))
				comm[strcspn(comm, "\n")] = '\0';
			fclose(c);
		}
		fprintf(f, "   Main PID: %d (%s)\n", (int)s->main_pid, comm);
	}
	if (s->status_text[0])
		fprintf(f, "     Status: \"%s\"\n", s->status_text);
	fprintf(f, "   Restarts: %u\n", s->restarts);
	if (s->last_exit[0])
		fprintf(f, "  Last exit: main process %s\n", s->last_exit);
	pid_t pids[1];
	size_t n = svc_cgroup_pids(s->name, pids, 1);
	unsigned long long limit = svc_cgroup_tasks_max(s->name);
	if (svc_cgroup_available() && limit)
		fprintf(f, "      Tasks: %zu (limit: %llu; cgroup /" SVC_CGROUP_DIR "/%s)\n", n, limit, s->name);
	else if (svc_cgroup_available())
		fprintf(f, "      Tasks: %zu (cgroup /" SVC_CGROUP_DIR "/%s)\n", n, s->name);
	char logpath[320];
	snprintf(logpath, sizeof(logpath), SVC_LOG_DIR "/%s.log", s->name);
	fprintf(f, "        Log: %s\n\n", logpath);
	svc_log_tail(logpath, 10, f);
}

/* ---- requests --------------------------------------------------------------------------- */

static void run_script(struct svc *s, struct job *j)
{
	struct sv_request *r = j->req;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), INITD_DIR "/%s", s->name);
	char *argv[SV_MAX_ARGS + 3] = { path, r->verb };
	size_t n = 2;
	for (char **a = r->args; *a && n < ARRAY_SIZE(argv) - 1; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	create_group(s);
	/* exactly the caller's kept variables, as Debian's service gives them: the init-functions
	 * hook needs no mark here, `service` answers it 100 (not a unit) and the script goes on */
	struct svc_exec e = { .name = s->name, .argv = argv, .envp = r->env, .fds = { r->fds[0], r->fds[1], r->fds[2] } };
	char err[256];
	pid_t pid = svc_exec_spawn(&e, &s->ctl_report, err, sizeof(err));
	for (int i = 0; i < 3; i++)
		if (r->fds[i] >= 0) {
			close(r->fds[i]);
			r->fds[i] = -1;
		}
	if (pid < 0) {
		job_done(s, 1, err);
		return;
	}
	s->ctl_pid = pid;
	s->phase = PH_SCRIPT;
}

/* ---- dependencies of a start ------------------------------------------------------------ */

struct dep_wait {
	struct svc *waiter;
	bool required, ordered;
	char name[SVC_NAME_MAX + 1];
};

static bool strv_has_unit(const struct unit_strv *l, const char *name)
{
	for (size_t i = 0; i < l->n; i++) {
		char n[SVC_NAME_MAX + 1];
		snprintf(n, sizeof(n), "%s", l->v[i]);
		svc_name_strip(n);
		if (!strcmp(n, name))
			return true;
	}
	return false;
}

static void deps_settled(struct svc *s)
{
	if (s->phase != PH_WAIT_DEPS || s->deps_pending > 0)
		return;
	s->phase = PH_NONE;
	if (s->dep_failed[0]) {
		char why[SVC_NAME_MAX + 120];
		snprintf(why, sizeof(why), "%s, which it requires, did not start", s->dep_failed);
		start_failed_early(s, why);
		return;
	}
	begin_start(s);
}

static void dep_done(void *ctx, int status)
{
	struct dep_wait *w = ctx;
	struct svc *s = w->waiter;
	if (status != 0 && w->required && !s->dep_failed[0])
		snprintf(s->dep_failed, sizeof(s->dep_failed), "%s", w->name);
	if (w->ordered && s->deps_pending > 0) {
		s->deps_pending--;
		deps_settled(s);
	}
	free(w);
}

/* A start brings along what the unit Requires=, BindsTo= and Wants= (services only: targets,
 * sockets and mounts are not ours to start), waiting for those it is also After=. A cycle is
 * cut where it closes: a service already waiting for its own dependencies is not waited for. */
static void start_with_deps(struct svc *s)
{
	s->dep_failed[0] = '\0';
	s->deps_pending = 0;
	if (s->state != ST_AUTO_RESTART)
		load_definition(s, false);
	if (s->kind != SVC_UNIT) {
		begin_start(s);
		return;
	}
	set_state(s, ST_STARTING);
	s->phase = PH_WAIT_DEPS;
	const struct unit_strv *lists[] = { &s->unit.requires, &s->unit.binds_to, &s->unit.wants };
	for (size_t li = 0; li < ARRAY_SIZE(lists); li++)
		for (size_t i = 0; i < lists[li]->n; i++) {
			char name[SVC_NAME_MAX + 1];
			snprintf(name, sizeof(name), "%s", lists[li]->v[i]);
			svc_name_strip(name);
			const char *why;
			bool required = li < 2;
			if (!strcmp(name, s->name) || strchr(name, '.') || svc_name_check(name, &why) < 0)
				continue;
			struct svc *d = get(name);
			if (!d || d->kind == SVC_NONE) {
				if (required && !s->dep_failed[0])
					snprintf(s->dep_failed, sizeof(s->dep_failed), "%s (no such service)", name);
				continue;
			}
			if (is_active(d) || d->phase == PH_WAIT_DEPS)
				continue;
			struct dep_wait *w = calloc(1, sizeof(*w));
			if (!w)
				continue;
			*w = (struct dep_wait){ .waiter = s, .required = required,
						.ordered = strv_has_unit(&s->unit.after, name) };
			snprintf(w->name, sizeof(w->name), "%s", name);
			if (w->ordered)
				s->deps_pending++;
			log_info("services", "%s: starting %s, which it %s", s->name, name,
				 li == 0 ? "requires" : li == 1 ? "is bound to" : "wants");
			enqueue(d, JOB_START, -1, NULL, dep_done, w);
		}
	deps_settled(s);
}

/* Requires=/BindsTo= the other way: a service stopped by hand takes those that require it
 * or are bound to it along; one that ended by itself, those bound to it. */
static void stop_dependents(struct svc *s, bool manual)
{
	for (struct svc *t = services; t; t = t->next) {
		if (t == s || t->kind != SVC_UNIT || !(is_active(t) || t->state == ST_STARTING))
			continue;
		if (strv_has_unit(&t->unit.binds_to, s->name) || (manual && strv_has_unit(&t->unit.requires, s->name))) {
			log_info("services", "%s: stopping it too, as it %s %s", t->name,
				 strv_has_unit(&t->unit.binds_to, s->name) ? "is bound to" : "requires", s->name);
			enqueue(t, JOB_STOP, -1, NULL, NULL, NULL);
		}
	}
}

static void job_run(struct svc *s)
{
	struct job *j = s->jobs;
	if (!j || s->job_running)
		return;
	s->job_running = true;
	if (j->type == JOB_SCRIPT) {
		run_script(s, j);
		return;
	}
	switch (j->type) {
	case JOB_START:
		if (is_active(s) || s->state == ST_STARTING) {
			job_done(s, 0, NULL);
			return;
		}
		s->backoff = (struct backoff)BACKOFF_INIT;
		start_with_deps(s);
		return;
	case JOB_STOP:
		if (s->state == ST_AUTO_RESTART) {
			cancel(&s->restart_timer);
			set_state(s, ST_INACTIVE);
		}
		if (!is_active(s) && s->state != ST_STARTING) {
			job_done(s, 0, NULL);
			return;
		}
		begin_stop(s, true, false);
		return;
	case JOB_TRY_RESTART:
		if (!is_active(s)) {
			job_done(s, 0, NULL);
			return;
		}
		/* fall through */
	case JOB_RESTART:
		if (s->state == ST_AUTO_RESTART) {
			cancel(&s->restart_timer);
			set_state(s, ST_INACTIVE);
		}
		if (is_active(s)) {
			begin_stop(s, true, false);
		} else {
			j->second_half = true;
			s->backoff = (struct backoff)BACKOFF_INIT;
			start_with_deps(s);
		}
		return;
	case JOB_RELOAD:
		if (!is_active(s)) {
			char msg[1400];
			snprintf(msg, sizeof(msg), "%s is not running, so it cannot be reloaded", s->name);
			job_done(s, 7, msg);
			return;
		}
		if (s->unit.reload.n == 0) {
			char msg[1400];
			snprintf(msg, sizeof(msg), "%s cannot be reloaded: its unit has no ExecReload=", s->name);
			job_done(s, 3, msg);
			return;
		}
		set_state(s, ST_RELOADING);
		set_env_mainpid(s);
		arm_timeout(s, s->unit.timeout_start_ms);
		run_cmds(s, PH_RELOAD, &s->unit.reload);
		return;
	case JOB_SCRIPT:
		return;
	}
}

/* The job a verb is for a unit; false for a verb units do not have. force-reload without
 * ExecReload= restarts, as Debian's service does under systemd. */
static bool unit_job(const struct svc *s, const char *verb, enum job_type *t)
{
	static const struct { const char *verb; enum job_type type; } map[] = {
		{ "start", JOB_START }, { "stop", JOB_STOP }, { "restart", JOB_RESTART },
		{ "try-restart", JOB_TRY_RESTART }, { "condrestart", JOB_TRY_RESTART }, { "reload", JOB_RELOAD },
		{ "force-reload", JOB_RELOAD }, { "force-stop", JOB_STOP },
	};
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (!strcmp(verb, map[i].verb)) {
			*t = map[i].type;
			if (*t == JOB_RELOAD && !strcmp(verb, "force-reload") && s->unit.reload.n == 0)
				*t = JOB_RESTART;
			return true;
		}
	return false;
}

static bool is_change(const char *verb)
{
	static const char *const verbs[] = { "start", "stop", "restart", "reload", "force-reload", "try-restart",
					     "condrestart", "force-stop", "reset-failed" };
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(verb, verbs[i]))
			return true;
	return false;
}

static void list_services(FILE *f)
{
	/* every unit and init.d script there is, with the state of those we know */
	char **names = NULL;
	size_t n = 0;
	const char *dirs[8];
	size_t nd = 0;
	for (size_t i = 0; i < unit_ndirs; i++)
		dirs[nd++] = unit_dirs[i];
	dirs[nd++] = INITD_DIR;
	for (size_t d = 0; d < nd; d++) {
		DIR *dh = opendir(dirs[d]);
		if (!dh)
			continue;
		struct dirent *e;
		while ((e = readdir(dh))) {
			char nm[SVC_NAME_MAX + 1];
			bool initd = d == nd - 1;
			if (e->d_name[0] == '.' || strlen(e->d_name) > SVC_NAME_MAX)
				continue;
			if (initd)
				snprintf(nm, sizeof(nm), "%s", e->d_name);
			else if (!svc_name_of_unit_file(e->d_name, nm, sizeof(nm)))
				continue;
			bool dup = false;
			for (size_t i = 0; i < n && !dup; i++)
				dup = !strcmp(names[i], nm);
			if (dup)
				continue;
			char **nv = realloc(names, (n + 1) * sizeof(*nv));
			if (!nv)
				break;
			names = nv;
			if (!(names[n] = strdup(nm)))
				break;
			n++;
		}
		closedir(dh);
	}
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char *t = names[j];
			names[j] = names[j - 1];
			names[j - 1] = t;
		}
	fprintf(f, "%-32s %-8s %-12s %-13s %s\n", "UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION");
	for (size_t i = 0; i < n; i++) {
		struct svc *s = find(names[i]);
		enum svc_kind k = s ? s->kind : svc_resolve("", names[i]);
		if (k == SVC_NONE) {
			free(names[i]);
			continue;
		}
		const char *active = s ? state_names[s->state] : "inactive", *sub = s ? state_subs[s->state] : "dead";
		const char *desc = s && s->unit.description ? s->unit.description : k == SVC_INITD ? "init.d script" : "";
		char unitname[300];
		snprintf(unitname, sizeof(unitname), "%s.service", names[i]);
		fprintf(f, "%-32s %-8s %-12s %-13s %s\n", unitname, "loaded", active, sub, desc);
		free(names[i]);
	}
	free(names);
}

void supervisor_request(int client, struct sv_request *req)
{
	const char *verb = req->verb;
	if (!strcmp(verb, "list")) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		if (f) {
			list_services(f);
			fclose(f);
		}
		send_reply(client, 0, text, NULL);
		free(text);
		supervisor_free_request(req);
		return;
	}
	if (!strcmp(verb, "daemon-reload")) {
		if (!req->privileged) {
			send_reply(client, 4, NULL, "daemon-reload: only root may do that");
		} else {
			for (struct svc *s = services; s; s = s->next)
				if (!is_active(s) && !s->job_running && s->state != ST_STARTING && s->state != ST_STOPPING)
					load_definition(s, true);
			send_reply(client, 0, NULL, NULL);
		}
		supervisor_free_request(req);
		return;
	}
	const char *why = NULL;
	if (!req->name || svc_name_check(req->name, &why) < 0) {
		char msg[1400];
		snprintf(msg, sizeof(msg), "invalid service name: %s", why ? why : "none given");
		send_reply(client, 2, NULL, msg);
		supervisor_free_request(req);
		return;
	}
	svc_name_strip(req->name);
	if (is_change(verb) && !req->privileged) {
		char msg[1400];
		snprintf(msg, sizeof(msg), "%s %s: only root may start, stop or reload services (try sudo)", req->name, verb);
		send_reply(client, 4, NULL, msg);
		supervisor_free_request(req);
		return;
	}
	struct svc *s = find(req->name);
	if (s && !s->job_running && (s->state == ST_INACTIVE || s->state == ST_FAILED))
		load_definition(s, false); /* an idle service picks up an edited or new definition */
	else if (!s)
		s = get(req->name);
	if (!s) {
		send_reply(client, 1, NULL, "out of memory");
		supervisor_free_request(req);
		return;
	}
	if (s->kind == SVC_NONE && s->state == ST_INACTIVE) {
		char msg[1400];
		snprintf(msg, sizeof(msg), "%s: unrecognized service", req->name);
		send_reply(client, !strcmp(verb, "status") || !strcmp(verb, "is-active") ? 4 : 1, NULL, msg);
		supervisor_free_request(req);
		return;
	}
	if (!strcmp(verb, "status") || !strcmp(verb, "is-active") || !strcmp(verb, "is-failed")) {
		if (s->kind == SVC_INITD) {
			/* an init.d service's status is its script's own, which the command runs */
			char msg[1400];
			snprintf(msg, sizeof(msg), "%s is an init.d script: its status is " INITD_DIR "/%s status",
				 s->name, s->name);
			send_reply(client, 4, NULL, msg);
			supervisor_free_request(req);
			return;
		}
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		int code = status_code(s);
		if (f) {
			if (!strcmp(verb, "status"))
				status_text(s, f);
			else if (!strcmp(verb, "is-active"))
				fprintf(f, "%s\n", state_names[s->state]);
			else {
				fprintf(f, "%s\n", state_names[s->state]);
				code = s->state == ST_FAILED ? 0 : 1;
			}
			fclose(f);
		}
		send_reply(client, code, text, NULL);
		free(text);
		supervisor_free_request(req);
		return;
	}
	if (!strcmp(verb, "reset-failed")) {
		s->nstarts = 0;
		if (s->state == ST_FAILED)
			set_state(s, ST_INACTIVE);
		s->result[0] = '\0';
		send_reply(client, 0, NULL, NULL);
		supervisor_free_request(req);
		return;
	}
	if (!req->privileged) {
		/* anything else runs a script or a unit's commands as root */
		char msg[1400];
		snprintf(msg, sizeof(msg), "%s %s: only root may do that (try sudo)", req->name, verb);
		send_reply(client, 4, NULL, msg);
		supervisor_free_request(req);
		return;
	}
	if (s->kind == SVC_INITD) {
		enqueue(s, JOB_SCRIPT, client, req, NULL, NULL);
		return;
	}
	enum job_type t;
	if (unit_job(s, verb, &t)) {
		enqueue(s, t, client, req, NULL, NULL);
		return;
	}
	if (svc_has_initd("", s->name)) {
		/* a verb of the script's own (nginx's configtest, rotate, upgrade): the script runs it */
		enqueue(s, JOB_SCRIPT, client, req, NULL, NULL);
		return;
	}
	char msg[1400];
	snprintf(msg, sizeof(msg), "%s: its unit has no action '%s' (there are start, stop, restart, reload, "
		 "force-reload, try-restart, status)", s->name, verb);
	send_reply(client, 3, NULL, msg);
	supervisor_free_request(req);
}

void supervisor_init(struct evloop *l)
{
	loop = l;
}

/* ---- after a restart of the supervisor -------------------------------------------------- */

static void on_adopted_main(struct evloop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	(void)events;
	struct svc *s = data;
	unwatch(&s->main_pidfd);
	if (s->main_pid > 0)
		main_died(s, WAIT_UNKNOWN);
}

static void on_group_events(struct evloop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)events;
	(void)data;
	char buf[128];
	(void)!pread(fd, buf, sizeof(buf), 0); /* reading re-arms the notification */
	supervisor_check_groups();
}

/* Processes left by the previous supervisor are PID 1's children now: their ends come as a
 * pidfd turning readable (the main process) and as cgroup.events changing (the group). */
static void watch_adopted(struct svc *s)
{
	if (s->main_pid > 0) {
		int fd = (int)syscall(SYS_pidfd_open, s->main_pid, 0);
		if (fd < 0 || evloop_add_fd(loop, fd, EPOLLIN, on_adopted_main, s) < 0) {
			log_warn("services", "%s: cannot watch its main process %d (%s); its end will go unseen", s->name,
				 (int)s->main_pid, strerror(fd < 0 ? errno : EINVAL));
			if (fd >= 0)
				close(fd);
		} else {
			s->main_pidfd = fd;
		}
	}
	char p[PATH_MAX];
	snprintf(p, sizeof(p), SVC_CGROUP_ROOT "/" SVC_CGROUP_DIR "/%s/cgroup.events", s->name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && evloop_add_fd(loop, fd, EPOLLPRI, on_group_events, s) == 0)
		s->events_fd = fd;
	else if (fd >= 0)
		close(fd);
}

static enum sv_state state_named(const char *sub)
{
	for (size_t i = 0; i < ARRAY_SIZE(state_subs); i++)
		if (!strcmp(state_subs[i], sub))
			return (enum sv_state)i;
	return ST_INACTIVE;
}

/* Takes a service back from its record: what runs is running again, what ended while nobody
 * watched ends now (Restart= decides, with an unknown exit status counting as a failure),
 * a stop that was under way is done again, a pending restart happens. */
static void adopt(void *ctx, const char *name)
{
	(void)ctx;
	struct svc_record r;
	struct svc *s = get(name);
	if (!s || svc_record_load(name, &r) < 0) {
		log_warn("services", "%s: its record in " SVC_RECORD_DIR " cannot be read; it is not adopted", name);
		return;
	}
	enum sv_state was = state_named(r.state);
	s->restarts = r.restarts;
	s->start_seq = r.start_seq;
	if (r.start_seq > start_seq)
		start_seq = r.start_seq;
	s->since_ms = r.since_ms;
	s->main_start_ms = r.main_start_ms;
	snprintf(s->result, sizeof(s->result), "%s", r.result);
	snprintf(s->last_exit, sizeof(s->last_exit), "%s", r.last_exit);
	snprintf(s->status_text, sizeof(s->status_text), "%s", r.status_text);
	s->state = was;
	if (was == ST_INACTIVE || was == ST_FAILED || s->kind == SVC_INITD) {
		/* an init.d service is its script's business; its record keeps the shutdown order */
		if (s->kind == SVC_INITD && was != ST_RUNNING)
			s->state = ST_INACTIVE;
		save_record(s);
		return;
	}
	if (s->kind != SVC_UNIT) {
		log_warn("services", "%s: its unit is gone; what it left runs unsupervised", name);
		s->state = ST_INACTIVE;
		save_record(s);
		return;
	}
	char err[256];
	s->env = svc_exec_environment(&s->unit, NULL, err, sizeof(err));
	pid_t one;
	bool group = svc_cgroup_pids(name, &one, 1) > 0;
	bool main_alive = r.main_pid > 0 && pid_is_ours(s, r.main_pid) && svc_pid_ticks(r.main_pid) == r.main_ticks;
	s->main_pid = main_alive ? r.main_pid : 0;
	s->phase = PH_NONE;
	watch_adopted(s);
	switch (was) {
	case ST_EXITED:
		break;
	case ST_AUTO_RESTART: {
		int t = evloop_add_timer(loop, 1, restart_cb, s);
		s->restart_timer = t > 0 ? t : 0;
		break;
	}
	case ST_STOPPING:
		s->state = ST_RUNNING;
		begin_stop(s, true, false);
		break;
	default:
		/* running, reloading, or a start the old supervisor did not finish */
		s->state = ST_RUNNING;
		if (main_alive || (r.main_pid == 0 && group && was != ST_STARTING)) {
			save_record(s);
			s->watchdog_ms = s->unit.watchdog_ms;
			arm_watchdog(s);
			break;
		}
		log_info("services", "%s: its main process ended while the supervisor was away", name);
		main_died(s, WAIT_UNKNOWN);
		break;
	}
	log_info("services", "%s: adopted (%s%s)", name, state_subs[s->state], s->main_pid > 0 ? ", main process" : "");
}

struct kept_log {
	char name[SVC_NAME_MAX + 1];
	int fds[2];
};

struct kept_logs {
	struct kept_log *v;
	size_t n;
};

static void collect_log(void *ctx, const char *name, int *fds, size_t nfds)
{
	struct kept_logs *k = ctx;
	const char *why;
	struct kept_log *nv = nfds == 2 && svc_name_check(name, &why) == 0 ? realloc(k->v, (k->n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		return;
	}
	k->v = nv;
	snprintf(nv[k->n].name, sizeof(nv[k->n].name), "%s", name);
	nv[k->n].fds[0] = fds[0];
	nv[k->n].fds[1] = fds[1];
	k->n++;
}

void supervisor_adopt(const struct fdstore *store)
{
	/* the log pipes first, so that an adopted service that ends at once has its log */
	struct kept_logs kept = { 0 };
	int n = fdstore_take_all(store, collect_log, &kept);
	if (n < 0 && n != -ENOTCONN)
		log_warn("services", "cannot take the log pipes back from PID 1's store: %s", strerror(-n));
	for (size_t i = 0; i < kept.n; i++) {
		struct kept_log *k = &kept.v[i];
		struct svc *s = get(k->name);
		if (!s || s->log.pipe_w >= 0 || svc_log_adopt(&s->log, loop, k->name, LOG_MAX_BYTES, k->fds[0], k->fds[1]) < 0) {
			close(k->fds[0]);
			close(k->fds[1]);
			continue;
		}
		/* back into the store, for the next restart */
		fdstore_put(store, k->name, k->fds, 2);
	}
	free(kept.v);
	int adopted = svc_record_each(adopt, NULL);
	if (adopted > 0 || kept.n > 0)
		log_info("services", "restarted: %d services and %zu log pipes taken back", adopted, kept.n);
}

/* ---- boot and shutdown ------------------------------------------------------------------ */

void supervisor_stop_all(void (*done)(void))
{
	stopping_all = true;
	stop_all_done = done;
	/* the most recently started first; one at a time keeps the reverse order */
	struct svc *last = NULL;
	for (struct svc *s = services; s; s = s->next) {
		cancel(&s->restart_timer);
		if (s->state == ST_AUTO_RESTART)
			set_state(s, ST_INACTIVE);
		if (s->job_running)
			return; /* job_done calls us again */
		if ((is_active(s) || s->state == ST_STARTING) && (!last || s->start_seq > last->start_seq))
			last = s;
	}
	if (last && last->kind == SVC_INITD) {
		struct sv_request *r = internal_request("stop", last->name);
		if (r) {
			enqueue(last, JOB_SCRIPT, -1, r, NULL, NULL);
			return;
		}
		set_state(last, ST_INACTIVE); /* cannot run its stop: PID 1's final TERM/KILL takes it */
		supervisor_stop_all(done);
		return;
	}
	if (last) {
		enqueue(last, JOB_STOP, -1, NULL, NULL, NULL);
		return;
	}
	if (stop_all_done) {
		void (*f)(void) = stop_all_done;
		stop_all_done = NULL;
		f();
	}
}

static struct sv_request *internal_request(const char *verb, const char *name)
{
	struct sv_request *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	/* no caller: an init script run at boot or shutdown prints to the console, ours */
	r->fds[0] = -1;
	r->fds[1] = fcntl(1, F_DUPFD_CLOEXEC, 3);
	r->fds[2] = fcntl(2, F_DUPFD_CLOEXEC, 3);
	r->privileged = true;
	r->verb = strdup(verb);
	r->name = strdup(name);
	r->env[0] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	if (!r->verb || !r->name || !r->env[0]) {
		supervisor_free_request(r);
		return NULL;
	}
	return r;
}

void supervisor_submit(const char *name, const char *verb, void (*done)(void *ctx, int status), void *ctx)
{
	struct svc *s = get(name);
	struct sv_request *r = s ? internal_request(verb, name) : NULL;
	if (!r || s->kind == SVC_NONE) {
		supervisor_free_request(r);
		done(ctx, 1);
		return;
	}
	enum job_type t;
	if (s->kind != SVC_UNIT || !unit_job(s, verb, &t))
		t = JOB_SCRIPT;
	enqueue(s, t, -1, r, done, ctx);
}
