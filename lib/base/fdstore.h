/* A store of open files that outlives the process keeping them: a datagram socket pair that
 * PID 1 holds open, in whose queue files sent with SCM_RIGHTS stay in flight until taken. A
 * daemon puts the files that must survive its own death there (the read ends of its services'
 * log pipes, so that a service writing output never meets a pipe without a reader), and its
 * next incarnation takes them back. Each entry is a name and up to FDPASS_MAX files. */
#ifndef GUESTINIT_FDSTORE_H
#define GUESTINIT_FDSTORE_H

#include <stddef.h>

#define FDSTORE_NAME_MAX 255

struct fdstore {
	int put_fd, take_fd; /* the two ends of the pair; -1: no store */
};

#define FDSTORE_NONE ((struct fdstore){ -1, -1 })

/* Creates a pair (PID 1's side); its queue may hold a few MiB of entries. 0 or -errno. */
int fdstore_create(struct fdstore *st);
/* Parses "PUT:TAKE" (the daemon's --fd-store argument); checks both are datagram sockets. */
int fdstore_parse(const char *arg, struct fdstore *st);
/* Adds an entry; the store gets its own references (the caller keeps its fds). 0 or -errno. */
int fdstore_put(const struct fdstore *st, const char *name, const int *fds, size_t nfds);
/* Takes every entry out of the store, calling each(ctx, name, fds, nfds): the fds are then the
 * callback's. Returns the number of entries or -errno. */
int fdstore_take_all(const struct fdstore *st, void (*each)(void *ctx, const char *name, int *fds, size_t nfds),
		     void *ctx);

#endif
