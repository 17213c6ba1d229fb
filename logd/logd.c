/* guestinit-logd FILE MAX_KIB KEEP: reads log lines on stdin (a pipe PID 1 holds open, so
 * nothing is lost while logd restarts), stamps each with the time and appends it to FILE,
 * rotating FILE → FILE.1 … FILE.KEEP past MAX_KIB. SIGUSR1/SIGHUP reopen, SIGTERM drains and
 * exits. A file that cannot be opened (read-only or missing /var/log) is retried later; the
 * console already has every line. */
#include "logd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "evloop.h"
#include "log.h"

#define LOGD_RETRY_S 5

struct logd {
	const char *path;
	off_t max_bytes;
	int keep;
	int fd;
	off_t size;
	time_t next_retry;
	bool warned;
	char partial[4096]; /* a line not yet ended by '\n' */
	size_t partial_len;
};

static void logd_close(struct logd *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

static void logd_open(struct logd *l)
{
	logd_close(l);
	l->fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	if (l->fd < 0) {
		if (!l->warned)
			log_warn("logd", "cannot open %s: %s; retrying every %d s", l->path, strerror(errno), LOGD_RETRY_S);
		l->warned = true;
		l->next_retry = time(NULL) + LOGD_RETRY_S;
		return;
	}
	l->warned = false;
	struct stat st;
	l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
}

static void logd_rotate(struct logd *l)
{
	char from[PATH_MAX], to[PATH_MAX];
	for (int i = l->keep - 1; i >= 1; i--) {
		snprintf(from, sizeof(from), "%s.%d", l->path, i);
		snprintf(to, sizeof(to), "%s.%d", l->path, i + 1);
		rename(from, to);
	}
	if (l->keep > 0) {
		snprintf(to, sizeof(to), "%s.1", l->path);
		rename(l->path, to);
	} else {
		(void)!ftruncate(l->fd, 0);
	}
	logd_open(l);
}

static void logd_write_line(struct logd *l, const char *line, size_t len)
{
	if (l->fd < 0 && time(NULL) >= l->next_retry)
		logd_open(l);
	if (l->fd < 0)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	struct tm tm;
	gmtime_r(&ts.tv_sec, &tm);
	char stamp[40];
	size_t sn = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	sn += (size_t)snprintf(stamp + sn, sizeof(stamp) - sn, ".%03ldZ ", ts.tv_nsec / 1000000);
	char buf[sizeof(stamp) + sizeof(l->partial) + 1];
	memcpy(buf, stamp, sn);
	memcpy(buf + sn, line, len);
	buf[sn + len] = '\n';
	ssize_t n = write(l->fd, buf, sn + len + 1);
	if (n > 0)
		l->size += n;
	if (l->max_bytes > 0 && l->size >= l->max_bytes)
		logd_rotate(l);
}

/* Splits what was read into lines; an over-long line is cut into pieces. */
static void logd_feed(struct logd *l, const char *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n' || l->partial_len == sizeof(l->partial)) {
			logd_write_line(l, l->partial, l->partial_len);
			l->partial_len = 0;
			if (data[i] == '\n')
				continue;
		}
		l->partial[l->partial_len++] = data[i];
	}
}

/* Returns false at end of input. */
static bool logd_drain(struct logd *l)
{
	char buf[8192];
	for (;;) {
		ssize_t n = read(0, buf, sizeof(buf));
		if (n > 0) {
			logd_feed(l, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

static void on_input(struct evloop *loop, int fd, uint32_t events, void *data)
{
	(void)fd;
	(void)events;
	struct logd *l = data;
	if (!logd_drain(l))
		evloop_quit(loop, 0);
}

static void on_signal(struct evloop *loop, const struct signalfd_siginfo *si, void *data)
{
	struct logd *l = data;
	if (si->ssi_signo == SIGTERM || si->ssi_signo == SIGINT) {
		logd_drain(l);
		evloop_quit(loop, 0);
	} else {
		logd_open(l);
	}
}

int logd_main(int argc, char **argv)
{
	log_init("guestinit-logd");
	/* PID 1 execs /proc/self/exe, which would make ps show "exe" */
	prctl(PR_SET_NAME, "guestinit-logd");
	if (argc != 4) {
		fprintf(stderr, "usage: guestinit-logd FILE MAX_KIB KEEP\n");
		return 2;
	}
	char *end;
	long max_kib = strtol(argv[2], &end, 10);
	long keep = strtol(*end ? "x" : argv[3], &end, 10);
	if (*end || max_kib < 0 || keep < 0 || argv[1][0] != '/') {
		fprintf(stderr, "guestinit-logd: bad arguments '%s %s %s' (want /FILE MAX_KIB KEEP)\n", argv[1],
			argv[2], argv[3]);
		return 2;
	}
	struct logd l = { .path = argv[1], .max_bytes = (off_t)max_kib * 1024, .keep = (int)keep, .fd = -1 };
	logd_open(&l);
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);

	struct evloop *loop;
	int r = evloop_new(&loop);
	if (r < 0) {
		log_err("logd", "event loop: %s", strerror(-r));
		return 1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGHUP);
	if ((r = evloop_set_signals(loop, &set, on_signal, &l)) < 0 ||
	    (r = evloop_add_fd(loop, 0, EPOLLIN, on_input, &l)) < 0) {
		log_err("logd", "event loop setup: %s", strerror(-r));
		return 1;
	}
	r = evloop_run(loop);
	if (l.partial_len)
		logd_write_line(&l, l.partial, l.partial_len);
	logd_close(&l);
	evloop_free(loop);
	return r < 0 ? 1 : 0;
}
