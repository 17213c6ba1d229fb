/* The state machine's test rig (machine_rig.h). */
#include "machine_rig.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unitfile.h"

static void no_warning(void *ctx, const char *file, unsigned line, const char *msg)
{
	(void)ctx;
	ck_abort_msg("%s:%u: %s", file, line, msg);
}

void rig_init(struct rig *r, const char *name, const char *unit_text)
{
	memset(r, 0, sizeof(*r));
	struct svc *s = &r->s;
	snprintf(s->name, sizeof(s->name), "%s", name);
	unit_init(&s->unit);
	if (unit_text) {
		unit_parse_text(&s->unit, "test.service", unit_text, strlen(unit_text), no_warning, NULL);
		unit_finish(&s->unit, name);
		ck_assert_msg(!s->unit.refused, "%s", s->unit.refused);
		s->kind = SVC_UNIT;
	} else {
		s->kind = SVC_INITD;
	}
	s->state = SVC_DEAD;
	s->ctl_report = s->main_report = s->main_pidfd = s->events_fd = -1;
	s->backoff = (struct backoff)BACKOFF_INIT;
	r->now = 1000000;
	s->since_ms = r->now;
}

void rig_free(struct rig *r)
{
	unit_free(&r->s.unit);
	free(r->req.msg.verb);
	r->req.msg.verb = NULL;
}

static int job_type_named(const char *t)
{
	static const char *const names[] = { "start", "stop", "restart", "try-restart", "reload", "script" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(names[i], t))
			return (int)i;
	ck_abort_msg("no job type %s", t);
	return -1;
}

static int event_named(const char *t)
{
	for (int i = 0; i < SVC_EV_COUNT; i++)
		if (!strcmp(svc_event_name((enum svc_event_type)i), t))
			return i;
	ck_abort_msg("no event %s", t);
	return -1;
}

/* "exit N", "signal N", "unknown" → a wait status */
static int wait_status(const char *how, const char *n)
{
	if (!strcmp(how, "unknown"))
		return SVC_WAIT_UNKNOWN;
	ck_assert_ptr_nonnull(n);
	return !strcmp(how, "exit") ? atoi(n) << 8 : atoi(n);
}

/* Turns one line into an event; words after the event name are its arguments. */
static struct svc_event parse_event(struct rig *r, char *line, char *text, size_t cap)
{
	char *save = NULL, *w[6] = { NULL };
	char *rest = strchr(line, ' ');
	snprintf(text, cap, "%s", rest ? rest + 1 : "");
	w[0] = strtok_r(line, " ", &save);
	for (int i = 1; i < 6 && w[i - 1]; i++)
		w[i] = strtok_r(NULL, " ", &save);
	struct svc_event ev = { .type = (enum svc_event_type)event_named(w[0]), .now_ms = r->now,
				.stopping_all = r->stopping_all };
	switch (ev.type) {
	case SVC_EV_PREPARED:
		/* "prepared", "prepared fail TEXT", "prepared unmet TEXT" */
		ev.unmet = w[1] && !strcmp(w[1], "unmet");
		ev.ok = !w[1] || ev.unmet;
		ev.text = w[1] ? text + strlen(w[1]) + 1 : NULL;
		break;
	case SVC_EV_SPAWNED:
		ev.pid = atoi(w[1]);
		for (int i = 2; w[i]; i++) {
			ev.main = ev.main || !strcmp(w[i], "main");
			ev.watched = ev.watched || !strcmp(w[i], "watched");
		}
		break;
	case SVC_EV_SCRIPT_STARTED:
		ev.pid = atoi(w[1]);
		break;
	case SVC_EV_SPAWN_FAILED:
	case SVC_EV_EXEC_REPORT:
		ev.text = text;
		break;
	case SVC_EV_MAIN_EXIT:
	case SVC_EV_CTL_EXIT: {
		ev.wstatus = wait_status(w[1], w[2]);
		/* "... report TEXT": what its report pipe said */
		char *rep = strstr(text, " report ");
		ev.text = rep ? rep + strlen(" report ") : NULL;
		break;
	}
	case SVC_EV_GROUP:
	case SVC_EV_REAPED:
		ck_assert(w[1] && (!strcmp(w[1], "alive") || !strcmp(w[1], "empty")));
		ev.alive = !strcmp(w[1], "alive");
		break;
	case SVC_EV_PIDFILE:
		if (!strcmp(w[1], "not-yet")) {
			ev.pidfile = SVC_PIDFILE_NOT_YET;
		} else if (!strcmp(w[1], "refused")) {
			ev.pidfile = SVC_PIDFILE_REFUSED;
			ev.text = text + strlen("refused ");
		} else {
			ev.pidfile = SVC_PIDFILE_FOUND;
			ev.pid = atoi(w[1]);
		}
		break;
	default:
		break;
	}
	return ev;
}

/* What svc_run.c does with the actions the test can see: a reply ends the job, a start gets
 * its number. */
static void apply(struct rig *r, const struct svc_actions *a)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct svc_action *x = &a->v[i];
		if (x->type == SVC_DO_JOB_DONE) {
			ck_assert_msg(r->s.jobs && r->s.job_running, "a reply with no job running");
			r->replies++;
			r->reply_status = x->status;
			snprintf(r->reply, sizeof(r->reply), "%s", x->text ? x->text : "");
			r->s.jobs = NULL;
			r->s.job_running = false;
		} else if (x->type == SVC_DO_NUMBER_START) {
			r->s.start_seq = ++r->seq;
		}
	}
}

static int state_named(const char *t)
{
	for (int i = 0; i < SVC_STATE_COUNT; i++)
		if (!strcmp(svc_state_name((svc_state_t)i), t))
			return i;
	ck_abort_msg("no state %s", t);
	return -1;
}

/* A line that is no event: "job TYPE [VERB]" (the job queue runs a job), "+MS" (time passes),
 * and, in recordings, "set STATE" (the job queue moved it) and "backoff-reset". */
bool context_line(struct rig *r, const char *line)
{
	if (line[0] == '+') {
		r->now += (uint64_t)atoll(line + 1);
		return true;
	}
	if (!strncmp(line, "set ", 4)) {
		svc_state_set(&r->s, (svc_state_t)state_named(line + 4), r->now);
		return true;
	}
	if (!strcmp(line, "backoff-reset")) {
		r->s.backoff = (struct backoff)BACKOFF_INIT;
		return true;
	}
	if (strncmp(line, "job ", 4))
		return false;
	char verb[32] = "", type[32];
	ck_assert_int_ge(sscanf(line + 4, "%31s %31s", type, verb), 1);
	r->job = (struct svc_job){ .type = (enum svc_job_type)job_type_named(type), .client = -1, .req = &r->req };
	free(r->req.msg.verb);
	r->req.msg.verb = strdup(verb[0] ? verb : type);
	r->s.jobs = &r->job;
	r->s.job_running = true;
	return true;
}

/* One event: the state after it and the actions it asked for must be these. */
void run_step(struct rig *r, const char *event, const char *want_state, const char *want_actions,
		     const char *where)
{
	char line[512], text[512];
	snprintf(line, sizeof(line), "%s", event);
	struct svc_event ev = parse_event(r, line, text, sizeof(text));
	struct svc_actions a;
	svc_actions_init(&a);
	svc_state_t was = r->s.state;
	svc_machine_step(&r->s, &ev, &a);
	char got[2048];
	svc_actions_format(&a, got, sizeof(got));
	ck_assert_msg(!a.broken, "%s (%s in %s): the action list is broken: %s", where, event, svc_state_name(was), got);
	ck_assert_msg(!strcmp(svc_state_name(r->s.state), want_state), "%s (%s in %s): state %s, want %s", where, event,
		      svc_state_name(was), svc_state_name(r->s.state), want_state);
	ck_assert_msg(!strcmp(got, want_actions), "%s (%s in %s): actions\n  got  \"%s\"\n  want \"%s\"", where, event,
		      svc_state_name(was), got, want_actions);
	apply(r, &a);
}

void play(struct rig *r, const struct step *steps)
{
	for (int i = 0; steps[i].event; i++) {
		if (context_line(r, steps[i].event))
			continue;
		char where[32];
		snprintf(where, sizeof(where), "step %d", i);
		run_step(r, steps[i].event, steps[i].state, steps[i].actions, where);
	}
}
