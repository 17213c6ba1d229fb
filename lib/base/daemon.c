/* The internal daemons' common start (see daemon.h). */
#include "daemon.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "log.h"

int daemon_setup(const char *ident, const char *comm, const int *signals, ev_signal_cb cb, void *data,
		 struct evloop **loop)
{
	log_init(ident);
	if (comm)
		prctl(PR_SET_NAME, comm);
	signal(SIGPIPE, SIG_IGN);
	int r = evloop_new(loop);
	if (r < 0) {
		log_err(NULL, "event loop: %s", strerror(-r));
		return r;
	}
	sigset_t set;
	sigemptyset(&set);
	for (const int *s = signals; s && *s; s++)
		sigaddset(&set, *s);
	if ((r = evloop_set_signals(*loop, &set, cb, data)) < 0) {
		log_err(NULL, "signals: %s", strerror(-r));
		evloop_free(*loop);
		*loop = NULL;
		return r;
	}
	return 0;
}
