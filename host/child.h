/* The host's helpers as children: argv arrays, never a shell. A program is found in $PATH as
 * a shell would find it, started with lib/base/spawn (only the fds asked for) and waited for. */
#ifndef GUESTINIT_HOST_CHILD_H
#define GUESTINIT_HOST_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* name in $PATH (a name with a slash is taken as it is): 0 or -ENOENT. */
int child_which(const char *name, char *out, size_t cap);

struct child_spec {
	char *const *argv;    /* argv[0] is looked up with child_which */
	int fds[3];           /* the child's 0, 1, 2; -1: /dev/null */
	const int *extra_fds; /* become 3, 4, ... */
	size_t nextra;
	bool setsid;          /* a session of its own: a Ctrl-C at our terminal is not for it */
};

/* The child's pid, or -errno with err set. */
pid_t child_start(const struct child_spec *c, struct gi_error *err);
/* Waits for a child of ours: its exit status, 128+signal, or -errno. */
int child_wait(pid_t pid);
/* child_start and child_wait: the status, or -errno with err set. */
int child_run(const struct child_spec *c, struct gi_error *err);

#endif
