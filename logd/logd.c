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
#include "parse.h"
#include "rotfile.h"

#define LOGD_RETRY_S 5

struct logd {
	struct rotfile file;
	time_t next_retry;
	bool warned;
	char partial[4096]; /* a line not yet ended by '\n' */
	size_t partial_len;
};

static void logd_cannot_open(struct logd *l, int e)
{
	if (!l->warned)
		log_warn("logd", "cannot open %s: %s; retrying every %d s", l->file.path, strerror(e), LOGD_RETRY_S);
	l->warned = true;
	l->next_retry = time(NULL) + LOGD_RETRY_S;
}

static void logd_open(struct logd *l)
{
	rotfile_close(&l->file);
	int r = rotfile_open(&l->file);
	if (r < 0) {
		logd_cannot_open(l, -r);
		return;
	}
	l->warned = false;
}

static void logd_write_line(struct logd *l, const char *line, size_t len)
{
	if (!rotfile_is_open(&l->file) && time(NULL) >= l->next_retry)
		logd_open(l);
	if (!rotfile_is_open(&l->file))
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
	int r = rotfile_write(&l->file, buf, sn + len + 1);
	if (r < 0 && !rotfile_is_open(&l->file))
		logd_cannot_open(l, -r); /* the new file after a rotation */
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
	if (argc != 4) {
		fprintf(stderr, "usage: guestinit-logd FILE MAX_KIB KEEP\n");
		return 2;
	}
	uint64_t max_kib, keep;
	if (parse_uint(argv[2], 10, UINT64_MAX / 1024, &max_kib) < 0 || parse_uint(argv[3], 10, UINT_MAX, &keep) < 0 ||
	    argv[1][0] != '/') {
		fprintf(stderr, "guestinit-logd: bad arguments '%s %s %s' (want /FILE MAX_KIB KEEP)\n", argv[1],
			argv[2], argv[3]);
		return 2;
	}
	static struct logd l;
	rotfile_init(&l.file, argv[1], max_kib * 1024, (unsigned)keep);
	/* PID 1 execs /proc/self/exe, which would make ps show "exe": the name is set here */
	static const int signals[] = { SIGTERM, SIGINT, SIGUSR1, SIGHUP, 0 };
	struct evloop *loop;
	int r = daemon_setup("guestinit-logd", "guestinit-logd", signals, on_signal, &l, &loop);
	if (r < 0)
		return 1;
	logd_open(&l);
	fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK);
	if ((r = evloop_add_fd(loop, 0, EPOLLIN, on_input, &l)) < 0) {
		log_err("logd", "event loop setup: %s", strerror(-r));
		return 1;
	}
	r = evloop_run(loop);
	if (l.partial_len)
		logd_write_line(&l, l.partial, l.partial_len);
	rotfile_close(&l.file);
	evloop_free(loop);
	return r < 0 ? 1 : 0;
}

const struct daemon_def logd_daemon = {
	.name = "logd",
	.applet = "guestinit-logd",
	.description = "guestinit's log: PID 1's lines to /var/log/guestinit.log",
	.flags = DAEMON_LOG_PIPE_STDIN | DAEMON_LOG_FILE_ARGS,
};
