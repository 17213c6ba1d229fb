/* Word from the kernel when a TCP socket starts or stops listening, so that the listeners are
 * listed then and not on a timer (a sock_diag dump every 100 ms costs ~3% of a core under
 * TCG; the goal for an idle watcher is 0.1%). It is the tracepoint sock:inet_sock_set_state
 * as a perf event on each CPU, filtered in the kernel to TCP sockets entering or leaving
 * LISTEN, each with a small ring whose wakeup makes its fd readable. No BPF: the tracepoint's
 * own filter does the choosing. Needs root in the machine's user namespace (CAP_PERFMON) and
 * tracefs (mounted at /sys/kernel/tracing when it is not yet); without them the daemon
 * lists on a timer. The tracepoint sees every network namespace: a wakeup means "list
 * again", never more. */
#ifndef GUESTINIT_PORTFWD_LISTENWATCH_H
#define GUESTINIT_PORTFWD_LISTENWATCH_H

#include <stddef.h>

#define LISTENWATCH_MAX_CPUS 256

struct listenwatch {
	int fd[LISTENWATCH_MAX_CPUS];
	void *ring[LISTENWATCH_MAX_CPUS];
	size_t n, ring_len;
};

/* One event per online CPU: 0, or -errno with *why naming the step that failed. */
int listenwatch_open(struct listenwatch *w, const char **why);
/* What fd i has gathered is dropped (its wakeup is all that counts). */
void listenwatch_clear(struct listenwatch *w, size_t i);
void listenwatch_close(struct listenwatch *w);

#endif
