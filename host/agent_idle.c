/* The agent's idle shutdown (see agent_idle.h). */
#include "agent_idle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "agent_internal.h"
#include "clock.h"
#include "evloop.h"
#include "log.h"
#include "procstat.h"

#define IDLE_TICK_MS 1000

static struct {
	struct evloop *loop;
	unsigned timeout_ms;
	unsigned sessions;   /* clients whose sessions are open */
	uint64_t idle_since; /* mono ms; 0: busy */
	bool asked;          /* the poweroff is on its way */
} idle;

/* The value of "key=" at a line's start in stats, or NULL. */
static const char *value_of(const char *stats, const char *key)
{
	size_t k = strlen(key);
	for (const char *l = stats; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, key, k) && l[k] == '=')
			return l + k + 1;
	return NULL;
}

bool agent_idle_in(const char *stats)
{
	const char *v = value_of(stats, "services.running");
	return v && v[0] == '0' && (v[1] == '\n' || v[1] == '\0');
}

static void on_client_end(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)events;
	(void)data;
	evloop_del_fd(loop, fd);
	close(fd);
	if (idle.sessions > 0)
		idle.sessions--;
}

void agent_idle_session(int cli_fd)
{
	if (!idle.timeout_ms)
		return;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(cli_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.pid <= 0)
		return;
	int pidfd = proc_pidfd(cred.pid);
	if (pidfd < 0)
		return; /* it has ended already */
	if (evloop_add_fd(idle.loop, pidfd, EPOLLIN, on_client_end, NULL) < 0) {
		close(pidfd);
		return;
	}
	idle.sessions++;
}

static void tick(struct evloop *loop, void *data)
{
	(void)data;
	uint64_t now = mono_ms();
	if (!ag.ready || !ag.control || idle.sessions || !agent_idle_in(ag.stats)) {
		idle.idle_since = 0;
		idle.asked = false;
	} else if (!idle.idle_since) {
		idle.idle_since = now;
	} else if (!idle.asked && now - idle.idle_since >= idle.timeout_ms) {
		log_info("agent", "no session and no service for %u ms (vmIdleTimeout): powering the VM off",
			 idle.timeout_ms);
		int r = agent_ask_power(0);
		if (r < 0)
			log_warn("agent", "vmIdleTimeout: cannot ask the guest to power off: %s", strerror(-r));
		idle.asked = r == 0;
	}
	evloop_add_timer(loop, IDLE_TICK_MS, tick, NULL);
}

void agent_idle_start(struct evloop *loop, unsigned timeout_ms)
{
	idle.loop = loop;
	idle.timeout_ms = timeout_ms;
	evloop_add_timer(loop, IDLE_TICK_MS, tick, NULL);
	log_info("agent", "vmIdleTimeout %u ms: the VM powers off once it has had no session and no service that long",
		 timeout_ms);
}
