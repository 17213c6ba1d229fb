/* The service supervisor's model: one entry per service that was asked about, a job queue
 * per service (two starts at once start one daemon; a start during a stop waits its turn),
 * and the state machine of systemd's service type for units. Everything is an event of the
 * supervisor's one loop: a request, a child's death, a notify datagram, a timer. */
#ifndef GUESTINIT_SERVICES_SUPERVISOR_H
#define GUESTINIT_SERVICES_SUPERVISOR_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "svc_msg.h"

struct evloop;
struct fdstore;

struct sv_request {
	struct svc_request_msg msg; /* verb, name, an init.d script's extra words, the caller's kept variables */
	int fds[3];                 /* the caller's stdin/stdout/stderr; -1 when not sent */
	bool privileged;
	uid_t uid;
};

void supervisor_init(struct evloop *loop);
/* After a restart of the supervisor: takes the log pipes back from PID 1's store and the
 * services back from their records (svc_record.h). A first start finds neither. */
void supervisor_adopt(const struct fdstore *store);
/* Takes over req's fds; the reply goes to client (closed once sent). */
void supervisor_request(int client, struct sv_request *req);
/* Returns true if pid was a main or control process of a service. */
bool supervisor_reaped(pid_t pid, int wstatus);
void supervisor_notify(pid_t sender, const char *msg, size_t len);
/* Called after every round of reaping: services waiting for their group to empty move on. */
void supervisor_check_groups(void);
/* Stops every active service, in reverse start order, then calls done. */
void supervisor_stop_all(void (*done)(void));
void supervisor_free_request(struct sv_request *req);
/* Runs VERB (start, stop, restart) for NAME as root with nobody waiting on a socket; done is
 * called with the outcome (LSB code). Used by the boot sequence. */
void supervisor_submit(const char *name, const char *verb, void (*done)(void *ctx, int status), void *ctx);

#endif
