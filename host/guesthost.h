/* What every guesthost verb gets, and the verbs themselves (one file each; guesthost.c has
 * the table). A verb returns its exit status, or a negative errno with err set: main prints
 * the error once, as "guesthost: MESSAGE", and exits with g->error_status. */
#ifndef GUESTINIT_HOST_GUESTHOST_H
#define GUESTINIT_HOST_GUESTHOST_H

#include <limits.h>

#include "error.h"

#define BOOT_TIMEOUT_S 180     /* start: QEMU's start to the guest's ready line */
#define SHUTDOWN_TIMEOUT_S 30  /* shutdown: the request to QEMU's end */
#define AGENT_STOP_TIMEOUT_S 5 /* SIGTERM to the agent's end */

struct gh {
	char state[PATH_MAX]; /* the state folder; short enough for every file name in it */
	char self[PATH_MAX];  /* this executable, which the agent is started from */
	int error_status;     /* the exit status of a failed verb: 1, or 255 for run and shell
			       * once their command line is good (the guest's end failed) */
	const char *start_hint; /* how to start this VM, for a session that finds it stopped */
	bool quiet;           /* start says nothing on success (wsl starts distributions unasked) */
};

typedef int gh_verb(struct gh *g, int argc, char **argv, struct gi_error *err);

gh_verb cmd_start, cmd_run, cmd_shell, cmd_shutdown, cmd_status, cmd_ports, cmd_agent;

struct proto_exec;
/* Runs spec in the guest (cmd_run.c) with our stdio, WSLENV's variables and TERM added (its
 * env has room for PROTO_MAX_ENV + 2 entries); the command's exit status. */
int gh_exec(struct gh *g, struct proto_exec *spec, struct gi_error *err);
/* The same with in_fd and out_fd as its stdin and stdout (stderr stays ours), for a command
 * of our own in the guest (the first user, an export); ours are put back after. */
int gh_exec_with(struct gh *g, struct proto_exec *spec, int in_fd, int out_fd, struct gi_error *err);
/* spec as a raw session (TAG_EXEC_RAW): *conn is its stdin and stdout once it has started,
 * for a server of ours in the guest (\\wsl$). 0, or -errno with the guest's reason in err. */
int gh_exec_raw(struct gh *g, struct proto_exec *spec, int *conn, struct gi_error *err);

/* Prints "guesthost: MESSAGE" on stderr: what a verb says on its way (not its error). */
void gh_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
