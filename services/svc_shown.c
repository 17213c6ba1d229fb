/* What a service shows (systemd's active and sub states, which the records keep) for each state
 * of the machine; the names of states, events and actions, and a step's actions as one line,
 * for the debug log and the tests. */
#include "svc_machine.h"

#include <stdio.h>

#include "cleanup.h"
#include "signames.h"
#include "strtab.h"

/* ---- what a service shows ---------------------------------------------------------------- */

static const enum svc_shown shown_of[SVC_STATE_COUNT] = {
	[SVC_DEAD] = SHOWN_INACTIVE, [SVC_FAILED] = SHOWN_FAILED, [SVC_AUTO_RESTART] = SHOWN_AUTO_RESTART,
	[SVC_WAIT_DEPS] = SHOWN_STARTING, [SVC_START_PRE] = SHOWN_STARTING, [SVC_START] = SHOWN_STARTING,
	[SVC_START_EXEC] = SHOWN_STARTING, [SVC_START_READY] = SHOWN_STARTING, [SVC_START_PIDFILE] = SHOWN_STARTING,
	[SVC_START_POST] = SHOWN_STARTING, [SVC_RUNNING] = SHOWN_RUNNING, [SVC_EXITED] = SHOWN_EXITED,
	[SVC_RELOAD] = SHOWN_RELOADING, [SVC_STOP] = SHOWN_STOPPING, [SVC_STOP_SIGNAL] = SHOWN_STOPPING,
	[SVC_STOP_SIGTERM] = SHOWN_STOPPING, [SVC_STOP_SIGKILL] = SHOWN_STOPPING, [SVC_STOP_POST] = SHOWN_STOPPING,
	/* the script's own verb: what it showed before (set apart below) */
	[SVC_SCRIPT] = SHOWN_INACTIVE,
	/* an init.d service is stopped once its script's stop ended; this is the cleaning after it */
	[SVC_SCRIPT_SIGNAL] = SHOWN_INACTIVE, [SVC_SCRIPT_SIGTERM] = SHOWN_INACTIVE, [SVC_SCRIPT_SIGKILL] = SHOWN_INACTIVE,
};

static const char *const shown_active[SHOWN_COUNT] = { "inactive", "activating", "active", "active", "reloading",
						       "deactivating", "failed", "activating" };
static const char *const shown_sub[SHOWN_COUNT] = { "dead", "start", "running", "exited", "reload", "stop", "failed",
						    "auto-restart" };

enum svc_shown svc_shown(const struct svc *s)
{
	svc_state_t st = s->state == SVC_SCRIPT ? s->script_from : s->state;
	return st == SVC_SCRIPT ? SHOWN_INACTIVE : shown_of[st];
}

const char *svc_shown_active(enum svc_shown v)
{
	return STRTAB_NAME(shown_active, v);
}

const char *svc_shown_sub(enum svc_shown v)
{
	return STRTAB_NAME(shown_sub, v);
}

int svc_shown_of_sub(const char *sub)
{
	return STRTAB_LOOKUP(shown_sub, sub);
}

bool svc_is_active(const struct svc *s)
{
	enum svc_shown v = svc_shown(s);
	return v == SHOWN_RUNNING || v == SHOWN_EXITED || v == SHOWN_RELOADING;
}

bool svc_is_starting(const struct svc *s)
{
	return svc_shown(s) == SHOWN_STARTING;
}

void svc_state_set(struct svc *s, svc_state_t st, uint64_t now_ms)
{
	enum svc_shown was = svc_shown(s);
	s->state = st;
	if (svc_shown(s) != was)
		s->since_ms = now_ms;
}

uint64_t svc_watchdog_due(const struct svc *s)
{
	enum svc_shown v = svc_shown(s);
	return s->main_pid > 0 && (v == SHOWN_RUNNING || v == SHOWN_RELOADING) ? s->watchdog_ms : 0;
}


static const char *const state_names[SVC_STATE_COUNT] = {
	[SVC_DEAD] = "dead", [SVC_FAILED] = "failed", [SVC_AUTO_RESTART] = "auto-restart",
	[SVC_WAIT_DEPS] = "wait-deps", [SVC_START_PRE] = "start-pre", [SVC_START] = "start",
	[SVC_START_EXEC] = "start-exec", [SVC_START_READY] = "start-ready", [SVC_START_PIDFILE] = "start-pidfile",
	[SVC_START_POST] = "start-post", [SVC_RUNNING] = "running", [SVC_EXITED] = "exited", [SVC_RELOAD] = "reload",
	[SVC_STOP] = "stop", [SVC_STOP_SIGNAL] = "stop-signal", [SVC_STOP_SIGTERM] = "stop-sigterm",
	[SVC_STOP_SIGKILL] = "stop-sigkill", [SVC_STOP_POST] = "stop-post", [SVC_SCRIPT] = "script",
	[SVC_SCRIPT_SIGNAL] = "script-signal", [SVC_SCRIPT_SIGTERM] = "script-sigterm",
	[SVC_SCRIPT_SIGKILL] = "script-sigkill",
};

static const char *const event_names[SVC_EV_COUNT] = {
	[SVC_EV_START] = "start", [SVC_EV_DEPS_FAILED] = "deps-failed", [SVC_EV_PREPARED] = "prepared",
	[SVC_EV_STOP] = "stop", [SVC_EV_RELOAD] = "reload", [SVC_EV_SCRIPT_STARTED] = "script-started",
	[SVC_EV_SPAWNED] = "spawned", [SVC_EV_SPAWN_FAILED] = "spawn-failed", [SVC_EV_EXEC_REPORT] = "exec-report",
	[SVC_EV_READY] = "ready", [SVC_EV_MAIN_EXIT] = "main-exit", [SVC_EV_CTL_EXIT] = "ctl-exit",
	[SVC_EV_TIMEOUT] = "timeout", [SVC_EV_WATCHDOG] = "watchdog", [SVC_EV_RESTART_TIMER] = "restart-timer",
	[SVC_EV_GROUP] = "group", [SVC_EV_REAPED] = "reaped", [SVC_EV_PIDFILE] = "pidfile",
};

static const char *const action_names[] = {
	[SVC_DO_SAVE] = "save", [SVC_DO_NOTE] = "note", [SVC_DO_LOG] = "log", [SVC_DO_TIMEOUT] = "timeout",
	[SVC_DO_RESTART_TIMER] = "restart-timer", [SVC_DO_WATCHDOG] = "watchdog", [SVC_DO_POLL] = "poll",
	[SVC_DO_KILL] = "kill", [SVC_DO_ENV_MAINPID] = "env-mainpid", [SVC_DO_ENV_NOTIFY] = "env-notify",
	[SVC_DO_DROP_REPORT] = "drop-report", [SVC_DO_NUMBER_START] = "number-start",
	[SVC_DO_STOP_DEPENDENTS] = "stop-dependents", [SVC_DO_CLEANUP] = "cleanup",
	[SVC_DO_REMOVE_GROUP] = "remove-group", [SVC_DO_JOB_DONE] = "job-done", [SVC_ASK_PREPARE] = "ask-prepare",
	[SVC_ASK_SPAWN_CTL] = "ask-spawn-ctl", [SVC_ASK_SPAWN_MAIN] = "ask-spawn-main", [SVC_ASK_GROUP] = "ask-group",
	[SVC_ASK_PIDFILE] = "ask-pidfile", [SVC_ASK_START] = "ask-start",
};

const char *svc_state_name(svc_state_t st)
{
	const char *n = STRTAB_NAME(state_names, st);
	return n ? n : "?";
}

const char *svc_event_name(enum svc_event_type t)
{
	const char *n = STRTAB_NAME(event_names, t);
	return n ? n : "?";
}

const char *svc_action_name(enum svc_action_type t)
{
	const char *n = STRTAB_NAME(action_names, t);
	return n ? n : "?";
}

size_t svc_actions_format(const struct svc_actions *a, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < a->n && n < cap; i++) {
		const struct svc_action *x = &a->v[i];
		const char *sep = i ? " " : "";
		const char *sig = signal_name(x->sig);
		static const char *const who[] = { "main", "ctl", "group" };
		int w;
		switch (x->type) {
		case SVC_DO_TIMEOUT:
		case SVC_DO_RESTART_TIMER:
		case SVC_DO_WATCHDOG:
			w = snprintf(buf + n, cap - n, "%s%s=%llu", sep, svc_action_name(x->type), (unsigned long long)x->ms);
			break;
		case SVC_DO_POLL:
			w = snprintf(buf + n, cap - n, "%s%s=%llu", sep, x->flag ? "poll-pidfile" : "poll",
				     (unsigned long long)x->ms);
			break;
		case SVC_DO_KILL:
			/* the main process gets SIGCONT first, except from the watchdog */
			w = snprintf(buf + n, cap - n, "%skill-%s%s:%s", sep, STRTAB_NAME(who, x->who),
				     x->who == SVC_KILL_MAIN && !x->cont ? "-plain" : "", sig ? sig : "?");
			break;
		case SVC_DO_JOB_DONE:
			w = snprintf(buf + n, cap - n, "%sreply=%d", sep, x->status);
			break;
		default:
			w = snprintf(buf + n, cap - n, "%s%s", sep, svc_action_name(x->type));
			break;
		}
		n += w > 0 ? (size_t)w : 0;
	}
	return n < cap ? n : cap - 1;
}

static int wait_format(int st, char *buf, size_t cap)
{
	if (st == SVC_WAIT_UNKNOWN)
		return snprintf(buf, cap, "unknown");
	if ((st & 0x7f) == 0)
		return snprintf(buf, cap, "exit %d", (st >> 8) & 0xff);
	return snprintf(buf, cap, "signal %d", st & 0x7f);
}

size_t svc_event_format(const struct svc_event *ev, char *buf, size_t cap)
{
	const char *name = svc_event_name(ev->type), *text = ev->text ? ev->text : "";
	char how[32];
	int n;
	switch (ev->type) {
	case SVC_EV_PREPARED:
		n = ev->ok ? snprintf(buf, cap, "%s", name) : snprintf(buf, cap, "%s fail %s", name, text);
		break;
	case SVC_EV_SPAWNED:
		n = snprintf(buf, cap, "%s %d%s%s", name, (int)ev->pid, ev->main ? " main" : "", ev->watched ? " watched" : "");
		break;
	case SVC_EV_SCRIPT_STARTED:
		n = snprintf(buf, cap, "%s %d", name, (int)ev->pid);
		break;
	case SVC_EV_SPAWN_FAILED:
	case SVC_EV_EXEC_REPORT:
		n = snprintf(buf, cap, "%s%s%s", name, *text ? " " : "", text);
		break;
	case SVC_EV_MAIN_EXIT:
	case SVC_EV_CTL_EXIT:
		wait_format(ev->wstatus, how, sizeof(how));
		n = snprintf(buf, cap, "%s %s%s%s", name, how, *text ? " report " : "", text);
		break;
	case SVC_EV_GROUP:
	case SVC_EV_REAPED:
		n = snprintf(buf, cap, "%s %s", name, ev->alive ? "alive" : "empty");
		break;
	case SVC_EV_PIDFILE:
		if (ev->pidfile == SVC_PIDFILE_NOT_YET)
			n = snprintf(buf, cap, "%s not-yet", name);
		else if (ev->pidfile == SVC_PIDFILE_REFUSED)
			n = snprintf(buf, cap, "%s refused %s", name, text);
		else
			n = snprintf(buf, cap, "%s %d", name, (int)ev->pid);
		break;
	default:
		n = snprintf(buf, cap, "%s", name);
		break;
	}
	return n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
}
