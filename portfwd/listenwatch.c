/* The listen tracepoint watch (see listenwatch.h). */
#include "listenwatch.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "readfile.h"

#define EVENT "events/sock/inet_sock_set_state/id"
/* TCP (IPPROTO_TCP 6) into TCP_LISTEN (10), or out of it into TCP_CLOSE (7): a listener that
 * starts or stops. Not LISTEN → SYN_RECV: that is each connection a listener accepts (its
 * child socket starts as a copy of the listener), which would wake us for every client. */
#define FILTER "protocol == 6 && (newstate == 10 || (oldstate == 10 && newstate == 7))"

static long tracepoint_id(const char **why)
{
	static const char *const roots[] = { "/sys/kernel/tracing/", "/sys/kernel/debug/tracing/" };
	char path[128];
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
			snprintf(path, sizeof(path), "%s%s", roots[i], EVENT);
			char *text = NULL;
			if (read_file(path, 64, &text, NULL) == 0) {
				long id = strtol(text, NULL, 10);
				free(text);
				return id;
			}
		}
		/* tracefs not mounted yet (systemd would mount it): at its own place, once */
		if (pass == 0 && mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			*why = "tracefs (the tracepoint's id)";
			return -errno;
		}
	}
	*why = "the tracepoint sock:inet_sock_set_state";
	return -ENOENT;
}

int listenwatch_open(struct listenwatch *w, const char **why)
{
	memset(w, 0, sizeof(*w));
	long id = tracepoint_id(why);
	if (id < 0)
		return (int)id;
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	if (cpus < 1)
		cpus = 1;
	if (cpus > LISTENWATCH_MAX_CPUS)
		cpus = LISTENWATCH_MAX_CPUS;
	long page = sysconf(_SC_PAGESIZE);
	w->ring_len = (size_t)page * 2; /* the control page and one page of records */
	int err = 0;
	for (long cpu = 0; cpu < cpus; cpu++) {
		struct perf_event_attr a = {
			.type = PERF_TYPE_TRACEPOINT,
			.size = sizeof(a),
			.config = (unsigned long long)id,
			.sample_period = 1,
			.wakeup_events = 1,
		};
		int fd = (int)syscall(SYS_perf_event_open, &a, -1, (int)cpu, -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0) {
			if (errno == ENODEV || errno == EINVAL)
				continue; /* an offline CPU */
			err = -errno;
			*why = "perf_event_open of the tracepoint";
			break;
		}
		if (ioctl(fd, PERF_EVENT_IOC_SET_FILTER, FILTER) < 0) {
			err = -errno;
			*why = "the tracepoint's filter";
			close(fd);
			break;
		}
		void *ring = mmap(NULL, w->ring_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (ring == MAP_FAILED) {
			err = -errno;
			*why = "the event's ring";
			close(fd);
			break;
		}
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		w->fd[w->n] = fd;
		w->ring[w->n] = ring;
		w->n++;
	}
	if (!err && !w->n) {
		err = -ENODEV;
		*why = "no CPU took the event";
	}
	if (err)
		listenwatch_close(w);
	return err;
}

void listenwatch_clear(struct listenwatch *w, size_t i)
{
	struct perf_event_mmap_page *m = w->ring[i];
	uint64_t head = __atomic_load_n(&m->data_head, __ATOMIC_ACQUIRE);
	__atomic_store_n(&m->data_tail, head, __ATOMIC_RELEASE);
}

void listenwatch_close(struct listenwatch *w)
{
	for (size_t i = 0; i < w->n; i++) {
		munmap(w->ring[i], w->ring_len);
		close(w->fd[i]);
	}
	w->n = 0;
}
