/* A service's output log: one pipe per service that outlives its processes (a restart keeps
 * writing where the last run stopped, nothing written is lost between runs) and the supervisor
 * itself (PID 1's fd store holds a reader while a restarted supervisor is not there yet),
 * drained by the supervisor's loop into /var/log/guestinit/NAME.log, rotated by size to
 * NAME.log.1 ... NAME.log.SVC_LOG_KEEP. */
#ifndef GUESTINIT_SERVICES_SVC_LOG_H
#define GUESTINIT_SERVICES_SVC_LOG_H

#include <stddef.h>
#include <stdio.h>

#include "rotfile.h"

struct evloop;
struct fdstore;

#define SVC_LOG_KEEP 5 /* rotated files kept besides the current one */

struct svc_log {
	char path[300];     /* empty until the pipe is opened or adopted: lines before that are dropped */
	int pipe_r, pipe_w; /* -1 until opened */
	struct rotfile file;
};

/* An unopened log (at the service's creation). */
void svc_log_init(struct svc_log *l);

/* Opens the pipe and registers it with the loop; returns the write end (for the children's
 * stdout/stderr) or -errno. Idempotent. */
int svc_log_open(struct svc_log *l, struct evloop *loop, const char *name, size_t max_bytes);
/* Takes a pipe back from the fd store after a supervisor restart; 0 or -errno. */
int svc_log_adopt(struct svc_log *l, struct evloop *loop, const char *name, size_t max_bytes, int pipe_r, int pipe_w);
/* Where new pipes are kept (the daemon's --fd-store). */
void svc_log_set_store(const struct fdstore *st);
/* Writes a line of the supervisor's own into the log ("guestinit: started"). */
void svc_log_note(struct svc_log *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the last n lines of the log file at path. */
void svc_log_tail(const char *path, unsigned n, FILE *out);

#endif
