/* sd_notify messages from the services (READY=1, STATUS=, MAINPID=, WATCHDOG=, ...): who may
 * speak is NotifyAccess=; readiness and the watchdog's trigger go to the state machine, the
 * rest is noted on the service's entry. */
#include "supervisor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "svc.h"
#include "svc_cgroup.h"
#include "svc_machine.h"
#include "parse.h"
#include "strtab.h"

static struct svc *sender_service(pid_t sender)
{
	for (struct svc *t = sup.services; t; t = t->next)
		if (t->main_pid == sender)
			return t;
	char name[SVC_NAME_MAX + 1];
	return svc_cgroup_of_pid(sender, name, sizeof(name)) == 0 ? svc_find(name) : NULL;
}

/* NotifyAccess=: main (Type=notify's default) hears only the main process, as systemd */
static bool may_notify(const struct svc *s, pid_t sender)
{
	static const char *const access_names[] = { [NOTIFY_UNSET] = "none", [NOTIFY_NONE] = "none",
						    [NOTIFY_MAIN] = "main", [NOTIFY_EXEC] = "exec", [NOTIFY_ALL] = "all" };
	enum unit_notify_access access = s->kind == SVC_UNIT ? s->unit.notify_access : NOTIFY_NONE;
	bool allowed = access == NOTIFY_ALL || (access != NOTIFY_NONE && sender == s->main_pid) ||
		       (access == NOTIFY_EXEC && sender == s->ctl_pid);
	if (!allowed)
		log_warn("services", "%s: a notify message from pid %d ignored: NotifyAccess=%s%s", s->name, (int)sender,
			 STRTAB_NAME(access_names, access), access == NOTIFY_MAIN ? " and it is not the main process" : "");
	return allowed;
}

static void main_pid_named(struct svc *s, const char *v)
{
	uint64_t p;
	char owner[SVC_NAME_MAX + 1];
	if (parse_uint(v, 10, INT32_MAX, &p) < 0)
		return;
	/* only a process of the service itself may be named its main process */
	if (p > 1 && (pid_t)p != s->main_pid &&
	    (svc_cgroup_of_pid((pid_t)p, owner, sizeof(owner)) == 0 ? !strcmp(owner, s->name) : !svc_cgroup_available())) {
		svc_unwatch(&s->main_pidfd);
		s->main_pid = (pid_t)p;
		svc_save_record(s);
	}
}

void supervisor_notify(pid_t sender, const char *msg, size_t len)
{
	struct svc *s = sender_service(sender);
	if (!s) {
		log_debug("services", "notify from pid %d, which belongs to no service: ignored", (int)sender);
		return;
	}
	if (!may_notify(s, sender))
		return;
	char buf[4097];
	len = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	char *save = NULL;
	for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "STATUS=", 7)) {
			snprintf(s->status_text, sizeof(s->status_text), "%s", line + 7);
		} else if (!strncmp(line, "MAINPID=", 8)) {
			main_pid_named(s, line + 8);
		} else if (!strcmp(line, "READY=1")) {
			svc_dispatch(s, (struct svc_event){ .type = SVC_EV_READY });
		} else if (!strcmp(line, "WATCHDOG=1")) {
			svc_arm_watchdog(s);
		} else if (!strcmp(line, "WATCHDOG=trigger")) {
			if (s->watchdog_ms && s->main_pid > 0) {
				svc_cancel(&s->watchdog_timer);
				svc_dispatch(s, (struct svc_event){ .type = SVC_EV_WATCHDOG });
			}
		} else if (!strncmp(line, "WATCHDOG_USEC=", 14)) {
			uint64_t us;
			if (parse_uint(line + 14, 10, UINT64_MAX, &us) == 0 && us >= 1000) {
				s->watchdog_ms = us / 1000;
				svc_arm_watchdog(s);
			}
		} else if (!strncmp(line, "EXTEND_TIMEOUT_USEC=", 20)) {
			/* a start or stop that needs longer says so; the timeout only ever moves later */
			uint64_t us;
			if (parse_uint(line + 20, 10, UINT64_MAX, &us) < 0)
				continue;
			uint64_t ms = us / 1000;
			enum svc_shown shown = svc_shown(s);
			bool timed = s->timer > 0 && (shown == SHOWN_STARTING || shown == SHOWN_STOPPING);
			if (timed && mono_ms() + ms > s->timer_deadline_ms)
				svc_arm_timeout(s, ms);
		} else if (!strcmp(line, "STOPPING=1")) {
			svc_log_note(&s->log, "%s says it is stopping", s->name);
		}
	}
}
