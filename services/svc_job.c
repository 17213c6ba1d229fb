/* The per-service job queue: jobs run one at a time per service (two starts at once start one
 * daemon; a start during a stop waits its turn; a restart is a stop then a start in one job),
 * and what a job brings along: the dependencies of a start, those that need a stopped service,
 * an init.d script's run, the boot's own requests and the shutdown's stops in reverse order. */
#include "supervisor.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "strtab.h"
#include "svc.h"
#include "svc_exec.h"
#include "svc_machine.h"

static void job_run(struct svc *s);

static const char *const job_names[] = { [JOB_START] = "start", [JOB_STOP] = "stop", [JOB_RESTART] = "restart",
					 [JOB_TRY_RESTART] = "try-restart", [JOB_RELOAD] = "reload",
					 [JOB_SCRIPT] = "script" };

void svc_job_done(struct svc *s, int status, const char *err)
{
	struct svc_job *j = s->jobs;
	if (!j)
		return;
	s->jobs = j->next;
	s->job_running = false;
	svc_reply(j->client, status, NULL, err);
	if (j->done)
		j->done(j->done_ctx, status);
	supervisor_free_request(j->req);
	free(j);
	if (s->jobs)
		job_run(s);
	else if (sup.stopping_all)
		supervisor_stop_all(sup.stop_all_done);
}

void svc_job_enqueue(struct svc *s, enum svc_job_type type, int client, struct sv_request *req,
		     void (*done)(void *ctx, int status), void *ctx)
{
	struct svc_job *j = calloc(1, sizeof(*j));
	if (!j) {
		svc_reply(client, 1, NULL, "out of memory");
		supervisor_free_request(req);
		if (done)
			done(ctx, 1);
		return;
	}
	*j = (struct svc_job){ .type = type, .client = client, .req = req, .done = done, .done_ctx = ctx };
	struct svc_job **tail = &s->jobs;
	while (*tail)
		tail = &(*tail)->next;
	*tail = j;
	if (!s->job_running)
		job_run(s);
}

/* force-reload without ExecReload= restarts, as Debian's service does under systemd. */
bool svc_unit_job(const struct svc *s, const char *verb, enum svc_job_type *t)
{
	static const struct { const char *verb; enum svc_job_type type; } map[] = {
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

/* ---- init.d scripts --------------------------------------------------------------------- */

static void run_script(struct svc *s, struct svc_job *j)
{
	struct sv_request *r = j->req;
	char path[PATH_MAX];
	snprintf(path, sizeof(path), INITD_DIR "/%s", s->name);
	char *argv[SVC_MSG_MAX_ARGS + 3] = { path, r->msg.verb };
	size_t n = 2;
	for (char **a = r->msg.args; *a && n < ARRAY_SIZE(argv) - 1; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	svc_create_group(s);
	/* exactly the caller's kept variables, as Debian's service gives them: the init-functions
	 * hook needs no mark here, `service` answers it 100 (not a unit) and the script goes on */
	struct svc_exec e = { .name = s->name, .argv = argv, .envp = r->msg.env,
			      .fds = { r->fds[0], r->fds[1], r->fds[2] } };
	char err[256];
	pid_t pid = svc_exec_spawn(&e, &s->ctl_report, err, sizeof(err));
	for (int i = 0; i < 3; i++)
		if (r->fds[i] >= 0) {
			close(r->fds[i]);
			r->fds[i] = -1;
		}
	if (pid < 0) {
		svc_job_done(s, 1, err);
		return;
	}
	svc_dispatch(s, (struct svc_event){ .type = SVC_EV_SCRIPT_STARTED, .pid = pid });
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
	if (s->state != SVC_WAIT_DEPS || s->deps_pending > 0)
		return;
	if (s->dep_failed[0])
		svc_dispatch(s, (struct svc_event){ .type = SVC_EV_DEPS_FAILED });
	else
		svc_start(s);
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
	if (s->state != SVC_AUTO_RESTART)
		svc_load_definition(s, false);
	if (s->kind != SVC_UNIT) {
		svc_start(s);
		return;
	}
	svc_set_state(s, SVC_WAIT_DEPS);
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
			struct svc *d = svc_get(name);
			if (!d || d->kind == SVC_NONE) {
				if (required && !s->dep_failed[0])
					snprintf(s->dep_failed, sizeof(s->dep_failed), "%s (no such service)", name);
				continue;
			}
			if (svc_is_active(d) || d->state == SVC_WAIT_DEPS)
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
			svc_job_enqueue(d, JOB_START, -1, NULL, dep_done, w);
		}
	deps_settled(s);
}

/* A service stopped by hand takes those that require it or are bound to it along; one that
 * ended by itself, those bound to it. */
void svc_stop_dependents(struct svc *s, bool manual)
{
	for (struct svc *t = sup.services; t; t = t->next) {
		if (t == s || t->kind != SVC_UNIT || !(svc_is_active(t) || svc_is_starting(t)))
			continue;
		if (strv_has_unit(&t->unit.binds_to, s->name) || (manual && strv_has_unit(&t->unit.requires, s->name))) {
			log_info("services", "%s: stopping it too, as it %s %s", t->name,
				 strv_has_unit(&t->unit.binds_to, s->name) ? "is bound to" : "requires", s->name);
			svc_job_enqueue(t, JOB_STOP, -1, NULL, NULL, NULL);
		}
	}
}

/* ---- running a job ------------------------------------------------------------------------ */

static void trace_backoff_reset(struct svc *s)
{
	s->backoff = (struct backoff)BACKOFF_INIT;
	log_debug("services", "trace %s backoff-reset", s->name);
}

/* A pending automatic restart gives way to what was asked. */
static void drop_auto_restart(struct svc *s)
{
	if (s->state == SVC_AUTO_RESTART) {
		svc_cancel(&s->restart_timer);
		svc_set_state(s, SVC_DEAD);
	}
}

static void job_run(struct svc *s)
{
	struct svc_job *j = s->jobs;
	if (!j || s->job_running)
		return;
	s->job_running = true;
	/* what the machine's steps that follow are done for (tests/unit/services/recorded/) */
	log_debug("services", "trace %s job %s %s", s->name, STRTAB_NAME(job_names, j->type),
		  j->req && j->req->msg.verb ? j->req->msg.verb : "");
	char msg[1400];
	switch (j->type) {
	case JOB_SCRIPT:
		run_script(s, j);
		return;
	case JOB_START:
		if (svc_is_active(s) || svc_is_starting(s)) {
			svc_job_done(s, 0, NULL);
			return;
		}
		trace_backoff_reset(s);
		start_with_deps(s);
		return;
	case JOB_STOP:
		drop_auto_restart(s);
		if (!svc_is_active(s) && !svc_is_starting(s)) {
			svc_job_done(s, 0, NULL);
			return;
		}
		svc_dispatch(s, (struct svc_event){ .type = SVC_EV_STOP });
		return;
	case JOB_TRY_RESTART:
		if (!svc_is_active(s)) {
			svc_job_done(s, 0, NULL);
			return;
		}
		/* fall through */
	case JOB_RESTART:
		drop_auto_restart(s);
		if (svc_is_active(s)) {
			svc_dispatch(s, (struct svc_event){ .type = SVC_EV_STOP });
		} else {
			j->second_half = true;
			trace_backoff_reset(s);
			start_with_deps(s);
		}
		return;
	case JOB_RELOAD:
		if (!svc_is_active(s)) {
			snprintf(msg, sizeof(msg), "%s is not running, so it cannot be reloaded", s->name);
			svc_job_done(s, 7, msg);
			return;
		}
		if (s->unit.reload.n == 0) {
			snprintf(msg, sizeof(msg), "%s cannot be reloaded: its unit has no ExecReload=", s->name);
			svc_job_done(s, 3, msg);
			return;
		}
		svc_dispatch(s, (struct svc_event){ .type = SVC_EV_RELOAD });
		return;
	}
}

/* ---- boot and shutdown ------------------------------------------------------------------ */

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
	r->msg.verb = strdup(verb);
	r->msg.name = strdup(name);
	r->msg.env[0] = strdup("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	r->msg.nenv = 1;
	if (!r->msg.verb || !r->msg.name || !r->msg.env[0]) {
		supervisor_free_request(r);
		return NULL;
	}
	return r;
}

void supervisor_stop_all(void (*done)(void))
{
	sup.stopping_all = true;
	sup.stop_all_done = done;
	/* the most recently started first; one at a time keeps the reverse order */
	struct svc *last = NULL;
	for (struct svc *s = sup.services; s; s = s->next) {
		svc_cancel(&s->restart_timer);
		if (s->state == SVC_AUTO_RESTART)
			svc_set_state(s, SVC_DEAD);
		if (s->job_running)
			return; /* svc_job_done calls us again */
		if ((svc_is_active(s) || svc_is_starting(s)) && (!last || s->start_seq > last->start_seq))
			last = s;
	}
	if (last && last->kind == SVC_INITD) {
		struct sv_request *r = internal_request("stop", last->name);
		if (r) {
			svc_job_enqueue(last, JOB_SCRIPT, -1, r, NULL, NULL);
			return;
		}
		svc_set_state(last, SVC_DEAD); /* cannot run its stop: PID 1's final TERM/KILL takes it */
		supervisor_stop_all(done);
		return;
	}
	if (last) {
		svc_job_enqueue(last, JOB_STOP, -1, NULL, NULL, NULL);
		return;
	}
	if (sup.stop_all_done) {
		void (*f)(void) = sup.stop_all_done;
		sup.stop_all_done = NULL;
		f();
	}
}

void supervisor_submit(const char *name, const char *verb, void (*done)(void *ctx, int status), void *ctx)
{
	struct svc *s = svc_get(name);
	struct sv_request *r = s ? internal_request(verb, name) : NULL;
	if (!r || s->kind == SVC_NONE) {
		supervisor_free_request(r);
		done(ctx, 1);
		return;
	}
	enum svc_job_type t;
	if (s->kind != SVC_UNIT || !svc_unit_job(s, verb, &t))
		t = JOB_SCRIPT;
	svc_job_enqueue(s, t, -1, r, done, ctx);
}
