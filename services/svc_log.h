/* A service's output log: one pipe per service that outlives its processes (a restart keeps
 * writing where the last run stopped, nothing written is lost between runs), drained by the
 * supervisor's loop into /var/log/guestinit/NAME.log, rotated by size to NAME.log.1. */
#ifndef GUESTINIT_SERVICES_SVC_LOG_H
#define GUESTINIT_SERVICES_SVC_LOG_H

#include <stddef.h>
#include <stdio.h>

struct evloop;

struct svc_log {
	char path[300];
	int pipe_r, pipe_w; /* -1 until opened */
	int file_fd;
	size_t max_bytes;
};

/* Opens the pipe and registers it with the loop; returns the write end (for the children's
 * stdout/stderr) or -errno. Idempotent. */
int svc_log_open(struct svc_log *l, struct evloop *loop, const char *name, size_t max_bytes);
void svc_log_close(struct svc_log *l, struct evloop *loop);
/* Writes a line of the supervisor's own into the log ("guestinit: started"). */
void svc_log_note(struct svc_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the last n lines of the log file at path. */
void svc_log_tail(const char *path, unsigned n, FILE *out);

#endif
