/* The commands' side of the supervisor's socket: one request, one reply. */
#ifndef GUESTINIT_SERVICES_CLIENT_H
#define GUESTINIT_SERVICES_CLIENT_H

#include <stdbool.h>

struct svc_reply {
	int status;
	char *out; /* for stdout, may be NULL */
	char *err; /* for stderr, may be NULL */
};

/* Sends verb, name and args (NULL-terminated, may be NULL); with pass_stdio our fds 0-2 and
 * env (NULL-terminated) go along for an init.d script. Returns 0 with *r filled, or -errno
 * when the supervisor cannot be reached. */
int svc_call(const char *verb, const char *name, char *const *args, char *const *env, bool pass_stdio,
	     struct svc_reply *r);
void svc_reply_free(struct svc_reply *r);
/* Prints out to stdout and err to stderr (each with a final newline). */
void svc_reply_print(const struct svc_reply *r);

#endif
