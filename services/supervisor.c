/* The service table: one entry per service that was asked about, created on first use with
 * its definition read, read again when its files change, and recorded (svc_record.h) at
 * every change of what it shows. The rest of the supervisor is split by concern (svc.h). */
#include "supervisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "evloop.h"
#include "hub.h"
#include "log.h"
#include "svc.h"
#include "svc_machine.h"
#include "svc_record.h"

struct supervisor sup;

static void publish_running(void);

void supervisor_init(struct evloop *loop)
{
	sup.loop = loop;
	publish_running(); /* none yet: the host hears 0 until the boot's services start */
}

struct svc *svc_find(const char *name)
{
	for (struct svc *s = sup.services; s; s = s->next)
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

/* Only while the service is not running (callers see to it), so that a running service keeps
 * the definition it was started with, as systemd does. Its warnings are logged once per
 * change. */
void svc_load_definition(struct svc *s, bool force)
{
	unsigned long long stamp = svc_definition_stamp("", s->name);
	if (!force && s->stamp == stamp && s->stamp != 0)
		return;
	s->stamp = stamp ? stamp : 1;
	unit_free(&s->unit);
	s->kind = svc_resolve_unit("", s->name, &s->unit, s->unit_path, sizeof(s->unit_path), unit_warning, s);
}

struct svc *svc_get(const char *name)
{
	struct svc *s = svc_find(name);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	snprintf(s->name, sizeof(s->name), "%s", name);
	unit_init(&s->unit);
	s->state = SVC_DEAD;
	s->ctl_report = s->main_report = s->main_pidfd = s->events_fd = -1;
	s->backoff = (struct backoff)BACKOFF_INIT;
	svc_log_init(&s->log);
	s->since_ms = mono_ms();
	svc_load_definition(s, false);
	s->next = sup.services;
	sup.services = s;
	return s;
}

/* What a restarted supervisor reads back (svc_record.h); a service at rest has none. */
void svc_save_record(const struct svc *s)
{
	enum svc_shown shown = svc_shown(s);
	publish_running(); /* every change of state comes through here (SVC_DO_SAVE) */
	if (shown == SHOWN_INACTIVE) {
		svc_record_remove(s->name);
		return;
	}
	struct svc_record r = {
		.main_pid = s->main_pid, .main_ticks = s->main_pid > 0 ? svc_pid_ticks(s->main_pid) : 0,
		.since_ms = s->since_ms, .main_start_ms = s->main_start_ms, .restarts = s->restarts,
		.start_seq = s->start_seq,
	};
	snprintf(r.state, sizeof(r.state), "%s", svc_shown_sub(shown));
	snprintf(r.result, sizeof(r.result), "%s", s->result);
	snprintf(r.last_exit, sizeof(r.last_exit), "%s", s->last_exit);
	snprintf(r.status_text, sizeof(r.status_text), "%s", s->status_text);
	int e = svc_record_save(s->name, &r);
	if (e < 0)
		log_warn("services", "%s: cannot record its state in " SVC_RECORD_DIR ": %s; a supervisor restart "
			 "would lose it", s->name, strerror(-e));
}

/* How many services have a process of theirs running or on its way, published to the host
 * (hub stats "services.running"), whose vmIdleTimeout waits for none. A oneshot that has
 * exited is not running. Only the daemon's own supervisor publishes (supervisor_init). */
static void publish_running(void)
{
	static int published = -1;
	if (!sup.loop)
		return;
	int n = 0;
	for (const struct svc *s = sup.services; s; s = s->next) {
		enum svc_shown v = svc_shown(s);
		n += v == SHOWN_RUNNING || v == SHOWN_STARTING || v == SHOWN_RELOADING || v == SHOWN_STOPPING ||
		     v == SHOWN_AUTO_RESTART;
	}
	if (n == published)
		return;
	char text[32];
	snprintf(text, sizeof(text), "running=%d\n", n);
	if (hub_stats("services", text) == 0)
		published = n;
}

void svc_set_state(struct svc *s, svc_state_t st)
{
	log_debug("services", "trace %s set %s", s->name, svc_state_name(st));
	svc_state_set(s, st, mono_ms());
	svc_save_record(s);
}

void svc_unwatch(int *fd)
{
	if (*fd >= 0) {
		evloop_del_fd(sup.loop, *fd);
		close(*fd);
	}
	*fd = -1;
}

void svc_cancel(int *timer)
{
	if (*timer > 0)
		evloop_cancel_timer(sup.loop, *timer);
	*timer = 0;
}

void supervisor_free_request(struct sv_request *req)
{
	if (!req)
		return;
	svc_request_msg_free(&req->msg);
	for (int i = 0; i < 3; i++)
		if (req->fds[i] >= 0)
			close(req->fds[i]);
	free(req);
}
