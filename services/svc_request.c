/* The supervisor's requests (`service`, `systemctl`, over svc_msg.h): a table of verbs, each
 * with who may ask it and what it does, in the way of crun's commands[]. What is checked, in
 * order: the verbs about the supervisor itself, the service name, root for a change, the
 * service's definition, then the verb; a verb not in the table is an init.d script's own. */
#include "supervisor.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cleanup.h"
#include "log.h"
#include "strtab.h"
#include "svc.h"
#include "svc_machine.h"

void svc_reply(int client, int status, const char *out, const char *err)
{
	if (client < 0)
		return;
	struct proto_buf b;
	proto_buf_init(&b);
	svc_encode_reply(&b, (uint32_t)status, out, err);
	if (b.error == 0)
		send(client, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	proto_buf_free(&b);
	close(client);
}

/* A reply that ends the request here. */
static void answer(int client, struct sv_request *req, int status, const char *out, const char *err)
{
	svc_reply(client, status, out, err);
	supervisor_free_request(req);
}

static void __attribute__((format(printf, 4, 5))) refuse(int client, struct sv_request *req, int status,
							 const char *fmt, ...)
{
	char msg[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	answer(client, req, status, NULL, msg);
}

enum {
	VERB_SUPERVISOR = 1 << 0, /* about the supervisor, not a service: no name */
	VERB_CHANGE = 1 << 1,     /* changes a service: root only, asked before the service is looked at */
	VERB_ROOT = 1 << 2,       /* root only */
	VERB_STATUS = 1 << 3,     /* an unknown service is LSB status 4, not 1 */
};

typedef void (*verb_fn)(int client, struct sv_request *req, struct svc *s);

static void verb_list(int client, struct sv_request *req, struct svc *s)
{
	(void)s;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (f) {
		svc_list(f);
		fclose(f);
	}
	answer(client, req, 0, text, NULL);
	free(text);
}

static void verb_daemon_reload(int client, struct sv_request *req, struct svc *s)
{
	(void)s;
	for (struct svc *t = sup.services; t; t = t->next)
		if (!svc_is_active(t) && !t->job_running && !svc_is_starting(t) && svc_shown(t) != SHOWN_STOPPING)
			svc_load_definition(t, true);
	answer(client, req, 0, NULL, NULL);
}

/* The supervisor's log level (systemd's log-level verb): anyone may ask, root may set it;
 * debug logs each step of the state machine ("trace NAME ..."). */
static void verb_log_level(int client, struct sv_request *req, struct svc *s)
{
	(void)s;
	static const char *const names[] = { [LOG_LVL_ERR] = "err", [LOG_LVL_WARN] = "warning",
					     [LOG_LVL_INFO] = "info", [LOG_LVL_DEBUG] = "debug" };
	const char *want = req->msg.name;
	if (!want || !*want) {
		char text[16];
		snprintf(text, sizeof(text), "%s\n", STRTAB_NAME(names, log_get_level()));
		answer(client, req, 0, text, NULL);
		return;
	}
	enum log_level level;
	if (log_level_parse(want, &level) < 0) {
		refuse(client, req, 2, "log-level: '%.64s' is none of err, warning, info, debug", want);
		return;
	}
	if (!req->privileged) {
		refuse(client, req, 4, "log-level: only root may set it");
		return;
	}
	log_set_level(level);
	log_info("services", "log level %s", STRTAB_NAME(names, level));
	answer(client, req, 0, NULL, NULL);
}

/* status, is-active, is-failed: the unit's; an init.d service's status is its script's own,
 * which the command runs. */
static void verb_status(int client, struct sv_request *req, struct svc *s)
{
	const char *verb = req->msg.verb;
	if (s->kind == SVC_INITD) {
		refuse(client, req, 4, "%s is an init.d script: its status is " INITD_DIR "/%s status", s->name, s->name);
		return;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	int code = svc_status_code(s);
	if (f) {
		const char *active = svc_shown_active(svc_shown(s));
		if (!strcmp(verb, "status")) {
			svc_status_text(s, f);
		} else if (!strcmp(verb, "is-active")) {
			fprintf(f, "%s\n", active);
		} else {
			fprintf(f, "%s\n", active);
			code = svc_shown(s) == SHOWN_FAILED ? 0 : 1;
		}
		fclose(f);
	}
	answer(client, req, code, text, NULL);
	free(text);
}

static void verb_reset_failed(int client, struct sv_request *req, struct svc *s)
{
	s->nstarts = 0;
	if (s->state == SVC_FAILED)
		svc_set_state(s, SVC_DEAD);
	s->result[0] = '\0';
	answer(client, req, 0, NULL, NULL);
}

/* start, stop, restart...: a unit's job, or the init.d script's verb. */
static void verb_job(int client, struct sv_request *req, struct svc *s)
{
	enum svc_job_type t;
	if (s->kind == SVC_INITD || !svc_unit_job(s, req->msg.verb, &t))
		t = JOB_SCRIPT;
	svc_job_enqueue(s, t, client, req, NULL, NULL);
}

/* A verb of the script's own (nginx's configtest, rotate, upgrade): the script runs it. */
static void verb_script(int client, struct sv_request *req, struct svc *s)
{
	if (s->kind == SVC_INITD || svc_has_initd("", s->name)) {
		svc_job_enqueue(s, JOB_SCRIPT, client, req, NULL, NULL);
		return;
	}
	refuse(client, req, 3, "%s: its unit has no action '%s' (there are start, stop, restart, reload, "
	       "force-reload, try-restart, status)", s->name, req->msg.verb);
}

static const struct svc_verb {
	const char *name;
	unsigned flags;
	verb_fn run;
} verbs[] = {
	{ "list", VERB_SUPERVISOR, verb_list },
	{ "daemon-reload", VERB_SUPERVISOR | VERB_ROOT, verb_daemon_reload },
	{ "log-level", VERB_SUPERVISOR, verb_log_level },
	{ "status", VERB_STATUS, verb_status },
	{ "is-active", VERB_STATUS, verb_status },
	{ "is-failed", 0, verb_status },
	{ "reset-failed", VERB_CHANGE, verb_reset_failed },
	{ "start", VERB_CHANGE | VERB_ROOT, verb_job },
	{ "stop", VERB_CHANGE | VERB_ROOT, verb_job },
	{ "force-stop", VERB_CHANGE | VERB_ROOT, verb_job },
	{ "restart", VERB_CHANGE | VERB_ROOT, verb_job },
	{ "try-restart", VERB_CHANGE | VERB_ROOT, verb_job },
	{ "condrestart", VERB_CHANGE | VERB_ROOT, verb_job },
	{ "reload", VERB_CHANGE | VERB_ROOT, verb_job },
	{ "force-reload", VERB_CHANGE | VERB_ROOT, verb_job },
};

/* anything else runs a script's verb as root */
static const struct svc_verb script_verb = { NULL, VERB_ROOT, verb_script };

static const struct svc_verb *verb_named(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(verbs); i++)
		if (!strcmp(verbs[i].name, name))
			return &verbs[i];
	return &script_verb;
}

void supervisor_request(int client, struct sv_request *req)
{
	const char *verb = req->msg.verb;
	const struct svc_verb *v = verb_named(verb);
	if (v->flags & VERB_SUPERVISOR) {
		if ((v->flags & VERB_ROOT) && !req->privileged)
			refuse(client, req, 4, "%s: only root may do that", verb);
		else
			v->run(client, req, NULL);
		return;
	}
	char *name = req->msg.name;
	const char *why = NULL;
	if (!name || svc_name_check(name, &why) < 0) {
		refuse(client, req, 2, "invalid service name: %s", why ? why : "none given");
		return;
	}
	svc_name_strip(name);
	if ((v->flags & VERB_CHANGE) && !req->privileged) {
		refuse(client, req, 4, "%s %s: only root may start, stop or reload services (try sudo)", name, verb);
		return;
	}
	struct svc *s = svc_find(name);
	if (s && !s->job_running && (s->state == SVC_DEAD || s->state == SVC_FAILED))
		svc_load_definition(s, false); /* an idle service picks up an edited or new definition */
	else if (!s)
		s = svc_get(name);
	if (!s) {
		answer(client, req, 1, NULL, "out of memory");
		return;
	}
	if (s->kind == SVC_NONE && s->state == SVC_DEAD) {
		refuse(client, req, (v->flags & VERB_STATUS) ? 4 : 1, "%s: unrecognized service", name);
		return;
	}
	if ((v->flags & VERB_ROOT) && !req->privileged) {
		refuse(client, req, 4, "%s %s: only root may do that (try sudo)", name, verb);
		return;
	}
	v->run(client, req, s);
}
