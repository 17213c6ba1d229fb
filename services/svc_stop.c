/* The stop's transitions: ExecStop, KillSignal per KillMode, SIGKILL after TimeoutStopSec,
 * ExecStopPost, then the run's end: inactive, failed, or a restart per Restart= and the
 * backoff; and an init.d script's verb, whose stop's leftovers in the group get TERM, then
 * KILL. Pure, as every transition (svc_machine.h). */
#include "svc_transition.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "log.h"

/* Restart= and RestartPreventExitStatus= on how the run ended. */
static bool wants_restart(const struct svc *s, bool failed)
{
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
	return restart;
}

/* ---- stop -------------------------------------------------------------------------------- */

static void after_signals(struct svc *s, const struct svc_event *ev, struct svc_actions *a);

void svc_machine_begin_stop(struct svc *s, const struct svc_event *ev, struct svc_actions *a, bool manual,
			    bool failed, bool was_up)
{
	svc_act_timer(a, SVC_DO_RESTART_TIMER, 0);
	svc_act_timer(a, SVC_DO_WATCHDOG, 0);
	svc_act_poll(a, 0, false);
	s->stop_manual = manual;
	s->run_failed = s->run_failed || failed;
	svc_machine_set_state(s, ev, a, SVC_STOP);
	if (s->ctl_pid > 0) /* a start or reload command still running is part of what stops */
		svc_act_kill(a, SVC_KILL_CTL, s->ctl_pid, SIGTERM, false);
	svc_act_timer(a, SVC_DO_TIMEOUT, s->unit.timeout_stop_ms);
	if (was_up && s->unit.stop.n > 0) {
		svc_act_push(a, SVC_DO_ENV_MAINPID)->pid = s->main_pid;
		if (s->ctl_pid <= 0) {
			svc_machine_run_cmds(s, ev, a, SVC_STOP, &s->unit.stop);
			return;
		}
	}
	svc_machine_enter_signal(s, ev, a);
}

void svc_on_stop(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_machine_begin_stop(s, ev, a, true, false, s->state == SVC_RUNNING || s->state == SVC_EXITED);
}

/* ExecStop= done (or given up on): the stop signal, if anything is left to get it. */
void svc_machine_enter_signal(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	enum unit_kill_mode km = s->kind == SVC_UNIT ? s->unit.kill_mode : KILL_CONTROL_GROUP;
	if (km == KILL_NONE) {
		s->state = SVC_STOP_SIGTERM;
		after_signals(s, ev, a);
		return;
	}
	s->state = SVC_STOP_SIGNAL;
	svc_act_ask(a, SVC_ASK_GROUP);
}

void svc_on_signal_group(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!ev->alive) {
		s->state = SVC_STOP_SIGTERM;
		after_signals(s, ev, a);
		return;
	}
	enum unit_kill_mode km = s->kind == SVC_UNIT ? s->unit.kill_mode : KILL_CONTROL_GROUP;
	s->state = SVC_STOP_SIGTERM;
	svc_act_stop_signal(s, a, s->kind == SVC_UNIT ? s->unit.kill_signal : SIGTERM, km == KILL_CONTROL_GROUP);
	svc_act_timer(a, SVC_DO_TIMEOUT, s->kind == SVC_UNIT ? s->unit.timeout_stop_ms : SVC_SCRIPT_STOP_GRACE_MS);
	svc_act_ask(a, SVC_ASK_GROUP);
}

void svc_on_group_polled(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!ev->alive) {
		after_signals(s, ev, a);
		return;
	}
	/* KillMode=mixed: once the main process is gone, what is left gets SIGKILL at once */
	if (s->state == SVC_STOP_SIGTERM && s->kind == SVC_UNIT && s->unit.kill_mode == KILL_MIXED &&
	    s->main_pid <= 0 && s->ctl_pid <= 0) {
		s->state = SVC_STOP_SIGKILL;
		svc_act_kill(a, SVC_KILL_GROUP, 0, SIGKILL, false);
		svc_act_timer(a, SVC_DO_TIMEOUT, SVC_KILL_WAIT_MS);
	}
	svc_act_poll(a, SVC_GROUP_POLL_MS, false);
}

void svc_on_reaped_stopping(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!ev->alive)
		after_signals(s, ev, a);
}


static void after_signals(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_act_poll(a, 0, false);
	svc_act_timer(a, SVC_DO_TIMEOUT, 0);
	if (s->kind != SVC_UNIT) {
		svc_machine_finish_stop(s, ev, a);
		return;
	}
	svc_act_timer(a, SVC_DO_TIMEOUT, s->unit.timeout_stop_ms);
	svc_machine_run_cmds(s, ev, a, SVC_STOP_POST, &s->unit.stop_post);
}

void svc_on_stop_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_act_log(a, LOG_LVL_WARN, "%s: ExecStop= did not finish within TimeoutStopSec", s->name);
	if (s->ctl_pid > 0)
		svc_act_kill(a, SVC_KILL_CTL, s->ctl_pid, SIGKILL, false);
	s->cmds = NULL;
	svc_machine_enter_signal(s, ev, a);
}

void svc_on_sigterm_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (s->kind == SVC_UNIT && !s->unit.send_sigkill) {
		svc_act_log(a, LOG_LVL_WARN, "%s: still running after TimeoutStopSec; SendSIGKILL=no leaves it", s->name);
		after_signals(s, ev, a);
		return;
	}
	svc_act_log(a, LOG_LVL_WARN, "%s: still running after its stop signal, sending SIGKILL to its group", s->name);
	svc_act_note(a, "still running after the stop signal: SIGKILL");
	s->state = SVC_STOP_SIGKILL;
	svc_act_stop_signal(s, a, SIGKILL, true);
	svc_act_timer(a, SVC_DO_TIMEOUT, SVC_KILL_WAIT_MS);
	svc_act_ask(a, SVC_ASK_GROUP);
}

void svc_on_sigkill_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_act_log(a, LOG_LVL_ERR, "%s: processes left after SIGKILL; giving up on them", s->name);
	after_signals(s, ev, a);
}

void svc_on_stop_post_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	(void)ev;
	if (s->ctl_pid > 0)
		svc_act_kill(a, SVC_KILL_CTL, s->ctl_pid, SIGKILL, false);
}

void svc_machine_finish_stop(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_act_timer(a, SVC_DO_TIMEOUT, 0);
	svc_act_poll(a, 0, false);
	s->main_pid = 0;
	svc_act_push(a, SVC_DO_CLEANUP);
	bool failed = s->run_failed;
	struct svc_job *j = s->jobs && s->job_running ? s->jobs : NULL;
	bool restarting = j && (j->type == JOB_RESTART || j->type == JOB_TRY_RESTART);
	if (!ev->stopping_all && !restarting)
		svc_act_push(a, SVC_DO_STOP_DEPENDENTS)->flag = s->stop_manual;
	if (s->stop_manual || ev->stopping_all) {
		svc_machine_set_state(s, ev, a, failed ? SVC_FAILED : SVC_DEAD);
		svc_act_note(a, "stopped %s", s->name);
		if (!j)
			return;
		if (restarting && !j->second_half) {
			j->second_half = true;
			svc_act_ask(a, SVC_ASK_START);
		} else if (svc_job_starts(j) && !(s->oneshot_done && !failed)) {
			svc_act_reply(a, 1, "%s: failed to start: %.400s (see: service %s status)", s->name,
				 s->result[0] ? s->result : "unknown", s->name);
		} else {
			svc_act_reply(a, 0, NULL);
		}
		return;
	}
	/* the service ended on its own, or its start failed */
	const struct unit *u = &s->unit;
	if (!wants_restart(s, failed)) {
		svc_machine_set_state(s, ev, a, s->clean_end && !failed ? SVC_DEAD : SVC_FAILED);
		svc_act_note(a, "%s %s", s->name, s->state == SVC_FAILED ? "failed" : "ended");
	} else {
		/* RestartSec= given: that, every time (systemd's meaning); else our backoff: the first
		 * restart at once, then 100 ms doubling to 30 s, reset by a run of 10 s */
		uint64_t ran = s->main_start_ms ? ev->now_ms - s->main_start_ms : 0;
		uint64_t delay = u->restart_ms_set ? u->restart_ms : backoff_next_delay(&s->backoff, ran);
		s->restarts++;
		svc_machine_set_state(s, ev, a, SVC_AUTO_RESTART);
		svc_act_note(a, "restarting %s in %llu ms", s->name, (unsigned long long)delay);
		svc_act_timer(a, SVC_DO_RESTART_TIMER, delay ? delay : 1);
	}
	if (svc_job_starts(j))
		svc_act_reply(a, 1, "%s: failed to start: %.400s (see: service %s status)", s->name,
			 s->result[0] ? s->result : "unknown", s->name);
}

void svc_on_restart_timer(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!s->job_running && !ev->stopping_all)
		svc_act_ask(a, SVC_ASK_START);
}

/* ---- init.d scripts ---------------------------------------------------------------------- */

void svc_on_script_started(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	(void)a;
	s->script_from = s->state;
	s->ctl_pid = ev->pid;
	s->state = SVC_SCRIPT;
}

void svc_on_script_exit(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	int st = ev->wstatus;
	s->ctl_pid = 0;
	s->script_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	const struct svc_job *j = svc_running_job(s);
	const char *verb = j && j->req && j->req->msg.verb ? j->req->msg.verb : "";
	if (!strcmp(verb, "stop") || !strcmp(verb, "force-stop")) {
		/* what the script's stop left behind in the group goes too */
		svc_machine_set_state(s, ev, a, SVC_SCRIPT_SIGNAL);
		svc_act_ask(a, SVC_ASK_GROUP);
		return;
	}
	s->state = s->script_from;
	/* remembered so that shutdown runs the script's stop, newest first */
	if (s->script_status == 0 && (!strcmp(verb, "start") || !strcmp(verb, "restart") || !strcmp(verb, "force-reload"))) {
		svc_machine_set_state(s, ev, a, SVC_RUNNING);
		svc_act_push(a, SVC_DO_NUMBER_START);
	}
	svc_act_reply(a, s->script_status, NULL);
}

static void script_finish(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	(void)ev;
	svc_act_poll(a, 0, false);
	svc_act_timer(a, SVC_DO_TIMEOUT, 0);
	s->state = SVC_DEAD;
	svc_act_push(a, SVC_DO_REMOVE_GROUP);
	svc_act_reply(a, s->script_status, NULL);
}

void svc_on_script_group(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	s->state = SVC_SCRIPT_SIGTERM;
	if (ev->alive) {
		svc_act_kill(a, SVC_KILL_GROUP, 0, SIGTERM, false);
		svc_act_timer(a, SVC_DO_TIMEOUT, SVC_SCRIPT_STOP_GRACE_MS);
	}
	svc_act_ask(a, SVC_ASK_GROUP);
}

void svc_on_script_polled(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!ev->alive)
		script_finish(s, ev, a);
	else
		svc_act_poll(a, SVC_GROUP_POLL_MS, false);
}

void svc_on_script_reaped(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	if (!ev->alive)
		script_finish(s, ev, a);
}

void svc_on_script_sigterm_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	(void)ev;
	svc_act_log(a, LOG_LVL_WARN, "%s: still running after its stop signal, sending SIGKILL to its group", s->name);
	svc_act_note(a, "still running after the stop signal: SIGKILL");
	s->state = SVC_SCRIPT_SIGKILL;
	svc_act_stop_signal(s, a, SIGKILL, true);
	svc_act_timer(a, SVC_DO_TIMEOUT, SVC_KILL_WAIT_MS);
	svc_act_ask(a, SVC_ASK_GROUP);
}

void svc_on_script_sigkill_timeout(struct svc *s, const struct svc_event *ev, struct svc_actions *a)
{
	svc_act_log(a, LOG_LVL_ERR, "%s: processes left after SIGKILL; giving up on them", s->name);
	script_finish(s, ev, a);
}
