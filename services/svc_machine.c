/* The start/stop state machine's table, actions[state][event], and the transitions of a start,
 * a reload and the ends of processes (see svc_machine.h; the stop's are in svc_stop.c). Units
 * follow systemd's service life cycle: ExecStartPre, ExecStart with readiness by Type,
 * ExecStartPost; restart per Restart= with backoff and StartLimitBurst. Every transition is
 * pure: it changes the struct svc it is given and asks for the rest. */
#include "svc_transition.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "cleanup.h"
#include "log.h"
#include "signames.h"
#include "strtab.h"

/* ---- small pure helpers ------------------------------------------------------------------ */

void svc_machine_set_state(struct svc *s, const struct svc_event *ev, struct svc_actions *a, svc_state_t st)
{
	svc_state_set(s, st, ev->now_ms);
	svc_act_push(a, SVC_DO_SAVE);
}

const struct svc_job *svc_running_job(const struct svc *s)
{
	return s->jobs && s->job_running ? s->jobs : NULL;
}

bool svc_job_starts(const struct svc_job *j)
{
	return j && (j->type == JOB_START || j->type == JOB_RESTART || j->type == JOB_TRY_RESTART);
}

static void describe_wait(int st, char *buf, size_t cap)
{
	if (WIFSIGNALED(st))
		snprintf(buf, cap, "killed by signal %d (SIG%s)", WTERMSIG(st),
			 signal_name(WTERMSIG(st)) ? signal_name(WTERMSIG(st)) : "?");
	else
		snprintf(buf, cap, "exited with status %d", WEXITSTATUS(st));
}

static bool exit_is_clean(const struct svc *s, int st)
{
	if (st == SVC_WAIT_UNKNOWN)
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

static bool start_limit_hit(struct svc *s, uint64_t now)
{
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

/* ---- running a state's commands -------------------------------------------------------------- */

static void cmds_done(struct svc *s, const struct svc_event *ev, struct svc_actions *a);
static void cmd_failed(struct svc *s, const struct svc_event *ev, struct svc_actions *a, const char *why);

static void run_next(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!s->cmds || s->cmd_i >= s->cmds->n)
		cmds_done(s, ev, a);
	else
		svc_act_ask(a, SVC_ASK_SPAWN_CTL);
}

void svc_machine_run_cmds(struct svc *s, const struct svc_event *ev, struct svc_actions *a, svc_state_t st,
			  const struct unit_cmds *cmds)
{
	s->state = st;
	s->cmds = cmds;
	s->cmd_i = 0;
	run_next(s, ev, a);
}

/* ---- start ------------------------------------------------------------------------------- */

static void fail_early(struct svc *s, const struct svc_event *ev, struct svc_actions *a, const char *why)
{
	snprintf(s->result, sizeof(s->result), "%s", why);
	svc_machine_set_state(s, ev, a, SVC_FAILED);
	svc_act_note(a, "cannot start: %s", why);
	svc_act_log(a, LOG_LVL_WARN, "%s: cannot start: %s", s->name, why);
	if (svc_running_job(s))
		svc_act_reply(a, 1, "%s: cannot start: %s", s->name, why);
}

static void on_start(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (s->kind != SVC_UNIT) {
		fail_early(s, ev, a, "its unit file is gone");
		return;
	}
	if (s->unit.refused) {
		fail_early(s, ev, a, s->unit.refused);
		return;
	}
	if (start_limit_hit(s, ev->now_ms)) {
		char why[600];
		snprintf(why, sizeof(why), "started too often (StartLimitBurst=%u in %llu ms); "
			 "systemctl reset-failed %s lets it start again", s->unit.start_limit_burst,
			 (unsigned long long)s->unit.start_limit_interval_ms, s->name);
		fail_early(s, ev, a, why);
		return;
	}
	svc_act_ask(a, SVC_ASK_PREPARE);
}

static void on_deps_failed(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	char why[SVC_NAME_MAX + 120];
	snprintf(why, sizeof(why), "%s, which it requires, did not start", s->dep_failed);
	fail_early(s, ev, a, why);
}

static void on_prepared(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!ev->ok) {
		fail_early(s, ev, a, ev->text ? ev->text : "");
		return;
	}
	if (ev->unmet) {
		/* systemd's "start condition unmet": skipped, not failed, and start succeeds */
		snprintf(s->unmet, sizeof(s->unmet), "%s", ev->text ? ev->text : "");
		svc_machine_set_state(s, ev, a, SVC_DEAD);
		svc_act_note(a, "%s skipped: %s", s->name, s->unmet);
		if (svc_job_starts(svc_running_job(s)))
			svc_act_reply(a, 0, NULL);
		return;
	}
	s->unmet[0] = '\0';
	s->result[0] = s->status_text[0] = '\0';
	s->run_failed = s->clean_end = s->abnormal_end = s->stop_manual = s->oneshot_done = s->watchdog_end = false;
	s->watchdog_ms = s->unit.watchdog_ms;
	svc_act_push(a, SVC_DO_NUMBER_START);
	svc_machine_set_state(s, ev, a, SVC_START_PRE);
	svc_act_note(a, "starting %s", s->name);
	svc_act_timer(a, SVC_DO_TIMEOUT, s->unit.timeout_start_ms);
	svc_machine_run_cmds(s, ev, a, SVC_START_PRE, &s->unit.start_pre);
}

/* ExecStartPre= done: ExecStart=, as commands (oneshot, forking) or as the main process. */
static void enter_start(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	const struct unit *u = &s->unit;
	if (u->type == UNIT_ONESHOT || u->type == UNIT_FORKING) {
		svc_machine_run_cmds(s, ev, a, SVC_START, &u->start);
		return;
	}
	s->state = SVC_START;
	/* sd_notify's socket for whoever may use it; sd_watchdog_enabled() reads WATCHDOG_USEC */
	if (u->notify_access != NOTIFY_NONE)
		svc_act_timer(a, SVC_DO_ENV_NOTIFY, u->watchdog_ms);
	svc_act_push(a, SVC_ASK_SPAWN_MAIN)->flag = u->type != UNIT_SIMPLE;
}

/* ExecStart= has done what its Type= waits for. */
static void start_done(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (s->unit.type == UNIT_FORKING) {
		/* a daemon may write its pidfile a little after its parent exits */
		s->state = SVC_START_PIDFILE;
		svc_act_ask(a, SVC_ASK_PIDFILE);
		return;
	}
	svc_machine_run_cmds(s, ev, a, SVC_START_POST, &s->unit.start_post);
}


/* ExecStartPost= done. */
static void enter_running(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_act_timer(a, SVC_DO_TIMEOUT, 0);
	if (s->unit.type == UNIT_ONESHOT && !s->unit.remain_after_exit) {
		/* a oneshot that does not remain is done once it ran: what it left is stopped */
		svc_act_note(a, "%s finished", s->name);
		s->oneshot_done = true;
		svc_machine_begin_stop(s, ev, a, true, false, true);
		return;
	}
	svc_machine_set_state(s, ev, a, s->unit.type == UNIT_ONESHOT ? SVC_EXITED : SVC_RUNNING);
	svc_act_timer(a, SVC_DO_WATCHDOG, svc_watchdog_due(s));
	svc_act_note(a, "started %s%s", s->name, s->main_pid > 0 ? "" : " (no main process known)");
	if (svc_job_starts(svc_running_job(s)))
		svc_act_reply(a, 0, NULL);
}

static void on_spawned(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!ev->main) {
		s->ctl_pid = ev->pid;
		return;
	}
	s->main_pid = ev->pid;
	s->main_start_ms = ev->now_ms;
	if (s->unit.type == UNIT_SIMPLE) {
		/* started at fork: an exec failure shows as the main process's end */
		start_done(s, ev, a);
		return;
	}
	/* exec: ready once the exec happened (the report pipe closes without a word);
	 * notify: once READY=1 arrives */
	s->state = s->unit.type == UNIT_EXEC ? SVC_START_EXEC : SVC_START_READY;
	if (!ev->watched && s->unit.type == UNIT_EXEC)
		start_done(s, ev, a);
}

static void on_spawn_failed(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	cmd_failed(s, ev, a, ev->text ? ev->text : "");
}

static void on_exec_report(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	(void)a;
	if (ev->text && *ev->text)
		snprintf(s->result, sizeof(s->result), "%s", ev->text); /* the main process's end reports it */
}

static void on_exec_done(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (ev->text && *ev->text)
		on_exec_report(s, ev, a);
	else
		start_done(s, ev, a);
}

static void on_ready(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_act_push(a, SVC_DO_DROP_REPORT);
	start_done(s, ev, a);
}

static void on_pidfile(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	switch (ev->pidfile) {
	case SVC_PIDFILE_FOUND:
		if (ev->pid > 0) {
			s->main_pid = ev->pid;
			s->main_start_ms = ev->now_ms;
		}
		svc_machine_run_cmds(s, ev, a, SVC_START_POST, &s->unit.start_post);
		return;
	case SVC_PIDFILE_REFUSED:
		cmd_failed(s, ev, a, ev->text ? ev->text : "");
		return;
	case SVC_PIDFILE_NOT_YET:
		svc_act_poll(a, SVC_GROUP_POLL_MS, true);
		return;
	}
}

static void start_timed_out(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	char why[200];
	snprintf(why, sizeof(why), "did not finish starting within TimeoutStartSec (%llu ms)%s",
		 (unsigned long long)s->unit.timeout_start_ms,
		 s->state == SVC_START_READY ? ": no READY=1 came" :
		 s->state == SVC_START_PIDFILE ? ": its PIDFile= never named a live process" : "");
	s->abnormal_end = true;
	cmd_failed(s, ev, a, why);
}

/* ---- reload ------------------------------------------------------------------------------ */

static void on_reload(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_machine_set_state(s, ev, a, SVC_RELOAD);
	svc_act_push(a, SVC_DO_ENV_MAINPID)->pid = s->main_pid;
	svc_act_timer(a, SVC_DO_TIMEOUT, s->unit.timeout_start_ms);
	svc_machine_run_cmds(s, ev, a, SVC_RELOAD, &s->unit.reload);
}

static void reload_done(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_machine_set_state(s, ev, a, SVC_RUNNING);
	svc_act_note(a, "reloaded %s", s->name);
	svc_act_reply(a, 0, NULL);
}

/* ---- failures and ends of processes -------------------------------------------------------- */

static void start_failed(struct svc *s, const struct svc_event *ev, struct svc_actions *a, const char *why)
{
	snprintf(s->result, sizeof(s->result), "%s", why);
	svc_machine_begin_stop(s, ev, a, false, true, false);
}

static void reload_failed(struct svc *s, const struct svc_event *ev, struct svc_actions *a, const char *why)
{
	svc_machine_set_state(s, ev, a, SVC_RUNNING);
	svc_act_reply(a, 1, "%s: reload failed: %s", s->name, why);
}

/* a failing stop command does not stop the stop */
static void stop_cmd_failed(struct svc *s, const struct svc_event *ev, struct svc_actions *a, const char *why)
{
	(void)why;
	s->cmd_i++;
	run_next(s, ev, a);
}

typedef void (*svc_failure_fn)(struct svc *s, const struct svc_event *ev, struct svc_actions *a, const char *why);

/* What a failing command (or a start that cannot go on) does, by state. */
static const svc_failure_fn failed_in[SVC_STATE_COUNT] = {
	[SVC_START_PRE] = start_failed, [SVC_START] = start_failed, [SVC_START_EXEC] = start_failed,
	[SVC_START_READY] = start_failed, [SVC_START_PIDFILE] = start_failed, [SVC_START_POST] = start_failed,
	[SVC_RELOAD] = reload_failed, [SVC_STOP] = stop_cmd_failed, [SVC_STOP_POST] = stop_cmd_failed,
};

static void cmd_failed(struct svc *s, const struct svc_event *ev, struct svc_actions *a, const char *why)
{
	svc_act_log(a, LOG_LVL_WARN, "%s: %s", s->name, why);
	svc_act_note(a, "%s", why);
	if (failed_in[s->state])
		failed_in[s->state](s, ev, a, why);
}

/* What the end of a state's commands leads to, by state. */
static const svc_transition_fn done_in[SVC_STATE_COUNT] = {
	[SVC_START_PRE] = enter_start, [SVC_START] = start_done, [SVC_START_EXEC] = start_done,
	[SVC_START_READY] = start_done, [SVC_START_POST] = enter_running, [SVC_RELOAD] = reload_done,
	[SVC_STOP] = svc_machine_enter_signal, [SVC_STOP_POST] = svc_machine_finish_stop,
};

static void cmds_done(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (done_in[s->state])
		done_in[s->state](s, ev, a);
}

static const char *const exec_keys[SVC_STATE_COUNT] = {
	[SVC_START_PRE] = "ExecStartPre", [SVC_START] = "ExecStart", [SVC_START_POST] = "ExecStartPost",
	[SVC_RELOAD] = "ExecReload", [SVC_STOP] = "ExecStop", [SVC_STOP_POST] = "ExecStopPost",
};

static void on_ctl_exit(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	int st = ev->wstatus;
	s->ctl_pid = 0;
	const struct unit_cmd *c = s->cmds && s->cmd_i < s->cmds->n ? &s->cmds->v[s->cmd_i] : NULL;
	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok && c && (c->flags & CMD_IGNORE_FAILURE))
		ok = true;
	if (!ok && s->unit.type == UNIT_ONESHOT && s->state == SVC_START && exit_is_clean(s, st))
		ok = true;
	if (ok) {
		s->cmd_i++;
		run_next(s, ev, a);
		return;
	}
	const char *msg = ev->text ? ev->text : "";
	const char *key = STRTAB_NAME(exec_keys, s->state);
	char how[96], why[700];
	describe_wait(st, how, sizeof(how));
	snprintf(why, sizeof(why), "%s=%s %s%s%s", key ? key : "a command", c ? c->argv[0] : "?", how,
		 msg[0] ? ": " : "", msg);
	if (s->state == SVC_START && s->unit.type == UNIT_FORKING) {
		s->end_status = st;
		snprintf(s->last_exit, sizeof(s->last_exit), "%s", how);
	}
	cmd_failed(s, ev, a, why);
}

static void on_ctl_exit_stopping(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	(void)ev;
	s->ctl_pid = 0;
	svc_act_ask(a, SVC_ASK_GROUP);
}

/* What every end of the main process records. */
static void main_ended(struct svc *s, const struct svc_event *ev)
{
	int st = ev->wstatus;
	s->main_pid = 0;
	if (st == SVC_WAIT_UNKNOWN)
		snprintf(s->last_exit, sizeof(s->last_exit), "ended (status unknown: the supervisor restarted meanwhile)");
	else
		describe_wait(st, s->last_exit, sizeof(s->last_exit));
	s->end_status = st;
	if (ev->text && *ev->text)
		snprintf(s->result, sizeof(s->result), "%s", ev->text);
}

static void on_main_exit(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	(void)a;
	main_ended(s, ev); /* nothing waits on it here (a pidfile that named a dying process: time out) */
}

static void on_main_exit_starting(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	main_ended(s, ev);
	char why[900];
	snprintf(why, sizeof(why), "its main process %s during start%s%.300s", s->last_exit, s->result[0] ? ": " : "",
		 s->result[0] ? s->result : "");
	s->clean_end = false;
	s->abnormal_end = ev->wstatus != SVC_WAIT_UNKNOWN && WIFSIGNALED(ev->wstatus);
	cmd_failed(s, ev, a, why);
}

static void on_main_exit_running(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	int st = ev->wstatus;
	main_ended(s, ev);
	s->clean_end = exit_is_clean(s, st) && !s->watchdog_end;
	s->abnormal_end = (st != SVC_WAIT_UNKNOWN && WIFSIGNALED(st) && !s->clean_end) || s->watchdog_end;
	if (!s->clean_end && !s->watchdog_end)
		snprintf(s->result, sizeof(s->result), "its main process %s", s->last_exit);
	svc_act_note(a, "main process %s", s->last_exit);
	if (s->state == SVC_RELOAD && s->ctl_pid > 0)
		svc_act_kill(a, SVC_KILL_CTL, s->ctl_pid, SIGTERM, false);
	svc_machine_begin_stop(s, ev, a, false, !s->clean_end, true);
}

static void on_main_exit_stopping(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	main_ended(s, ev);
	svc_act_ask(a, SVC_ASK_GROUP);
}

/* A forking service without a main process is running while its group has processes. */
static void on_reaped_running(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (ev->alive || s->kind != SVC_UNIT || s->main_pid != 0 || s->ctl_pid != 0)
		return;
	s->clean_end = true;
	snprintf(s->last_exit, sizeof(s->last_exit), "all its processes ended");
	svc_machine_begin_stop(s, ev, a, false, false, true);
}

/* WatchdogSec= ran out without WATCHDOG=1: the main process gets WatchdogSignal= (SIGABRT), and
 * its end counts as a failure for Restart= (on-watchdog, on-failure, on-abnormal, always). */
static void on_watchdog(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	(void)ev;
	if (s->main_pid <= 0)
		return;
	snprintf(s->result, sizeof(s->result), "its watchdog ran out (no WATCHDOG=1 within %llu ms)",
		 (unsigned long long)s->watchdog_ms);
	const char *sig = signal_name(s->unit.watchdog_signal);
	svc_act_log(a, LOG_LVL_WARN, "%s: %s; sending SIG%s", s->name, s->result, sig ? sig : "?");
	svc_act_note(a, "%s", s->result);
	s->watchdog_end = true;
	svc_act_kill(a, SVC_KILL_MAIN, s->main_pid, s->unit.watchdog_signal, false);
}

/* ---- the table ----------------------------------------------------------------------------- */

#define STARTING_ROW(extra...)                                                                        \
	{ [SVC_EV_STOP] = svc_on_stop, [SVC_EV_SPAWNED] = on_spawned, [SVC_EV_SPAWN_FAILED] = on_spawn_failed, \
	  [SVC_EV_CTL_EXIT] = on_ctl_exit, [SVC_EV_MAIN_EXIT] = on_main_exit_starting,                     \
	  [SVC_EV_TIMEOUT] = start_timed_out, extra }

static const svc_transition_fn actions[SVC_STATE_COUNT][SVC_EV_COUNT] = {
	[SVC_DEAD] = { [SVC_EV_START] = on_start, [SVC_EV_PREPARED] = on_prepared },
	[SVC_FAILED] = { [SVC_EV_START] = on_start, [SVC_EV_PREPARED] = on_prepared },
	[SVC_AUTO_RESTART] = { [SVC_EV_START] = on_start, [SVC_EV_PREPARED] = on_prepared,
			       [SVC_EV_RESTART_TIMER] = svc_on_restart_timer },
	[SVC_WAIT_DEPS] = { [SVC_EV_START] = on_start, [SVC_EV_PREPARED] = on_prepared,
			    [SVC_EV_DEPS_FAILED] = on_deps_failed, [SVC_EV_STOP] = svc_on_stop },
	[SVC_START_PRE] = STARTING_ROW(),
	[SVC_START] = STARTING_ROW(),
	[SVC_START_EXEC] = STARTING_ROW([SVC_EV_EXEC_REPORT] = on_exec_done),
	[SVC_START_READY] = STARTING_ROW([SVC_EV_READY] = on_ready),
	[SVC_START_PIDFILE] = { [SVC_EV_STOP] = svc_on_stop, [SVC_EV_PIDFILE] = on_pidfile, [SVC_EV_TIMEOUT] = start_timed_out },
	[SVC_START_POST] = STARTING_ROW(),
	[SVC_RUNNING] = { [SVC_EV_STOP] = svc_on_stop, [SVC_EV_RELOAD] = on_reload, [SVC_EV_MAIN_EXIT] = on_main_exit_running,
			  [SVC_EV_REAPED] = on_reaped_running },
	[SVC_EXITED] = { [SVC_EV_STOP] = svc_on_stop, [SVC_EV_RELOAD] = on_reload },
	[SVC_RELOAD] = { [SVC_EV_STOP] = svc_on_stop, [SVC_EV_SPAWNED] = on_spawned, [SVC_EV_SPAWN_FAILED] = on_spawn_failed,
			 [SVC_EV_CTL_EXIT] = on_ctl_exit, [SVC_EV_MAIN_EXIT] = on_main_exit_running },
	[SVC_STOP] = { [SVC_EV_SPAWNED] = on_spawned, [SVC_EV_SPAWN_FAILED] = on_spawn_failed,
		       [SVC_EV_CTL_EXIT] = on_ctl_exit, [SVC_EV_TIMEOUT] = svc_on_stop_timeout },
	[SVC_STOP_SIGNAL] = { [SVC_EV_GROUP] = svc_on_signal_group },
	[SVC_STOP_SIGTERM] = { [SVC_EV_GROUP] = svc_on_group_polled, [SVC_EV_REAPED] = svc_on_reaped_stopping,
			       [SVC_EV_MAIN_EXIT] = on_main_exit_stopping, [SVC_EV_CTL_EXIT] = on_ctl_exit_stopping,
			       [SVC_EV_TIMEOUT] = svc_on_sigterm_timeout },
	[SVC_STOP_SIGKILL] = { [SVC_EV_GROUP] = svc_on_group_polled, [SVC_EV_REAPED] = svc_on_reaped_stopping,
			       [SVC_EV_MAIN_EXIT] = on_main_exit_stopping, [SVC_EV_CTL_EXIT] = on_ctl_exit_stopping,
			       [SVC_EV_TIMEOUT] = svc_on_sigkill_timeout },
	[SVC_STOP_POST] = { [SVC_EV_SPAWNED] = on_spawned, [SVC_EV_SPAWN_FAILED] = on_spawn_failed,
			    [SVC_EV_CTL_EXIT] = on_ctl_exit, [SVC_EV_TIMEOUT] = svc_on_stop_post_timeout },
	[SVC_SCRIPT] = { [SVC_EV_CTL_EXIT] = svc_on_script_exit },
	[SVC_SCRIPT_SIGNAL] = { [SVC_EV_GROUP] = svc_on_script_group },
	[SVC_SCRIPT_SIGTERM] = { [SVC_EV_GROUP] = svc_on_script_polled, [SVC_EV_REAPED] = svc_on_script_reaped,
				 [SVC_EV_TIMEOUT] = svc_on_script_sigterm_timeout },
	[SVC_SCRIPT_SIGKILL] = { [SVC_EV_GROUP] = svc_on_script_polled, [SVC_EV_REAPED] = svc_on_script_reaped,
				 [SVC_EV_TIMEOUT] = svc_on_script_sigkill_timeout },
};

/* The events that mean the same in every state without a cell of its own. */
static const svc_transition_fn any_state[SVC_EV_COUNT] = {
	/* a start job waits for other jobs, not for a stop of the service's own (it ended and is
	 * being stopped): the start then begins over it, as from rest */
	[SVC_EV_START] = on_start,
	[SVC_EV_PREPARED] = on_prepared,
	[SVC_EV_MAIN_EXIT] = on_main_exit,
	[SVC_EV_EXEC_REPORT] = on_exec_report,
	[SVC_EV_WATCHDOG] = on_watchdog,
	[SVC_EV_SCRIPT_STARTED] = svc_on_script_started,
};

void svc_machine_step(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if ((unsigned)s->state >= SVC_STATE_COUNT || (unsigned)ev->type >= SVC_EV_COUNT) {
		a->broken = true;
		return;
	}
	svc_transition_fn f = actions[s->state][ev->type];
	if (!f)
		f = any_state[ev->type];
	if (f)
		f(s, ev, a);
}

bool svc_machine_handles(const struct svc *s, enum svc_event_type t)
{
	return (unsigned)s->state < SVC_STATE_COUNT && (unsigned)t < SVC_EV_COUNT &&
	       (actions[s->state][t] || any_state[t]);
}

bool svc_machine_wants_group(const struct svc *s)
{
	switch (s->state) {
	case SVC_STOP_SIGTERM:
	case SVC_STOP_SIGKILL:
	case SVC_SCRIPT_SIGTERM:
	case SVC_SCRIPT_SIGKILL:
		return true;
	case SVC_RUNNING:
		return s->kind == SVC_UNIT && s->main_pid == 0 && s->ctl_pid == 0;
	default:
		return false;
	}
}
