/* How a transition asks for what it wants: appends to the step's action list (svc_machine.h),
 * with texts formatted into the list's own storage, and marks the list broken when something
 * follows a question or a reply, or it is full (a bug of the machine, which the tests catch). */
#include "svc_transition.h"

#include <stdarg.h>
#include <stdio.h>

/* ---- the action list --------------------------------------------------------------------- */

void svc_actions_init(struct svc_actions *a)
{
	a->n = 0;
	a->ended = a->broken = false;
	a->text_used = 0;
}

struct svc_action *svc_act_push(struct svc_actions *a, enum svc_action_type type)
{
	if (a->ended || a->n == SVC_MAX_ACTIONS) {
		a->broken = true;
		a->spare = (struct svc_action){ .type = type };
		return &a->spare;
	}
	struct svc_action *x = &a->v[a->n++];
	*x = (struct svc_action){ .type = type };
	if (type >= SVC_ASK_PREPARE || type == SVC_DO_JOB_DONE)
		a->ended = true;
	return x;
}

static const char *keep_text(struct svc_actions *a, const char *fmt, va_list ap)
{
	size_t room = sizeof(a->text) - a->text_used;
	char *t = a->text + a->text_used;
	int n = vsnprintf(t, room, fmt, ap);
	if (n < 0 || (size_t)n >= room) {
		a->broken = n < 0 || room < 2; /* a cut text still reads; no room at all is a bug */
		n = room > 0 ? (int)room - 1 : 0;
	}
	a->text_used += (size_t)n + 1 <= room ? (size_t)n + 1 : room;
	return room > 0 ? t : "";
}

void svc_act_note(struct svc_actions *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *t = keep_text(a, fmt, ap);
	va_end(ap);
	svc_act_push(a, SVC_DO_NOTE)->text = t;
}

void svc_act_log(struct svc_actions *a, int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	const char *t = keep_text(a, fmt, ap);
	va_end(ap);
	struct svc_action *x = svc_act_push(a, SVC_DO_LOG);
	x->level = level;
	x->text = t;
}

void svc_act_reply(struct svc_actions *a, int status, const char *fmt, ...)
{
	const char *t = NULL;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		t = keep_text(a, fmt, ap);
		va_end(ap);
	}
	struct svc_action *x = svc_act_push(a, SVC_DO_JOB_DONE);
	x->status = status;
	x->text = t;
}

void svc_act_timer(struct svc_actions *a, enum svc_action_type type, uint64_t ms)
{
	svc_act_push(a, type)->ms = ms;
}

void svc_act_poll(struct svc_actions *a, uint64_t ms, bool pidfile)
{
	struct svc_action *x = svc_act_push(a, SVC_DO_POLL);
	x->ms = ms;
	x->flag = pidfile;
}

void svc_act_ask(struct svc_actions *a, enum svc_action_type q)
{
	svc_act_push(a, q);
}

void svc_act_kill(struct svc_actions *a, enum svc_kill_who who, pid_t pid, int sig, bool cont)
{
	struct svc_action *x = svc_act_push(a, SVC_DO_KILL);
	x->who = who;
	x->pid = pid;
	x->sig = sig;
	x->cont = cont;
}

/* A stop's signal: the main process (SIGCONT first: a stopped one would never see it), a
 * control process, and the whole group when KillMode=control-group. */
void svc_act_stop_signal(const struct svc *s, struct svc_actions *a, int sig, bool whole_group)
{
	if (s->main_pid > 0)
		svc_act_kill(a, SVC_KILL_MAIN, s->main_pid, sig, true);
	if (s->ctl_pid > 0)
		svc_act_kill(a, SVC_KILL_CTL, s->ctl_pid, sig, false);
	if (whole_group)
		svc_act_kill(a, SVC_KILL_GROUP, 0, sig, false);
}
