/* Where the machine meets the world: carries out the actions svc_machine.c asks for (spawns,
 * signals, timers, records, log lines, replies), answers its questions (is the group empty,
 * what does the pidfile say), and turns what happens (a child's death, a timer, a report pipe,
 * a round of reaping) into its events. The machine stays pure so that it can be tested with
 * recorded events; everything here has an effect. */
#include "svc_machine.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "clock.h"
#include "evloop.h"
#include "log.h"
#include "sigsend.h"
#include "svc.h"
#include "svc_cgroup.h"
#include "svc_exec.h"
#include "svc_paths.h"
#include "svc_record.h"
#include "unit_condition.h"
#include "parse.h"

/* ---- running commands ------------------------------------------------------------------- */

static int log_fd(struct svc *s)
{
	int fd = svc_log_open(&s->log, sup.loop, s->name, SVC_LOG_MAX_BYTES);
	if (fd < 0)
		log_warn("services", "%s: log %s: %s; its output goes nowhere", s->name, s->log.path, strerror(-fd));
	return fd;
}

/* Spawns one Exec line of the unit. Returns the pid or -1 with the failure in err. */
static pid_t spawn_cmd(struct svc *s, const struct unit_cmd *c, bool main, int *report, char *err, size_t errcap)
{
	char **argv = (c->flags & CMD_NO_ENV_EXPAND) ? NULL : svc_exec_expand(c->argv, s->env);
	char *const *use = argv ? argv : c->argv;
	int lfd = log_fd(s);
	struct svc_exec e = {
		.name = s->name, .argv = use, .argv0 = (c->flags & CMD_ARGV0) ? use[1] : NULL, .envp = s->env,
		.fds = { -1, lfd, lfd }, .unit = &s->unit, .privileged = (c->flags & CMD_PRIVILEGED) != 0,
		.pass_sockets = main,
	};
	pid_t pid = svc_exec_spawn(&e, report, err, errcap);
	svc_strv_free(argv);
	return pid;
}

/* The environment of the next commands, with more variables; the unit's own was checked at
 * start, so the old one stays only if memory runs out. */
static void set_env2(struct svc *s, const char *extra, const char *extra2)
{
	char *v[] = { (char *)extra, (char *)extra2, NULL }, err[256];
	char **env = svc_exec_environment(&s->unit, v, err, sizeof(err));
	if (env) {
		svc_strv_free(s->env);
		s->env = env;
	}
}

/* ---- timers ----------------------------------------------------------------------------- */

static void on_timeout(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->timer = 0;
	svc_dispatch(s, (struct svc_event){ .type = SVC_EV_TIMEOUT });
}

void svc_arm_timeout(struct svc *s, uint64_t ms)
{
	svc_cancel(&s->timer);
	if (ms > 0) {
		int t = evloop_add_timer(sup.loop, ms, on_timeout, s);
		s->timer = t > 0 ? t : 0;
		s->timer_deadline_ms = mono_ms() + ms;
	}
}

static void on_watchdog(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->watchdog_timer = 0;
	svc_dispatch(s, (struct svc_event){ .type = SVC_EV_WATCHDOG });
}

static void arm_watchdog_ms(struct svc *s, uint64_t ms)
{
	svc_cancel(&s->watchdog_timer);
	if (ms > 0) {
		int t = evloop_add_timer(sup.loop, ms, on_watchdog, s);
		s->watchdog_timer = t > 0 ? t : 0;
	}
}

void svc_arm_watchdog(struct svc *s)
{
	arm_watchdog_ms(s, svc_watchdog_due(s));
}

static void on_restart_timer(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->restart_timer = 0;
	svc_dispatch(s, (struct svc_event){ .type = SVC_EV_RESTART_TIMER });
}

void svc_arm_restart(struct svc *s, uint64_t ms)
{
	svc_cancel(&s->restart_timer);
	if (ms > 0) {
		int t = evloop_add_timer(sup.loop, ms, on_restart_timer, s);
		s->restart_timer = t > 0 ? t : 0;
	}
}

static bool group_alive(const struct svc *s);
static struct svc_event pidfile_answer(struct svc *s, char *why, size_t cap);

static void on_poll(struct evloop *l, void *data)
{
	(void)l;
	struct svc *s = data;
	s->poll_timer = 0;
	char why[PATH_MAX + 100];
	if (s->poll_pidfile && svc_machine_handles(s, SVC_EV_PIDFILE))
		svc_dispatch(s, pidfile_answer(s, why, sizeof(why)));
	else if (!s->poll_pidfile && svc_machine_handles(s, SVC_EV_GROUP))
		svc_dispatch(s, (struct svc_event){ .type = SVC_EV_GROUP, .alive = group_alive(s) });
}

static void arm_poll(struct svc *s, uint64_t ms, bool pidfile)
{
	svc_cancel(&s->poll_timer);
	s->poll_pidfile = pidfile;
	if (ms > 0) {
		int t = evloop_add_timer(sup.loop, ms, on_poll, s);
		s->poll_timer = t > 0 ? t : 0;
	}
}

/* ---- a start's preparation ------------------------------------------------------------- */

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

/* A number file (pid_max, threads-max): its first line; 0 when it is none. */
static uint64_t read_number(const char *path, uint64_t max)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[64];
	uint64_t v;
	if (!f || !fgets(line, sizeof(line), f))
		return 0;
	line[strcspn(line, "\n")] = '\0';
	return parse_uint(line, 10, max, &v) == 0 ? v : 0;
}

/* The group's pids.max from TasksMax= (init scripts get the default, 15%, as systemd gives
 * their generated units): a percentage is of the smaller of the kernel's pid and thread limits. */
void svc_create_group(struct svc *s)
{
	svc_cgroup_create(s->name);
	if (!svc_cgroup_pids_available())
		return;
	const struct unit *u = &s->unit;
	unsigned pct = s->kind == SVC_UNIT ? u->tasks_max_percent : 15;
	unsigned long long max = s->kind == SVC_UNIT ? u->tasks_max : 0;
	if (pct) {
		unsigned long long pid_max = read_number("/proc/sys/kernel/pid_max", UINT32_MAX);
		unsigned long long threads = read_number("/proc/sys/kernel/threads-max", UINT32_MAX);
		unsigned long long base = pid_max && threads ? (pid_max < threads ? pid_max : threads) : pid_max | threads;
		max = base * pct / 100;
		if (max == 0 && base)
			max = 1;
	}
	int e = svc_cgroup_set_tasks_max(s->name, max);
	if (e < 0)
		log_warn("services", "%s: cannot set its TasksMax (%llu): %s", s->name, max, strerror(-e));
}

static struct svc_event prepare(struct svc *s, char *err, size_t cap)
{
	char failed[300];
	switch (unit_conditions_check(&s->unit, failed, sizeof(failed))) {
	case UNIT_CONDITION_UNMET:
		snprintf(err, cap, "%s was not met", failed);
		return (struct svc_event){ .type = SVC_EV_PREPARED, .ok = true, .unmet = true, .text = err };
	case UNIT_ASSERT_FAILED:
		snprintf(err, cap, "assertion failed: %s", failed);
		return (struct svc_event){ .type = SVC_EV_PREPARED, .ok = false, .text = err };
	case UNIT_CONDITIONS_MET:
		break;
	}
	svc_create_group(s);
	make_dirs(s, &s->unit.runtime_dirs, "/run", s->unit.runtime_dir_mode);
	make_dirs(s, &s->unit.state_dirs, "/var/lib", 0755);
	make_dirs(s, &s->unit.logs_dirs, "/var/log", 0755);
	svc_strv_free(s->env);
	s->env = svc_exec_environment(&s->unit, NULL, err, cap);
	return (struct svc_event){ .type = SVC_EV_PREPARED, .ok = s->env != NULL, .text = err };
}

/* ---- what the machine asks about the world ---------------------------------------------- */

static bool group_alive(const struct svc *s)
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

/* A pid some file names is this service's only if it is in the service's cgroup; without
 * cgroups, only if it started after the service did (a reused pid belongs to an older or
 * unrelated process). */
bool svc_pid_is_ours(const struct svc *s, pid_t pid)
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
	uint64_t started_ms = start * 1000 / (uint64_t)sysconf(_SC_CLK_TCK);
	uint64_t age_ms = mono_ms() - s->since_ms; /* since the start began (CLOCK_MONOTONIC) */
	return started_ms + 10 >= boot_ms() - age_ms;
}

/* forking: the main process is the one the pidfile names, else the only one left. */
static struct svc_event pidfile_answer(struct svc *s, char *why, size_t cap)
{
	struct svc_event ev = { .type = SVC_EV_PIDFILE, .pidfile = SVC_PIDFILE_FOUND };
	if (s->unit.pid_file) {
		_cleanup_fclose_ FILE *f = fopen(s->unit.pid_file, "re");
		struct stat st;
		if (f && fstat(fileno(f), &st) == 0 && (st.st_mode & S_IWOTH)) {
			/* anyone could have written it: start-stop-daemon refuses such a file too */
			snprintf(why, cap, "its PIDFile= %s is writable by anyone, so the pid in it is not trusted",
				 s->unit.pid_file);
			ev.pidfile = SVC_PIDFILE_REFUSED;
			ev.text = why;
			return ev;
		}
		/* a pid, blanks around it allowed (daemons write "1234\n", some " 1234") */
		char line[64];
		const char *p = line, *end;
		uint64_t pid;
		bool named = f && fgets(line, sizeof(line), f);
		while (named && (*p == ' ' || *p == '\t'))
			p++;
		named = named && parse_uint_prefix(p, 10, INT32_MAX, &pid, &end) == 0 && end[strspn(end, " \t\r\n")] == '\0';
		if (named && svc_pid_is_ours(s, (pid_t)pid))
			ev.pid = (pid_t)pid;
		else
			ev.pidfile = SVC_PIDFILE_NOT_YET;
		return ev;
	}
	pid_t pids[2];
	if (svc_cgroup_pids(s->name, pids, 2) == 1)
		ev.pid = pids[0];
	return ev; /* several or none: no main process, the group is the service */
}

static void on_main_report(struct evloop *l, int fd, uint32_t events, void *data)
{
	(void)events;
	struct svc *s = data;
	evloop_del_fd(l, fd);
	char msg[512];
	svc_exec_failure(fd, msg, sizeof(msg));
	s->main_report = -1;
	svc_dispatch(s, (struct svc_event){ .type = SVC_EV_EXEC_REPORT, .text = msg });
}

/* ---- carrying out a step ------------------------------------------------------------------- */

static void cleanup(struct svc *s)
{
	svc_unwatch(&s->main_pidfd);
	svc_unwatch(&s->events_fd);
	svc_cgroup_remove(s->name);
	if (s->kind == SVC_UNIT && !s->unit.runtime_dir_preserve)
		for (size_t i = 0; i < s->unit.runtime_dirs.n; i++) {
			char p[PATH_MAX];
			snprintf(p, sizeof(p), "/run/%s", s->unit.runtime_dirs.v[i]);
			/* only an empty directory goes: its content may still be wanted by hand */
			rmdir(p);
		}
}

static void do_kill(struct svc *s, const struct svc_action *x)
{
	switch (x->who) {
	case SVC_KILL_MAIN:
		if (x->cont)
			signal_stopped_too(x->pid, x->sig);
		else
			kill(x->pid, x->sig);
		break;
	case SVC_KILL_CTL:
		kill(x->pid, x->sig);
		break;
	case SVC_KILL_GROUP:
		svc_cgroup_kill(s->name, x->sig);
		break;
	}
}

/* Answers a question into *ev, with its text in buf. */
static void answer(struct svc *s, const struct svc_action *x, struct svc_event *ev, char *buf, size_t cap)
{
	pid_t pid;
	switch (x->type) {
	case SVC_ASK_PREPARE:
		*ev = prepare(s, buf, cap);
		return;
	case SVC_ASK_SPAWN_CTL:
		pid = spawn_cmd(s, &s->cmds->v[s->cmd_i], false, &s->ctl_report, buf, cap);
		*ev = pid < 0 ? (struct svc_event){ .type = SVC_EV_SPAWN_FAILED, .text = buf }
			      : (struct svc_event){ .type = SVC_EV_SPAWNED, .pid = pid };
		return;
	case SVC_ASK_SPAWN_MAIN:
		pid = spawn_cmd(s, &s->unit.start.v[0], true, &s->main_report, buf, cap);
		if (pid < 0) {
			*ev = (struct svc_event){ .type = SVC_EV_SPAWN_FAILED, .text = buf };
			return;
		}
		*ev = (struct svc_event){ .type = SVC_EV_SPAWNED, .pid = pid, .main = true };
		ev->watched = x->flag && evloop_add_fd(sup.loop, s->main_report, EPOLLIN, on_main_report, s) == 0;
		return;
	case SVC_ASK_GROUP:
		*ev = (struct svc_event){ .type = SVC_EV_GROUP, .alive = group_alive(s) };
		return;
	case SVC_ASK_PIDFILE:
		*ev = pidfile_answer(s, buf, cap);
		return;
	case SVC_ASK_START:
		svc_cancel(&s->restart_timer);
		if (s->state != SVC_AUTO_RESTART)
			svc_load_definition(s, false);
		*ev = (struct svc_event){ .type = SVC_EV_START };
		return;
	default:
		return;
	}
}

/* Carries out a step's actions in order; true with *ev the answer when it ended in a question. */
static bool carry_out(struct svc *s, const struct svc_actions *a, struct svc_event *ev, char *buf, size_t cap)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct svc_action *x = &a->v[i];
		char env[48];
		switch (x->type) {
		case SVC_DO_SAVE:
			svc_save_record(s);
			break;
		case SVC_DO_NOTE:
			svc_log_note(&s->log, "%s", x->text);
			break;
		case SVC_DO_LOG:
			log_msg((enum log_level)x->level, "services", "%s", x->text);
			break;
		case SVC_DO_TIMEOUT:
			svc_arm_timeout(s, x->ms);
			break;
		case SVC_DO_RESTART_TIMER:
			svc_arm_restart(s, x->ms);
			break;
		case SVC_DO_WATCHDOG:
			arm_watchdog_ms(s, x->ms);
			break;
		case SVC_DO_POLL:
			arm_poll(s, x->ms, x->flag);
			break;
		case SVC_DO_KILL:
			do_kill(s, x);
			break;
		case SVC_DO_ENV_MAINPID:
			snprintf(env, sizeof(env), "MAINPID=%d", (int)x->pid);
			set_env2(s, env, NULL);
			break;
		case SVC_DO_ENV_NOTIFY:
			snprintf(env, sizeof(env), "WATCHDOG_USEC=%llu", (unsigned long long)x->ms * 1000);
			set_env2(s, "NOTIFY_SOCKET=" SVC_NOTIFY_PATH, x->ms ? env : NULL);
			break;
		case SVC_DO_DROP_REPORT:
			svc_unwatch(&s->main_report);
			break;
		case SVC_DO_NUMBER_START:
			s->start_seq = ++sup.start_seq;
			break;
		case SVC_DO_STOP_DEPENDENTS:
			svc_stop_dependents(s, x->flag);
			break;
		case SVC_DO_CLEANUP:
			cleanup(s);
			break;
		case SVC_DO_REMOVE_GROUP:
			svc_cgroup_remove(s->name);
			break;
		case SVC_DO_JOB_DONE:
			svc_job_done(s, x->status, x->text);
			return false; /* the next job may have run: nothing of this step is left */
		default:
			answer(s, x, ev, buf, cap);
			return true;
		}
	}
	return false;
}

void svc_dispatch(struct svc *s, struct svc_event ev)
{
	/* an answer's text: the step that reads it copies what it keeps before the next answer */
	char text[PATH_MAX + 700];
	for (;;) {
		ev.now_ms = mono_ms();
		ev.stopping_all = sup.stopping_all;
		struct svc_actions a;
		svc_actions_init(&a);
		svc_state_t was = s->state;
		svc_machine_step(s, &ev, &a);
		if (a.broken)
			log_err("services", "%s: the state machine asked for too much in %s on %s; some of it was dropped",
				s->name, svc_state_name(was), svc_event_name(ev.type));
		if (log_get_level() >= LOG_LVL_DEBUG) {
			/* one step as tests/unit/services/recorded/ keeps it, to be replayed there */
			char e[200], line[600];
			svc_event_format(&ev, e, sizeof(e));
			svc_actions_format(&a, line, sizeof(line));
			log_debug("services", "trace %s @%llu %s -> %s: %s", s->name, (unsigned long long)ev.now_ms, e,
				  svc_state_name(s->state), line);
		}
		if (!carry_out(s, &a, &ev, text, sizeof(text)))
			return;
	}
}

void svc_start(struct svc *s)
{
	svc_cancel(&s->restart_timer);
	if (s->state != SVC_AUTO_RESTART)
		svc_load_definition(s, false);
	svc_dispatch(s, (struct svc_event){ .type = SVC_EV_START });
}

/* ---- the ends of processes ---------------------------------------------------------------- */

void svc_main_exited(struct svc *s, int wstatus)
{
	char msg[512] = "";
	svc_unwatch(&s->main_pidfd);
	if (s->main_report >= 0) {
		evloop_del_fd(sup.loop, s->main_report);
		svc_exec_failure(s->main_report, msg, sizeof(msg));
		s->main_report = -1;
	}
	svc_dispatch(s, (struct svc_event){ .type = SVC_EV_MAIN_EXIT, .wstatus = wstatus, .text = msg });
}

static void ctl_exited(struct svc *s, int wstatus)
{
	char msg[512] = "";
	if (s->ctl_report >= 0) {
		svc_exec_failure(s->ctl_report, msg, sizeof(msg));
		s->ctl_report = -1;
	}
	svc_dispatch(s, (struct svc_event){ .type = SVC_EV_CTL_EXIT, .wstatus = wstatus, .text = msg });
}

bool supervisor_reaped(pid_t pid, int wstatus)
{
	for (struct svc *s = sup.services; s; s = s->next) {
		if (pid == s->main_pid) {
			svc_main_exited(s, wstatus);
			return true;
		}
		if (pid == s->ctl_pid) {
			ctl_exited(s, wstatus);
			return true;
		}
	}
	return false;
}

void supervisor_check_groups(void)
{
	for (struct svc *s = sup.services; s; s = s->next)
		if (svc_machine_wants_group(s))
			svc_dispatch(s, (struct svc_event){ .type = SVC_EV_REAPED, .alive = group_alive(s) });
}
