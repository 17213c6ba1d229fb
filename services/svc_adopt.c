/* After a restart of the supervisor: the log pipes come back from PID 1's fd store and the
 * services from their records (svc_record.h). Processes the previous supervisor left are
 * PID 1's children now: their ends come as a pidfd turning readable (the main process) and as
 * cgroup.events changing (the group). */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "evloop.h"
#include "fdstore.h"
#include "log.h"
#include "svc.h"
#include "svc_cgroup.h"
#include "svc_exec.h"
#include "svc_machine.h"
#include "svc_record.h"

static void on_adopted_main(struct evloop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)fd;
	(void)events;
	struct svc *s = data;
	svc_unwatch(&s->main_pidfd);
	if (s->main_pid > 0)
		svc_main_exited(s, SVC_WAIT_UNKNOWN);
}

static void on_group_events(struct evloop *l, int fd, uint32_t events, void *data)
{
	(void)l;
	(void)events;
	(void)data;
	char buf[128];
	(void)!pread(fd, buf, sizeof(buf), 0); /* reading re-arms the notification */
	supervisor_check_groups();
}

static void watch_adopted(struct svc *s)
{
	if (s->main_pid > 0) {
		int fd = (int)syscall(SYS_pidfd_open, s->main_pid, 0);
		if (fd < 0 || evloop_add_fd(sup.loop, fd, EPOLLIN, on_adopted_main, s) < 0) {
			log_warn("services", "%s: cannot watch its main process %d (%s); its end will go unseen", s->name,
				 (int)s->main_pid, strerror(fd < 0 ? errno : EINVAL));
			if (fd >= 0)
				close(fd);
		} else {
			s->main_pidfd = fd;
		}
	}
	char p[PATH_MAX];
	snprintf(p, sizeof(p), SVC_CGROUP_ROOT "/" SVC_CGROUP_DIR "/%s/cgroup.events", s->name);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && evloop_add_fd(sup.loop, fd, EPOLLPRI, on_group_events, s) == 0)
		s->events_fd = fd;
	else if (fd >= 0)
		close(fd);
}

/* The machine's state a record's sub state stands for; the start or stop under way when the
 * old supervisor went away is taken up again below. */
static svc_state_t state_of_record(const char *sub)
{
	static const svc_state_t of_shown[SHOWN_COUNT] = {
		[SHOWN_INACTIVE] = SVC_DEAD, [SHOWN_STARTING] = SVC_START, [SHOWN_RUNNING] = SVC_RUNNING,
		[SHOWN_EXITED] = SVC_EXITED, [SHOWN_RELOADING] = SVC_RELOAD, [SHOWN_STOPPING] = SVC_STOP,
		[SHOWN_FAILED] = SVC_FAILED, [SHOWN_AUTO_RESTART] = SVC_AUTO_RESTART,
	};
	int v = svc_shown_of_sub(sub);
	return v < 0 ? SVC_DEAD : of_shown[v];
}

/* Takes a service back from its record: what runs is running again, what ended while nobody
 * watched ends now (Restart= decides, with an unknown exit status counting as a failure),
 * a stop that was under way is done again, a pending restart happens. */
static void adopt(void *ctx, const char *name)
{
	(void)ctx;
	struct svc_record r;
	struct svc *s = svc_get(name);
	if (!s || svc_record_load(name, &r) < 0) {
		log_warn("services", "%s: its record in " SVC_RECORD_DIR " cannot be read; it is not adopted", name);
		return;
	}
	svc_state_t was = state_of_record(r.state);
	s->restarts = r.restarts;
	s->start_seq = r.start_seq;
	if (r.start_seq > sup.start_seq)
		sup.start_seq = r.start_seq;
	s->since_ms = r.since_ms;
	s->main_start_ms = r.main_start_ms;
	snprintf(s->result, sizeof(s->result), "%s", r.result);
	snprintf(s->last_exit, sizeof(s->last_exit), "%s", r.last_exit);
	snprintf(s->status_text, sizeof(s->status_text), "%s", r.status_text);
	s->state = was;
	if (was == SVC_DEAD || was == SVC_FAILED || s->kind == SVC_INITD) {
		/* an init.d service is its script's business; its record keeps the shutdown order */
		if (s->kind == SVC_INITD && was != SVC_RUNNING)
			s->state = SVC_DEAD;
		svc_save_record(s);
		return;
	}
	if (s->kind != SVC_UNIT) {
		log_warn("services", "%s: its unit is gone; what it left runs unsupervised", name);
		s->state = SVC_DEAD;
		svc_save_record(s);
		return;
	}
	char err[256];
	s->env = svc_exec_environment(&s->unit, NULL, err, sizeof(err));
	pid_t one;
	bool group = svc_cgroup_pids(name, &one, 1) > 0;
	bool main_alive = r.main_pid > 0 && svc_pid_is_ours(s, r.main_pid) && svc_pid_ticks(r.main_pid) == r.main_ticks;
	s->main_pid = main_alive ? r.main_pid : 0;
	watch_adopted(s);
	switch (was) {
	case SVC_EXITED:
		break;
	case SVC_AUTO_RESTART:
		svc_arm_restart(s, 1);
		break;
	case SVC_STOP:
		s->state = SVC_RUNNING;
		svc_dispatch(s, (struct svc_event){ .type = SVC_EV_STOP });
		break;
	default:
		/* running, reloading, or a start the old supervisor did not finish */
		s->state = SVC_RUNNING;
		if (main_alive || (r.main_pid == 0 && group && was != SVC_START)) {
			svc_save_record(s);
			s->watchdog_ms = s->unit.watchdog_ms;
			svc_arm_watchdog(s);
			break;
		}
		log_info("services", "%s: its main process ended while the supervisor was away", name);
		svc_main_exited(s, SVC_WAIT_UNKNOWN);
		break;
	}
	log_info("services", "%s: adopted (%s%s)", name, svc_shown_sub(svc_shown(s)),
		 s->main_pid > 0 ? ", main process" : "");
}

struct kept_log {
	char name[SVC_NAME_MAX + 1];
	int fds[2];
};

struct kept_logs {
	struct kept_log *v;
	size_t n;
};

static void collect_log(void *ctx, const char *name, int *fds, size_t nfds)
{
	struct kept_logs *k = ctx;
	const char *why;
	struct kept_log *nv = nfds == 2 && svc_name_check(name, &why) == 0 ? realloc(k->v, (k->n + 1) * sizeof(*nv)) : NULL;
	if (!nv) {
		for (size_t i = 0; i < nfds; i++)
			close(fds[i]);
		return;
	}
	k->v = nv;
	snprintf(nv[k->n].name, sizeof(nv[k->n].name), "%s", name);
	nv[k->n].fds[0] = fds[0];
	nv[k->n].fds[1] = fds[1];
	k->n++;
}

void supervisor_adopt(const struct fdstore *store)
{
	/* the log pipes first, so that an adopted service that ends at once has its log */
	struct kept_logs kept = { 0 };
	int n = fdstore_take_all(store, collect_log, &kept);
	if (n < 0 && n != -ENOTCONN)
		log_warn("services", "cannot take the log pipes back from PID 1's store: %s", strerror(-n));
	for (size_t i = 0; i < kept.n; i++) {
		struct kept_log *k = &kept.v[i];
		struct svc *s = svc_get(k->name);
		if (!s || s->log.pipe_w >= 0 ||
		    svc_log_adopt(&s->log, sup.loop, k->name, SVC_LOG_MAX_BYTES, k->fds[0], k->fds[1]) < 0) {
			close(k->fds[0]);
			close(k->fds[1]);
			continue;
		}
		/* back into the store, for the next restart */
		fdstore_put(store, k->name, k->fds, 2);
	}
	free(kept.v);
	int adopted = svc_record_each(adopt, NULL);
	if (adopted > 0 || kept.n > 0)
		log_info("services", "restarted: %d services and %zu log pipes taken back", adopted, kept.n);
}
